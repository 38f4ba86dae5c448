// The DPA bookkeeping only the core does (Linux drivers/cxl/core/core.h: __cxl_dpa_reserve,
// __cxl_dpa_release): claiming what the hardware already decodes at enumeration, and
// releasing a decoder's DPA when its port goes. A driver allocates with core/dpa.hpp instead.
#pragma once

#include <cxlfw/config.hpp>

#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/objects.hpp>

#include <cstdint>

namespace cxlfw::core::detail {

/// The memdev whose DPA an endpoint decoder allocates from.
inline memdev* memdev_of(decoder const& d) {
    return d.owner().endpoint_memdev();
}

/// Claim a range the hardware already decodes (a decoder found committed): Linux
/// __cxl_dpa_reserve() at enumeration.
CXLFW_DECL fact_result<void> dpa_reserve(decoder& d, std::uint64_t base, std::uint64_t size,
                                         std::uint64_t skip);

/// Free DPA ignoring the rules: the decoder is going away with its port.
CXLFW_DECL void dpa_release(decoder& d);

} // namespace cxlfw::core::detail

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/core/detail/impl/dpa.ipp>
#endif
