// A fixed-capacity list for the spec layer: interleave targets of a CFMWS (at most 16), the
// XOR maps of a CXIMS (at most 255) or of an interleave geometry (at most 4). It is a literal
// type with no allocation, so constexpr decoders can return it. boost::container::static_vector
// would do, but it is not usable in constant expressions.
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <span>

namespace cxlfw::spec {

template <class T, std::size_t N>
class bounded_list {
public:
    using value_type = T;
    using const_iterator = typename std::array<T, N>::const_iterator;

    constexpr bounded_list() = default;

    /// `bounded_list<std::uint64_t, 4>{0x2020900, 0x4041200}`; more than N values do not compile.
    template <std::convertible_to<T>... U>
        requires(sizeof...(U) >= 1 && sizeof...(U) <= N)
    constexpr bounded_list(U... values) noexcept
        : items_{static_cast<T>(values)...}, size_{sizeof...(U)} {}

    static constexpr std::size_t capacity() noexcept { return N; }
    constexpr std::size_t size() const noexcept { return size_; }
    constexpr bool empty() const noexcept { return size_ == 0; }
    constexpr bool full() const noexcept { return size_ == N; }

    /// Appends `v`; false (and no change) when the list is full.
    constexpr bool push_back(T v) noexcept {
        if (size_ == N) return false;
        items_[size_++] = v;
        return true;
    }
    constexpr void clear() noexcept { size_ = 0; }

    /// Element i; i must be below size() (as for std::array, no check in release builds).
    constexpr T const& operator[](std::size_t i) const noexcept { return items_[i]; }
    constexpr T& operator[](std::size_t i) noexcept { return items_[i]; }

    constexpr const_iterator begin() const noexcept { return items_.begin(); }
    constexpr const_iterator end() const noexcept {
        return items_.begin() + static_cast<std::ptrdiff_t>(size_);
    }
    constexpr std::span<const T> span() const noexcept { return {items_.data(), size_}; }

    friend constexpr bool operator==(bounded_list const& a, bounded_list const& b) noexcept {
        return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
    }

private:
    std::array<T, N> items_{};
    std::size_t size_ = 0;
};

} // namespace cxlfw::spec
