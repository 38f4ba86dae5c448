// HDM decoders through MMIO, as a driver programs them (Linux cxl_decoder_commit): commit after
// a virtual delay, each way a commit fails, lock on commit, de-commit, reset, never-commit.
#include "support.hpp"

#include <cxlfw/spec/cedt.hpp>

#include <catch2/catch.hpp>

using namespace emu_test;
namespace h = spec::hdm;

namespace {

/// One VH host bridge (UID 1): root port 0 -> a 2-port switch -> two devices; root port 1 ->
/// a device. Devices are 2 GiB (1 GiB RAM + 1 GiB PMEM) with `device_hdm` decoders.
struct hdm_rig {
    std::unique_ptr<emu::platform> p;
    emu::node* hb;
    emu::node* usp;
    emu::node* ep; // below the switch
    emu::node* direct;

    explicit hdm_rig(emu::hdm_spec device_hdm = {}) {
        emu::topology t;
        auto hbe = t.add_host_bridge({.uid = 1});
        auto dev = emu::endpoint_spec::type3_device(1_GiB, 1_GiB);
        dev.hdm = device_hdm;
        auto sw = t.add_switch(t.add_root_port(hbe), {.downstream_ports = 2});
        for (auto d : t.downstream_ports(sw))
            t.add_endpoint(d, dev);
        t.add_endpoint(t.add_root_port(hbe), dev);
        p = make(t);
        hb = &p->at(p->host_bridges().front());
        usp = &p->at(p->of_kind(emu::node_kind::upstream_port).front());
        ep = &p->at(p->endpoints()[0]);
        direct = &p->at(p->endpoints()[2]);
    }

    window hdm_of(emu::node& n, unsigned decoders = 4) {
        return hdm_window(*p, n.component_base().value(), decoders);
    }
    void settle() { p->clock().advance(p->timing().decoder_commit); }
};

struct programming {
    std::uint64_t base = 4_GiB;
    std::uint64_t size = 1_GiB;
    std::uint64_t targets = 0; ///< target list, or DPA skip
    unsigned ig = 0;
    unsigned iw = 0;
    bool lock = false;
    bool commit = true;
};

void program(window& w, unsigned n, programming const& d) {
    REQUIRE(w.write<h::control>(n, 0)); // idle first (de-commits an unlocked decoder)
    REQUIRE(w.write<h::base_low>(n, static_cast<std::uint32_t>(d.base)));
    REQUIRE(w.write<h::base_high>(n, static_cast<std::uint32_t>(d.base >> 32)));
    REQUIRE(w.write<h::size_low>(n, static_cast<std::uint32_t>(d.size)));
    REQUIRE(w.write<h::size_high>(n, static_cast<std::uint32_t>(d.size >> 32)));
    REQUIRE(w.write<h::target_list_low>(n, static_cast<std::uint32_t>(d.targets)));
    REQUIRE(w.write<h::target_list_high>(n, static_cast<std::uint32_t>(d.targets >> 32)));
    h::decoder_control c{.ig = d.ig, .iw = d.iw, .lock_on_commit = d.lock, .commit = d.commit};
    c.target_type = h::decoder_target_type::host_only_coherent;
    REQUIRE(w.write<h::control>(n, c.encode().value()));
}

h::decoder_control control(window& w, unsigned n) {
    return h::decoder_control::decode(w.read<h::control>(n).value());
}

/// Programs decoder n, waits the commit delay, and says how it ended.
emu::commit_error commit(hdm_rig& r, emu::node& n, unsigned decoder, programming const& d) {
    auto w = r.hdm_of(n);
    program(w, decoder, d);
    r.settle();
    auto c = control(w, decoder);
    REQUIRE(c.commit);
    REQUIRE(c.committed != c.error_not_committed);
    auto const why = r.p->decoder(n.id(), decoder).error;
    REQUIRE((why == emu::commit_error::none) == c.committed);
    return why;
}

} // namespace

