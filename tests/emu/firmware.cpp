// Firmware state (topology::commit_decoder, issue 14): the registers start as firmware left
// them, a reset clears them, and each way a description of firmware state can be wrong is its
// own build error naming the element and the decoder.
#include "support.hpp"

#include <cxlfw/emu/topologies.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace emu_test;

namespace {

/// Host bridge UID 0 (element 0) with root ports 1 and 2; a switch below root port 1
/// (upstream port 3, downstream ports 4 and 5) with a 1 GiB RAM device below each (6, 7); a
/// 2 GiB window on the host bridge at 64 GiB.
struct small {
    emu::topology t;
    emu::topology::element_id hb, rp0, rp1, usp, dsp0, dsp1, ep0, ep1;
    std::uint64_t base = 64_GiB;
    small() {
        hb = t.add_host_bridge({.uid = 0});
        rp0 = t.add_root_port(hb);
        rp1 = t.add_root_port(hb);
        usp = t.add_switch(rp0, {.downstream_ports = 2});
        dsp0 = t.downstream_ports(usp)[0];
        dsp1 = t.downstream_ports(usp)[1];
        ep0 = t.add_endpoint(dsp0, emu::endpoint_spec::type3_device(1_GiB, 0));
        ep1 = t.add_endpoint(dsp1, emu::endpoint_spec::type3_device(1_GiB, 0));
        t.add_window({.base = base, .size = 2_GiB, .targets = {0}, .granularity = 4_KiB});
    }
    /// A 2-way 512 MiB set over both devices, committed at every level.
    void region(bool lock = false) {
        emu::firmware_decoder d{.base = base, .size = 512_MiB, .granularity = 4_KiB};
        d.targets = {rp0};
        t.commit_decoder(hb, d);
        d.ways = 2;
        d.targets = {dsp0, dsp1};
        t.commit_decoder(usp, d);
        d.targets.clear();
        d.lock_on_commit = lock;
        t.commit_decoder(ep0, d);
        t.commit_decoder(ep1, d);
    }
};

emu::build_diagnostic fails(emu::topology const& t, emu::errc code) {
    emu::build_diagnostic diag;
    auto p = emu::build(t, &diag);
    REQUIRE_FALSE(p.has_value()); // nothing half-built: no platform at all
    INFO(diag.message());
    REQUIRE(p.error() == code);
    return diag;
}

} // namespace

TEST_CASE("firmware: committed decoders start committed, and a reset clears them",
          "[emu][firmware]") {
    small s;
    s.region(/*lock=*/true);
    auto p = make(s.t);
    auto const eps = p->endpoints();
    REQUIRE(eps.size() == 2);
    for (auto ep : eps) {
        auto d = p->decoder(ep, 0);
        REQUIRE(d.phase == emu::decoder_phase::committed);
        REQUIRE(d.base == s.base);
        REQUIRE(d.size == 512_MiB);
        REQUIRE(spec::hdm::iw::get(d.control) == 1);          // 2 ways
        REQUIRE(spec::hdm::ig::get(d.control) == 4);          // 4 KiB
        REQUIRE(spec::hdm::lock_on_commit::get(d.control));   // as firmware set it
        REQUIRE(spec::hdm::target_type::get(d.control) == 1); // host-only (Type-3)
        REQUIRE(p->decoder(ep, 1).phase == emu::decoder_phase::idle);
    }
    // The switch's decoder targets its downstream ports by Port Number, in order.
    auto const usp = p->of_kind(emu::node_kind::upstream_port).front();
    auto sw = p->decoder(usp, 0);
    REQUIRE(sw.phase == emu::decoder_phase::committed);
    auto const dsps = p->of_kind(emu::node_kind::downstream_port);
    REQUIRE((sw.targets & 0xFF) == p->at(dsps[0]).port_number());
    REQUIRE(((sw.targets >> 8) & 0xFF) == p->at(dsps[1]).port_number());
    // Locked: software cannot change it (CXL 3.1 §8.2.4.20.7, Lock On Commit).
    auto const hb = p->host_bridges().front();
    REQUIRE(p->decoder(hb, 0).phase == emu::decoder_phase::committed);
    // A conventional reset is not the BIOS: the device comes back with its decoders idle.
    REQUIRE(p->reset(eps[0]));
    REQUIRE(p->decoder(eps[0], 0).phase == emu::decoder_phase::idle);
    REQUIRE(p->decoder(eps[1], 0).phase == emu::decoder_phase::committed);
}

