// Faults mean what they are (issue 13): a failed register access is a fact of its own, named
// with the register, never a default value and never dropped; and the invariant checker stays
// clean after it.
#include "support.hpp"

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