TEST_CASE("commit shows Committed after the virtual commit delay", "[emu][hdm]") {
    hdm_rig r;
    auto w = r.hdm_of(*r.ep);
    auto cap = h::decoder_capability::decode(w.read<h::capability>().value()).value();
    REQUIRE(cap.decoder_count == 4);
    REQUIRE(cap.interleave_11_8);
    REQUIRE(cap.interleave_14_12);

    program(w, 0, {.base = 4_GiB, .size = 1_GiB});
    auto c = control(w, 0);
    REQUIRE(c.commit);
    REQUIRE_FALSE(c.committed); // not yet: the component takes its time
    REQUIRE_FALSE(c.error_not_committed);
    REQUIRE(r.p->decoder(r.ep->id(), 0).phase == emu::decoder_phase::pending);
    r.p->clock().advance(r.p->timing().decoder_commit / 2);
    REQUIRE_FALSE(control(w, 0).committed);
    r.p->clock().advance(r.p->timing().decoder_commit / 2);
    c = control(w, 0);
    REQUIRE(c.committed);
    REQUIRE(c.enabled());
    REQUIRE_FALSE(c.locked());
    REQUIRE(h::address(w.read<h::base_high>(0).value(), w.read<h::base_low>(0).value()) == 4_GiB);
    REQUIRE(c.target_type == h::decoder_target_type::host_only_coherent);

    // Committed decoders keep their programming: writes to base are dropped.
    REQUIRE(w.write<h::base_low>(0, 0x5000'0000));
    REQUIRE(w.read<h::base_low>(0).value() == 0);

    // Decoder 1 continues in DPA and HPA order.
    REQUIRE(commit(r, *r.ep, 1, {.base = 5_GiB, .size = 1_GiB}) == emu::commit_error::none);

    // Committed and Error Not Committed are the device's bits.
    REQUIRE(w.write<h::control>(2, h::committed::mask | h::error_not_committed::mask));
    REQUIRE(control(w, 2) == h::decoder_control{});
}

TEST_CASE("HDM Decoder Enable is a plain read/write bit, as in QEMU", "[emu][hdm]") {
    hdm_rig r;
    auto w = r.hdm_of(*r.ep);
    REQUIRE(w.get<h::hdm_decoder_enable>().value() == 0);
    // Commit works whether or not the enable bit is set.
    REQUIRE(commit(r, *r.ep, 0, {}) == emu::commit_error::none);
    REQUIRE(w.set<h::hdm_decoder_enable>(1));
    REQUIRE(w.get<h::hdm_decoder_enable>().value() == 1);
    REQUIRE(w.write<h::global_control>(0xFFFF'FFFF));
    REQUIRE(w.read<h::global_control>().value() == 0x3); // only bits 0 and 1 exist
    REQUIRE(r.p->reset(r.ep->id()));
    REQUIRE(w.get<h::hdm_decoder_enable>().value() == 0);
}

TEST_CASE("commit fails: IG encoding above 6", "[emu][hdm][commit-error]") {
    hdm_rig r;
    REQUIRE(commit(r, *r.ep, 0, {.ig = 7}) == emu::commit_error::invalid_ig);
}

TEST_CASE("commit fails: IW encoding outside 0-4, 8-10", "[emu][hdm][commit-error]") {
    hdm_rig r;
    REQUIRE(commit(r, *r.ep, 0, {.iw = 5}) == emu::commit_error::invalid_iw);
}

TEST_CASE("commit fails: ways the capability register does not allow", "[emu][hdm][commit-error]") {
    hdm_rig r; // no 3/6/12 or 16-way capability
    REQUIRE(commit(r, *r.ep, 0, {.size = 3_GiB, .iw = 8}) == emu::commit_error::ways_not_supported);
    REQUIRE(commit(r, *r.direct, 0, {.size = 4_GiB, .iw = 4}) ==
            emu::commit_error::ways_not_supported);
    // A host bridge with 2 root ports has Target Count 2: 4 ways do not fit.
    auto hbw = r.hdm_of(*r.hb);
    REQUIRE(h::decoder_capability::decode(hbw.read<h::capability>().value())->target_count == 2);
    REQUIRE(commit(r, *r.hb, 0, {.size = 4_GiB, .targets = 0x0100'0100, .iw = 2}) ==
            emu::commit_error::ways_not_supported);
    // With the capability, 3 ways commit.
    hdm_rig three{{.ways_3_6_12 = true}};
    REQUIRE(commit(three, *three.ep, 0, {.size = 3_GiB, .iw = 8}) == emu::commit_error::none);
}

TEST_CASE("commit fails: a granularity the interleave capability bits do not allow",
          "[emu][hdm][commit-error]") {
    hdm_rig r{{.interleave_11_8 = false}}; // positions only on HPA bits [14:12]
    // 2 ways at 256 B select on bit 8: not available.
    REQUIRE(commit(r, *r.ep, 0, {.size = 2_GiB, .ig = 0, .iw = 1}) ==
            emu::commit_error::granularity_not_supported);
    // 2 ways at 4 KiB select on bit 12: fine.
    REQUIRE(commit(r, *r.direct, 0, {.size = 2_GiB, .ig = 4, .iw = 1}) == emu::commit_error::none);
}

TEST_CASE("commit fails: decoder n committed before decoder n-1", "[emu][hdm][commit-error]") {
    hdm_rig r;
    REQUIRE(commit(r, *r.ep, 1, {}) == emu::commit_error::out_of_order);
    // Still pending counts as not committed.
    auto w = r.hdm_of(*r.direct);
    program(w, 0, {});
    program(w, 1, {.base = 5_GiB});
    r.settle();
    REQUIRE(control(w, 0).committed);
    REQUIRE(control(w, 1).error_not_committed);
    REQUIRE(r.p->decoder(r.direct->id(), 1).error == emu::commit_error::out_of_order);
}

TEST_CASE("commit fails: base not 256 MiB aligned", "[emu][hdm][commit-error]") {
    hdm_rig r;
    REQUIRE(commit(r, *r.ep, 0, {.base = 4_GiB + 64_KiB}) == emu::commit_error::base_not_aligned);
}

TEST_CASE("commit fails: size not 256 MiB aligned", "[emu][hdm][commit-error]") {
    hdm_rig r;
    REQUIRE(commit(r, *r.ep, 0, {.size = 128_MiB}) == emu::commit_error::size_not_aligned);
    // At an endpoint, 2 ways need a multiple of 512 MiB.
    REQUIRE(commit(r, *r.direct, 0, {.size = 256_MiB, .iw = 1}) ==
            emu::commit_error::size_not_aligned);
}

TEST_CASE("commit fails: base below the previous decoder's end", "[emu][hdm][commit-error]") {
    hdm_rig r;
    REQUIRE(commit(r, *r.ep, 0, {.base = 4_GiB, .size = 1_GiB}) == emu::commit_error::none);
    REQUIRE(commit(r, *r.ep, 1, {.base = 4_GiB + 512_MiB, .size = 256_MiB}) ==
            emu::commit_error::base_below_previous);
}

TEST_CASE("commit fails: DPA skip + size beyond the device capacity", "[emu][hdm][commit-error]") {
    hdm_rig r; // 2 GiB devices
    REQUIRE(commit(r, *r.ep, 0, {.size = 1_GiB, .targets = 1_GiB + 256_MiB}) ==
            emu::commit_error::dpa_beyond_capacity);
    REQUIRE(commit(r, *r.direct, 0, {.size = 1_GiB, .targets = 1_GiB}) == emu::commit_error::none);
    // Decoder 1's DPA starts where decoder 0's ends (2 GiB): nothing is left.
    REQUIRE(commit(r, *r.direct, 1, {.base = 8_GiB, .size = 256_MiB}) ==
            emu::commit_error::dpa_beyond_capacity);
}

TEST_CASE("commit fails: a target list naming a port that is not a downstream port",
          "[emu][hdm][commit-error]") {
    hdm_rig r;
    // The switch's downstream ports are 0 and 1; the host bridge's root ports 0 and 1.
    REQUIRE(commit(r, *r.usp, 0, {.size = 2_GiB, .targets = 0x0200, .iw = 1}) ==
            emu::commit_error::invalid_target);
    REQUIRE(commit(r, *r.usp, 0, {.size = 2_GiB, .targets = 0x0100, .iw = 1}) ==
            emu::commit_error::none);
    REQUIRE(commit(r, *r.hb, 0, {.size = 1_GiB, .targets = 0x07}) ==
            emu::commit_error::invalid_target);
}

TEST_CASE("host bridge decoders are in the CHBCR at the CHBS base the CEDT gives",
          "[emu][hdm][cedt]") {
    hdm_rig r;
    auto cedt = spec::parse_cedt(r.p->cedt()).value();
    auto const* chbs = cedt.find_chbs(1);
    REQUIRE(chbs);
    REQUIRE(chbs->cxl_version == spec::chbs_version_cxl20);
    REQUIRE(chbs->base == r.hb->chbs_base());
    auto w = hdm_window(*r.p, chbs->base, 4);
    REQUIRE(commit(r, *r.hb, 0, {.size = 2_GiB, .targets = 0x0100, .iw = 1}) ==
            emu::commit_error::none);
    REQUIRE(control(w, 0).committed);
}

TEST_CASE("lock on commit makes the decoder read-only until reset", "[emu][hdm]") {
    hdm_rig r;
    auto w = r.hdm_of(*r.ep);
    REQUIRE(commit(r, *r.ep, 0, {.lock = true}) == emu::commit_error::none);
    auto c = control(w, 0);
    REQUIRE(c.locked());
    // Clearing Commit, moving the base, changing ways: all dropped.
    REQUIRE(w.write<h::control>(0, 0));
    REQUIRE(w.write<h::base_high>(0, 9));
    REQUIRE(w.write<h::size_low>(0, 0));
    r.settle();
    REQUIRE(control(w, 0) == c);
    REQUIRE(h::address(w.read<h::base_high>(0).value(), w.read<h::base_low>(0).value()) == 4_GiB);
    REQUIRE(h::address(w.read<h::size_high>(0).value(), w.read<h::size_low>(0).value()) == 1_GiB);

    REQUIRE(r.p->reset(r.ep->id()));
    REQUIRE(control(w, 0) == h::decoder_control{});
    REQUIRE(w.read<h::base_low>(0).value() == 0);
    REQUIRE(commit(r, *r.ep, 0, {.base = 8_GiB}) == emu::commit_error::none);
}

TEST_CASE("clearing Commit de-commits an unlocked decoder, which is how a failed commit is retried",
          "[emu][hdm]") {
    hdm_rig r;
    auto w = r.hdm_of(*r.ep);
    REQUIRE(commit(r, *r.ep, 0, {}) == emu::commit_error::none);
    auto c = control(w, 0);
    c.commit = false;
    REQUIRE(w.write<h::control>(0, c.encode().value()));
    c = control(w, 0);
    REQUIRE_FALSE(c.committed);
    REQUIRE_FALSE(c.commit);
    REQUIRE(r.p->decoder(r.ep->id(), 0).phase == emu::decoder_phase::idle);
    // Idle again: the registers take writes.
    REQUIRE(w.write<h::base_high>(0, 3));
    REQUIRE(w.read<h::base_high>(0).value() == 3);

    // Error Not Committed stays until software clears Commit (Linux cxld_await_commit).
    REQUIRE(commit(r, *r.ep, 0, {.ig = 9}) == emu::commit_error::invalid_ig);
    auto e = control(w, 0);
    REQUIRE(w.write<h::control>(0, e.encode().value())); // Commit still set: no new attempt
    r.settle();
    REQUIRE(control(w, 0).error_not_committed);
    e.commit = false;
    REQUIRE(w.write<h::control>(0, e.encode().value()));
    REQUIRE_FALSE(control(w, 0).error_not_committed);
    REQUIRE(commit(r, *r.ep, 0, {}) == emu::commit_error::none);
}

TEST_CASE("a never_commit fault keeps Commit pending forever", "[emu][hdm][fault]") {
    hdm_rig r;
    auto rule = r.p->faults().never_commit(r.ep->id(), 0);
    auto w = r.hdm_of(*r.ep);
    program(w, 0, {});
    r.p->clock().advance(std::chrono::seconds{10});
    auto c = control(w, 0);
    REQUIRE(c.commit);
    REQUIRE_FALSE(c.committed);
    REQUIRE_FALSE(c.error_not_committed);
    // Another decoder (and another device) commits normally.
    REQUIRE(commit(r, *r.direct, 0, {}) == emu::commit_error::none);
    // Lifting the fault lets the commit finish.
    REQUIRE(r.p->faults().disarm(rule));
    REQUIRE(control(w, 0).committed);
}
