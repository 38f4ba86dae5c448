// Harness self-test: fails to compile, but not with the text EXPECT names, so the
// compile-fail check must report a mismatch (the test is registered WILL_FAIL).
// EXPECT: this text is not in any diagnostic
#include <cxlfw/spec/bits.hpp>

struct capability : cxlfw::spec::reg<std::uint16_t, 0x0A> {};
using reversed = cxlfw::spec::field<capability, 4, 5>;

int main() {
    return reversed::get(0);
}
