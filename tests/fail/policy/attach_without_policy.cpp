// An attaching driver that does not say what it does when CXL is absent.
// EXPECT: cxlfw: a driver that attaches must say what it does when CXL is absent; add when_absent::
// MAX-LINES: 25
#include <cxlfw/policy/driver.hpp>

using namespace cxlfw::policy;

struct accel : cxlfw::driver<accel, type2<cap::hdm<1>>, attach::direct> {
    static constexpr cxlfw::pci_id ids[] = {{0x1af4, 0x10f0}};
};
static_assert(cxlfw::check_driver<accel>());
