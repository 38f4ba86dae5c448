// The device summary of `cxlfw-probe run`: per PCI function its driver, outcome (bound,
// degraded by a note, deferred on a key, failed, no driver), memdev, endpoint and regions.
#include "support.hpp"

#include <cxlfw/report/summary.hpp>

#include <catch2/catch.hpp>

using namespace cxlfw;
using namespace cxlfw::report::test_support;
namespace core = cxlfw::core;

namespace {

class failing_driver final : public base::pci_driver {
public:
    explicit failing_driver(std::vector<base::pci_id> ids)
        : pci_driver{"test_fail", std::move(ids)} {}
    base::probe_outcome probe(base::device&) override {
        return base::failed(make_error_code(errc::capability_mismatch), "test says no");
    }
};

report::device_entry const& entry(report::host_summary const& s, std::string const& name) {
    for (auto const& e : s.devices)
        if (e.name == name) return e;
    FAIL("no summary entry " << name);
    return s.devices.front();
}

base::pci_ident ident_of(emu::node& n) {
    return base::read_pci_ident(hw::bus_ref{n.config()}).value();
}

} // namespace

TEST_CASE("summary on cxl_test: every Type-3 function bound with its memdev and endpoint, the "
          "region on two of them, the accelerator without a driver",
          "[report][summary]") {
    bed b{bare_cxl_test()};
    auto const plan = cxl_test_plan(b);
    auto const& r = commit(b, plan);
    auto const s = report::device_summary(b.host());
    // Every non-bridge PCI function and the ACPI root (probed), nothing else.
    REQUIRE(s.devices.size() == b.p->endpoints().size() + 1);
    REQUIRE(s.devices.front().name == "ACPI0017:00");
    REQUIRE(s.devices.front().driver == "cxl_acpi");
    REQUIRE(s.devices.front().outcome == report::device_outcome::bound);
    for (auto id : b.p->endpoints()) {
        auto& n = b.p->at(id);
        auto const& e = entry(s, std::string{n.name()});
        auto const ident = ident_of(n);
        char ids[16];
        std::snprintf(ids, sizeof ids, "%04x:%04x", ident.vendor, ident.device);
        REQUIRE(e.ids == ids);
        if (n.type() == emu::device_type::type3) {
            REQUIRE(e.driver == "cxl_pci");
            REQUIRE(e.outcome == report::device_outcome::bound);
            auto* md = b.memdev_of(e.name);
            REQUIRE(e.memdev == md->name());
            REQUIRE(e.memdev_attached);
            REQUIRE(e.endpoint == md->endpoint()->name());
            bool const in_region =
                std::find(plan.pci.begin(), plan.pci.end(), e.name) != plan.pci.end();
            REQUIRE(e.regions ==
                    (in_region ? std::vector<std::string>{r.name()} : std::vector<std::string>{}));
            REQUIRE(e.detail().empty());
        } else {
            REQUIRE(e.outcome == report::device_outcome::unbound);
            REQUIRE(e.driver.empty());
            REQUIRE(e.detail() == "no driver");
            REQUIRE(e.memdev.empty());
        }
    }
    REQUIRE(s.totals == b.host().counters());
    REQUIRE(s.waiting == 0);
    REQUIRE(s.attached_memdevs == b.cxl().memdevs().size());
    // Bridges only on request.
    auto const with_bridges = report::device_summary(b.host(), {}, {.bridges = true});
    REQUIRE(with_bridges.devices.size() > s.devices.size());
}

