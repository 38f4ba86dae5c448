// cxlfw::driver<Self, Traits, Attach, WhenAbsent>: a driver as a composition.
//
//   struct efx_cxl : cxlfw::driver<efx_cxl, type2<cap::hdm<1>, cap::ras>,
//                                  attach::direct, when_absent::degrade> { ... };
//   efx_cxl::describe() == "type2<hdm<1>,ras> attach=direct when_absent=degrade"
//
// The rules of the composition are checked where the base class is named
// (policy/checks.hpp); the hooks are checked by check_driver<Self>() and by
// register_driver<Self>(), once Self is complete.
#pragma once

#include <cxlfw/base/pci.hpp>
#include <cxlfw/policy/checks.hpp>

#include <string>

namespace cxlfw {

using base::pci_class_id;
using base::pci_id;

template <class Self, class Traits, class Attach = policy::attach::none,
          class WhenAbsent = policy::detail::no_absence_policy>
struct driver : private policy::detail::composition_rules<Traits, Attach, WhenAbsent> {
    using traits_type = Traits;
    using attach_type = Attach;
    using absence_type = WhenAbsent;

    /// "type2<hdm<1>,ras> attach=direct when_absent=degrade"
    static std::string describe() {
        std::string s = Traits::name() + " attach=" + std::string{Attach::name};
        if constexpr (!std::is_same_v<WhenAbsent, policy::detail::no_absence_policy>)
            s += " when_absent=" + WhenAbsent::name();
        return s;
    }
};

} // namespace cxlfw
