// The fault hook (k-th access, named registers, media, commands) and the access counters a
// later test uses to say "a driver without cap::ras makes no RAS access".
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace emu_test;

namespace {

struct fault_rig {
    std::unique_ptr<emu::platform> p;
    emu::node* a;
    emu::node* b;
    fault_rig() {
        emu::topology t;
        auto hb = t.add_host_bridge({.uid = 1});
        t.add_endpoint(t.add_root_port(hb), emu::endpoint_spec::type3_device(1_GiB, 0));
        t.add_endpoint(t.add_root_port(hb), emu::endpoint_spec::type3_device(1_GiB, 0));
        p = make(t);
        a = &p->at(p->endpoints()[0]);
        b = &p->at(p->endpoints()[1]);
    }
};

} // namespace

TEST_CASE("unarmed, the hook fails nothing", "[emu][fault]") {
    fault_rig r;
    REQUIRE_FALSE(r.p->faults().armed());
    for (std::uint64_t off = 0; off < 0x1000; off += 4)
        REQUIRE(r.a->config().read(off, 4).has_value());
    REQUIRE(r.p->faults().injected() == 0);
    REQUIRE(r.p->counts(r.a->id()).in(emu::region::config) == 0x400);
}

TEST_CASE("fail the k-th access, globally or per device", "[emu][fault]") {
    fault_rig r;
    auto& f = r.p->faults();
    SECTION("globally: the third access to anything") {
        auto rule = f.fail_nth(3);
        REQUIRE(f.armed());
        REQUIRE(r.a->config().read(0, 4));
        REQUIRE(r.b->config().read(0, 4));
        REQUIRE(r.a->config().read(0, 4).error() == hw::errc::access_fault);
        REQUIRE(r.b->config().read(0, 4));
        REQUIRE(f.injected() == 1);
        REQUIRE(f.disarm(rule));
        REQUIRE_FALSE(f.armed());
    }
    SECTION("per device, two in a row: accesses to other devices do not count") {
        f.fail_nth(2, {.node = r.b->id()}, 2);
        REQUIRE(r.a->config().read(0, 4));
        REQUIRE(r.b->config().read(0, 4));
        REQUIRE(r.a->config().read(0, 4));
        REQUIRE(r.b->config().read(0, 4).error() == hw::errc::access_fault);
        REQUIRE(r.b->config().write(spec::pci::command::offset, 2, 0).error() ==
                hw::errc::access_fault);
        REQUIRE(r.b->config().read(spec::pci::command::offset, 2).value() != 0); // dropped
        REQUIRE(f.injected() == 2);
    }
    SECTION("per device and region: the first mailbox access") {
        f.fail_nth(1, {.node = r.a->id(), .region = emu::region::mailbox});
        auto base = r.a->device_regs_base().value();
        REQUIRE(r.p->mmio().read(base, 8)); // the capabilities array is another region
        REQUIRE(r.p->mmio().read(base + 0x88, 4).error() == hw::errc::access_fault);
        REQUIRE(r.p->mmio().read(base + 0x88, 4));
    }
}

TEST_CASE("fail a named register, by spec type or by offset", "[emu][fault]") {
    fault_rig r;
    auto& f = r.p->faults();
    auto hdm = hdm_window(*r.p, r.a->component_base().value(), 4);
    f.fail_register<spec::hdm::control>(r.a->id(), emu::region::component_hdm, 1);
    REQUIRE(hdm.read<spec::hdm::control>(0));
    REQUIRE(hdm.read<spec::hdm::control>(1).error() == hw::errc::access_fault);
    REQUIRE(hdm.write<spec::hdm::control>(1, 0).error() == hw::errc::access_fault);
    REQUIRE(hdm.read<spec::hdm::base_low>(1)); // the next register is fine
    // Another device's decoder 1 is unaffected.
    auto other = hdm_window(*r.p, r.b->component_base().value(), 4);
    REQUIRE(other.read<spec::hdm::control>(1));

    // A DVSEC register, by its config offset; writes only.
    auto loc = hw::find_dvsec(r.b->config(), spec::dvsec_id::cxl_device).value();
    f.fail_register(r.b->id(), emu::region::config, loc.offset + spec::cxl_dvsec::control::offset,
                    2, emu::access_kind::write);
    hw::window<emu::config_bus> dv{r.b->config(), loc.offset, loc.length};
    REQUIRE(dv.read<spec::cxl_dvsec::control>()); // reads pass
    REQUIRE(dv.set<spec::cxl_dvsec::mem_enable>(1).error() == hw::errc::access_fault);
    REQUIRE(dv.get<spec::cxl_dvsec::mem_enable>().value() == 0);
    // hw::read_cxl_device_dvsec reads, so it still works.
    REQUIRE(hw::read_cxl_device_dvsec(r.b->config()).has_value());
    f.clear();
    REQUIRE(f.rule_count() == 0);
    REQUIRE(dv.set<spec::cxl_dvsec::mem_enable>(1));
}

