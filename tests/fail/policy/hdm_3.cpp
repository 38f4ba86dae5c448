// cap::hdm<3>: three HDM decoders, a count no decoder capability register can report.
// EXPECT: cxlfw: cap::hdm<N>: a device.s HDM decoder capability reports 1, 2, 4, 6, 8 or 10 decoders
// MAX-LINES: 25
#include <cxlfw/policy/driver.hpp>

using namespace cxlfw::policy;

using traits = type2<cap::hdm<3>>;
static_assert(traits::cxl_mem);
