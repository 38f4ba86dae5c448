// A Type-1 (cache-only) driver that asks for its endpoint to be attached.
// EXPECT: cxlfw: a Type-1 device has no CXL.mem, so it has no endpoint to attach; use attach::none
// MAX-LINES: 25
#include <cxlfw/policy/driver.hpp>

using namespace cxlfw::policy;

struct cache_accel : cxlfw::driver<cache_accel, type1<>, attach::direct, when_absent::fail> {
    static constexpr cxlfw::pci_id ids[] = {{0x8086, 0x0001}};
};
static_assert(cxlfw::check_driver<cache_accel>());
