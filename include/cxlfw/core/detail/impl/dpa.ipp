// Out-of-line definitions for <cxlfw/core/detail/dpa.hpp>: reserving and releasing DPA
// outside the allocation rules.
#pragma once

#include <cxlfw/core/detail/dpa.hpp>

#include <cxlfw/core/detail/port_access.hpp>
#include <cxlfw/core/dpa.hpp>
#include <cxlfw/core/registry.hpp>

#include <mutex>
#include <string>

namespace cxlfw::core::detail {

CXLFW_DECL fact_result<void> dpa_reserve(decoder& d, std::uint64_t base, std::uint64_t size,
                                         std::uint64_t skip) {
    port& ep = d.owner();
    std::lock_guard lk{ep.core().mutex()};
    memdev* md = detail::memdev_of(d);
    if (!md) return fact{errc::endpoint_absent, d.name() + " has no memdev"};
    if (size == 0) return fact{errc::hdm_invalid, d.name() + ": empty DPA reservation"};
    if (ep.hdm_end() + 1 != static_cast<int>(d.id()))
        return fact{errc::dpa_order, d.name() + ": expected decoder" + std::to_string(ep.id()) +
                                         "." + std::to_string(ep.hdm_end() + 1)};
    if (base + size > md->dpa_size() || base + size < base)
        return fact{errc::hdm_invalid, d.name() + ": DPA " + detail::hex(base) + "+" +
                                           detail::hex(size) + " is beyond " + md->name() +
                                           "'s capacity " + detail::hex(md->dpa_size())};
    d.dpa = dpa_extent{base, size, skip};
    for (auto const& p : partitions(*md))
        if (base >= p.base && base + size <= p.end()) d.mode = p.mode;
    port_access::hdm_end(ep) = static_cast<int>(d.id());
    return {};
}

CXLFW_DECL void dpa_release(decoder& d) {
    port& ep = d.owner();
    std::lock_guard lk{ep.core().mutex()};
    if (!d.dpa) return;
    d.dpa.reset();
    if (ep.hdm_end() == static_cast<int>(d.id())) --port_access::hdm_end(ep);
}

} // namespace cxlfw::core::detail
