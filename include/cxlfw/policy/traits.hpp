// Device traits: the device type and its capabilities, held in Boost.Hana sets.
//
//   type1<caps...>  CXL.io + CXL.cache: a cache accelerator, no device memory
//   type2<caps...>  CXL.io + CXL.cache + CXL.mem: an accelerator with device memory (HDM-D)
//   type3<caps...>  CXL.io + CXL.mem: a memory expander (class 0x050210), mailbox mandatory
//
// Rules, checked where the traits are named: every argument is a capability; each
// capability at most once; Type-1 has no cap::hdm; Type-3 has cap::mailbox.
//
//   static_assert(cxlfw::has_v<my_driver, cap::ras>);
//   static_assert(cxlfw::hdm_count_v<my_driver> == 1);
#pragma once

#include <cxlfw/policy/caps.hpp>

#include <boost/hana/contains.hpp>
#include <boost/hana/set.hpp>
#include <boost/hana/type.hpp>

#include <string>
#include <type_traits>

namespace cxlfw::policy {

enum class device_type { type1 = 1, type2, type3 };

namespace detail {

template <class T>
struct kind_of {
    using type = T; // not a capability: its own kind, so the checks below stay quiet
};
template <capability T>
struct kind_of<T> {
    using type = typename T::kind;
};
template <class T>
using kind_of_t = typename kind_of<T>::type;

/// The offending argument appears in the diagnostic as `not_a_capability<T>`.
template <class T>
struct not_a_capability {
    static_assert(is_capability_v<T>,
                  "cxlfw: a device trait argument is not a capability; "
                  "type1/type2/type3<...> take cap::hdm<N>, cap::mailbox, cap::ras");
};

/// The repeated capability appears in the diagnostic as `duplicate_capability<Kind, count>`.
template <class Kind, unsigned Count>
struct duplicate_capability {
    static_assert(Count <= 1, "cxlfw: a capability is declared twice in the device traits; "
                              "declare each capability once");
};

/// Instantiating the checkers is what runs their static_asserts (one diagnostic each).
template <class... Checks>
inline constexpr bool run_checks = (sizeof(Checks) + ... + 1) > 0;

template <class Kind, class... Caps>
inline constexpr unsigned count_kind = (0u + ... + unsigned(std::is_same_v<kind_of_t<Caps>, Kind>));

template <class... Caps>
struct hdm_decoders {
    static constexpr unsigned value = 0;
};
template <class C, class... Rest>
struct hdm_decoders<C, Rest...> {
    static constexpr unsigned value = [] {
        if constexpr (std::is_same_v<kind_of_t<C>, cap::hdm_kind>)
            return C::decoders;
        else
            return hdm_decoders<Rest...>::value;
    }();
};

template <device_type Type, class... Caps>
struct traits {
    static_assert(run_checks<not_a_capability<Caps>...>);
    static_assert(
        run_checks<duplicate_capability<kind_of_t<Caps>, count_kind<kind_of_t<Caps>, Caps...>>...>);

    static constexpr bool is_device_traits = true;
    static constexpr device_type type = Type;
    static constexpr bool cxl_cache = Type != device_type::type3;
    static constexpr bool cxl_mem = Type != device_type::type1;

    /// The declared capabilities, and their kinds (hdm<1> and hdm<2> are both hdm).
    static constexpr auto caps = boost::hana::make_set(boost::hana::type_c<Caps>...);
    static constexpr auto kinds = boost::hana::make_set(boost::hana::type_c<kind_of_t<Caps>>...);
    static constexpr unsigned hdm_decoders = detail::hdm_decoders<Caps...>::value;

    static std::string name() {
        std::string s = Type == device_type::type1   ? "type1<"
                        : Type == device_type::type2 ? "type2<"
                                                     : "type3<";
        bool first = true;
        ((s += (first ? "" : ","), s += Caps::name(), first = false), ...);
        return s + ">";
    }
};

} // namespace detail

template <class... Caps>
struct type1 : detail::traits<device_type::type1, Caps...> {
    static_assert(detail::count_kind<cap::hdm_kind, Caps...> == 0,
                  "cxlfw: a Type-1 device has no CXL.mem, so it has no HDM decoders; drop "
                  "cap::hdm<N>, or declare type2<...>");
};

template <class... Caps>
struct type2 : detail::traits<device_type::type2, Caps...> {};

template <class... Caps>
struct type3 : detail::traits<device_type::type3, Caps...> {
    static_assert(detail::count_kind<cap::mailbox_kind, Caps...> != 0,
                  "cxlfw: a Type-3 memory expander has the class-mandated mailbox; add "
                  "cap::mailbox to type3<...>");
};

/// Device traits: type1/type2/type3<...>.
template <class T>
concept device_traits = requires {
    requires T::is_device_traits;
    { T::type } -> std::convertible_to<device_type>;
};

template <class T>
inline constexpr bool is_device_traits_v = device_traits<T>;

namespace detail {
template <class D>
struct traits_of {
    using type = D;
};
template <class D>
    requires requires {
        typename D::traits_type;
    }
struct traits_of<D> {
    using type = typename D::traits_type;
};
} // namespace detail

/// The traits of a driver (its traits_type) or of traits themselves.
template <class D>
using traits_of_t = typename detail::traits_of<D>::type;

} // namespace cxlfw::policy

namespace cxlfw {

/// Whether driver or traits D declares capability C (`cap::any_hdm`: any cap::hdm<N>).
template <class D, class C>
inline constexpr bool has_v = [] {
    using T = policy::traits_of_t<D>;
    if constexpr (std::is_same_v<C, policy::cap::any_hdm>)
        return boost::hana::contains(T::kinds, boost::hana::type_c<policy::cap::hdm_kind>);
    else
        return boost::hana::contains(T::caps, boost::hana::type_c<C>);
}();

/// How many HDM decoders driver or traits D declares (0 without cap::hdm).
template <class D>
inline constexpr unsigned hdm_count_v = policy::traits_of_t<D>::hdm_decoders;

} // namespace cxlfw
