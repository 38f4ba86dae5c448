// An attach strategy in the absence policy slot.
// EXPECT: cxlfw: the fourth argument of cxlfw::driver<...> must be an absence policy
// MAX-LINES: 25
#include <cxlfw/policy/driver.hpp>

using namespace cxlfw::policy;

struct accel : cxlfw::driver<accel, type2<cap::hdm<1>>, attach::direct, attach::mediated> {
    static constexpr cxlfw::pci_id ids[] = {{0x1af4, 0x10f0}};
};
static_assert(cxlfw::check_driver<accel>());
