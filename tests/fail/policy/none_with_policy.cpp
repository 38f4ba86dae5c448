// An absence policy on a driver that never looks for CXL.
// EXPECT: cxlfw: attach::none never looks for CXL, so nothing can be absent; drop the when_absent policy
// MAX-LINES: 25
#include <cxlfw/policy/driver.hpp>

using namespace cxlfw::policy;

struct accel : cxlfw::driver<accel, type1<>, attach::none, when_absent::degrade> {
    static constexpr cxlfw::pci_id ids[] = {{0x8086, 0x0001}};
};
static_assert(cxlfw::check_driver<accel>());
