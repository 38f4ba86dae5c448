// Regions firmware committed, assembled at boot as Linux's cxl_add_to_region() does (issue 14):
// cxl_test's mock_init_hdm_decoder() region, what the HPA allocator then leaves free, the
// interleave that does not add up (reported, left alone), and Lock-On-Commit.
#include "support.hpp"

#include <cxlfw/core/dpa.hpp>
#include <cxlfw/core/dump.hpp>
#include <cxlfw/core/region.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/emu/platform.hpp>
#include <cxlfw/emu/topologies.hpp>
#include <cxlfw/policy/policy.hpp>
#include <cxlfw/spec/cedt.hpp>
#include <cxlfw/testing/check.hpp>
#include <cxlfw/testing/machine.hpp>
#include <cxlfw/units.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace cxlfw;
using namespace cxlfw::literals;
using cxlfw::drivers::test_support::boot;

namespace {

void require_clean(testing::machine& m) {
    auto bad = testing::invariant_violations(m);
    INFO(testing::join(bad));
    REQUIRE(bad.empty());
}

/// The devices whose decoder 0 firmware committed, in node order.
std::vector<emu::node_id> committed_devices(emu::platform& p) {
    std::vector<emu::node_id> out;
    for (auto ep : p.endpoints())
        if (p.decoder(ep, 0).phase == emu::decoder_phase::committed) out.push_back(ep);
    return out;
}

core::decoder* root_decoder_at(testing::machine& m, std::uint64_t hpa) {
    for (auto const& d : m.cxl().root()->decoders())
        if (hpa >= d->base && hpa < d->base + d->size) return d.get();
    return nullptr;
}

/// Host bridge 0 (root port 1, switch 2 with downstream ports 3 and 4, a 1 GiB RAM device
/// below each: 5 and 6 by element id) and a 1 GiB window on it; firmware committed decoder 0
/// of both devices (2 ways), the switch (2 targets) and the host bridge (1 target) over the
/// window, with the ways and granularity given per level.
emu::topology two_way(unsigned ep_ways, std::uint64_t sw_granularity, bool lock = false) {
    emu::topology t;
    auto hb = t.add_host_bridge({.uid = 0});
    auto rp = t.add_root_port(hb);
    auto usp = t.add_switch(rp, {.downstream_ports = 2});
    auto const dsps = t.downstream_ports(usp);
    std::vector<emu::topology::element_id> const ports{dsps.begin(), dsps.end()};
    std::vector<emu::topology::element_id> eps;
    for (auto dsp : ports)
        eps.push_back(t.add_endpoint(dsp, emu::endpoint_spec::type3_device(1_GiB, 0)));
    t.add_window({.size = 1_GiB, .targets = {0}, .granularity = 4_KiB});
    std::uint64_t const base = t.window_base, size = 256_MiB * ep_ways;
    t.commit_decoder(hb, {.base = base, .size = size, .granularity = 4_KiB, .targets = {rp}});
    t.commit_decoder(
        usp,
        {.base = base, .size = size, .ways = 2, .granularity = sw_granularity, .targets = ports});
    for (auto ep : eps)
        t.commit_decoder(ep, {.base = base,
                              .size = size,
                              .ways = ep_ways,
                              .granularity = 4_KiB,
                              .lock_on_commit = lock});
    return t;
}

} // namespace

