// Regions on the interleaved half of cxl_test's topology, built by hand: setup, commit through
// every level, translation against the spec math, and each of Linux's rules as a rejection.
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace cxlfw;
using namespace cxlfw::core::testing;
namespace core = cxlfw::core;

namespace {

struct topo {
    bed b;
    cxl_test_half t{b};
    topo() {
        b.drivers();
        t.add_root();
        REQUIRE(b.host.settle());
        for (auto* m : t.mems)
            REQUIRE(m->endpoint());
    }
    core::decoder& dpa(unsigned i, std::uint64_t size,
                       core::partition_mode mode = core::partition_mode::ram, unsigned n = 0) {
        return t.alloc_dpa(i, size, mode, n);
    }
    core::region& region(unsigned root, unsigned ways, std::uint64_t size, unsigned gran = 4096,
                         core::partition_mode mode = core::partition_mode::ram) {
        return t.new_region(root, ways, size, gran, mode);
    }
};

std::uint32_t ig_of(std::uint32_t control) {
    return spec::hdm::ig::get(control);
}
std::uint32_t iw_of(std::uint32_t control) {
    return spec::hdm::iw::get(control);
}

} // namespace

TEST_CASE("region: 2-way over the interleaved host bridges commits on every level",
          "[core][region]") {
    topo x;
    auto& r = x.region(1, 2, 512_MiB);
    REQUIRE(r.name() == "region0");
    REQUIRE(r.base() == cxl_test_half::window_base + 4_GiB);
    REQUIRE(r.state() == core::region_state::sized);
    auto& d0 = x.dpa(0, 256_MiB); // HB0, root port 0, switch dport 0
    auto& d4 = x.dpa(4, 256_MiB); // HB1, root port 0, switch dport 0
    REQUIRE(core::attach_target(r, d0, 0));
    REQUIRE(r.state() == core::region_state::sized);
    REQUIRE(core::attach_target(r, d4, 1));
    REQUIRE(r.state() == core::region_state::active);
    REQUIRE(core::commit_region(r));
    REQUIRE(r.state() == core::region_state::committed);

    // Endpoints: 2 ways at 4 KiB, DPA skip 0.
    for (unsigned i : {0u, 4u}) {
        auto& c = *x.t.ep_comps[i];
        REQUIRE(c.committed(0));
        REQUIRE(c.base(0) == r.base());
        REQUIRE(c.size(0) == 512_MiB);
        REQUIRE(iw_of(c.control(0)) == 1);
        REQUIRE(ig_of(c.control(0)) == 4);
        REQUIRE(spec::hdm::target_type::get(c.control(0)) == 1);
    }
    // One position per host bridge: their decoders and the switches' pass one target at
    // 8 KiB (granularity x the root's 2 ways).
    for (auto* c : {x.t.hb_comps[0], x.t.hb_comps[1], x.t.usp_comps[0], x.t.usp_comps[2]}) {
        REQUIRE(c->committed(0));
        REQUIRE(iw_of(c->control(0)) == 0);
        REQUIRE(ig_of(c->control(0)) == 5);
        REQUIRE((c->targets(0) & 0xFF) == 0);
        REQUIRE(c->base(0) == r.base());
    }
    REQUIRE_FALSE(x.t.usp_comps[1]->committed(0)); // not on the path
    auto hbp = x.b.cxl.port_by_uport("pci0000:00");
    REQUIRE(hbp->find_decoder(0)->region == &r);
    REQUIRE(hbp->commit_end() == 0);
}

