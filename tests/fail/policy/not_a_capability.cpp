// An attach strategy written where a capability belongs.
// EXPECT: not_a_capability<cxlfw::policy::attach::direct>.*cxlfw: a device trait argument is not a capability
// MAX-LINES: 25
#include <cxlfw/policy/driver.hpp>

using namespace cxlfw::policy;

using traits = type2<cap::hdm<1>, attach::direct>;
static_assert(traits::cxl_mem);
