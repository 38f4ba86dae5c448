// The same capability declared twice in the device traits.
// EXPECT: duplicate_capability<cxlfw::policy::cap::ras_kind, 2>.*cxlfw: a capability is declared twice in the device traits; declare each capability once
// MAX-LINES: 25
#include <cxlfw/policy/driver.hpp>

using namespace cxlfw::policy;

using traits = type2<cap::ras, cap::hdm<1>, cap::ras>;
static_assert(traits::cxl_mem);