TEST_CASE("region: DPA <-> HPA on a committed region agrees with the spec math", "[core][region]") {
    topo x;
    auto& r = x.region(1, 2, 1_GiB);
    auto& d0 = x.dpa(0, 512_MiB);
    auto& d4 = x.dpa(4, 512_MiB);
    REQUIRE(core::attach_target(r, d0, 0));
    REQUIRE(core::attach_target(r, d4, 1));
    REQUIRE(core::dpa_to_hpa(r, d0, 0).error() == errc::region_not_ready);
    REQUIRE(core::commit_region(r));
    for (std::uint64_t dpa : {std::uint64_t{0}, std::uint64_t{4095}, std::uint64_t{4096},
                              std::uint64_t{123'456'789}, 512_MiB - 1}) {
        for (auto* d : {&d0, &d4}) {
            spec::interleave_geometry g{.ways = 2,
                                        .granularity = 4096,
                                        .position = static_cast<unsigned>(d->pos),
                                        .base = r.base()};
            auto hpa = core::dpa_to_hpa(r, *d, d->dpa->base + dpa);
            REQUIRE(hpa);
            REQUIRE(*hpa == spec::dpa_to_hpa(g, dpa).value());
            auto back = core::hpa_to_dpa(r, *hpa);
            REQUIRE(back);
            REQUIRE(back->target == d);
            REQUIRE(back->dpa == d->dpa->base + dpa);
            REQUIRE(back->position == static_cast<unsigned>(d->pos));
            REQUIRE(spec::hpa_to_dpa(g, *hpa).value().dpa == dpa);
        }
    }
    REQUIRE(core::hpa_to_dpa(r, r.base() + 4096)->target == &d4);
    REQUIRE(core::dpa_to_hpa(r, d0, 512_MiB).error() == errc::address_out_of_range);
    REQUIRE(core::hpa_to_dpa(r, r.base() + r.size()).error() == errc::address_out_of_range);
}

TEST_CASE("region: 4-way over two host bridges and two root ports each", "[core][region]") {
    topo x;
    auto& r = x.region(1, 4, 1_GiB);
    // pos 0: HB0 rp0, 1: HB1 rp0, 2: HB0 rp1, 3: HB1 rp1.
    unsigned const mem_at[] = {0, 4, 2, 6};
    for (unsigned pos = 0; pos < 4; ++pos)
        REQUIRE(core::attach_target(r, x.dpa(mem_at[pos], 256_MiB), pos));
    REQUIRE(core::commit_region(r));
    for (auto* c : {x.t.hb_comps[0], x.t.hb_comps[1]}) {
        REQUIRE(iw_of(c->control(0)) == 1); // 2 targets
        REQUIRE(ig_of(c->control(0)) == 5); // 8 KiB
        REQUIRE(c->targets(0) == 0x0100);   // root ports 0, 1
    }
    for (auto* c : x.t.usp_comps) {
        REQUIRE(iw_of(c->control(0)) == 0);
        REQUIRE(ig_of(c->control(0)) == 6); // 16 KiB
    }
    for (unsigned i : mem_at)
        REQUIRE(iw_of(x.t.ep_comps[i]->control(0)) == 2);
}

TEST_CASE("region: 4-way below one host bridge routes through the switches' dports",
          "[core][region]") {
    topo x;
    auto& r = x.region(0, 4, 1_GiB, 256);   // decoder0.0: 1 way, HB0
    unsigned const mem_at[] = {0, 2, 1, 3}; // rp0/d0, rp1/d0, rp0/d1, rp1/d1
    for (unsigned pos = 0; pos < 4; ++pos)
        REQUIRE(core::attach_target(r, x.dpa(mem_at[pos], 256_MiB), pos));
    REQUIRE(core::commit_region(r));
    REQUIRE(iw_of(x.t.hb_comps[0]->control(0)) == 1);
    REQUIRE(ig_of(x.t.hb_comps[0]->control(0)) == 0); // 256 B
    for (unsigned s : {0u, 1u}) {
        REQUIRE(iw_of(x.t.usp_comps[s]->control(0)) == 1);
        REQUIRE(ig_of(x.t.usp_comps[s]->control(0)) == 1); // 512 B
        REQUIRE(x.t.usp_comps[s]->targets(0) == 0x0100);
    }
}

