// Capabilities given where the device traits belong.
// EXPECT: cxlfw: the second argument of cxlfw::driver<Self, Traits, Attach, WhenAbsent> must be type1<...>
// MAX-LINES: 25
#include <cxlfw/policy/driver.hpp>

using namespace cxlfw::policy;

struct accel : cxlfw::driver<accel, cap::hdm<1>, attach::direct, when_absent::defer> {
    static constexpr cxlfw::pci_id ids[] = {{0x1af4, 0x10f0}};
    cxlfw::status on_cxl(cxlfw::cxl_ready<accel>&) { return {}; }
};
static_assert(cxlfw::check_driver<accel>());
