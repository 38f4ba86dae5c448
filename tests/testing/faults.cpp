// Faults mean what they are (issue 13): a failed register access is a fact of its own, named
// with the register, never a default value and never dropped; and the invariant checker stays
// clean after it.
#include "support.hpp"

#include <cxlfw/core/regs.hpp>
#include <cxlfw/emu/platform.hpp>
#include <cxlfw/hw/config_space.hpp>
#include <cxlfw/policy/policy.hpp>

using namespace cxlfw;
using namespace cxlfw::policy;
using namespace cxlfw::testing::test_support;

namespace {

struct fault_accel
    : cxlfw::driver<fault_accel, type2<cap::hdm<1>>, attach::direct, when_absent::fail> {
    static constexpr std::string_view name = "fault_accel";
    static constexpr cxlfw::pci_id ids[] = {{0x1924, 0x0b03}};
    cxlfw::status on_cxl(cxlfw::cxl_ready<fault_accel>&) { return {}; }
};

} // namespace

TEST_CASE("a failed read of HDM Decoder Global Control fails the endpoint, naming the register",
          "[testing][faults]") {
    auto m = boot_cxl_test();
    auto& p = m->platform();
    auto const node = p.find(accel)->id();
    auto const kind = GENERATE(emu::access_kind::read, emu::access_kind::write);
    p.faults().fail_register<spec::hdm::global_control>(node, emu::region::component_hdm, 0, kind);
    REQUIRE(m->load<fault_accel>());
    auto info = m->host().info(*m->find(accel));
    INFO(m->describe(accel));
    REQUIRE(info.state == base::device_state::failed);
    REQUIRE(info.error == hw::errc::access_fault);
    REQUIRE(info.message.find(kind == emu::access_kind::read
                                  ? "HDM Decoder Global Control"
                                  : "HDM Decoder Enable") != std::string::npos);
    // The code's text once, not "<text>: <text>: ..." (issue 13).
    auto const text = m->describe(accel);
    auto const code = info.error.message();
    auto const first = text.find(code);
    REQUIRE(first != std::string::npos);
    REQUIRE(text.find(code, first + code.size()) == std::string::npos);
    require_clean(*m);

    SECTION("the fault gone, a rebind attaches") {
        p.faults().clear();
        REQUIRE(m->host().attach(*m->find(accel)).is_bound());
        REQUIRE(m->host().settle());
        REQUIRE(cxlfw::status_of(*m->find(accel))->mode == cxl_mode::cxl);
        require_clean(*m);
    }
}

TEST_CASE("a failed Device Serial Number read is a fact, not serial 0", "[testing][faults]") {
    auto m = boot_cxl_test();
    auto& p = m->platform();
    auto* dev = m->find(accel);
    auto const* pci = dynamic_cast<base::pci_device const*>(dev);
    REQUIRE(pci);
    auto dsn = hw::find_ext_cap(pci->config(),
                                static_cast<std::uint16_t>(spec::pci::ext_cap::serial_number));
    REQUIRE(dsn.has_value()); // cxl_test's devices have one
    p.faults().fail_register(p.find(accel)->id(), emu::region::config, dsn->offset + 4u, 8,
                             emu::access_kind::read);
    REQUIRE(m->load<fault_accel>());
    auto info = m->host().info(*dev);
    INFO(m->describe(accel));
    REQUIRE(info.state == base::device_state::failed);
    REQUIRE(info.error == hw::errc::access_fault);
    REQUIRE(info.message.find("Device Serial Number") != std::string::npos);
    REQUIRE(m->memdev_of(accel) == nullptr);
    require_clean(*m);
}

namespace {

base::pci_device const& pci_of(testing::machine& m, std::string_view name) {
    auto const* pci = dynamic_cast<base::pci_device const*>(m.find(name));
    REQUIRE(pci);
    return *pci;
}

/// Where a register of config space is, for a fault rule.
std::uint32_t dvsec_at(testing::machine& m, std::string_view dev, spec::dvsec_id id) {
    auto loc = hw::find_dvsec(pci_of(m, dev).config(), id);
    REQUIRE(loc.has_value());
    return loc->offset;
}

/// The failed probe's fact is the access's, naming `what`; the checker is clean; and with the
/// fault gone, binding the device again attaches it.
void require_access_fact_then_recovery(testing::machine& m, std::string_view what) {
    auto* dev = m.find(accel);
    auto info = m.host().info(*dev);
    INFO(m.describe(accel));
    REQUIRE(info.state == base::device_state::failed);
    REQUIRE(info.error == hw::errc::access_fault);
    REQUIRE(info.message.find(what) != std::string::npos);
    require_clean(m, "after the fault");
    m.platform().faults().clear();
    REQUIRE(m.host().attach(*dev).is_bound());
    REQUIRE(m.host().settle());
    REQUIRE(cxlfw::status_of(*dev)->mode == cxl_mode::cxl);
    require_clean(m, "after recovery");
}

} // namespace

