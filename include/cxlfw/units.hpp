// Sizes and size literals (`256_MiB`). CXL sizes are 64-bit byte counts.
#pragma once

#include <cstdint>

namespace cxlfw {

inline namespace literals {

consteval std::uint64_t operator""_KiB(unsigned long long v) {
    return v << 10;
}
consteval std::uint64_t operator""_MiB(unsigned long long v) {
    return v << 20;
}
consteval std::uint64_t operator""_GiB(unsigned long long v) {
    return v << 30;
}
consteval std::uint64_t operator""_TiB(unsigned long long v) {
    return v << 40;
}

} // namespace literals

/// HDM decoder bases and sizes, DVSEC ranges and mailbox capacities come in 256 MiB units
/// (CXL 2.0 §8.2.5.12; Linux `CXL_CAPACITY_MULTIPLIER`, `SZ_256M` alignment checks).
inline constexpr std::uint64_t hdm_alignment = 256_MiB;

constexpr bool is_aligned(std::uint64_t value, std::uint64_t alignment) noexcept {
    return alignment != 0 && value % alignment == 0;
}

} // namespace cxlfw
