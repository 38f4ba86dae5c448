// A Type-1 device declared with HDM decoders.
// EXPECT: cxlfw: a Type-1 device has no CXL.mem, so it has no HDM decoders; drop cap::hdm<N>
// MAX-LINES: 25
#include <cxlfw/policy/driver.hpp>

using namespace cxlfw::policy;

using traits = type1<cap::hdm<1>>;
static_assert(traits::cxl_cache);
