// Register and bit-field definitions, independent of how the register is reached.
//
// A register is a type: its width and its offset inside the structure that holds it
// (a DVSEC, a capability, an HDM decoder). A field is a type: its register and its bit
// range [hi:lo], inclusive, as the CXL specification writes them.
// The hw/ layer reads and writes these through an access bus (a loaded image, an emulated
// device, or real MMIO); nothing here knows which.
//
//   struct capability : reg<std::uint16_t, 0x0A> {};
//   using mem_capable = field<capability, 2>;      // bit 2
//   using hdm_count   = field<capability, 5, 4>;   // bits [5:4]
//   mem_capable::get(0x001E) == 1
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>

namespace cxlfw::spec {

/// A register of type T at byte offset Offset from the start of its structure.
template <std::unsigned_integral T, std::size_t Offset>
struct reg {
    using value_type = T;
    static constexpr std::size_t offset = Offset;
    static constexpr std::size_t width = sizeof(T);
};

/// Register number n of a repeated block: offset = Base + n * Stride (HDM decoder n,
/// Register Locator entry n, ...).
template <std::unsigned_integral T, std::size_t Base, std::size_t Stride>
struct reg_array {
    using value_type = T;
    static constexpr std::size_t base = Base;
    static constexpr std::size_t stride = Stride;
    static constexpr std::size_t width = sizeof(T);
    static constexpr std::size_t offset_of(std::size_t n) noexcept { return Base + n * Stride; }
};

namespace detail {
template <class R>
concept register_type = requires {
    typename R::value_type;
    R::width;
};
} // namespace detail

/// Bits [Hi:Lo] of register R (Lo defaults to Hi: a single bit).
template <class R, unsigned Hi, unsigned Lo = Hi>
    requires detail::register_type<R>
struct field {
    using reg_type = R;
    using value_type = typename R::value_type;

    static_assert(Hi >= Lo, "cxlfw: bit range [Hi:Lo] is reversed; write field<Reg, hi, lo> with "
                            "the high bit first, as the specification does");
    static_assert(Hi < 8 * sizeof(value_type),
                  "cxlfw: bit range runs past the register's width; check the register type");

    static constexpr unsigned hi = Hi;
    static constexpr unsigned lo = Lo;
    static constexpr unsigned bits = Hi - Lo + 1;
    /// The field's bits, in place.
    static constexpr value_type mask = static_cast<value_type>(
        (bits == 8 * sizeof(value_type) ? ~value_type{0}
                                        : static_cast<value_type>((value_type{1} << bits) - 1))
        << Lo);
    /// The largest value the field can hold.
    static constexpr value_type max = static_cast<value_type>(mask >> Lo);

    /// The field's value, shifted down.
    static constexpr value_type get(value_type reg) noexcept {
        return static_cast<value_type>((reg & mask) >> Lo);
    }
    /// `reg` with the field replaced by `v` (bits of `v` above the field are dropped).
    static constexpr value_type set(value_type reg, value_type v) noexcept {
        return static_cast<value_type>((reg & ~mask) | ((v << Lo) & mask));
    }
    /// Whether `v` fits in the field without losing bits.
    static constexpr bool fits(std::uint64_t v) noexcept { return v <= max; }
};

} // namespace cxlfw::spec
