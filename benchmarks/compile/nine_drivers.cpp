// Compile cost: the cxl_test platform and nine composed drivers (every Type-2 attach strategy x
// absence policy, and a Type-1 driver) registered on it.
#include "drivers.hpp"

#include <cxlfw/emu/topologies.hpp>
#include <cxlfw/testing/machine.hpp>

namespace b = bench;

struct type1 : cxlfw::driver<type1, b::type1<b::cap::ras>> {
    static constexpr std::string_view name = "bench_type1";
    static constexpr cxlfw::pci_id ids[] = {{0x1e98, 0x0001}};
};

template <int Id, class A, class P>
using t2 = b::accel<Id, b::type2<b::cap::hdm<1>>, A, P>;

int main() {
    auto m = cxlfw::testing::machine::boot(cxlfw::emu::cxl_test_topology({.type2_window = true}));
    if (!m) return 1;
    auto& h = (*m)->host();
    bool ok = cxlfw::register_driver<t2<1, b::attach::mediated, b::when_absent::defer>>(h) &&
              cxlfw::register_driver<t2<2, b::attach::mediated, b::when_absent::degrade>>(h) &&
              cxlfw::register_driver<t2<3, b::attach::mediated, b::when_absent::fail>>(h) &&
              cxlfw::register_driver<t2<4, b::attach::mediated, b::when_absent::wait>>(h) &&
              cxlfw::register_driver<t2<5, b::attach::direct, b::when_absent::defer>>(h) &&
              cxlfw::register_driver<t2<6, b::attach::direct, b::when_absent::degrade>>(h) &&
              cxlfw::register_driver<t2<7, b::attach::direct, b::when_absent::fail>>(h) &&
              cxlfw::register_driver<t2<8, b::attach::direct, b::when_absent::wait>>(h) &&
              cxlfw::register_driver<type1>(h);
    return ok && h.settle() ? 0 : 1;
}