TEST_CASE("keep media not ready: Memory_Active and the media status stay down",
          "[emu][fault][readiness]") {
    fault_rig r;
    auto rule = r.p->faults().keep_media_not_ready(r.a->id());
    auto const active = [&](emu::node& n) {
        return hw::read_cxl_device_dvsec(n.config()).value().ranges[0].active;
    };
    auto const media = [&](emu::node& n) {
        auto w = device_cap(*r.p, n.device_regs_base().value(), spec::device_cap_id::memdev);
        return spec::memdev_status::decode(w->read<spec::memdev::status>().value()).media;
    };
    r.p->clock().advance(std::chrono::minutes{5});
    REQUIRE_FALSE(active(*r.a));
    REQUIRE(media(*r.a) == spec::media_status::not_ready);
    REQUIRE(hw::read_cxl_device_dvsec(r.a->config()).value().ranges[0].info_valid);
    REQUIRE(active(*r.b));
    REQUIRE(media(*r.b) == spec::media_status::ready);
    REQUIRE(r.p->faults().disarm(rule));
    REQUIRE(active(*r.a));
    REQUIRE(media(*r.a) == spec::media_status::ready);
}

TEST_CASE("access counters per device and region: no RAS access unless RAS is read",
          "[emu][fault][counters]") {
    fault_rig r;
    // A driver that uses HDM decoders only: Register Locator, capability array, HDM.
    auto const comp = block_address(*r.a, spec::register_block_id::component);
    auto hdm = hdm_window(*r.p, comp, 4);
    REQUIRE(hdm.read<spec::hdm::capability>());
    REQUIRE(hdm.write<spec::hdm::global_control>(spec::hdm::hdm_decoder_enable::mask));
    auto c = r.p->counts(r.a->id());
    REQUIRE(c.in(emu::region::component_ras) == 0);
    REQUIRE(c.reads[static_cast<std::size_t>(emu::region::component_hdm)] == 1);
    REQUIRE(c.writes[static_cast<std::size_t>(emu::region::component_hdm)] == 1);
    REQUIRE(c.in(emu::region::component_other) > 0); // the capability array walk
    REQUIRE(c.in(emu::region::config) > 0);          // the Register Locator lookup
    REQUIRE(c.in(emu::region::mailbox) == 0);
    REQUIRE(r.p->counts(r.b->id()).total() == 0);

    // Now the RAS capability is read (and written: its status is RW1C).
    auto ras = component_cap(*r.p, comp, spec::component_cap_id::ras, spec::ras::length).value();
    REQUIRE(r.p->inject_ras(r.a->id(), 0x4, 0x1));
    REQUIRE(ras.read<spec::ras::uncorrectable_status>().value() == 0x4);
    REQUIRE(spec::ras::first_error_pointer::get(ras.read<spec::ras::cap_control>().value()) == 2);
    REQUIRE(ras.write<spec::ras::uncorrectable_status>(0x4));
    REQUIRE(ras.read<spec::ras::uncorrectable_status>().value() == 0);
    REQUIRE(ras.read<spec::ras::correctable_status>().value() == 1);
    REQUIRE(r.p->counts(r.a->id()).in(emu::region::component_ras) == 5);

    // Device registers: status, mailbox and memdev regions.
    auto m = mailbox_of(*r.p, *r.a);
    REQUIRE(m.send(spec::opcode::identify).rc == spec::return_code::success);
    c = r.p->counts(r.a->id());
    REQUIRE(c.in(emu::region::device_caps) > 0);
    REQUIRE(c.in(emu::region::mailbox) > 0);
    REQUIRE(c.commands == 1);
    REQUIRE(c.in(emu::region::memdev) == 0);
    REQUIRE(r.p->total_accesses() >= c.total());
    r.p->clear_counts();
    REQUIRE(r.p->counts(r.a->id()).total() == 0);
}
