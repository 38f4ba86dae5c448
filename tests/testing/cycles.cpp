// Unbinding and binding again any device restores the same state (issue 13, "Losing CXL is
// noticed"): every bound device of cxl_test with a Type-2 driver on its accelerator, ACPI0017,
// the host bridges, the ports, the memdevs and the upgrade watcher included, one at a time;
// the CXL core's canonical dump and the device states equal the booted ones, and the invariant
// checker is clean, after every cycle. 10 rounds here; CXLFW_EXHAUSTIVE=1 runs 1,000 (LSan,
// in the asan preset, sees any leak).
//
// Both platforms boot without cxl_test's firmware region: when a member of an unlocked auto
// region leaves, its decoders are reset (Linux cxl_region_detach()) and firmware does not
// commit them again, so that region does not come back -- tests/drivers/auto_region.cpp
// shows it, and a locked one that does.
#include "support.hpp"

#include "../../examples/drivers/cache_accel.hpp"
#include "../../examples/drivers/cxl_accel.hpp"
#include "../../examples/drivers/demo.hpp"
#include "../../examples/drivers/efx_cxl.hpp"

#include <cxlfw/core/dump.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

using namespace cxlfw;
using namespace cxlfw::testing::test_support;

namespace {

/// Unbind `name` and bind it again the way sysfs would (its driver, by name), then settle.
void cycle(testing::machine& m, std::string const& name) {
    base::device* d = m.find(name);
    REQUIRE(d);
    std::string const drv = d->bound_driver() ? d->bound_driver()->name() : std::string{};
    // The PCI functions bound now, with their drivers (what a device link may release).
    std::vector<std::pair<std::string, std::string>> consumers;
    for (base::device* c : m.host().devices())
        if (c != d && c->bus_name() == "pci" && c->bound_driver())
            consumers.emplace_back(c->name(), c->bound_driver()->name());
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
    // A device link released a consumer with it (the PCI function of a mediated Type-2
    // memdev, Linux 7.0 cxl_memdev_attach): it is bound again as an operator would, by name.
    for (auto const& [consumer, its_driver] : consumers)
        if (base::device* c = m.find(consumer); c && !c->is_bound())
            if (base::driver* cd = m.host().find_driver(its_driver)) (void)m.host().bind(*c, *cd);
    REQUIRE(m.host().settle());
}

/// Every bound device of `m`, one at a time, `rounds` times: the same state after each cycle.
void cycle_everything(testing::machine& m) {
    auto const booted = snapshot(m);
    require_clean(m, "booted");
    std::vector<std::string> names;
    for (base::device* d : m.host().devices())
        if (d->is_bound()) names.push_back(d->name());
    REQUIRE(names.size() > 20);
    unsigned const rounds = std::getenv("CXLFW_EXHAUSTIVE") ? 1000 : 10;
    for (unsigned round = 0; round < rounds; ++round)
        for (auto const& name : names) {
            if (!m.find(name)) continue; // a port a previous cycle renamed would show below
            cycle(m, name);
            INFO("after the cycle of " << name << " (round " << round << ")");
            require_clean(m, name);
            auto const now = snapshot(m);
            INFO("booted (-) and now (+):\n" << diff_lines(booted, now));
            REQUIRE(now == booted);
        }
}

} // namespace

TEST_CASE("unbind and bind of every bound device of cxl_test restores the same state",
          "[testing][cycles]") {
    auto m = boot_cxl_test(true, /*auto_region=*/false);
    REQUIRE(m->load<mapping_accel<policy::attach::direct>>());
    REQUIRE(cxlfw::status_of(*m->find(accel))->mode == cxl_mode::cxl);
    cycle_everything(*m);
}

TEST_CASE("unbind and bind of every bound device of the demo platform restores the same state",
          "[testing][cycles]") {
    // The demo adds a Type-1 device and a second accelerator on a host bridge of its own;
    // every example driver binds (the ones cxlfw-probe loads).
    auto m = testing::machine::boot(examples::demo_topology(/*auto_region=*/false));
    REQUIRE(m);
    REQUIRE((*m)->load<examples::efx_cxl>());
    REQUIRE((*m)->load<examples::cxl_accel>());
    REQUIRE((*m)->load<examples::cache_accel>());
    for (auto const* name : {"0000:17:00.0"})
        REQUIRE(cxlfw::status_of(*(*m)->find(name))->mode == cxl_mode::cxl);
    cycle_everything(**m);
}
