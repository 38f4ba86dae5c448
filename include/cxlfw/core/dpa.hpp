// Device physical address allocation (Linux core/hdm.c cxl_dpa_*): a memdev's DPA is its
// RAM partition [0, ram) then its PMEM partition [ram, ram + pmem). Each endpoint decoder
// claims one extent:
//   - decoders allocate in id order (decoder N after N-1: dpa_order);
//   - an allocation appends at the end of its partition; unused space of lower partitions
//     between the previous allocation and this one becomes the decoder's DPA skip;
//   - sizes are non-zero multiples of 256 MiB (invalid_size);
//   - only the last allocation can be freed (dpa_order), and not while the decoder is in a
//     region or committed (decoder_busy).
//
//   core::dpa_set_mode(dec, core::partition_mode::pmem);
//   core::dpa_alloc(dec, 512_MiB);     // dec.dpa = {base, size, skip}
#pragma once

#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/objects.hpp>
#include <cxlfw/units.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

namespace cxlfw::core {

/// One partition of a memdev's DPA.
struct dpa_partition {
    partition_mode mode = partition_mode::none;
    std::uint64_t base = 0;
    std::uint64_t size = 0;
    std::uint64_t end() const noexcept { return base + size; }
};

/// RAM then PMEM; partitions of zero size are left out (Linux add_dpa_res "no capacity").
inline std::vector<dpa_partition> partitions(memdev const& md) {
    std::vector<dpa_partition> out;
    if (md.ram_size()) out.push_back({partition_mode::ram, 0, md.ram_size()});
    if (md.pmem_size()) out.push_back({partition_mode::pmem, md.ram_size(), md.pmem_size()});
    return out;
}

namespace detail {

inline memdev* memdev_of(decoder const& d) {
    return d.owner().endpoint_memdev();
}

/// The end of what is claimed (allocations and their skips) inside `part`, if anything is.
inline std::optional<std::uint64_t> used_end(port const& ep, dpa_partition const& part) {
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

/// Linux cxl_dpa_set_part(): the partition the decoder's next allocation comes from.
inline fact_result<void> dpa_set_mode(decoder& d, partition_mode mode) {
    std::lock_guard lk{d.owner().core().mutex()};
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

/// Linux cxl_dpa_alloc(): `size` bytes at the end of the decoder's partition.
inline fact_result<void> dpa_alloc(decoder& d, std::uint64_t size) {
    port& ep = d.owner();
    std::lock_guard lk{ep.core().mutex()};
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

/// Claim a range the hardware already decodes (a decoder found committed): Linux
/// __cxl_dpa_reserve() at enumeration.
inline fact_result<void> dpa_reserve(decoder& d, std::uint64_t base, std::uint64_t size,
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

/// Linux cxl_dpa_free(): only the last allocation, and not while it is in use.
inline fact_result<void> dpa_free(decoder& d) {
    port& ep = d.owner();
    std::lock_guard lk{ep.core().mutex()};
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

/// Free DPA ignoring the rules: the decoder is going away with its port.
inline void dpa_release(decoder& d) {
    port& ep = d.owner();
    std::lock_guard lk{ep.core().mutex()};
    if (!d.dpa) return;
    d.dpa.reset();
    if (ep.hdm_end() == static_cast<int>(d.id())) --port_access::hdm_end(ep);
}

/// Free DPA left on a memdev's endpoint decoders: what the next allocation of `mode`
/// could have at most (Linux cxl_dpa_*: for reports and the Type-2 helper).
inline std::uint64_t dpa_available(port const& ep, partition_mode mode) {
    memdev* md = ep.endpoint_memdev();
    if (!md) return 0;
    for (auto const& p : partitions(*md))
        if (p.mode == mode) return p.end() - detail::used_end(ep, p).value_or(p.base);
    return 0;
}

} // namespace cxlfw::core
