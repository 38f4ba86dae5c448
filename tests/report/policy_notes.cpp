// The policy layer's notes: a composed Type-2 driver with when_absent::degrade runs PCIe-only
// while there is no CXL root, and the summary and the DOT view say so; once it attaches there
// is nothing to note.
#include "support.hpp"

#include <cxlfw/policy/policy.hpp>
#include <cxlfw/report/dot.hpp>
#include <cxlfw/report/policy_notes.hpp>
#include <cxlfw/report/summary.hpp>

#include <catch2/catch.hpp>

#include <algorithm>

using namespace cxlfw;
using namespace cxlfw::report::test_support;

namespace {

namespace pol = cxlfw::policy;

/// cxl_test's accelerator (the sfc-like NIC's ids), degrading without CXL.
struct test_nic : cxlfw::driver<test_nic, pol::type2<pol::cap::hdm<1>>, pol::attach::direct,
                                pol::when_absent::degrade> {
    static constexpr std::string_view name = "test_nic";
    static constexpr cxlfw::pci_id ids[] = {{0x1924, 0x0b03}};
    cxlfw::status on_cxl(cxlfw::cxl_ready<test_nic>&) { return {}; }
    void on_pcie_only(std::error_code) {}
};

std::string accel_of(emu::platform& p) {
    for (auto id : p.endpoints())
        if (p.at(id).type() == emu::device_type::type2) return std::string{p.at(id).name()};
    return {};
}

} // namespace

TEST_CASE("policy notes: a degraded composed driver is reported degraded with its fact",
          "[report][summary][dot]") {
    rig r{bare_cxl_test()};
    auto& ph = *r.ph;
    REQUIRE(ph.register_drivers(rootless_drivers)); // no cxl_acpi: no root
    REQUIRE(cxlfw::register_driver<test_nic>(ph.host()));
    REQUIRE(ph.host().settle());
    std::string const accel = accel_of(ph.platform());
    auto* dev = ph.host().find_device(accel);
    REQUIRE(dev->is_bound());
    auto const status = cxlfw::status_of(*dev);
    REQUIRE(status);
    REQUIRE(status->mode == cxlfw::cxl_mode::pcie_only);

    auto const s = report::device_summary(ph.host(), report::policy_notes());
    auto const it = std::find_if(s.devices.begin(), s.devices.end(),
                                 [&](auto const& e) { return e.name == accel; });
    REQUIRE(it != s.devices.end());
    REQUIRE(it->outcome == report::device_outcome::degraded);
    REQUIRE(it->driver == "test_nic");
    REQUIRE(it->note->mode == "pcie-only");
    REQUIRE(it->note->reason == status->reason);
    // Only the degraded device has a note; the fallback is asked for the others.
    report::device_notes extra;
    extra.set("0000:03:00.0", {"slow", "test"});
    auto const s2 = report::device_summary(ph.host(), report::policy_notes(extra.source()));
    unsigned degraded = 0;
    for (auto const& e : s2.devices)
        if (e.outcome == report::device_outcome::degraded) ++degraded;
    REQUIRE(degraded == 2);

    auto const dot = report::dot(ph.host(), report::policy_notes());
    // The degraded device kept its memdev (direct attach registers it first): its node.
    std::string const node = it->memdev.empty() ? "pci " + accel : it->memdev;
    auto const at = dot.find("\"" + node + "\" [");
    REQUIRE(at != std::string::npos);
    auto const line = dot.substr(at, dot.find('\n', at) - at);
    REQUIRE(line.find("lightyellow") != std::string::npos);
    REQUIRE(line.find("degraded: pcie-only") != std::string::npos);
}

TEST_CASE("policy notes: the same driver attached to CXL has nothing to note",
          "[report][summary]") {
    rig r{bare_cxl_test()};
    auto& ph = *r.ph;
    REQUIRE(ph.register_drivers());
    REQUIRE(cxlfw::register_driver<test_nic>(ph.host()));
    REQUIRE(ph.host().settle());
    std::string const accel = accel_of(ph.platform());
    REQUIRE(cxlfw::status_of(*ph.host().find_device(accel))->mode == cxlfw::cxl_mode::cxl);
    auto const s = report::device_summary(ph.host(), report::policy_notes());
    for (auto const& e : s.devices) {
        REQUIRE(e.outcome == (e.driver.empty() ? report::device_outcome::unbound
                                               : report::device_outcome::bound));
        if (e.name == accel) {
            REQUIRE_FALSE(e.memdev.empty()); // direct attach registered its memdev
            REQUIRE(e.memdev_attached);
        }
    }
}
