// cap::hdm<0>: zero HDM decoders (leave cap::hdm out instead).
// EXPECT: cxlfw: cap::hdm<N>: a device.s HDM decoder capability reports 1, 2, 4, 6, 8 or 10
// MAX-LINES: 25
#include <cxlfw/policy/driver.hpp>

using namespace cxlfw::policy;

using traits = type2<cap::hdm<0>>;
static_assert(traits::cxl_mem);
