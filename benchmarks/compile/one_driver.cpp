// Compile cost: the cxl_test platform and one composed driver registered on it.
#include "drivers.hpp"

#include <cxlfw/emu/topologies.hpp>
#include <cxlfw/testing/machine.hpp>

using nic = bench::accel<1, bench::type2<bench::cap::hdm<1>, bench::cap::ras>,
                         bench::attach::direct, bench::when_absent::degrade>;

int main() {
    auto m = cxlfw::testing::machine::boot(cxlfw::emu::cxl_test_topology({.type2_window = true}));
    if (!m || !(*m)->load<nic>()) return 1;
    return 0;
}
