// Interleave address math for one member of an interleave set: DPA offset -> HPA and
// HPA -> (DPA offset, position), with modulo or XOR arithmetic (ndctl test/cxl-translate.sh).
//
// Modulo (CXL "Device Decode Logic"; Linux cxl_calculate_hpa_offset/_dpa_offset/_position):
// with granularity g and ways W the HPA offset is (dpa / g * W + position) * g + dpa % g, and
// back: chunk = offset / g, position = chunk % W, dpa = chunk / W * g + offset % g. The same
// formula serves 2^n and 3/6/12 ways.
//
// XOR (CFMWS arithmetic 1 with a CXIMS; Linux cxl_xor_hpa_to_spa): after the modulo step the
// system address (base + offset) goes through the host bridge's XOR maps, in order; each map
// replaces the address bit at its lowest set bit with the parity of (address & map).
//
//   interleave_geometry g{.ways = 4, .granularity = 256, .position = 1,
//                         .arithmetic = interleave_arithmetic::xormap, .hb_ways = 4,
//                         .xormaps = {0x2020900, 0x4041200}};
//   dpa_to_hpa(g, 0x100)     -> the HPA this device's DPA offset 0x100 answers to
//   hpa_to_dpa(g, hpa)       -> {dpa offset, position} of whichever member decodes hpa
//   hpa_to_device_dpa(g, hpa) -> the DPA offset, or address_not_in_position
#pragma once

#include <cxlfw/result.hpp>
#include <cxlfw/spec/bounded_list.hpp>
#include <cxlfw/spec/errc.hpp>
#include <cxlfw/spec/interleave.hpp>

#include <bit>
#include <cstdint>
#include <limits>
#include <span>

namespace cxlfw::spec {

/// CFMWS Interleave Arithmetic (CXL 3.0 §9.17.1.3; ACPICA actbl1.h).
enum class interleave_arithmetic : std::uint8_t {
    modulo = 0, ///< standard modulo arithmetic
    xormap = 1, ///< modulo, then the XOR maps of a CXIMS
};

/// 16 host-bridge ways need four XOR maps; no geometry uses more.
inline constexpr std::size_t max_xormaps_used = 4;
using xormap_list = bounded_list<std::uint64_t, max_xormaps_used>;

/// How many XOR maps XOR interleave over `hb_ways` host bridges uses: none for 1 and 3 ways,
/// log2(ways) for 2/4/8/16, log2(ways / 3) for 6/12 (Linux cxl_parse_cxims).
constexpr checked<unsigned> xormaps_needed(unsigned hb_ways) noexcept {
    switch (hb_ways) {
    case 1:
    case 3:
        return 0u;
    case 2:
    case 6:
        return 1u;
    case 4:
    case 12:
        return 2u;
    case 8:
        return 3u;
    case 16:
        return 4u;
    default:
        return errc::invalid_ways;
    }
}

/// One XOR map step: the bit at the map's lowest set bit becomes parity(hpa & map). That is
/// the same as flipping it by the parity of the map's *other* bits, which the step does not
/// change, so every step is its own inverse.
constexpr std::uint64_t apply_xormap(std::uint64_t hpa, std::uint64_t map) noexcept {
    if (map == 0) return hpa;
    const unsigned bit = static_cast<unsigned>(std::countr_zero(map));
    const std::uint64_t others = map & ~(std::uint64_t{1} << bit);
    const auto parity = static_cast<std::uint64_t>(std::popcount(hpa & others) & 1);
    return hpa ^ (parity << bit);
}

/// The maps in order, as the host bridge applies them.
constexpr std::uint64_t apply_xormaps(std::uint64_t hpa,
                                      std::span<const std::uint64_t> maps) noexcept {
    for (auto map : maps)
        hpa = apply_xormap(hpa, map);
    return hpa;
}

/// The inverse of apply_xormaps: the same self-inverse steps in reverse order. (Linux reuses
/// the forward order, which is only right when no map covers another map's lowest bit.)
constexpr std::uint64_t undo_xormaps(std::uint64_t hpa,
                                     std::span<const std::uint64_t> maps) noexcept {
    for (auto it = maps.rbegin(); it != maps.rend(); ++it)
        hpa = apply_xormap(hpa, *it);
    return hpa;
}

/// Where one device sits in an interleave set, and how the host spreads addresses over it.
struct interleave_geometry {
    unsigned ways = 1;                      ///< region interleave ways: 1, 2, 4, 8, 16, 3, 6, 12
    unsigned granularity = min_granularity; ///< bytes: 256 << 0..6
    unsigned position = 0;                  ///< this device's position, below ways
    /// HPA of region offset 0. The modulo step works on offsets from here; XOR maps act on
    /// the system address base + offset (Linux adds the region start before hpa_to_spa).
    std::uint64_t base = 0;
    interleave_arithmetic arithmetic = interleave_arithmetic::modulo;
    unsigned hb_ways = 1;  ///< host-bridge interleave ways (XOR only): picks the maps used
    xormap_list xormaps{}; ///< the CXIMS XORMAPs (XOR only); the first xormaps_needed() count

