// A non-policy type (an int) in the attach strategy slot.
// EXPECT: cxlfw: the third argument of cxlfw::driver<...> must be an attach strategy
// MAX-LINES: 25
#include <cxlfw/policy/driver.hpp>

using namespace cxlfw::policy;

struct accel : cxlfw::driver<accel, type2<cap::hdm<1>>, int, when_absent::defer> {
    static constexpr cxlfw::pci_id ids[] = {{0x1af4, 0x10f0}};
};
static_assert(cxlfw::check_driver<accel>());