TEST_CASE("region rules: the window must allow the type (window_restricted)", "[core][region]") {
    topo x;
    auto pmem = core::create_region(x.t.root_decoder(1), core::partition_mode::pmem);
    REQUIRE(pmem.error() == errc::window_restricted);
    auto devmem = core::create_region(x.t.root_decoder(1), core::partition_mode::ram,
                                      core::target_type::device_coherent);
    REQUIRE(devmem.error() == errc::window_restricted);
    auto t2 = core::create_region(x.t.root_decoder(2), core::partition_mode::ram,
                                  core::target_type::device_coherent);
    REQUIRE(t2);
    REQUIRE(core::create_region(x.t.root_decoder(2), core::partition_mode::ram).error() ==
            errc::window_restricted);
    REQUIRE(core::create_region(x.t.root_decoder(3), core::partition_mode::pmem));
    REQUIRE(core::create_region(x.t.ep_decoder(0), core::partition_mode::ram).error() ==
            errc::invalid_target);
}

TEST_CASE("region rules: ways valid and a power-of-two multiple of the root's", "[core][region]") {
    topo x;
    auto r = core::create_region(x.t.root_decoder(1), core::partition_mode::ram).value();
    REQUIRE(core::set_ways(*r, 5).error() == errc::invalid_interleave);
    REQUIRE(core::set_ways(*r, 1).error() == errc::invalid_interleave); // root is 2-way
    REQUIRE(core::set_ways(*r, 6).error() == errc::invalid_interleave); // 6 / 2 = 3
    REQUIRE(core::set_ways(*r, 8));
    REQUIRE(r->ways() == 8);
}

TEST_CASE("region rules: granularity valid, equal to the root's when it interleaves",
          "[core][region]") {
    topo x;
    auto r = core::create_region(x.t.root_decoder(1), core::partition_mode::ram).value();
    REQUIRE(core::set_granularity(*r, 300).error() == errc::invalid_interleave);
    REQUIRE(core::set_granularity(*r, 32_KiB).error() == errc::invalid_interleave);
    auto e = core::set_granularity(*r, 256);
    REQUIRE(e.error() == errc::invalid_interleave);
    REQUIRE_THAT(e.error().detail, Catch::Contains("must be the same"));
    REQUIRE(core::set_granularity(*r, 4096));
    auto one = core::create_region(x.t.root_decoder(0), core::partition_mode::ram).value();
    REQUIRE(core::set_granularity(*one, 1024)); // a 1-way root takes any
}

TEST_CASE("region rules: size after ways, a multiple of 256 MiB x ways, in free HPA",
          "[core][region]") {
    topo x;
    auto r = core::create_region(x.t.root_decoder(1), core::partition_mode::ram).value();
    REQUIRE(core::set_size(*r, 512_MiB).error() == errc::region_not_ready);
    REQUIRE(core::set_granularity(*r, 4096));
    REQUIRE(core::set_ways(*r, 2));
    REQUIRE(core::set_size(*r, 256_MiB).error() == errc::invalid_size);
    REQUIRE(core::set_size(*r, 768_MiB).error() == errc::invalid_size);
    REQUIRE(core::set_size(*r, 4_GiB).error() == errc::no_capacity);
    REQUIRE(core::set_size(*r, 1_GiB));
    REQUIRE(core::set_size(*r, 2_GiB).error() == errc::region_busy);
    REQUIRE(core::set_ways(*r, 4).error() == errc::region_busy);
    REQUIRE(core::set_granularity(*r, 4096).error() == errc::region_busy);
    // The next region gets the HPA above; a third does not fit.
    auto& r2 = x.region(1, 2, 1_GiB);
    REQUIRE(r2.base() == r->base() + 1_GiB);
    auto r3 = core::create_region(x.t.root_decoder(1), core::partition_mode::ram).value();
    REQUIRE(core::set_granularity(*r3, 4096));
    REQUIRE(core::set_ways(*r3, 2));
    auto full = core::set_size(*r3, 512_MiB);
    REQUIRE(full.error() == errc::no_capacity);
    REQUIRE_THAT(full.error().detail, Catch::Contains("decoder0.1"));
    // Freeing the first makes room again, at the bottom.
    REQUIRE(core::set_size(*r, 0));
    REQUIRE(core::set_size(*r3, 512_MiB));
    REQUIRE(r3->base() == cxl_test_half::window_base + 4_GiB);
}

