// The stock drivers one by one on emulated platforms: cxl_acpi's handling of the CEDT, cxl_pci's
// probe steps and their failures, hot-add, a late ACPI root, and a device whose media never
// becomes ready.
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace cxlfw;
using namespace cxlfw::drivers::test_support;
namespace core = cxlfw::core;

namespace {
/// Two VH host bridges (UIDs 1, 2), one root port and a Type-3 device each.
emu::topology pair_topology() {
    emu::topology t;
    for (std::uint32_t uid : {1u, 2u}) {
        auto hb = t.add_host_bridge({.uid = uid});
        t.add_endpoint(t.add_root_port(hb), emu::endpoint_spec::type3_device(512_MiB, 0));
    }
    t.add_window({.size = 2_GiB, .targets = {1, 2}, .granularity = 4_KiB});
    return t;
}

/// The platform's own CEDT with `extra` windows added after its own.
std::vector<std::byte> cedt_with(emu::platform& p, std::vector<spec::cfmws> const& extra) {
    auto table = spec::parse_cedt(p.cedt()).value();
    spec::cedt_builder b{table.header};
    for (auto const& c : table.chbs_list)
        b.add(c);
    for (auto const& w : table.cfmws_list)
        b.add(w);
    for (auto const& w : extra)
        b.add(w);
    return b.bytes();
}

/// Replaces the ACPI0017 device with one whose CEDT is `bytes` (before the drivers load).
void replace_acpi_root(testing::platform_host& ph, emu::platform& p, std::vector<std::byte> bytes) {
    REQUIRE(ph.host().remove_device(*ph.host().find_device("ACPI0017:00")));
    REQUIRE(ph.host().add_device(std::make_unique<drivers::acpi_cxl_root>(
        "ACPI0017:00", std::move(bytes), hw::bus_ref{p.mmio()})));
}
} // namespace

TEST_CASE("cxl_acpi: a window naming a host bridge without a CHBS is skipped with a message; "
          "the driver binds",
          "[drivers][acpi]") {
    auto t = pair_topology();
    t.add_window({.size = 1_GiB, .targets = {1}});
    auto p = make_platform(t);
    // A CEDT with a window on a UID no host bridge has.
    spec::cfmws stray = spec::parse_cedt(p->cedt()).value().cfmws_list[1];
    stray.base_hpa += 4_GiB;
    stray.targets = {};
    REQUIRE(stray.targets.push_back(9));
    testing::platform_host ph{*p};
    REQUIRE(ph.populate());
    replace_acpi_root(ph, *p, cedt_with(*p, {stray}));
    REQUIRE(ph.register_drivers());
    REQUIRE(ph.host().settle());
    REQUIRE(ph.host().find_device("ACPI0017:00")->is_bound());
    REQUIRE(ph.cxl().root()->decoders().size() == 2);
    auto notes = ph.cxl().messages();
    REQUIRE(notes.size() == 1);
    REQUIRE_THAT(notes[0], Catch::Contains("CEDT subtable") && Catch::Contains("skipped") &&
                               Catch::Contains("UID 9"));
    for (auto* md : ph.cxl().memdevs())
        REQUIRE(md->endpoint());
}

TEST_CASE("cxl_acpi: overlapping windows are skipped by the parser and noted", "[drivers][acpi]") {
    auto t = pair_topology();
    auto p = make_platform(t);
    auto const first = spec::parse_cedt(p->cedt()).value().cfmws_list[0];
    testing::platform_host ph{*p};
    REQUIRE(ph.populate());
    replace_acpi_root(ph, *p, cedt_with(*p, {first})); // the same window twice
    REQUIRE(ph.register_drivers());
    REQUIRE(ph.host().settle());
    REQUIRE(ph.cxl().root()->decoders().size() == 1);
    auto notes = ph.cxl().messages();
    REQUIRE(notes.size() == 1);
    REQUIRE_THAT(notes[0], Catch::Contains("CFMWS") || Catch::Contains("overlap"));
}

TEST_CASE("cxl_acpi: a CEDT with a bad header fails the probe", "[drivers][acpi]") {
    auto p = make_platform(pair_topology());
    testing::platform_host ph{*p};
    REQUIRE(ph.populate());
    replace_acpi_root(ph, *p, std::vector<std::byte>(16, std::byte{0x41}));
    REQUIRE(ph.register_drivers());
    REQUIRE(ph.host().settle());
    auto info = ph.host().info(*ph.host().find_device("ACPI0017:00"));
    REQUIRE(info.state == base::device_state::failed);
    REQUIRE_THAT(info.message, Catch::Contains("CEDT"));
    REQUIRE(ph.cxl().root() == nullptr);
    for (auto* md : ph.cxl().memdevs())
        REQUIRE(md->last_fact()->code == errc::root_absent);
}

