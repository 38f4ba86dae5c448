// The compile-time rules of a driver composition, and the checks of its hooks.
//
// | composition          | hook the driver defines | signature                                    |
// |----------------------|-------------------------|----------------------------------------------|
// | every driver         | `ids` and/or            | `static constexpr cxlfw::pci_id ids[]`       |
// |                      | `class_ids`             |                                              |
// | attach::mediated or  | `on_cxl`: the endpoint  | `cxlfw::status on_cxl(cxlfw::cxl_ready<D>&)` |
// | attach::direct       | is attached             |                                              |
// | when_absent::degrade | `on_pcie_only`: bound   | `void on_pcie_only(std::error_code)`         |
// | (or timed<degrade>)  | without CXL             |                                              |
//
// Hooks are checked in two steps (Fuchsia ddktl): first that the member exists, then its
// exact signature, so each message names one mistake and its fix.
//
//   struct efx_cxl : cxlfw::driver<efx_cxl, type2<cap::hdm<1>, cap::ras>,
//                                  attach::direct, when_absent::degrade> {
//       static constexpr cxlfw::pci_id ids[] = {{0x1924, 0x0b03}};
//       cxlfw::status on_cxl(cxlfw::cxl_ready<efx_cxl>& cxl);
//       void on_pcie_only(std::error_code why);
//   };
//   static_assert(cxlfw::check_driver<efx_cxl>());
#pragma once

#include <cxlfw/policy/attach.hpp>
#include <cxlfw/policy/traits.hpp>
#include <cxlfw/policy/when_absent.hpp>
#include <cxlfw/result.hpp>

#include <system_error>
#include <type_traits>

namespace cxlfw {

template <class D>
class cxl_ready;

namespace policy::detail {

/// The absence "policy" of a driver that never attaches: there is nothing to be absent.
struct no_absence_policy {
    static std::string name() { return ""; }
};

template <class T>
constexpr bool traits_attach_memory() {
    if constexpr (device_traits<T>)
        return T::cxl_mem;
    else
        return false;
}

template <class T>
constexpr bool traits_is_type1() {
    if constexpr (device_traits<T>)
        return T::type == device_type::type1;
    else
        return false;
}

template <class A>
constexpr bool attaches() {
    if constexpr (is_attach_strategy_v<A>)
        return A::attaches;
    else
        return false;
}

/// The rules of a composition that do not need the driver itself.
template <class Traits, class Attach, class WhenAbsent>
struct composition_rules {
    static constexpr bool has_policy = !std::is_same_v<WhenAbsent, no_absence_policy>;

    static_assert(is_device_traits_v<Traits>, "cxlfw: the second argument of cxlfw::driver<Self, "
                                              "Traits, Attach, WhenAbsent> must be type1<...>, "
                                              "type2<...> or type3<...>");
    static_assert(is_attach_strategy_v<Attach>,
                  "cxlfw: the third argument of cxlfw::driver<...> must be an attach strategy: "
                  "attach::none, attach::mediated or attach::direct");
    static_assert(!has_policy || is_absence_policy_v<WhenAbsent>,
                  "cxlfw: the fourth argument of cxlfw::driver<...> must be an absence policy: "
                  "when_absent::defer, degrade, fail, wait or timed<...>");
    static_assert(!traits_is_type1<Traits>() || !attaches<Attach>(),
                  "cxlfw: a Type-1 device has no CXL.mem, so it has no endpoint to attach; use "
                  "attach::none, or declare type2<...>");
    static_assert(!traits_attach_memory<Traits>() || attaches<Attach>() ||
                      !is_attach_strategy_v<Attach>,
                  "cxlfw: a Type-2 or Type-3 device has memory, so its endpoint must join the port "
                  "tree; use attach::mediated or attach::direct");
    static_assert(!attaches<Attach>() || has_policy,
                  "cxlfw: a driver that attaches must say what it does when CXL is absent; add "
                  "when_absent::defer, degrade, fail or wait");
    static_assert(attaches<Attach>() || !has_policy || !is_attach_strategy_v<Attach>,
                  "cxlfw: attach::none never looks for CXL, so nothing can be absent; drop the "
                  "when_absent policy");
};

// --- hook detection ----------------------------------------------------------------------

template <class D>
concept has_ids = requires {
    D::ids;
}
|| requires {
    D::class_ids;
};

template <class D>
concept has_on_cxl_member = requires {
    &D::on_cxl;
};

template <class D>
concept has_on_pcie_only_member = requires {
    &D::on_pcie_only;
};

// The concepts as bools: a static_assert on a concept adds pages of notes to the message.
template <class D>
inline constexpr bool has_ids_v = has_ids<D>;
template <class D>
inline constexpr bool has_on_cxl_v = has_on_cxl_member<D>;
template <class D>
inline constexpr bool has_on_pcie_only_v = has_on_pcie_only_member<D>;

template <class D>
inline constexpr bool on_cxl_signature_ok = [] {
    if constexpr (has_on_cxl_member<D>)
        return std::is_same_v<decltype(&D::on_cxl), status (D::*)(cxl_ready<D>&)>;
    else
        return false;
}();

template <class D>
inline constexpr bool on_pcie_only_signature_ok = [] {
    if constexpr (has_on_pcie_only_member<D>)
        return std::is_same_v<decltype(&D::on_pcie_only), void (D::*)(std::error_code)>;
    else
        return false;
}();

} // namespace policy::detail

/// Every rule of driver D: its composition and its hooks. `static_assert` it in your own
/// code to check a driver where it is defined; register_driver<D> checks it too.
template <class D>
constexpr bool check_driver() {
    using namespace policy;
    using namespace policy::detail;
    static_assert(
        requires {
            typename D::traits_type;
            typename D::attach_type;
        },
        "cxlfw: a driver derives from cxlfw::driver<Self, Traits, Attach, WhenAbsent>");
    using A = typename D::attach_type;
    using P = typename D::absence_type;

    static_assert(has_ids_v<D>, "cxlfw: the driver matches no device; declare "
                                "`static constexpr cxlfw::pci_id ids[] = {{vendor, device}};` or "
                                "`static constexpr cxlfw::pci_class_id class_ids[] = {{class}};`");

    // A broken composition already has its own error (composition_rules): check hooks only
    // against valid strategies and policies, so that one mistake gives one message.
    if constexpr (attaches<A>()) {
        static_assert(has_on_cxl_v<D>, "cxlfw: attach::mediated and attach::direct call "
                                       "on_cxl once the endpoint is attached; declare "
                                       "`cxlfw::status on_cxl(cxlfw::cxl_ready<D>& cxl)`");
        if constexpr (has_on_cxl_member<D>)
            static_assert(on_cxl_signature_ok<D>,
                          "cxlfw: on_cxl has the wrong signature; declare it as "
                          "`cxlfw::status on_cxl(cxlfw::cxl_ready<D>& cxl)` (D: your driver)");
    }
    if constexpr (is_absence_policy_v<P>) {
        if constexpr (may_bind_without_cxl_v<P>) {
            static_assert(has_on_pcie_only_v<D>,
                          "cxlfw: when_absent::degrade binds the device without CXL and calls "
                          "on_pcie_only; declare `void on_pcie_only(std::error_code why)`");
            if constexpr (has_on_pcie_only_member<D>)
                static_assert(on_pcie_only_signature_ok<D>,
                              "cxlfw: on_pcie_only has the wrong signature; declare it as "
                              "`void on_pcie_only(std::error_code why)`");
        }
    }
    return true;
}

} // namespace cxlfw