TEST_CASE("firmware: cxl_test's auto region is mock_init_hdm_decoder()'s", "[emu][firmware]") {
    auto p = make(emu::cxl_test_topology()); // Linux: on by default
    auto const hb0 = p->host_bridge(0);
    REQUIRE(hb0);
    auto const window0 = 64_GiB;
    auto h = p->decoder(hb0->id(), 0);
    REQUIRE(h.phase == emu::decoder_phase::committed);
    REQUIRE(h.base == window0);
    REQUIRE(h.size == 512_MiB);
    REQUIRE(spec::hdm::iw::get(h.control) == 0); // 1 target: the first root port
    unsigned committed = 0;
    for (auto ep : p->endpoints())
        if (p->decoder(ep, 0).phase == emu::decoder_phase::committed) {
            ++committed;
            REQUIRE(&host_bridge_of(*p, ep) == hb0);
            REQUIRE(p->decoder(ep, 0).targets == 0); // DPA 0: the RAM partition's start
        }
    REQUIRE(committed == 2);
    // With fail_autoassemble, the second device's decoder stays idle (Linux: "simulate
    // missing cxl_mem.4 configuration"); the switch and host bridge keep theirs.
    auto f = make(emu::cxl_test_topology({.fail_autoassemble = true}));
    unsigned fcommitted = 0;
    for (auto ep : f->endpoints())
        fcommitted += f->decoder(ep, 0).phase == emu::decoder_phase::committed;
    REQUIRE(fcommitted == 1);
    REQUIRE(f->decoder(f->host_bridge(0)->id(), 0).phase == emu::decoder_phase::committed);
    // Without it, nothing is committed anywhere.
    auto q = make(emu::cxl_test_topology({.auto_region = false}));
    for (auto ep : q->endpoints())
        REQUIRE(q->decoder(ep, 0).phase == emu::decoder_phase::idle);
}

