// A field of a 16-bit register that names bit 16.
// EXPECT: bit range runs past the register's width
// MAX-LINES: 20
#include <cxlfw/spec/bits.hpp>

struct capability : cxlfw::spec::reg<std::uint16_t, 0x0A> {};
using bogus = cxlfw::spec::field<capability, 16, 14>;

int main() {
    return bogus::get(0);
}
