// A driver with no id table, so it can never match a device.
// EXPECT: cxlfw: the driver matches no device; declare .static constexpr cxlfw::pci_id ids
// MAX-LINES: 25
#include <cxlfw/policy/driver.hpp>

using namespace cxlfw::policy;

struct accel : cxlfw::driver<accel, type1<>> {};
static_assert(cxlfw::check_driver<accel>());