TEST_CASE("auto region: cxl_test's firmware region is assembled at boot", "[drivers][auto]") {
    auto m = boot(emu::cxl_test_topology());
    auto& plat = m->platform();
    auto const devs = committed_devices(plat);
    REQUIRE(devs.size() == 2);
    auto regions = m->cxl().regions();
    REQUIRE(regions.size() == 1);
    core::region& r = *regions.front();
    INFO(core::dump(m->cxl()));
    REQUIRE(r.auto_assembled());
    REQUIRE_FALSE(r.locked());
    REQUIRE(r.state() == core::region_state::committed);
    REQUIRE(r.mode() == core::partition_mode::ram);
    REQUIRE(r.ways() == 2);
    REQUIRE(r.granularity() == 4_KiB);
    REQUIRE(r.size() == 512_MiB);
    REQUIRE(&r.root() == root_decoder_at(*m, r.base()));
    REQUIRE(r.root().id() == 0); // decoder0.0: mock_cfmws[0]
    // Position i is the device below the switch's target i (cxl_mem.0, then cxl_mem.4).
    for (unsigned pos = 0; pos < 2; ++pos) {
        core::decoder* t = r.targets()[pos];
        REQUIRE(t);
        REQUIRE(t->auto_committed);
        core::memdev* md = t->owner().endpoint_memdev();
        REQUIRE(md);
        REQUIRE(md->parent()->name() == plat.at(devs[pos]).name());
        REQUIRE(*t->dpa == core::dpa_extent{0, 256_MiB, 0});
        // Every decoder on its path is the region's, committed by firmware.
        for (core::port* p = &t->owner(); p->kind() != core::port_kind::root;
             p = p->parent_port()) {
            auto const& decs = p->decoders();
            REQUIRE(std::any_of(decs.begin(), decs.end(), [&](auto const& d) {
                return d->region == &r && d->enabled && d->auto_committed;
            }));
        }
    }
    // The spec's math agrees with the firmware's routing: DPA 0 of position 1 is the second
    // granule of the region.
    auto hpa = core::dpa_to_hpa(r, *r.targets()[1], 0);
    REQUIRE(hpa);
    REQUIRE(*hpa == r.base() + 4_KiB);
    require_clean(*m);
}

TEST_CASE("auto region: what firmware holds is not handed out again", "[drivers][auto]") {
    auto m = boot(emu::cxl_test_topology());
    core::region& fw = *m->cxl().regions().front();
    core::decoder& window0 = fw.root();
    // HPA: the rest of window 0 (1 GiB) is 512 MiB above the firmware's range.
    auto r = core::create_region(window0, core::partition_mode::ram);
    REQUIRE(r);
    REQUIRE(core::set_granularity(**r, 4096));
    REQUIRE(core::set_ways(**r, 1));
    auto big = core::set_size(**r, 1_GiB);
    REQUIRE(big.error() == errc::no_capacity);
    REQUIRE(core::set_size(**r, 512_MiB));
    REQUIRE((*r)->base() == fw.base() + 512_MiB);
    core::delete_region(**r);
    // DPA: the next decoder of a device in it allocates after the firmware's 256 MiB.
    core::decoder* ep = fw.targets()[0];
    // Not a region an accelerator's attach takes: it has two targets.
    auto a = core::attach_region(*ep->owner().endpoint_memdev());
    REQUIRE(a.error() == errc::region_absent);
    REQUIRE_THAT(a.error().detail,
                 Catch::Contains(ep->name() + " is in region0 (") && Catch::Contains(", 2 ways)"));
    core::decoder* next = ep->owner().find_decoder(1);
    REQUIRE(next);
    REQUIRE(core::dpa_set_mode(*next, core::partition_mode::ram));
    REQUIRE(core::dpa_alloc(*next, 256_MiB));
    REQUIRE(next->dpa->base == 256_MiB);
    require_clean(*m);
}

TEST_CASE("auto region: interleave that does not add up is reported and left alone",
          "[drivers][auto]") {
    SECTION("4 ways below a switch that has 2 targets: two positions route to each device") {
        auto m = boot(two_way(4, 4_KiB));
        REQUIRE(m->cxl().regions().empty());
        auto const notes = m->cxl().messages();
        REQUIRE(std::any_of(notes.begin(), notes.end(), [](std::string const& s) {
            return s.find("is not assembled") != std::string::npos &&
                   s.find("both route to it") != std::string::npos;
        }));
        // Left as firmware left it: committed in the hardware and in the core, holding its HPA.
        for (auto ep : committed_devices(m->platform()))
            REQUIRE(m->platform().decoder(ep, 0).phase == emu::decoder_phase::committed);
        core::decoder* rd = root_decoder_at(*m, 64_GiB);
        REQUIRE(rd);
        auto r = core::create_region(*rd, core::partition_mode::ram);
        REQUIRE(core::set_granularity(**r, 4096));
        REQUIRE(core::set_ways(**r, 1));
        REQUIRE(core::set_size(**r, 256_MiB).error() == errc::no_capacity);
        core::delete_region(**r);
        require_clean(*m);
    }
    SECTION("a switch that decodes at 8 KiB where the region needs 4 KiB") {
        auto m = boot(two_way(2, 8_KiB));
        auto regions = m->cxl().regions();
        REQUIRE(regions.size() == 1); // the first device joined; the second could not
        REQUIRE(regions.front()->state() == core::region_state::sized);
        auto const notes = m->cxl().messages();
        REQUIRE(std::any_of(notes.begin(), notes.end(), [](std::string const& s) {
            return s.find("(committed by firmware): 2 ways at 8192 B") != std::string::npos;
        }));
        require_clean(*m);
    }
}

