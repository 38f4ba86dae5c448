// Out-of-line definitions for <cxlfw/core/dpa.hpp>: a memdev's partitions and the DPA rules
// of allocating and freeing.
#pragma once

#include <cxlfw/core/dpa.hpp>

#include <cxlfw/core/detail/dpa.hpp>
#include <cxlfw/core/detail/port_access.hpp>
#include <cxlfw/core/hdm.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/units.hpp>

#include <algorithm>
#include <mutex>
#include <optional>
#include <string>

namespace cxlfw::core {

CXLFW_DECL std::vector<dpa_partition> partitions(memdev const& md) {
    std::vector<dpa_partition> out;
    if (md.ram_size()) out.push_back({partition_mode::ram, 0, md.ram_size()});
    if (md.pmem_size()) out.push_back({partition_mode::pmem, md.ram_size(), md.pmem_size()});
    return out;
}

namespace detail {

/// The end of what is claimed (allocations and their skips) inside `part`, if anything is.
CXLFW_DECL std::optional<std::uint64_t> used_end(port const& ep, dpa_partition const& part) {
    std::optional<std::uint64_t> end;
    for (auto const& d : ep.decoders()) {
        if (!d->dpa) continue;
        std::uint64_t const lo = d->dpa->base - d->dpa->skip;
        std::uint64_t const hi = d->dpa->base + d->dpa->size;
        if (hi <= part.base || lo >= part.end()) continue;
        std::uint64_t const e = std::min(hi, part.end());
        if (!end || e > *end) end = e;
    }
    return end;
}

} // namespace detail

CXLFW_DECL fact_result<void> dpa_set_mode(decoder& d, partition_mode mode) {
    std::lock_guard lk{d.owner().core().mutex()};
    if (d.reset_owed) retry_owed_resets(d.owner()); // it may be free again
    if (d.kind() != decoder_kind::endpoint)
        return fact{errc::invalid_target, d.name() + " is not an endpoint decoder"};
    if (d.enabled) return fact{errc::decoder_busy, d.name() + " is committed"};
    memdev* md = detail::memdev_of(d);
    if (!md) return fact{errc::endpoint_absent, d.name() + " has no memdev"};
    for (auto const& p : partitions(*md))
        if (p.mode == mode) {
            d.mode = mode;
            return {};
        }
    return fact{errc::partition_absent,
                md->name() + " has no " + std::string{to_string(mode)} + " capacity"};
}

CXLFW_DECL fact_result<void> dpa_alloc(decoder& d, std::uint64_t size) {
    port& ep = d.owner();
    std::lock_guard lk{ep.core().mutex()};
    if (d.reset_owed) retry_owed_resets(d.owner()); // it may be free again
    if (d.kind() != decoder_kind::endpoint)
        return fact{errc::invalid_target, d.name() + " is not an endpoint decoder"};
    memdev* md = detail::memdev_of(d);
    if (!md) return fact{errc::endpoint_absent, d.name() + " has no memdev"};
    if (d.region) return fact{errc::decoder_busy, d.name() + " is attached to " + d.region->name()};
    if (d.enabled) return fact{errc::decoder_busy, d.name() + " is committed"};
    if (d.dpa) return fact{errc::decoder_busy, d.name() + " already has a DPA allocation"};
    if (size == 0 || !is_aligned(size, hdm_alignment))
        return fact{errc::invalid_size, d.name() + ": DPA size " + detail::hex(size) +
                                            " is not a non-zero multiple of 256 MiB"};
    if (d.mode == partition_mode::none)
        return fact{errc::partition_absent, d.name() + ": no partition mode chosen"};
    if (ep.hdm_end() + 1 != static_cast<int>(d.id()))
        return fact{errc::dpa_order, d.name() + ": DPA allocation out of order, expected decoder" +
                                         std::to_string(ep.id()) + "." +
                                         std::to_string(ep.hdm_end() + 1)};
    auto parts = partitions(*md);
    auto it = std::find_if(parts.begin(), parts.end(),
                           [&](dpa_partition const& p) { return p.mode == d.mode; });
    if (it == parts.end())
        return fact{errc::partition_absent,
                    md->name() + " has no " + std::string{to_string(d.mode)} + " capacity"};
    auto const idx = static_cast<std::size_t>(it - parts.begin());
    std::uint64_t const start = detail::used_end(ep, *it).value_or(it->base);
    // Unused space of the partitions below, from the last claim there, becomes skip.
    std::optional<std::uint64_t> skip_start;
    for (std::size_t i = idx; i > 0; --i) {
        auto const& prev = parts[i - 1];
        if (auto e = detail::used_end(ep, prev)) {
            skip_start = *e;
            break;
        }
        skip_start = prev.base;
    }
    std::uint64_t const avail = it->end() - start;
    if (size > avail)
        return fact{errc::no_capacity, d.name() + ": " + detail::hex(size) + " exceeds the " +
                                           detail::hex(avail) + " free in " + md->name() + "'s " +
                                           std::string{to_string(d.mode)} + " partition"};
    std::uint64_t const skip = skip_start ? it->base - *skip_start : 0;
    d.dpa = dpa_extent{start, size, skip};
    port_access::hdm_end(ep) = static_cast<int>(d.id());
    return {};
}

CXLFW_DECL fact_result<void> dpa_free(decoder& d) {
    port& ep = d.owner();
    std::lock_guard lk{ep.core().mutex()};
    if (d.reset_owed) retry_owed_resets(d.owner()); // it may be free again
    if (!d.dpa) return {};
    if (d.region) return fact{errc::decoder_busy, d.name() + " is attached to " + d.region->name()};
    if (d.enabled) return fact{errc::decoder_busy, d.name() + " is committed"};
    if (ep.hdm_end() != static_cast<int>(d.id()))
        return fact{errc::dpa_order, d.name() + ": only the last allocation (decoder" +
                                         std::to_string(ep.id()) + "." +
                                         std::to_string(ep.hdm_end()) + ") can be freed"};
    d.dpa.reset();
    --port_access::hdm_end(ep);
    return {};
}

CXLFW_DECL std::uint64_t dpa_available(port const& ep, partition_mode mode) {
    memdev* md = ep.endpoint_memdev();
    if (!md) return 0;
    for (auto const& p : partitions(*md))
        if (p.mode == mode) return p.end() - detail::used_end(ep, p).value_or(p.base);
    return 0;
}

} // namespace cxlfw::core
