// Compile cost: Linux cxl_test's platform booted with the stock drivers; no driver of one's own.
#include <cxlfw/emu/topologies.hpp>
#include <cxlfw/testing/machine.hpp>

int main() {
    auto m = cxlfw::testing::machine::boot(cxlfw::emu::cxl_test_topology({.type2_window = true}));
    return m && (*m)->host().counters().binds > 0 ? 0 : 1;
}