TEST_CASE("auto region: a region firmware locked cannot be reset and outlives its targets",
          "[drivers][auto]") {
    auto m = boot(two_way(2, 4_KiB, /*lock=*/true));
    auto regions = m->cxl().regions();
    REQUIRE(regions.size() == 1);
    core::region& r = *regions.front();
    REQUIRE(r.locked());
    REQUIRE(r.state() == core::region_state::committed);
    auto const before = core::dump(m->cxl());
    auto refused = core::reset_region(r);
    REQUIRE(refused.error() == errc::decoder_locked);
    REQUIRE(core::dump(m->cxl()) == before); // a refused operation changes nothing
    auto* t0 = r.targets()[0];
    REQUIRE(core::reset_decoder(*t0).error() == errc::decoder_locked);
    REQUIRE(t0->enabled);
    // Unbinding a device's memdev detaches it without a hardware reset (Linux: no reset with
    // CXL_REGION_F_LOCK); binding it again re-joins the same region.
    auto const devs = committed_devices(m->platform());
    std::string const memdev_name = t0->owner().endpoint_memdev()->name();
    base::device* md = m->find(memdev_name);
    REQUIRE(md);
    REQUIRE(m->host().unbind(*md));
    REQUIRE(m->host().settle());
    REQUIRE(r.state() == core::region_state::sized);
    for (auto ep : devs)
        REQUIRE(m->platform().decoder(ep, 0).phase == emu::decoder_phase::committed);
    require_clean(*m);
    REQUIRE(m->host().attach(*m->find(memdev_name)).is_bound());
    REQUIRE(m->host().settle());
    REQUIRE(m->cxl().regions().size() == 1);
    REQUIRE(&r == m->cxl().regions().front());
    REQUIRE(r.state() == core::region_state::committed);
    require_clean(*m);
}

TEST_CASE("auto region: an unlocked one is reset in the hardware when a target goes",
          "[drivers][auto]") {
    // What Linux does on real hardware: cxl_region_detach() resets every position's decoders,
    // and the BIOS does not commit them again, so the region does not come back by itself.
    auto m = boot(two_way(2, 4_KiB));
    core::region& r = *m->cxl().regions().front();
    REQUIRE(r.state() == core::region_state::committed);
    auto const devs = committed_devices(m->platform());
    REQUIRE(devs.size() == 2);
    std::string const memdev_name = r.targets()[0]->owner().endpoint_memdev()->name();
    REQUIRE(m->host().unbind(*m->find(memdev_name)));
    REQUIRE(m->host().settle());
    for (auto ep : devs)
        REQUIRE(m->platform().decoder(ep, 0).phase == emu::decoder_phase::idle);
    require_clean(*m);
    REQUIRE(m->host().attach(*m->find(memdev_name)).is_bound());
    REQUIRE(m->host().settle());
    REQUIRE(r.state() == core::region_state::sized);
    require_clean(*m);
}

TEST_CASE("auto region: with fail_autoassemble the region waits for a member that never comes",
          "[drivers][auto]") {
    auto m = boot(emu::cxl_test_topology({.fail_autoassemble = true}));
    auto regions = m->cxl().regions();
    REQUIRE(regions.size() == 1);
    core::region& r = *regions.front();
    REQUIRE(r.auto_assembled());
    REQUIRE(r.state() == core::region_state::sized); // not committed: no memory to use
    REQUIRE(std::count(r.targets().begin(), r.targets().end(), nullptr) == 1);
    require_clean(*m);
    // Without the firmware region at all, cxl_test boots with none.
    auto bare = boot(emu::cxl_test_topology({.auto_region = false}));
    REQUIRE(bare->cxl().regions().empty());
    REQUIRE(bare->cxl().messages().empty());
}

