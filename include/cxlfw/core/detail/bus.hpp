// What the core asks of the host about the cxl bus's drivers: whether cxl_port or cxl_mem is
// registered, which decides between a no_*_driver fact and a not-bound one.
#pragma once

#include <cxlfw/config.hpp>

#include <string_view>

namespace cxlfw::base {
class host;
} // namespace cxlfw::base

namespace cxlfw::core::detail {

/// Whether a driver named `name` is among the host's matchable drivers.
CXLFW_DECL bool driver_registered(base::host const& h, std::string_view name);

} // namespace cxlfw::core::detail

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/core/detail/impl/bus.ipp>
#endif