TEST_CASE("a failed CXL Device DVSEC read is an access fault, not a capability mismatch",
          "[testing][faults]") {
    auto m = boot_cxl_test();
    auto& p = m->platform();
    auto const node = p.find(accel)->id();
    auto const at = dvsec_at(*m, accel, spec::dvsec_id::cxl_device);
    p.faults().fail_register(node, emu::region::config,
                             at + static_cast<std::uint32_t>(spec::cxl_dvsec::capability::offset),
                             2, emu::access_kind::read);
    SECTION("a driver that fails without CXL fails with the access's fact") {
        REQUIRE(m->load<fault_accel>());
        require_access_fact_then_recovery(*m, "CXL Device DVSEC");
    }
    SECTION("a driver that degrades goes on over PCIe, and gets CXL on its next probe") {
        REQUIRE(m->load<mapping_accel<attach::direct>>());
        auto* dev = m->find(accel);
        auto st = cxlfw::status_of(*dev);
        INFO(m->describe(accel));
        REQUIRE(m->host().info(*dev).state == base::device_state::bound);
        REQUIRE(st->mode == cxl_mode::pcie_only);
        REQUIRE(st->reason.find("CXL Device DVSEC") != std::string::npos);
        REQUIRE(st->reason.find(make_error_code(hw::errc::access_fault).message()) !=
                std::string::npos);
        require_clean(*m, "degraded");
        p.faults().clear();
        REQUIRE(m->host().unbind(*dev));
        REQUIRE(m->host().attach(*dev).is_bound());
        REQUIRE(m->host().settle());
        REQUIRE(cxlfw::status_of(*dev)->mode == cxl_mode::cxl);
        require_clean(*m, "rebound");
    }
}

TEST_CASE("a failed Register Locator read is an access fault, not absent registers",
          "[testing][faults]") {
    auto m = boot_cxl_test();
    auto& p = m->platform();
    auto const at = dvsec_at(*m, accel, spec::dvsec_id::register_locator);
    p.faults().fail_register(
        p.find(accel)->id(), emu::region::config,
        at + static_cast<std::uint32_t>(spec::register_locator::entry_low::offset_of(0)), 4,
        emu::access_kind::read);
    REQUIRE(m->load<fault_accel>());
    require_access_fact_then_recovery(*m, "Register Locator entry 0");
}

TEST_CASE("a failed read of the PCIe port type is a fact, not \"not an RCD\"",
          "[testing][faults]") {
    auto m = boot_cxl_test();
    auto& p = m->platform();
    auto cap = core::find_pcie_capability(pci_of(*m, accel).config());
    REQUIRE(cap.has_value());
    p.faults().fail_register(
        p.find(accel)->id(), emu::region::config,
        static_cast<std::uint32_t>(*cap + spec::pci::pcie::capabilities::offset), 2,
        emu::access_kind::read);
    REQUIRE(m->load<fault_accel>());
    require_access_fact_then_recovery(*m, "PCI Express Capabilities");
}

TEST_CASE("a fault while waiting for the media is the access's fact, retried on the next probe",
          "[testing][faults]") {
    // A Type-3 device's memdev status, read at the end of the media wait (Linux
    // cxl_await_media_ready): before issue 13 the memdev was registered as "media not ready"
    // and stayed so until cxl_pci was bound again.
    std::string_view const type3 = "0000:0d:00.0";
    auto m = boot_cxl_test(false);
    auto& p = m->platform();
    // The first memdev status read is the media wait's; the mailbox setup's, after it, works.
    p.faults().fail_nth(1, {.node = p.find(type3)->id(),
                            .region = emu::region::memdev,
                            .kind = emu::access_kind::read});
    REQUIRE(m->host().settle());
    auto* dev = m->find(type3);
    auto info = m->host().info(*dev);
    INFO(m->describe(type3));
    REQUIRE(info.state == base::device_state::failed);
    REQUIRE(info.error == hw::errc::access_fault);
    REQUIRE(info.message.find("memdev status") != std::string::npos);
    REQUIRE(m->memdev_of(type3) == nullptr);
    require_clean(*m, "after the fault");
    p.faults().clear();
    REQUIRE(m->host().attach(*dev).is_bound());
    REQUIRE(m->host().settle());
    core::memdev* md = m->memdev_of(type3);
    REQUIRE(md);
    REQUIRE(md->endpoint());
    require_clean(*m, "after recovery");
}

TEST_CASE("an RCH whose RCRB stops answering after its vendor ID fails cxl_acpi's probe, and "
          "binding it again brings the RCH back",
          "[testing][faults]") {
    // The fault sweep found it (Type-3 boot, access 5, all ones): the all-ones Command read
    // looked like a CHBS of the wrong kind, so cxl_acpi skipped the RCH for good.
    auto m = boot_cxl_test(/*settle=*/false);
    auto& p = m->platform();
    auto const rch = p.host_bridge(3)->id();
    p.faults().fail_nth(2, {.node = rch}, ~std::uint64_t{0}, emu::fault_effect::all_ones());
    REQUIRE(m->host().settle());
    base::device* acpi = m->find("ACPI0017:00");
    REQUIRE(acpi);
    auto const info = m->host().info(*acpi);
    INFO(info.message);
    REQUIRE(info.state == base::device_state::failed);
    REQUIRE_THAT(info.message, Catch::Contains("Command register reads all ones"));
    require_clean(*m, "cxl_acpi failed");
    p.faults().clear();
    REQUIRE(m->host().attach(*acpi).is_bound());
    REQUIRE(m->host().settle());
    auto const rcds = p.of_kind(emu::node_kind::rcd);
    REQUIRE(rcds.size() == 1);
    core::memdev* md = m->memdev_of(std::string{p.at(rcds.front()).name()});
    REQUIRE(md);
    REQUIRE(md->endpoint());
    require_clean(*m, "after the rebind");
}