TEST_CASE("region rules: targets after the size, endpoint decoders below the root's host "
          "bridges",
          "[core][region]") {
    topo x;
    auto r = core::create_region(x.t.root_decoder(0), core::partition_mode::ram).value();
    REQUIRE(core::set_granularity(*r, 256));
    REQUIRE(core::set_ways(*r, 1));
    auto& d0 = x.dpa(0, 256_MiB);
    REQUIRE(core::attach_target(*r, d0, 0).error() == errc::region_not_ready);
    REQUIRE(core::set_size(*r, 256_MiB));
    auto& sw = *x.b.cxl.port_by_uport(x.t.usps[0]->name())->find_decoder(0);
    REQUIRE(core::attach_target(*r, sw, 0).error() == errc::invalid_target);
    auto& d4 = x.dpa(4, 256_MiB); // below HB1; decoder0.0 targets HB0 only
    auto e = core::attach_target(*r, d4, 0);
    REQUIRE(e.error() == errc::invalid_target);
    REQUIRE_THAT(e.error().detail, Catch::Contains("decoder0.0"));
    REQUIRE(core::attach_target(*r, d0, 0));
    REQUIRE(core::attach_target(*r, x.dpa(1, 256_MiB), 0).error() == errc::region_busy);
}

TEST_CASE("region rules: positions in range, once each, a memdev once, routed by the root",
          "[core][region]") {
    topo x;
    auto& r = x.region(1, 4, 1_GiB);
    auto& d0 = x.dpa(0, 256_MiB);
    REQUIRE(core::attach_target(r, d0, 4).error() == errc::invalid_position);
    REQUIRE(core::attach_target(r, d0, 0));
    REQUIRE(core::attach_target(r, d0, 0)); // the same again is fine
    auto& d4 = x.dpa(4, 256_MiB);
    auto taken = core::attach_target(r, d4, 0);
    REQUIRE(taken.error() == errc::invalid_position);
    REQUIRE_THAT(taken.error().detail, Catch::Contains("already holds"));
    auto& d0b = x.dpa(0, 256_MiB, core::partition_mode::ram, 1);
    auto twice = core::attach_target(r, d0b, 2);
    REQUIRE(twice.error() == errc::invalid_position);
    REQUIRE_THAT(twice.error().detail, Catch::Contains("mem0 is already in region0"));
    // The root sends odd positions to HB1: mem1 (HB0) cannot take position 1.
    auto& d1 = x.dpa(1, 256_MiB);
    auto routed = core::attach_target(r, d1, 1);
    REQUIRE(routed.error() == errc::invalid_position);
    REQUIRE_THAT(routed.error().detail, Catch::Contains("routes position 1"));
}

TEST_CASE("region rules: mode, type, DPA and its size must match (mode_mismatch, "
          "dpa_unallocated, invalid_size)",
          "[core][region]") {
    topo x;
    auto& r = x.region(1, 2, 1_GiB);
    auto& pmem = x.dpa(0, 512_MiB, core::partition_mode::pmem);
    REQUIRE(core::attach_target(r, pmem, 0).error() == errc::mode_mismatch);
    auto& none = x.t.ep_decoder(4, 0);
    REQUIRE(core::dpa_set_mode(none, core::partition_mode::ram));
    REQUIRE(core::attach_target(r, none, 1).error() == errc::dpa_unallocated);
    auto& small = x.dpa(4, 256_MiB);
    auto e = core::attach_target(r, small, 1);
    REQUIRE(e.error() == errc::invalid_size);
    REQUIRE_THAT(e.error().detail, Catch::Contains("x 2 ways != region size"));
    small.type = core::target_type::device_coherent;
    REQUIRE(core::attach_target(r, small, 1).error() == errc::mode_mismatch);
}

