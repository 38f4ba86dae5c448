// A Type-2 device with memory whose driver says attach::none.
// EXPECT: cxlfw: a Type-2 or Type-3 device has memory, so its endpoint must join the port tree
// MAX-LINES: 25
#include <cxlfw/policy/driver.hpp>

using namespace cxlfw::policy;

struct accel : cxlfw::driver<accel, type2<cap::hdm<1>>, attach::none> {
    static constexpr cxlfw::pci_id ids[] = {{0x1af4, 0x10f0}};
};
static_assert(cxlfw::check_driver<accel>());
