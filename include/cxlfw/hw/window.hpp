// A window: a bounded, typed view of registers on an access bus.
//
// A window is a base and a size on a bus (a DVSEC in config space, a component register
// block behind a BAR, one capability inside it). It reads and writes the register and
// field types of spec/bits.hpp at their offsets, and refuses anything outside itself, so a
// bad pointer in a capability list can never reach past the structure it names.
//
//   hw::window dvsec{cfg, 0x500, 0x38};
//   auto mem = dvsec.get<spec::cxl_dvsec::mem_capable>();   // result<std::uint16_t>
#pragma once

#include <cxlfw/hw/bus.hpp>
#include <cxlfw/spec/bits.hpp>

namespace cxlfw::hw {

/// A register at a fixed offset (spec::reg).
template <class R>
concept fixed_register = requires {
    typename R::value_type;
    { R::offset } -> std::convertible_to<std::size_t>;
};

/// Register n of a repeated block (spec::reg_array).
template <class R>
concept indexed_register = requires(std::size_t n) {
    typename R::value_type;
    { R::offset_of(n) } -> std::convertible_to<std::size_t>;
};

namespace detail {
/// A register or field marked `static constexpr bool read_only = true` in spec/ (capability
/// registers, status bits the device sets).
template <class T>
concept marked_read_only = requires {
    requires T::read_only;
};
template <class F>
inline constexpr bool read_only_field_v =
    marked_read_only<F> || marked_read_only<typename F::reg_type>;
} // namespace detail

template <access_bus Bus>
class window {
public:
    window(Bus& bus, std::uint64_t base, std::uint64_t size) noexcept
        : bus_{&bus}, base_{base}, size_{size} {}

    std::uint64_t base() const noexcept { return base_; }
    std::uint64_t size() const noexcept { return size_; }
    Bus& bus() const noexcept { return *bus_; }

    /// The part [offset, offset + size) of this window; out_of_range if it does not fit.
    result<window> sub(std::uint64_t offset, std::uint64_t size) const noexcept {
        if (offset > size_ || size_ - offset < size) return errc::out_of_range;
        return window{*bus_, base_ + offset, size};
    }

    result<std::uint64_t> read_raw(std::uint64_t offset, unsigned width) const {
        if (auto ok = check_access(offset, width, size_); !ok) return ok.error();
        return bus_->read(base_ + offset, width);
    }
    status write_raw(std::uint64_t offset, unsigned width, std::uint64_t value) const {
        if (auto ok = check_access(offset, width, size_); !ok) return ok.error();
        return bus_->write(base_ + offset, width, value);
    }

    /// A window is itself an access bus: offsets are relative to its base and bounded by it,
    /// so config-space code runs the same over a whole bus or over a part of one.
    result<std::uint64_t> read(std::uint64_t offset, unsigned width) const {
        return read_raw(offset, width);
    }
    status write(std::uint64_t offset, unsigned width, std::uint64_t value) const {
        return write_raw(offset, width, value);
    }

    template <fixed_register R>
    result<typename R::value_type> read() const {
        return narrow<R>(read_raw(R::offset, sizeof(typename R::value_type)));
    }
    template <indexed_register R>
    result<typename R::value_type> read(std::size_t n) const {
        return narrow<R>(read_raw(R::offset_of(n), sizeof(typename R::value_type)));
    }

    template <fixed_register R>
    status write(typename R::value_type value) const {
        return write_raw(R::offset, sizeof(value), value);
    }
    template <indexed_register R>
    status write(std::size_t n, typename R::value_type value) const {
        return write_raw(R::offset_of(n), sizeof(value), value);
    }

    /// One field of a register (reads the whole register).
    template <class F>
        requires fixed_register<typename F::reg_type> result<typename F::value_type> get()
    const {
        auto v = read<typename F::reg_type>();
        if (!v) return v.error();
        return F::get(*v);
    }
    template <class F>
        requires indexed_register<typename F::reg_type> result<typename F::value_type>
        get(std::size_t n)
    const {
        auto v = read<typename F::reg_type>(n);
        if (!v) return v.error();
        return F::get(*v);
    }

    /// Read-modify-write of one field. Read-only fields and registers (marked in spec/) do not
    /// compile: software cannot set them. A device model writes whole registers with write<>().
    template <class F>
        requires fixed_register<typename F::reg_type> status set(typename F::value_type value)
    const {
        static_assert(!detail::read_only_field_v<F>,
                      "cxlfw: this field is read-only (the device sets it); read it with get<>(), "
                      "or write the whole register with write<>() when modelling the device");
        auto v = read<typename F::reg_type>();
        if (!v) return v.error();
        return write<typename F::reg_type>(F::set(*v, value));
    }
    template <class F>
        requires indexed_register<typename F::reg_type> status set(std::size_t n,
                                                                   typename F::value_type value)
    const {
        static_assert(!detail::read_only_field_v<F>,
                      "cxlfw: this field is read-only (the device sets it); read it with get<>(), "
                      "or write the whole register with write<>() when modelling the device");
        auto v = read<typename F::reg_type>(n);
        if (!v) return v.error();
        return write<typename F::reg_type>(n, F::set(*v, value));
    }

private:
    template <class R>
    static result<typename R::value_type> narrow(result<std::uint64_t> v) {
        if (!v) return v.error();
        return static_cast<typename R::value_type>(*v);
    }

    Bus* bus_;
    std::uint64_t base_;
    std::uint64_t size_;
};

static_assert(access_bus<window<memory_bus>>);

} // namespace cxlfw::hw