TEST_CASE("region rules: regions attach to a port in increasing HPA order (hpa_order)",
          "[core][region]") {
    topo x;
    auto& low = x.region(0, 1, 256_MiB, 256);
    auto& high = x.region(0, 1, 256_MiB, 256);
    REQUIRE(high.base() > low.base());
    REQUIRE(core::attach_target(high, x.dpa(0, 256_MiB), 0));
    auto e = core::attach_target(low, x.dpa(0, 256_MiB, core::partition_mode::ram, 1), 0);
    REQUIRE(e.error() == errc::hpa_order);
    REQUIRE_THAT(e.error().detail, Catch::Contains("region1"));
    // A memdev on another switch shares only the host bridge: the same rule there.
    auto e2 = core::attach_target(low, x.dpa(2, 256_MiB), 0);
    REQUIRE(e2.error() == errc::hpa_order);
    REQUIRE(x.t.ep_decoder(2, 0).region == nullptr);
}

TEST_CASE("region rules: decoders commit in order, and a port needs a free one (decoder_busy)",
          "[core][region]") {
    topo x;
    auto& a = x.region(0, 1, 256_MiB, 256);
    auto& b = x.region(0, 1, 256_MiB, 256);
    REQUIRE(core::attach_target(a, x.dpa(0, 256_MiB), 0));
    REQUIRE(core::attach_target(b, x.dpa(0, 256_MiB, core::partition_mode::ram, 1), 0));
    auto early = core::commit_region(b); // its decoders are number 1 on every port
    REQUIRE(early.error() == errc::decoder_busy);
    REQUIRE(b.state() == core::region_state::active);
    REQUIRE(core::commit_region(a));
    REQUIRE(core::commit_region(b));
    // Four decoders per port: two more regions through HB0 fit, a fifth does not.
    auto& c = x.region(0, 1, 256_MiB, 256);
    auto& d = x.region(0, 1, 256_MiB, 256);
    REQUIRE(core::attach_target(c, x.dpa(0, 256_MiB, core::partition_mode::ram, 2), 0));
    REQUIRE(core::attach_target(d, x.dpa(0, 256_MiB, core::partition_mode::ram, 3), 0));
    auto e = x.region(3, 2, 512_MiB, 4096, core::partition_mode::pmem).name();
    auto* pm = x.b.cxl.find_region(e);
    auto busy = core::attach_target(*pm, x.dpa(1, 256_MiB, core::partition_mode::pmem), 0);
    REQUIRE(busy.error() == errc::decoder_busy);
    REQUIRE_THAT(busy.error().detail, Catch::Contains("no decoder available"));
}

TEST_CASE("region rules: positions through a port must route to one dport each "
          "(an unbalanced interleave fails)",
          "[core][region]") {
    topo x;
    auto& r = x.region(0, 4, 1_GiB, 256);
    // pos 0 and 1 both below root port 0: the host bridge would need rp0 at both targets.
    unsigned const mem_at[] = {0, 1, 2, 3};
    for (unsigned pos = 0; pos < 3; ++pos)
        REQUIRE(core::attach_target(r, x.dpa(mem_at[pos], 256_MiB), pos));
    auto e = core::attach_target(r, x.dpa(mem_at[3], 256_MiB), 3);
    REQUIRE(e.error() == errc::invalid_position);
    REQUIRE_THAT(e.error().detail, Catch::Contains("port1"));
    REQUIRE(r.state() == core::region_state::sized);
    REQUIRE(r.targets()[3] == nullptr);
    REQUIRE(x.t.ep_decoder(3, 0).region == nullptr);
}