TEST_CASE("cxl_pci: binds without a CXL topology; the memdev waits on the bus", "[drivers][pci]") {
    auto p = make_platform(pair_topology());
    testing::platform_host ph{*p};
    REQUIRE(ph.populate());
    REQUIRE(ph.register_drivers(std::array{drivers::stock_driver::pci}));
    REQUIRE(ph.host().settle());
    auto mems = ph.cxl().memdevs();
    REQUIRE(mems.size() == 2);
    for (auto* md : mems) {
        REQUIRE(md->parent()->is_bound());
        REQUIRE(md->state() == base::device_state::unbound);
        REQUIRE(md->ram_size() == 512_MiB);
    }
    REQUIRE(ph.register_drivers(std::array{drivers::stock_driver::mem}));
    REQUIRE(ph.host().settle());
    for (auto* md : mems)
        REQUIRE(md->last_fact()->code == errc::root_absent);
    REQUIRE(
        ph.register_drivers(std::array{drivers::stock_driver::port, drivers::stock_driver::acpi}));
    REQUIRE(ph.host().settle());
    for (auto* md : mems)
        REQUIRE(md->endpoint());
}

TEST_CASE("cxl_pci: media that never becomes ready: the memdev exists, cxl_mem fails it after "
          "60 s",
          "[drivers][pci]") {
    auto p = make_platform(pair_topology());
    auto const dev = p->endpoints().front();
    (void)p->faults().keep_media_not_ready(dev);
    testing::platform_host ph{*p};
    REQUIRE(ph.populate());
    REQUIRE(ph.register_drivers());
    auto const before = p->clock().now();
    REQUIRE(ph.host().settle());
    REQUIRE(p->clock().now() - before >= std::chrono::seconds{60});
    auto* md = ph.cxl().memdevs().front();
    REQUIRE(md->parent()->name() == p->at(dev).name());
    REQUIRE_FALSE(md->desc().media_ready);
    REQUIRE(md->state() == base::device_state::failed);
    REQUIRE(md->last_fact()->code == errc::media_not_ready);
    REQUIRE(ph.cxl().memdevs().back()->endpoint());
}

TEST_CASE("cxl_pci: a failing Identify fails the probe with mailbox_failed", "[drivers][pci]") {
    auto p = make_platform(pair_topology());
    auto const dev = p->endpoints().front();
    (void)p->faults().fail_command(dev, spec::opcode::identify, spec::return_code::internal_error);
    testing::platform_host ph{*p};
    REQUIRE(ph.populate());
    REQUIRE(ph.register_drivers());
    REQUIRE(ph.host().settle());
    auto info = ph.host().info(*ph.device(dev));
    REQUIRE(info.state == base::device_state::failed);
    REQUIRE(info.error == errc::mailbox_failed);
    REQUIRE(ph.cxl().memdevs().size() == 1);
}

TEST_CASE("hot-add: a device below an empty port attaches; names stay reserved",
          "[drivers][hotplug]") {
    emu::topology t;
    auto hb = t.add_host_bridge({.uid = 0});
    auto rp0 = t.add_root_port(hb);
    t.add_endpoint(rp0, emu::endpoint_spec::type3_device(1_GiB, 0));
    (void)t.add_root_port(hb); // empty
    t.add_window({.size = 4_GiB, .targets = {0}});
    machine m{t};
    REQUIRE(m.cxl().memdevs().size() == 1);
    auto const empty = m.p->of_kind(emu::node_kind::root_port).back();
    auto id = m.p->hot_add(empty, emu::endpoint_spec::type3_device(512_MiB, 512_MiB));
    REQUIRE(id.has_value());
    REQUIRE(m.host().settle());
    auto* md = m.memdev_of(std::string{m.p->at(*id).name()});
    REQUIRE(md);
    REQUIRE(md->name() == "mem1");
    REQUIRE(md->endpoint());
    REQUIRE(md->pmem_size() == 512_MiB);
}

TEST_CASE("a late ACPI root: memdevs fail, then attach when it appears", "[drivers][hotplug]") {
    auto t = pair_topology();
    t.acpi_root_present = false;
    machine m{t};
    REQUIRE(m.cxl().root() == nullptr);
    for (auto* md : m.cxl().memdevs())
        REQUIRE(md->last_fact()->code == errc::root_absent);
    REQUIRE(m.p->add_acpi_root());
    REQUIRE(m.host().settle());
    REQUIRE(m.cxl().root());
    for (auto* md : m.cxl().memdevs())
        REQUIRE(md->endpoint());
    // And it can go again: everything below detaches.
    REQUIRE(m.p->remove_acpi_root());
    REQUIRE(m.host().settle());
    REQUIRE(m.cxl().root() == nullptr);
    REQUIRE(m.cxl().ports().empty());
    for (auto* md : m.cxl().memdevs())
        REQUIRE(md->endpoint() == nullptr);
}
