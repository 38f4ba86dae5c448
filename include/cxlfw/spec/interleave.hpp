// Interleave encodings shared by HDM decoders (IW/IG), CFMWS (ENIW/HBIG) and CXIMS (HBIG):
// ways <-> eiw and granularity <-> eig, each checked in both directions (CXL 2.0 §8.2.5.12.7;
// Linux drivers/cxl/cxl.h eiw_to_ways/ways_to_eiw/eig_to_granularity/granularity_to_eig).
#pragma once

#include <cxlfw/result.hpp>
#include <cxlfw/spec/errc.hpp>

#include <cstdint>

namespace cxlfw::spec {

inline constexpr unsigned min_granularity = 256;   // eig 0
inline constexpr unsigned max_granularity = 16384; // eig 6
inline constexpr unsigned max_eig = 6;

/// Ways 1, 2, 4, 8, 16 encode as log2; 3, 6, 12 as 8 + log2(ways / 3).
constexpr checked<unsigned> eiw_to_ways(unsigned eiw) noexcept {
    if (eiw <= 4) return 1u << eiw;
    if (eiw >= 8 && eiw <= 10) return 3u << (eiw - 8);
    return errc::invalid_eiw;
}

constexpr checked<unsigned> ways_to_eiw(unsigned ways) noexcept {
    switch (ways) {
    case 1:
        return 0u;
    case 2:
        return 1u;
    case 4:
        return 2u;
    case 8:
        return 3u;
    case 16:
        return 4u;
    case 3:
        return 8u;
    case 6:
        return 9u;
    case 12:
        return 10u;
    default:
        return errc::invalid_ways;
    }
}

constexpr bool valid_ways(unsigned ways) noexcept {
    return ways_to_eiw(ways).has_value();
}

/// 3, 6 and 12 ways need the "3/6/12-way" capability; everything else is a power of two.
constexpr bool is_multiple_of_3_ways(unsigned ways) noexcept {
    return ways == 3 || ways == 6 || ways == 12;
}

constexpr checked<unsigned> eig_to_granularity(unsigned eig) noexcept {
    if (eig > max_eig) return errc::invalid_eig;
    return min_granularity << eig;
}

constexpr checked<unsigned> granularity_to_eig(std::uint64_t granularity) noexcept {
    for (unsigned eig = 0; eig <= max_eig; ++eig)
        if (granularity == (std::uint64_t{min_granularity} << eig)) return eig;
    return errc::invalid_granularity;
}

constexpr bool valid_granularity(std::uint64_t granularity) noexcept {
    return granularity_to_eig(granularity).has_value();
}

} // namespace cxlfw::spec