TEST_CASE("firmware: each wrong description is its own error", "[emu][firmware]") {
    small s;
    emu::firmware_decoder d{.base = s.base, .size = 512_MiB, .granularity = 4_KiB};
    SECTION("an element without HDM decoders (a root port)") {
        d.targets = {};
        s.t.commit_decoder(s.rp0, d);
        auto diag = fails(s.t, emu::errc::invalid_firmware_decoder);
        REQUIRE(diag.element == s.rp0);
        REQUIRE_THAT(diag.message(), Catch::Contains("root port has no HDM decoders"));
    }
    SECTION("an element the description does not have") {
        s.t.commit_decoder(999, d);
        auto diag = fails(s.t, emu::errc::invalid_firmware_decoder);
        REQUIRE(diag.element == 999);
        REQUIRE_THAT(diag.message(), Catch::Contains("no such element"));
    }
    SECTION("size 0, and a range past the end of the address space") {
        d.targets = {s.rp0};
        d.size = 0;
        s.t.commit_decoder(s.hb, d);
        REQUIRE_THAT(fails(s.t, emu::errc::invalid_firmware_decoder).message(),
                     Catch::Contains("size 0"));
        small o;
        emu::firmware_decoder e{.base = ~std::uint64_t{0} - 255_MiB, .size = 512_MiB};
        e.targets = {o.rp0};
        o.t.commit_decoder(o.hb, e);
        REQUIRE_THAT(fails(o.t, emu::errc::invalid_firmware_decoder).message(),
                     Catch::Contains("base + size overflows"));
    }
    SECTION("a device decoder with targets, or a DPA skip not 256 MiB aligned") {
        d.targets = {s.dsp0};
        s.t.commit_decoder(s.ep0, d);
        REQUIRE_THAT(fails(s.t, emu::errc::firmware_decoder_target).message(),
                     Catch::Contains("a device decoder has no targets"));
        small o;
        o.region();
        emu::firmware_decoder e{
            .id = 1, .base = o.base + 512_MiB, .size = 256_MiB, .dpa_skip = 4_KiB};
        o.t.commit_decoder(o.ep0, e);
        REQUIRE_THAT(fails(o.t, emu::errc::invalid_firmware_decoder).message(),
                     Catch::Contains("DPA skip 0x1000 is not 256 MiB aligned"));
    }
    SECTION("a decoder id past the count") {
        d.id = 4; // the default hdm_spec has 4
        d.targets = {s.rp0};
        s.t.commit_decoder(s.hb, d);
        REQUIRE_THAT(fails(s.t, emu::errc::invalid_firmware_decoder).message(),
                     Catch::Contains("decoder 4: it has 4 decoders"));
    }
    SECTION("a base that is not 256 MiB aligned") {
        d.base += 4_KiB;
        d.targets = {s.rp0};
        s.t.commit_decoder(s.hb, d);
        REQUIRE_THAT(fails(s.t, emu::errc::invalid_firmware_decoder).message(),
                     Catch::Contains("base not 256 MiB aligned"));
    }
    SECTION("ways the capability does not have") {
        d.ways = 3;
        d.targets = {s.rp0, s.rp1, s.rp0};
        s.t.commit_decoder(s.hb, d);
        REQUIRE_THAT(fails(s.t, emu::errc::invalid_firmware_decoder).message(),
                     Catch::Contains("interleave ways not allowed"));
    }
    SECTION("a device decoder past the device's capacity") {
        d.size = 512_MiB;
        d.dpa_skip = 768_MiB; // 768 + 512 > 1024 MiB
        d.base = s.base;
        s.t.commit_decoder(s.ep0, d);
        REQUIRE_THAT(fails(s.t, emu::errc::invalid_firmware_decoder).message(),
                     Catch::Contains("beyond the device capacity"));
    }
    SECTION("a gap: decoder 1 committed, decoder 0 not") {
        d.id = 1;
        d.targets = {s.rp0};
        s.t.commit_decoder(s.hb, d);
        auto diag = fails(s.t, emu::errc::firmware_decoder_order);
        REQUIRE(diag.element == s.hb);
        REQUIRE_THAT(diag.message(), Catch::Contains("decoder 1"));
    }
    SECTION("one decoder committed twice") {
        d.targets = {s.rp0};
        s.t.commit_decoder(s.hb, d);
        s.t.commit_decoder(s.hb, d);
        REQUIRE(fails(s.t, emu::errc::firmware_decoder_order).element == s.hb);
    }
    SECTION("decoder 1 below decoder 0's end") {
        d.targets = {s.rp0};
        s.t.commit_decoder(s.hb, d);
        d.id = 1;
        d.base = s.base + 256_MiB;
        s.t.commit_decoder(s.hb, d);
        REQUIRE_THAT(fails(s.t, emu::errc::firmware_decoder_overlap).message(),
                     Catch::Contains("decoder 1") && Catch::Contains("previous decoder's end"));
    }
    SECTION("a target that is not a port of the element") {
        d.targets = {s.dsp0}; // the switch's port, not the host bridge's
        s.t.commit_decoder(s.hb, d);
        auto diag = fails(s.t, emu::errc::firmware_decoder_target);
        REQUIRE_THAT(diag.message(), Catch::Contains("target element " + std::to_string(s.dsp0)));
    }
    SECTION("targets that are not one per way") {
        d.ways = 2;
        d.targets = {s.rp0};
        s.t.commit_decoder(s.hb, d);
        REQUIRE_THAT(fails(s.t, emu::errc::firmware_decoder_target).message(),
                     Catch::Contains("1 targets for 2 ways"));
    }
    SECTION("a host bridge range outside every window routing to it") {
        d.base = s.base + 2_GiB;
        d.targets = {s.rp0};
        s.t.commit_decoder(s.hb, d);
        REQUIRE_THAT(fails(s.t, emu::errc::firmware_decoder_window).message(),
                     Catch::Contains("no window routing to host bridge UID 0"));
    }
    SECTION("a device decoder with no decoder above mapping its range") {
        s.region();
        emu::firmware_decoder e{.id = 1, .base = s.base + 512_MiB, .size = 256_MiB};
        s.t.commit_decoder(s.ep0, e);
        auto diag = fails(s.t, emu::errc::firmware_decoder_mismatch);
        REQUIRE(diag.element == s.ep0);
        REQUIRE_THAT(diag.message(),
                     Catch::Contains("no decoder of element " + std::to_string(s.usp)));
    }
    SECTION("levels that disagree: the switch maps the range, the host bridge another") {
        d.targets = {s.rp0};
        d.size = 256_MiB;
        s.t.commit_decoder(s.hb, d); // 256 MiB where the switch says 512 MiB
        emu::firmware_decoder e{.base = s.base, .size = 512_MiB, .granularity = 4_KiB};
        e.targets = {s.dsp0};
        s.t.commit_decoder(s.usp, e);
        auto diag = fails(s.t, emu::errc::firmware_decoder_mismatch);
        REQUIRE(diag.element == s.usp);
        REQUIRE_THAT(diag.message(),
                     Catch::Contains("element " + std::to_string(s.hb) + " (host bridge)"));
    }
    SECTION("the switch maps the range, but not to this device's port") {
        d.targets = {s.rp0};
        s.t.commit_decoder(s.hb, d);
        emu::firmware_decoder e{.base = s.base, .size = 512_MiB, .granularity = 4_KiB};
        e.targets = {s.dsp1};
        s.t.commit_decoder(s.usp, e);
        emu::firmware_decoder f{.base = s.base, .size = 512_MiB};
        s.t.commit_decoder(s.ep0, f); // below dsp0
        auto diag = fails(s.t, emu::errc::firmware_decoder_mismatch);
        REQUIRE(diag.element == s.ep0);
        REQUIRE_THAT(diag.message(), Catch::Contains("to element " + std::to_string(s.dsp0)));
    }
}
