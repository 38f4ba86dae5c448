// Unbinding and binding again any device restores the same state (issue 13, "Losing CXL is
// noticed"): every bound device of cxl_test with a Type-2 driver on its accelerator, ACPI0017,
// the host bridges, the ports, the memdevs and the upgrade watcher included, one at a time;
// the CXL core's canonical dump and the device states equal the booted ones, and the invariant
// checker is clean, after every cycle. 10 rounds here; CXLFW_EXHAUSTIVE=1 runs 1,000 (LSan,
// in the asan preset, sees any leak).
#include "support.hpp"

#include <cxlfw/core/dump.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

using namespace cxlfw;
using namespace cxlfw::testing::test_support;

namespace {

/// Unbind `name` and bind it again the way sysfs would (its driver, by name), then settle.
void cycle(testing::machine& m, std::string const& name) {
    base::device* d = m.find(name);
    REQUIRE(d);
    std::string const drv = d->bound_driver() ? d->bound_driver()->name() : std::string{};
    REQUIRE(m.host().unbind(*d));
    REQUIRE(m.host().settle());
    // A switch port nobody is interested in any more goes with its endpoints (Linux
    // cxl_detach_ep); the memdevs bring it back when they attach again.
    d = m.find(name);
    if (d && !d->is_bound()) {
        base::driver* driver = m.host().find_driver(drv);
        REQUIRE(driver);
        (void)m.host().bind(*d, *driver);
    }
    REQUIRE(m.host().settle());
    // What the unbind released below it (ports, memdevs) is probed again by a rescan of its bus,
    // as `cxl enable-port`/`enable-memdev` or udev would.
    REQUIRE(m.host().rescan("cxl"));
    REQUIRE(m.host().settle());
}

} // namespace

TEST_CASE("unbind and bind of every bound device of cxl_test restores the same state",
          "[testing][cycles]") {
    auto m = boot_cxl_test();
    REQUIRE(m->load<mapping_accel<policy::attach::direct>>());
    REQUIRE(cxlfw::status_of(*m->find(accel))->mode == cxl_mode::cxl);
    auto const booted = snapshot(*m);
    require_clean(*m, "booted");
    std::vector<std::string> names;
    for (base::device* d : m->host().devices())
        if (d->is_bound()) names.push_back(d->name());
    REQUIRE(names.size() > 20);
    unsigned const rounds = std::getenv("CXLFW_EXHAUSTIVE") ? 1000 : 10;
    for (unsigned round = 0; round < rounds; ++round)
        for (auto const& name : names) {
            if (!m->find(name)) continue; // a port a previous cycle renamed would show below
            cycle(*m, name);
            INFO("after the cycle of " << name << " (round " << round << ")");
            require_clean(*m, name);
            REQUIRE(snapshot(*m) == booted);
        }
}
