// Removal (of the device or the switch above it), root loss, link loss, and the unbind of the
// host bridge's port or of ACPI0017, delivered after every register access of a path (issue
// 13, "Lifetimes"): no dangling pointer (this runs under ASan+UBSan in CI), the invariant
// checker clean right after, and again once the piece comes back, with what should re-attach
// re-attached.
//
// Bounded by default (every 5th access, plus the first and the last); CXLFW_EXHAUSTIVE=1 visits
// every one (docs/reliability.md records that run).
#include "support.hpp"

#include <cxlfw/emu/platform.hpp>
#include <cxlfw/policy/policy.hpp>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <string>

using namespace cxlfw;
using namespace cxlfw::policy;
using namespace cxlfw::testing::test_support;

namespace {

enum class loss { device, root, link, switch_removed, port_unbound, acpi_unbound };

std::string_view to_string(loss l) {
    switch (l) {
    case loss::device:
        return "device removed";
    case loss::root:
        return "ACPI root removed";
    case loss::link:
        return "link down";
    case loss::switch_removed:
        return "its switch removed";
    case loss::port_unbound:
        return "its host bridge's port unbound";
    case loss::acpi_unbound:
        return "ACPI0017 unbound";
    }
    return "?";
}

/// The switch upstream port above `dev`, if there is one.
emu::node* switch_above(emu::platform& plat, emu::node& dev) {
    for (emu::node* n = plat.find(dev.parent()); n; n = plat.find(n->parent()))
        if (n->kind() == emu::node_kind::upstream_port) return n;
    return nullptr;
}

/// The host bridge above `dev`.
emu::node* host_bridge_above(emu::platform& plat, emu::node& dev) {
    for (emu::node* n = plat.find(dev.parent()); n; n = plat.find(n->parent()))
        if (n->kind() == emu::node_kind::host_bridge) return n;
    return nullptr;
}

/// Unbind `name`'s driver (the sysfs unbind file), if it has one.
void unbind(testing::machine& m, std::string const& name) {
    if (base::device* d = m.find(name); d && d->is_bound()) (void)m.host().unbind(*d);
}

/// Bind `name` with its own driver again, then rescan the cxl bus (what `cxl enable-port`
/// and udev do for what the unbind released below it).
void bind_again(testing::machine& m, std::string const& name, std::string const& driver) {
    base::device* d = m.find(name);
    REQUIRE(d);
    if (!d->is_bound()) {
        base::driver* drv = m.host().find_driver(driver);
        REQUIRE(drv);
        (void)m.host().bind(*d, *drv);
    }
    REQUIRE(m.host().settle());
    REQUIRE(m.host().rescan("cxl"));
    REQUIRE(m.host().settle());
}

void deliver_everywhere(probe_path const& p, loss l) {
    auto const n = points_of(p).size();
    REQUIRE(n > 3); // a path makes accesses: if not, the recording is broken
    for (auto k : visit(n)) {
        auto m = boot(p);
        auto& plat = m->platform();
        auto* dev = plat.find(p.device);
        REQUIRE(dev);
        auto const id = dev->id();
        auto const port = dev->parent();
        emu::node* sw = switch_above(plat, *dev);
        if (l == loss::switch_removed && !sw) return; // nothing to remove on this path
        emu::node* hb = host_bridge_above(plat, *dev);
        REQUIRE(hb);
        core::port* hb_port = m->cxl().port_by_uport(hb->name());
        if (l == loss::port_unbound && !hb_port) return; // the path adds it: nothing to unbind
        std::string const hb_port_name = hb_port ? hb_port->name() : std::string{};
        std::string const acpi = "ACPI0017:00";
        auto* machine = m.get();
        plat.faults().after_nth(k, {}, [&plat, machine, l, id, port, sw, hb_port_name, acpi] {
            switch (l) {
            case loss::device:
                (void)plat.surprise_remove(id);
                break;
            case loss::root:
                (void)plat.remove_acpi_root();
                break;
            case loss::link:
                (void)plat.set_link(port, false);
                break;
            case loss::switch_removed:
                (void)plat.surprise_remove(sw->id());
                break;
            case loss::port_unbound:
                unbind(*machine, hb_port_name);
                break;
            case loss::acpi_unbound:
                unbind(*machine, acpi);
                break;
            }
        });
        p.run(*m);
        REQUIRE(m->host().settle());
        std::string const at = p.name + ", " + std::string{to_string(l)} + " after access " +
                               std::to_string(k) + " of " + std::to_string(n);
        INFO(at << ": " << m->describe(p.device));
        REQUIRE(plat.faults().rule_count() == 0); // the removal was delivered
        require_clean(*m, at);
        if (l == loss::device || l == loss::switch_removed) {
            REQUIRE(m->find(p.device) == nullptr);
            continue;
        }
        // The piece comes back: what should re-attach re-attaches.
        switch (l) {
        case loss::root:
            REQUIRE(plat.add_acpi_root());
            break;
        case loss::link:
            REQUIRE(plat.set_link(port, true));
            break;
        case loss::port_unbound:
            bind_again(*m, hb_port_name, "cxl_port");
            break;
        case loss::acpi_unbound:
            bind_again(*m, acpi, "cxl_acpi");
            break;
        default:
            break;
        }
        REQUIRE(m->host().settle());
        if (p.again) p.again(*m);
        INFO("after recovery: " << m->describe(p.device));
        require_clean(*m, at + ", after recovery");
        if (!m->find(p.device)->is_bound()) continue; // a teardown path ends unbound
        core::memdev* md = m->memdev_of(p.device);
        REQUIRE(md);
        REQUIRE(md->endpoint());
    }
}

} // namespace