TEST_CASE("summary: deferred on its key, failed with its error, degraded by a note, and a "
          "memdev that could not attach",
          "[report][summary]") {
    rig r{bare_cxl_test()};
    auto& ph = *r.ph;
    auto& p = *r.p;
    // No cxl_acpi: no root, so cxl_mem cannot attach anything.
    REQUIRE(ph.register_drivers(rootless_drivers));
    std::string accel;
    for (auto id : p.endpoints())
        if (p.at(id).type() == emu::device_type::type2) accel = p.at(id).name();
    REQUIRE_FALSE(accel.empty());
    auto const ai = ident_of(*p.find(accel));
    REQUIRE(ph.host().register_driver(
        std::make_unique<deferring_driver>(std::vector<base::pci_id>{{ai.vendor, ai.device}})));
    REQUIRE(ph.host().settle());

    report::device_notes notes;
    std::string const noted = ph.cxl().memdevs().front()->parent()->name();
    notes.set(noted, {"pcie-only", "root_absent"});
    auto s = report::device_summary(ph.host(), notes.source());

    auto const& a = entry(s, accel);
    REQUIRE(a.outcome == report::device_outcome::deferred);
    REQUIRE(a.driver == "test_defer");
    REQUIRE(a.waiting_on == "event:test:never");
    REQUIRE(a.detail() == "on event:test:never: waits for a test event");
    REQUIRE(s.waiting == 1);

    auto const& d = entry(s, noted);
    REQUIRE(d.outcome == report::device_outcome::degraded);
    REQUIRE(d.detail().rfind("pcie-only: root_absent", 0) == 0);

    for (auto const& e : s.devices) {
        if (e.memdev.empty()) continue;
        REQUIRE_FALSE(e.memdev_attached);
        REQUIRE(e.endpoint.empty());
        INFO(e.memdev_problem);
        REQUIRE(e.memdev_problem.find("root") != std::string::npos);
        REQUIRE(e.detail().find(e.memdev + " not attached") != std::string::npos);
    }
    REQUIRE(s.attached_memdevs == 0);

    // A notes registry forgets a device on clear().
    notes.clear(noted);
    REQUIRE(entry(report::device_summary(ph.host(), notes.source()), noted).outcome ==
            report::device_outcome::bound);

    // The text names each outcome on the device's line.
    auto const text = report::summary_text(s);
    REQUIRE(text.find(accel) != std::string::npos);
    for (auto const& line : split_lines(text)) {
        if (line.rfind(accel, 0) == 0) REQUIRE(line.find("deferred") != std::string::npos);
        if (line.rfind(noted, 0) == 0) REQUIRE(line.find("degraded") != std::string::npos);
    }
    REQUIRE(split_lines(text).back().rfind("probes: ", 0) == 0);
}

TEST_CASE("summary: a failed probe shows the driver's error", "[report][summary]") {
    rig r{emu::qemu_q35_topology()};
    auto& ph = *r.ph;
    auto& p = *r.p;
    auto const id = ident_of(*p.find("0000:0d:00.0"));
    // Only the failing driver: nothing else can bind the device after it.
    REQUIRE(ph.host().register_driver(
        std::make_unique<failing_driver>(std::vector<base::pci_id>{{id.vendor, id.device}})));
    REQUIRE(ph.host().settle());
    auto const s = report::device_summary(ph.host());
    auto const& e = entry(s, "0000:0d:00.0");
    REQUIRE(e.outcome == report::device_outcome::failed);
    REQUIRE(e.driver == "test_fail");
    REQUIRE(e.error == errc::capability_mismatch);
    REQUIRE(e.detail().find("test says no") != std::string::npos);
}

TEST_CASE("summary: what cxl_acpi skipped is listed as warnings before the totals",
          "[report][summary][topology]") {
    rig r{emu::qemu_q35_topology()};
    auto& ph = *r.ph;
    // QEMU's host bridge 12 with a CHBS that says RCH over its CHBCR (issue 13).
    auto table = spec::parse_cedt(r.p->cedt()).value();
    spec::cedt_builder b{table.header};
    for (auto c : table.chbs_list) {
        if (c.uid == 12) {
            c.cxl_version = spec::chbs_version_cxl11;
            c.length = spec::chbs_rcrb_length;
        }
        b.add(c);
    }
    for (auto const& w : table.cfmws_list)
        b.add(w);
    auto& h = ph.host();
    REQUIRE(h.remove_device(*h.find_device("ACPI0017:00")));
    REQUIRE(h.add_device(std::make_unique<drivers::acpi_cxl_root>("ACPI0017:00", b.bytes(),
                                                                  hw::bus_ref{r.p->mmio()})));
    REQUIRE(ph.register_drivers());
    REQUIRE(h.settle());
    auto const s = report::device_summary(h);
    REQUIRE(s.warnings == ph.cxl().messages());
    REQUIRE_FALSE(s.warnings.empty());
    REQUIRE_THAT(s.warnings.front(), Catch::Contains("pci0000:0c (UID 12): its CHBS") &&
                                         Catch::Contains("host bridge skipped"));
    auto const lines = split_lines(report::summary_text(s));
    auto const at = std::find(lines.begin(), lines.end(), "warnings:");
    REQUIRE(at != lines.end());
    REQUIRE(std::next(at, 1) != lines.end());
    REQUIRE(*std::next(at, 1) == "  " + s.warnings.front());
    REQUIRE(lines.back().rfind("probes: ", 0) == 0);
    // A platform with nothing skipped has no such section (the goldens below).
}

TEST_CASE("summary golden outputs on cxl_test and QEMU q35", "[report][summary][golden]") {
    for (auto wh : {which::cxl_test, which::qemu}) {
        bed b{topology_of(wh)};
        commit(b, plan_of(wh, b));
        // Counters depend on the order devices and drivers met: the golden bring-up is the
        // default one (devices first, stock order, enumeration order).
        check_golden(std::string{wh == which::cxl_test ? "cxl_test" : "qemu"} + "-summary.txt",
                     report::summary_text(report::device_summary(b.host())));
    }
}