    friend constexpr bool operator==(interleave_geometry const&,
                                     interleave_geometry const&) = default;
};

/// A DPA offset and the interleave position whose device holds it.
struct dpa_position {
    std::uint64_t dpa = 0;
    unsigned position = 0;
    friend constexpr bool operator==(dpa_position const&, dpa_position const&) = default;
};

/// Every rule a geometry must meet, each with its own error.
constexpr checked<void> check_geometry(interleave_geometry const& g) noexcept {
    if (!valid_ways(g.ways)) return errc::invalid_ways;
    if (!valid_granularity(g.granularity)) return errc::invalid_granularity;
    if (g.position >= g.ways) return errc::position_out_of_range;
    switch (g.arithmetic) {
    case interleave_arithmetic::modulo:
        return {};
    case interleave_arithmetic::xormap:
        break;
    default:
        return errc::invalid_arithmetic;
    }
    auto needed = xormaps_needed(g.hb_ways);
    if (!needed) return needed.error();
    if (g.xormaps.size() < *needed) return errc::missing_xormap;
    for (std::size_t i = 0; i < *needed; ++i)
        if (g.xormaps[i] == 0) return errc::invalid_xormap;
    return {};
}

namespace detail {

/// The maps a checked XOR geometry uses (empty for modulo).
constexpr std::span<const std::uint64_t> used_xormaps(interleave_geometry const& g) noexcept {
    if (g.arithmetic != interleave_arithmetic::xormap) return {};
    return g.xormaps.span().first(xormaps_needed(g.hb_ways).value());
}

constexpr unsigned granularity_shift(interleave_geometry const& g) noexcept {
    return static_cast<unsigned>(std::countr_zero(g.granularity));
}

} // namespace detail

/// The HPA at which this device's DPA offset appears. offset_out_of_range when the result
/// does not fit in 64 bits.
constexpr checked<std::uint64_t> dpa_to_hpa(interleave_geometry const& g,
                                            std::uint64_t dpa_offset) noexcept {
    if (auto ok = check_geometry(g); !ok) return ok.error();
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    const unsigned shift = detail::granularity_shift(g);
    const std::uint64_t chunk = dpa_offset >> shift;
    const std::uint64_t low = dpa_offset & (std::uint64_t{g.granularity} - 1);
    // (chunk * ways + position) << shift must fit: chunk * ways + position <= max >> shift.
    if (chunk > ((max >> shift) - g.position) / g.ways) return errc::offset_out_of_range;
    const std::uint64_t offset = ((chunk * g.ways + g.position) << shift) | low;
    if (offset > max - g.base) return errc::offset_out_of_range;
    return apply_xormaps(g.base + offset, detail::used_xormaps(g));
}

/// The DPA offset and position that decode `hpa` (g.position is not consulted).
/// offset_out_of_range when the address lies below the region base.
constexpr checked<dpa_position> hpa_to_dpa(interleave_geometry const& g,
                                           std::uint64_t hpa) noexcept {
    if (auto ok = check_geometry(g); !ok) return ok.error();
    const std::uint64_t plain = undo_xormaps(hpa, detail::used_xormaps(g));
    if (plain < g.base) return errc::offset_out_of_range;
    const std::uint64_t offset = plain - g.base;
    const unsigned shift = detail::granularity_shift(g);
    const std::uint64_t chunk = offset >> shift;
    const std::uint64_t low = offset & (std::uint64_t{g.granularity} - 1);
    return dpa_position{((chunk / g.ways) << shift) | low, static_cast<unsigned>(chunk % g.ways)};
}

/// This device's DPA offset for `hpa`; address_not_in_position when another position
/// decodes it.
constexpr checked<std::uint64_t> hpa_to_device_dpa(interleave_geometry const& g,
                                                   std::uint64_t hpa) noexcept {
    auto r = hpa_to_dpa(g, hpa);
    if (!r) return r.error();
    if (r->position != g.position) return errc::address_not_in_position;
    return r->dpa;
}

} // namespace cxlfw::spec
