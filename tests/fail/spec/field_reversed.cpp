// A field written low bit first ([4:5]) instead of high bit first, as the spec writes it.
// EXPECT: bit range \[Hi:Lo\] is reversed; write field<Reg, hi, lo>
// MAX-LINES: 20
#include <cxlfw/spec/bits.hpp>

struct capability : cxlfw::spec::reg<std::uint16_t, 0x0A> {};
using hdm_count = cxlfw::spec::field<capability, 4, 5>;

int main() {
    return hdm_count::get(0x1E);
}
