// Access buses: how register bytes are reached, by byte offset and width.
//
// A bus is anything with `read(offset, width)` and `write(offset, width, value)`, widths
// 1, 2, 4 or 8 bytes, values little-endian in the low bits of a u64. Three kinds exist:
// `memory_bus` over bytes (a loaded dump, or a test's buffer), the emulator's device
// buses (emu/), and `mmio_bus` over a real mapping. Register definitions (spec/bits.hpp)
// never know which one they go through; `hw::window` (window.hpp) adds bounds and types.
#pragma once

#include <cxlfw/hw/errc.hpp>
#include <cxlfw/result.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace cxlfw::hw {

template <class B>
concept access_bus = requires(B& b, std::uint64_t offset, unsigned width, std::uint64_t value) {
    { b.read(offset, width) } -> std::same_as<result<std::uint64_t>>;
    { b.write(offset, width, value) } -> std::same_as<status>;
};

constexpr bool valid_width(unsigned width) noexcept {
    return width == 1 || width == 2 || width == 4 || width == 8;
}

/// The checks every bus applies before touching bytes: width, alignment, bounds.
inline status check_access(std::uint64_t offset, unsigned width, std::uint64_t size) noexcept {
    if (!valid_width(width)) return errc::bad_width;
    if (offset % width != 0) return errc::misaligned;
    if (offset > size || size - offset < width) return errc::out_of_range;
    return {};
}

namespace detail {
inline std::uint64_t load_le(std::byte const* p, unsigned width) noexcept {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < width; ++i)
        v |= std::uint64_t(std::to_integer<std::uint8_t>(p[i])) << (8 * i);
    return v;
}
inline void store_le(std::byte* p, unsigned width, std::uint64_t v) noexcept {
    for (unsigned i = 0; i < width; ++i)
        p[i] = std::byte(static_cast<std::uint8_t>(v >> (8 * i)));
}
} // namespace detail

/// Registers held as bytes: read-only over `std::span<const std::byte>` (a dump),
/// read-write over `std::span<std::byte>`.
template <bool Writable>
class basic_memory_bus {
    using byte_type = std::conditional_t<Writable, std::byte, std::byte const>;

public:
    constexpr explicit basic_memory_bus(std::span<byte_type> bytes) noexcept : bytes_{bytes} {}

    result<std::uint64_t> read(std::uint64_t offset, unsigned width) const noexcept {
        if (auto ok = check_access(offset, width, bytes_.size()); !ok) return ok.error();
        return detail::load_le(bytes_.data() + offset, width);
    }

    status write(std::uint64_t offset, unsigned width, std::uint64_t value) const noexcept {
        if (auto ok = check_access(offset, width, bytes_.size()); !ok) return ok.error();
        if constexpr (Writable) {
            detail::store_le(bytes_.data() + offset, width, value);
            return {};
        } else {
            (void)value;
            return errc::read_only;
        }
    }

    std::uint64_t size() const noexcept { return bytes_.size(); }
    std::span<byte_type> bytes() const noexcept { return bytes_; }

private:
    std::span<byte_type> bytes_;
};

using memory_bus = basic_memory_bus<false>;
using writable_memory_bus = basic_memory_bus<true>;

static_assert(access_bus<memory_bus>);
static_assert(access_bus<writable_memory_bus>);

/// A non-owning, type-erased reference to any access bus, for code that stores a bus
/// without knowing its type (a device in the driver model). The bus must outlive it.
class bus_ref {
public:
    template <access_bus B>
        requires(!std::same_as<std::remove_cvref_t<B>, bus_ref>)
    bus_ref(B& bus)
    noexcept // NOLINT(google-explicit-constructor): a reference, like span
        : obj_{&bus}, read_{[](void* o, std::uint64_t off, unsigned w) {
              return static_cast<B*>(o)->read(off, w);
          }},
          write_{[](void* o, std::uint64_t off, unsigned w, std::uint64_t v) {
              return static_cast<B*>(o)->write(off, w, v);
          }} {}

    result<std::uint64_t> read(std::uint64_t offset, unsigned width) const {
        return read_(obj_, offset, width);
    }
    status write(std::uint64_t offset, unsigned width, std::uint64_t value) const {
        return write_(obj_, offset, width, value);
    }

private:
    void* obj_;
    result<std::uint64_t> (*read_)(void*, std::uint64_t, unsigned);
    status (*write_)(void*, std::uint64_t, unsigned, std::uint64_t);
};

static_assert(access_bus<bus_ref>);

} // namespace cxlfw::hw