namespace {

/// An accelerator driver as Linux 7.2's sfc is written: on_cxl takes the region firmware
/// committed (cxl_memdev_attach_region()), and without one carries on over PCIe.
struct firmware_accel : cxlfw::driver<firmware_accel, policy::type2<policy::cap::hdm<1>>,
                                      policy::attach::mediated, policy::when_absent::degrade> {
    static constexpr std::string_view name = "firmware_accel";
    static constexpr cxlfw::pci_id ids[] = {{0x1924, 0x0b03}};
    static inline std::optional<core::hpa_range> attached{};
    cxlfw::status on_cxl(cxlfw::cxl_ready<firmware_accel>& cxl) {
        auto r = cxl.attach_region();
        if (!r) return r.error();
        attached = *r;
        return {};
    }
    void on_pcie_only(std::error_code) { attached.reset(); }
};

/// cxl_test with its accelerator's device-memory window, and (if `firmware`) the first 256 MiB
/// of it committed by firmware for the accelerator: host bridge 2's decoder 0 to its root
/// port, the accelerator's decoder 0, locked (a region meant to outlive driver reloads).
emu::topology accel_topology(bool firmware, std::uint64_t& base) {
    auto t = emu::cxl_test_topology({.type2_window = true});
    auto p = cxlfw::drivers::test_support::make_platform(t);
    auto const cedt = spec::parse_cedt(p->cedt()).value();
    base = cedt.cfmws_list.back().base_hpa; // the DEVMEM window is the last
    if (!firmware) return t;
    for (emu::topology::element_id el = 0; el < t.elements().size(); ++el) {
        auto const& e = t.at(el);
        if (e.kind != emu::element_kind::endpoint || t.endpoint(el).type != emu::device_type::type2)
            continue;
        auto const rp = e.parent, hb = t.at(rp).parent;
        t.commit_decoder(hb, {.base = base, .size = 256_MiB, .targets = {rp}});
        t.commit_decoder(el, {.base = base, .size = 256_MiB, .lock_on_commit = true});
    }
    return t;
}

} // namespace

TEST_CASE("attach_region: an accelerator takes the region firmware committed, as Linux 7.2",
          "[drivers][auto][type2]") {
    std::uint64_t base = 0;
    auto m = boot(accel_topology(true, base));
    // Before any driver: cxl_pci does not bind the accelerator, so nothing is assembled yet.
    REQUIRE(m->cxl().regions().size() == 1); // cxl_test's own
    firmware_accel::attached.reset();
    REQUIRE(m->load<firmware_accel>());
    std::string const accel = "0000:17:00.0";
    REQUIRE(cxlfw::status_of(*m->find(accel))->mode == cxl_mode::cxl);
    REQUIRE(firmware_accel::attached == core::hpa_range{base, 256_MiB});
    core::region* fw = nullptr;
    for (auto* r : m->cxl().regions())
        if (r->base() == base) fw = r;
    REQUIRE(fw);
    REQUIRE(fw->auto_assembled());
    REQUIRE(fw->locked());
    REQUIRE(fw->type() == core::target_type::device_coherent);
    REQUIRE(m->cxl().regions().size() == 2); // attach_region created nothing
    require_clean(*m);
    // Unbound and bound again: the locked region stays decoded and is attached again.
    REQUIRE(m->host().unbind(*m->find(accel)));
    REQUIRE(m->host().settle());
    REQUIRE(fw->state() != core::region_state::committed);
    require_clean(*m);
    firmware_accel::attached.reset();
    REQUIRE(m->host().attach(*m->find(accel)).is_bound());
    REQUIRE(m->host().settle());
    REQUIRE(cxlfw::status_of(*m->find(accel))->mode == cxl_mode::cxl);
    REQUIRE(firmware_accel::attached == core::hpa_range{base, 256_MiB});
    REQUIRE(fw->state() == core::region_state::committed);
    require_clean(*m);
}

TEST_CASE("attach_region: without a firmware region it is region_absent, and the driver's "
          "policy decides (degrade: PCIe only)",
          "[drivers][auto][type2]") {
    std::uint64_t base = 0;
    auto m = boot(accel_topology(false, base));
    REQUIRE(m->load<firmware_accel>());
    auto const st = cxlfw::status_of(*m->find("0000:17:00.0"));
    REQUIRE(st->mode == cxl_mode::pcie_only);
    INFO(st->reason);
    REQUIRE_THAT(st->reason, Catch::StartsWith("no committed region maps the device"));
    REQUIRE_FALSE(firmware_accel::attached);
    // Nothing was created in its place.
    for (auto* r : m->cxl().regions())
        REQUIRE(r->base() != base);
    require_clean(*m);
}
