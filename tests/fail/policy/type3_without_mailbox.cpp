// A Type-3 memory expander declared without its class-mandated mailbox.
// EXPECT: cxlfw: a Type-3 memory expander has the class-mandated mailbox; add cap::mailbox
// MAX-LINES: 25
#include <cxlfw/policy/driver.hpp>

using namespace cxlfw::policy;

using traits = type3<cap::hdm<1>, cap::ras>;
static_assert(traits::cxl_mem);
