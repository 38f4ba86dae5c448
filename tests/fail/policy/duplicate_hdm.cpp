// Two HDM declarations with different decoder counts.
// EXPECT: duplicate_capability<cxlfw::policy::cap::hdm_kind.*cxlfw: a capability is declared twice
// MAX-LINES: 25
#include <cxlfw/policy/driver.hpp>

using namespace cxlfw::policy;

using traits = type2<cap::hdm<1>, cap::hdm<2>>;
static_assert(traits::cxl_mem);
