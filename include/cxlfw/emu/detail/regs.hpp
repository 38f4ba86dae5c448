// Building blocks of the register models: dword-granular blocks seen through accesses of 1, 2,
// 4 or 8 bytes, a small byte image for rendering structures, and the command bits an emulated
// function implements.
#pragma once

#include <cxlfw/spec/bits.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

namespace cxlfw::emu::detail {

constexpr std::uint64_t width_mask(unsigned width) noexcept {
    return width >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * width)) - 1;
}

constexpr std::uint32_t merge(std::uint32_t old, std::uint32_t value, std::uint32_t mask) noexcept {
    return (old & ~mask) | (value & mask);
}

/// A read of `width` bytes at an aligned `offset` of a block modelled as dwords.
template <class Read32>
std::uint64_t read_dwords(std::uint64_t offset, unsigned width, Read32&& read32) {
    if (width == 8)
        return std::uint64_t{read32(offset)} | (std::uint64_t{read32(offset + 4)} << 32);
    unsigned const shift = static_cast<unsigned>(offset & 3) * 8;
    return (std::uint64_t{read32(offset & ~std::uint64_t{3})} >> shift) & width_mask(width);
}

/// A write of `width` bytes: `write32(dword offset, value, byte-lane mask)` per dword touched,
/// low dword first.
template <class Write32>
void write_dwords(std::uint64_t offset, unsigned width, std::uint64_t value, Write32&& write32) {
    if (width == 8) {
        write32(offset, static_cast<std::uint32_t>(value), 0xFFFF'FFFFu);
        write32(offset + 4, static_cast<std::uint32_t>(value >> 32), 0xFFFF'FFFFu);
        return;
    }
    unsigned const shift = static_cast<unsigned>(offset & 3) * 8;
    auto const mask = static_cast<std::uint32_t>(width_mask(width) << shift);
    write32(offset & ~std::uint64_t{3}, static_cast<std::uint32_t>(value << shift), mask);
}

/// A structure rendered into bytes (little-endian), read back a dword at a time.
template <std::size_t N>
struct image {
    std::array<std::uint8_t, N> bytes{};
    constexpr void put(std::size_t at, unsigned width, std::uint64_t v) noexcept {
        for (unsigned i = 0; i < width && at + i < N; ++i)
            bytes[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
    }
    template <class R>
    constexpr void put(typename R::value_type v, std::size_t base = 0) noexcept {
        put(base + R::offset, sizeof(typename R::value_type), v);
    }
    template <class R>
    constexpr void put_at(std::size_t n, typename R::value_type v, std::size_t base = 0) noexcept {
        put(base + R::offset_of(n), sizeof(typename R::value_type), v);
    }
    constexpr std::uint32_t dword(std::size_t at) const noexcept {
        std::uint32_t v = 0;
        for (unsigned i = 0; i < 4 && at + i < N; ++i)
            v |= std::uint32_t{bytes[at + i]} << (8 * i);
        return v;
    }
};

/// The part of a dword write that lands on register R (at R::offset within the dword's
/// structure): {value, mask} shifted down to the register, or mask 0 if it misses.
struct reg_write {
    std::uint32_t value = 0;
    std::uint32_t mask = 0;
    constexpr bool hit() const noexcept { return mask != 0; }
    constexpr std::uint32_t apply(std::uint32_t old) const noexcept {
        return merge(old, value, mask);
    }
};
constexpr reg_write lane(std::size_t dword_at, std::uint32_t value, std::uint32_t mask,
                         std::size_t reg_at, unsigned reg_width) noexcept {
    if (reg_at + reg_width <= dword_at || reg_at >= dword_at + 4) return {};
    unsigned const shift = static_cast<unsigned>(reg_at - dword_at) * 8;
    std::uint32_t const reg_mask =
        reg_width >= 4 ? 0xFFFF'FFFFu : ((std::uint32_t{1} << (8 * reg_width)) - 1);
    return {(value >> shift) & reg_mask, (mask >> shift) & reg_mask};
}

// --- PCI registers spec/pci.hpp does not define (yet) ----------------------------------------

/// Command bits an emulated function implements (I/O, memory, bus master, parity, SERR,
/// INTx disable).
inline constexpr std::uint16_t command_write_mask = 0x0547;

} // namespace cxlfw::emu::detail
