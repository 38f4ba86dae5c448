// Malformed topologies a firmware could hand cxl_acpi (issue 13, "Bad topology"): each one is
// skipped with a note naming the object and the field (a CHBS where nothing answers fails the
// probe instead, naming it), never accepted in silence. emu::build()
// refuses the same descriptions (tests/emu/build_errors.cpp), so these tests edit the CEDT the
// platform emitted, as a table loaded from a file or written by a buggy firmware would be.
#include "support.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

using namespace cxlfw;
using namespace cxlfw::drivers::test_support;
namespace core = cxlfw::core;

namespace {

using cedt_edit = std::function<void(spec::cedt_table&)>;

/// The platform's own CEDT with `edit` applied, as bytes (lengths and checksum recomputed).
std::vector<std::byte> edited_cedt(emu::platform& p, cedt_edit const& edit) {
    auto table = spec::parse_cedt(p.cedt()).value();
    edit(table);
    spec::cedt_builder b{table.header};
    for (auto const& c : table.chbs_list)
        b.add(c);
    for (auto const& w : table.cfmws_list)
        b.add(w);
    for (auto const& x : table.cxims_list)
        b.add(x);
    return b.bytes();
}

/// A host on the platform of `t` whose ACPI0017 device carries the edited CEDT, with the stock
/// drivers, settled.
struct rig {
    std::unique_ptr<emu::platform> p;
    std::unique_ptr<testing::platform_host> ph;

    /// `bound`: whether cxl_acpi is expected to bind (a bad subtable or host bridge never
    /// fails it; a register block where nothing answers does).
    rig(emu::topology const& t, cedt_edit const& edit, bool bound = true)
        : p{make_platform(t)}, ph{std::make_unique<testing::platform_host>(*p)} {
        REQUIRE(ph->populate());
        auto& h = ph->host();
        REQUIRE(h.remove_device(*h.find_device("ACPI0017:00")));
        REQUIRE(h.add_device(std::make_unique<drivers::acpi_cxl_root>(
            "ACPI0017:00", edited_cedt(*p, edit), hw::bus_ref{p->mmio()})));
        REQUIRE(ph->register_drivers());
        REQUIRE(h.settle());
        REQUIRE(acpi().is_bound() == bound);
    }

    base::device& acpi() { return *ph->host().find_device("ACPI0017:00"); }

    core::cxl_core& cxl() { return ph->cxl(); }

    /// The memdev of the device below the host bridge with this _UID.
    core::memdev& memdev_below(std::uint32_t uid) {
        core::memdev* found = nullptr;
        for (auto id : p->endpoints()) {
            auto hb = id;
            while (p->at(hb).parent() != emu::no_node)
                hb = p->at(hb).parent();
            if (p->at(hb).uid() != uid) continue;
            for (auto* md : cxl().memdevs())
                if (md->parent()->name() == p->at(id).name()) found = md;
        }
        INFO("the memdev below UID " << uid);
        REQUIRE(found);
        return *found;
    }

