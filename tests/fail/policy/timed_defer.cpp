// when_absent::timed<defer>: deferring again after the deferral timeout.
// EXPECT: cxlfw: when_absent::timed<P> already defers until the timeout; P says what happens then
// MAX-LINES: 25
#include <cxlfw/policy/driver.hpp>

using namespace cxlfw::policy;

using policy = when_absent::timed<when_absent::defer>;
static_assert(absence_policy<policy>);