namespace {
/// One host bridge with root ports 0-2 below a 1-way window; devices 0-2 below root ports 0-2
/// and device 3 below root port 0 as well.
struct star {
    bed b;
    fake_component& hb_comp;
    std::vector<core::memdev*> mems;
    core::decoder* rd = nullptr;

    explicit star(unsigned target_count) : hb_comp{b.component({.target_count = target_count})} {
        b.drivers();
        auto& acpi = b.platform("ACPI0017:00", "ACPI0017");
        auto& hb = b.platform("pci0000:00", "ACPI0016");
        std::vector<base::pci_device*> rps;
        for (unsigned i = 0; i < 3; ++i)
            rps.push_back(&b.root_port("0000:0" + std::to_string(i) + ":00.0", hb,
                                       static_cast<std::uint8_t>(i)));
        for (unsigned i = 0; i < 4; ++i) {
            auto& ep = b.device("0000:1" + std::to_string(i) + ":00.0", *rps[i % 3]);
            mems.push_back(&b.mem(ep, &b.component({.target_count = 0})));
        }
        auto* root = core::add_root(b.cxl, acpi).value();
        auto* dp = core::add_dport(*root, hb, 0).value();
        core::root_decoder_desc w;
        w.base = 0x20'0000'0000;
        w.size = 4_GiB;
        w.targets = {0};
        w.restrictions = spec::cfmws_restrict::type3 | spec::cfmws_restrict::volatile_;
        rd = core::add_root_decoder(*root, w).value();
        REQUIRE(b.host.settle());
        REQUIRE(core::add_port(*root, hb, *dp, hb_comp.block()));
        REQUIRE(b.host.rescan("cxl"));
        REQUIRE(b.host.settle());
    }
    core::decoder& dec(unsigned i) {
        auto& d = *mems[i]->endpoint()->find_decoder(0);
        REQUIRE(core::dpa_set_mode(d, core::partition_mode::ram));
        REQUIRE(core::dpa_alloc(d, 256_MiB));
        return d;
    }
    core::region& region(unsigned ways) {
        auto r = core::create_region(*rd, core::partition_mode::ram).value();
        REQUIRE(core::set_granularity(*r, 256));
        REQUIRE(core::set_ways(*r, ways));
        REQUIRE(core::set_size(*r, 256_MiB * ways));
        return *r;
    }
};
} // namespace

TEST_CASE("region rules: switch decoders take power-of-two target counts", "[core][region]") {
    star s{4};
    auto& r = s.region(4);
    for (unsigned pos = 0; pos < 3; ++pos)
        REQUIRE(core::attach_target(r, s.dec(pos), pos));
    auto e = core::attach_target(r, s.dec(3), 3); // root ports 0, 1, 2: three targets
    REQUIRE(e.error() == errc::invalid_interleave);
    REQUIRE_THAT(e.error().detail, Catch::Contains("3 targets") && Catch::Contains("power-of-two"));
    REQUIRE(r.state() == core::region_state::sized);
}

TEST_CASE("region rules: a decoder's targets must fit its Target Count", "[core][region]") {
    star s{1};
    auto& r = s.region(2);
    REQUIRE(core::attach_target(r, s.dec(0), 0));
    auto e = core::attach_target(r, s.dec(1), 1);
    REQUIRE(e.error() == errc::invalid_interleave);
    REQUIRE_THAT(e.error().detail, Catch::Contains("overflow"));
    // The same two positions below one root port are one target: that fits.
    star t{1};
    auto& r2 = t.region(2);
    REQUIRE(core::attach_target(r2, t.dec(0), 0));
    REQUIRE(core::attach_target(r2, t.dec(3), 1));
    REQUIRE(core::commit_region(r2));
    REQUIRE(spec::hdm::iw::get(t.hb_comp.control(0)) == 0);
}