TEST_CASE("the access recorder and after_nth see a probe's accesses", "[testing][removal]") {
    auto p = direct_path();
    auto const points = points_of(p);
    REQUIRE(points == points_of(p)); // deterministic
    auto const n = points.size();
    // Each access named: an HDM decoder's registers by name (the accelerator's commit).
    REQUIRE(std::any_of(points.begin(), points.end(), [](testing::fault_point const& f) {
        return f.name == "0000:17:00.0 component HDM decoder 0 Control (+0x20) write";
    }));
    // An action after the last access runs; one past it never does.
    auto m = boot(p);
    int ran = 0;
    m->platform().faults().after_nth(n, {}, [&] { ++ran; });
    m->platform().faults().after_nth(n + 1'000'000, {}, [&] { ++ran; });
    p.run(*m);
    REQUIRE(ran == 1);
    REQUIRE(m->platform().faults().rule_count() == 1);
}

#define CXLFW_LOSSES                                                                               \
    loss::device, loss::root, loss::link, loss::switch_removed, loss::port_unbound,                \
        loss::acpi_unbound

TEST_CASE("every loss at every access of the Type-2 direct probe", "[testing][removal]") {
    auto l = GENERATE(CXLFW_LOSSES);
    deliver_everywhere(direct_path(), l);
}

TEST_CASE("every loss at every access of the Type-2 mediated probe", "[testing][removal]") {
    auto l = GENERATE(CXLFW_LOSSES);
    deliver_everywhere(mediated_path(), l);
}

TEST_CASE("every loss at every access of the Type-3 boot probe", "[testing][removal]") {
    auto l = GENERATE(CXLFW_LOSSES);
    deliver_everywhere(type3_path(), l);
}

TEST_CASE("every loss at every access of the boot, aimed at the RCD", "[testing][removal]") {
    auto l = GENERATE(CXLFW_LOSSES);
    deliver_everywhere(rcd_path(), l);
}

TEST_CASE("every loss at every access of the Type-2 teardown", "[testing][removal]") {
    auto l = GENERATE(CXLFW_LOSSES);
    deliver_everywhere(teardown_path(), l);
}

TEST_CASE("every loss at every access of a region's create, commit and delete",
          "[testing][removal]") {
    auto l = GENERATE(CXLFW_LOSSES);
    deliver_everywhere(region_path(), l);
}