    /// The one note containing `text` (every note is printed on failure).
    std::string note_with(std::string const& text) {
        std::string found;
        for (auto const& n : cxl().messages()) {
            UNSCOPED_INFO(n);
            if (n.find(text) != std::string::npos) found = n;
        }
        REQUIRE_FALSE(found.empty());
        return found;
    }
};

/// Two VH host bridges (UIDs 1, 2), one root port and a Type-3 device each, one 2-way window.
emu::topology pair_topology() {
    emu::topology t;
    for (std::uint32_t uid : {1u, 2u}) {
        auto hb = t.add_host_bridge({.uid = uid});
        t.add_endpoint(t.add_root_port(hb), emu::endpoint_spec::type3_device(512_MiB, 0));
    }
    t.add_window({.size = 2_GiB, .targets = {1, 2}, .granularity = 4_KiB});
    return t;
}

std::string hex(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

} // namespace

TEST_CASE("cxl_acpi: a window listing one host bridge twice is skipped and noted",
          "[drivers][acpi][topology]") {
    std::uint64_t base = 0;
    rig r{pair_topology(), [&](spec::cedt_table& t) {
              auto w = t.cfmws_list.front();
              w.base_hpa = base = w.base_hpa + 4_GiB;
              w.targets = {};
              REQUIRE(w.targets.push_back(1));
              REQUIRE(w.targets.push_back(1));
              t.cfmws_list.push_back(w);
          }};
    REQUIRE(r.cxl().root()->decoders().size() == 1); // only the good window
    auto note = r.note_with("CFMWS");
    REQUIRE_THAT(note, Catch::Contains("cxl_acpi: CEDT subtable 3 (CFMWS)") &&
                           Catch::Contains("(host bridge UID 1) at target 1 repeats target 0") &&
                           Catch::Contains("the window at " + hex(base)) &&
                           Catch::Contains("window skipped"));
    for (auto* md : r.cxl().memdevs())
        REQUIRE(md->endpoint());
}

TEST_CASE("cxl_acpi: two CHBS on one CHBCR: the later host bridge is skipped and noted, and "
          "no region spans them",
          "[drivers][acpi][topology]") {
    std::uint64_t chbcr = 0;
    rig r{pair_topology(), [&](spec::cedt_table& t) {
              REQUIRE(t.chbs_list.size() == 2);
              chbcr = t.chbs_list[0].base;
              t.chbs_list[1].base = chbcr; // UID 2 on UID 1's CHBCR
          }};
    REQUIRE_THAT(r.note_with("CEDT subtable 1 (CHBS, UID 2)"),
                 Catch::Contains("field base: " + hex(chbcr)) &&
                     Catch::Contains("on that of subtable 0 (UID 1)") &&
                     Catch::Contains("host bridge skipped"));
    REQUIRE_THAT(r.note_with("pci0000:02 (UID 2)"),
                 Catch::Contains("CHBS (CEDT subtable 1) was skipped: not a CXL host bridge"));
    // The 2-way window needs host bridge 2: it is skipped too, so no region can commit through
    // host bridge 1's registers on host bridge 2's behalf.
    REQUIRE_THAT(r.note_with("(CFMWS) skipped"), Catch::Contains("UID 2, not a dport of root0"));
    auto* root = r.cxl().root();
    REQUIRE(root->find_dport(1u));
    REQUIRE_FALSE(root->find_dport(2u));
    REQUIRE(root->decoders().empty());
    // Host bridge 1 keeps its CHBCR and its memdev attaches; host bridge 2's does not.
    auto* port1 = r.cxl().port_by_uport("pci0000:00");
    REQUIRE(port1);
    REQUIRE(port1->component()->offset == chbcr);
    REQUIRE(r.cxl().port_by_uport("pci0000:02") == nullptr);
    REQUIRE(r.memdev_below(1).endpoint());
    auto& lost = r.memdev_below(2);
    REQUIRE_FALSE(lost.endpoint());
    REQUIRE(lost.last_fact()->code == errc::port_absent);
    REQUIRE_THAT(lost.last_fact()->detail, Catch::Contains("not a CXL host bridge of root0"));
}

TEST_CASE("cxl_acpi: a CHBS flipped between VH and RCH skips its host bridge with a note",
          "[drivers][acpi][topology]") {
    SECTION("a VH host bridge whose CHBS says RCH (an RCRB at its CHBCR)") {
        std::uint64_t base = 0;
        rig r{pair_topology(), [&](spec::cedt_table& t) {
                  auto& c = t.chbs_list[1];
                  base = c.base;
                  c.cxl_version = spec::chbs_version_cxl11;
                  c.length = spec::chbs_rcrb_length;
              }};
        REQUIRE_THAT(
            r.note_with("pci0000:02 (UID 2): its CHBS"),
            Catch::Contains("(CEDT subtable 1) says CXL 1.1, an RCH's RCRB at " + hex(base)) &&
                Catch::Contains("downstream port RCRB at " + hex(base) +
                                ": Memory Space is disabled") &&
                Catch::EndsWith("host bridge skipped"));
        REQUIRE_FALSE(r.cxl().root()->find_dport(2u));
        REQUIRE(r.memdev_below(1).endpoint());
        auto& lost = r.memdev_below(2);
        REQUIRE_FALSE(lost.endpoint());
        REQUIRE(lost.last_fact()->code == errc::port_absent);
    }
    SECTION("an RCH whose CHBS says VH (a CHBCR at its RCRB)") {
        emu::topology t;
        t.add_endpoint(t.add_root_port(t.add_host_bridge({.uid = 1})),
                       emu::endpoint_spec::type3_device(512_MiB, 0));
        t.add_endpoint(t.add_host_bridge({.uid = 3, .chbs_version = 0}),
                       emu::endpoint_spec::type3_device(512_MiB, 0));
        t.add_window({.size = 1_GiB, .targets = {1}});
        std::uint64_t base = 0;
        rig r{t, [&](spec::cedt_table& c) {
                  auto& rch = c.chbs_list[1];
                  REQUIRE(rch.uid == 3);
                  base = rch.base;
                  rch.cxl_version = spec::chbs_version_cxl20;
                  rch.length = spec::chbs_chbcr_length;
              }};
        REQUIRE_THAT(r.note_with("(UID 3): its CHBS"),
                     Catch::Contains("says CXL 2.0+, a CHBCR at " + hex(base)) &&
                         Catch::Contains("component registers at " + hex(base) +
                                         ": no capability array (header at " +
                                         hex(base + 0x1000)) &&
                         Catch::EndsWith("host bridge skipped"));
        REQUIRE_FALSE(r.cxl().root()->find_dport(3u));
        REQUIRE(r.memdev_below(1).endpoint());
        REQUIRE_FALSE(r.memdev_below(3).endpoint());
    }
}

TEST_CASE("cxl_acpi: a CHBS where nothing answers fails the probe, naming the host bridge; "
          "a rebind once it answers binds everything",
          "[drivers][acpi][topology]") {
    constexpr std::uint64_t nowhere = 0x7000'0000'0000; // below no BAR, block or window
    auto const failed_with = [](rig& r, std::error_code code, std::string const& text) {
        auto const info = r.ph->host().info(r.acpi());
        INFO(info.message);
        REQUIRE(info.state == base::device_state::failed);
        REQUIRE(info.error == code);
        REQUIRE_THAT(info.message, Catch::Contains(text));
        REQUIRE(r.cxl().root() == nullptr); // what the probe made went with it
        for (auto* md : r.cxl().memdevs())
            REQUIRE(md->last_fact()->code == errc::root_absent);
    };
    SECTION("a VH host bridge's CHBS on unmapped MMIO") {
        rig r{pair_topology(), [&](spec::cedt_table& c) { c.chbs_list[1].base = nowhere; }, false};
        failed_with(r, emu::errc::unmapped_address,
                    "pci0000:02 (UID 2): its CHBS (CEDT subtable 1) says CXL 2.0+, a CHBCR at " +
                        hex(nowhere) + ", but nothing answers there: component registers at " +
                        hex(nowhere) + ": reading the capability array header at " +
                        hex(nowhere + 0x1000));
    }
    SECTION("an RCH's CHBS on unmapped MMIO") {
        emu::topology t = pair_topology();
        t.add_endpoint(t.add_host_bridge({.uid = 3, .chbs_version = 0}),
                       emu::endpoint_spec::type3_device(512_MiB, 0));
        rig r{t, [&](spec::cedt_table& c) { c.chbs_list[2].base = nowhere; }, false};
        failed_with(r, emu::errc::unmapped_address,
                    "(UID 3): its CHBS (CEDT subtable 2) says CXL 1.1, an RCH's RCRB at " +
                        hex(nowhere) + ", but nothing answers there: downstream port RCRB at " +
                        hex(nowhere) + ": reading its vendor ID");
    }
    SECTION("a fault on the CHBCR: not a bad topology, so nothing is skipped for good") {
        auto p = make_platform(pair_topology());
        testing::platform_host ph{*p};
        REQUIRE(ph.populate());
        (void)p->faults().fail_nth(1, {.node = p->host_bridge(2)->id()});
        REQUIRE(ph.register_drivers());
        REQUIRE(ph.host().settle());
        auto& acpi = *ph.host().find_device("ACPI0017:00");
        auto const info = ph.host().info(acpi);
        REQUIRE(info.state == base::device_state::failed);
        REQUIRE(info.error == hw::errc::access_fault);
        REQUIRE_THAT(info.message, Catch::Contains("(UID 2): its CHBS") &&
                                       Catch::Contains("nothing answers there"));
        p->faults().clear();
        REQUIRE(ph.host().attach(acpi).is_bound());
        REQUIRE(ph.host().settle());
        REQUIRE(ph.cxl().root()->dports().size() == 2);
        for (auto* md : ph.cxl().memdevs())
            REQUIRE(md->endpoint());
        for (auto const& n : ph.cxl().messages())
            REQUIRE(n.find("skipped") == std::string::npos);
    }
}

TEST_CASE("a window over MMIO: no region is committed on the BARs and CHBCRs it covers, and "
          "the overlap is noted",
          "[drivers][acpi][region][topology]") {
    emu::topology t = pair_topology();
    auto probe = make_platform(t); // where the emulator puts its BARs
    std::uint64_t const bar = probe->at(probe->endpoints().front()).bar();
    std::uint64_t const base = bar & ~(256_MiB - 1);
    rig r{t, [&](spec::cedt_table& c) {
              auto w = c.cfmws_list.front();
              w.base_hpa = base;
              w.window_size = 1_GiB;
              w.eniw = 0;
              w.targets = {};
              REQUIRE(w.targets.push_back(1));
              c.cfmws_list.push_back(w);
          }};
    REQUIRE(r.p->at(r.p->endpoints().front()).bar() == bar);
    REQUIRE(r.cxl().root()->decoders().size() == 2);
    // probe_mem takes the first 1-way window over host bridge 1 that allows Type-3 RAM: this
    // one. Its HPA must miss every BAR and host-bridge CHBCR of the platform.
    auto range = core::probe_mem(r.memdev_below(1), 256_MiB);
    REQUIRE(range);
    REQUIRE(range->start >= base);
    REQUIRE(range->start + range->size <= base + 1_GiB);
    for (base::device* d : r.ph->host().devices())
        if (auto* pdev = dynamic_cast<base::pci_device*>(d))
            if (auto b = pdev->bar(0)) {
                INFO(pdev->name() << " BAR0 " << hex(b->base));
                REQUIRE(
                    (b->base + b->size <= range->start || range->start + range->size <= b->base));
            }
    for (auto* port : r.cxl().ports())
        if (port->kind() == core::port_kind::host_bridge)
            REQUIRE(port->component()->offset + port->component()->size <= range->start);
    REQUIRE_THAT(
        r.note_with("overlaps BAR0 of " + std::string{r.p->at(r.p->endpoints().front()).name()}),
        Catch::Contains("decoder0.1 (CFMWS subtable 3, [" + hex(base) + "-",
                        Catch::CaseSensitive::No) &&
            Catch::Contains("[" + hex(bar) + "-", Catch::CaseSensitive::No) &&
            Catch::Contains("no region is placed on that MMIO"));
    REQUIRE_THAT(r.note_with("overlaps the CHBCR of pci0000:00"), Catch::Contains("decoder0.1"));
}
