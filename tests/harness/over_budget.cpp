// Harness self-test: the expected error, but a diagnostic longer than the 3-line budget.
// EXPECT: bit range \[Hi:Lo\] is reversed
// MAX-LINES: 3
#include <cxlfw/spec/bits.hpp>

struct capability : cxlfw::spec::reg<std::uint16_t, 0x0A> {};
using reversed = cxlfw::spec::field<capability, 4, 5>;

int main() {
    return reversed::get(0);
}
