// Harness self-test: this compiles, so as a compile-fail test it must fail.
// EXPECT: .*
#include <cxlfw/spec/interleave.hpp>

int main() {
    return static_cast<int>(cxlfw::spec::ways_to_eiw(2).value()) - 1;
}
