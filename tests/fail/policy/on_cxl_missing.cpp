// A driver that attaches its endpoint but has no on_cxl hook to run then.
// EXPECT: cxlfw: attach::mediated and attach::direct call on_cxl once the endpoint is attached
// MAX-LINES: 25
#include <cxlfw/policy/driver.hpp>

using namespace cxlfw::policy;

struct accel : cxlfw::driver<accel, type2<cap::hdm<1>>, attach::mediated, when_absent::defer> {
    static constexpr cxlfw::pci_id ids[] = {{0x1af4, 0x10f0}};
};
static_assert(cxlfw::check_driver<accel>());
