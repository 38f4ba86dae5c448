// Device memory behind the HPA (issue 14): a pattern written through committed regions
// (2-way and 4-way, modulo and XOR windows) lands, granule by granule, at the device and DPA
// the spec's math (spec/interleave_math.hpp, through core::geometry) names, and reads back
// through the HPA; an address no committed decoder claims is hpa_not_decoded, naming the level.
#include "support.hpp"

#include <cxlfw/core/dpa.hpp>
#include <cxlfw/core/region.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/emu/platform.hpp>
#include <cxlfw/emu/topologies.hpp>
#include <cxlfw/spec/cedt.hpp>
#include <cxlfw/spec/interleave_math.hpp>
#include <cxlfw/testing/machine.hpp>
#include <cxlfw/units.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace cxlfw;
using namespace cxlfw::literals;
using cxlfw::drivers::test_support::boot;

namespace {

/// The memdevs below host bridge `uid`, in memdev order.
std::vector<core::memdev*> below(testing::machine& m, std::uint32_t uid) {
    std::vector<core::memdev*> out;
    std::string const hb{m.platform().host_bridge(uid)->name()};
    for (auto* md : m.cxl().memdevs()) {
        if (!md->endpoint()) continue;
        core::port* p = md->endpoint();
        while (p->parent_port() && p->parent_port()->kind() != core::port_kind::root)
            p = p->parent_port();
        if (p->uport() == hb) out.push_back(md);
    }
    return out;
}

/// A committed PMEM region of `size` on root decoder `rd`, `mds[i]` at position i.
core::region& make_region(testing::machine& m, unsigned rd, unsigned granularity,
                          std::vector<core::memdev*> const& mds, std::uint64_t size) {
    auto& root = *m.cxl().root()->find_decoder(rd);
    auto r = core::create_region(root, core::partition_mode::pmem).value();
    REQUIRE(core::set_granularity(*r, granularity));
    REQUIRE(core::set_ways(*r, static_cast<unsigned>(mds.size())));
    REQUIRE(core::set_size(*r, size));
    for (unsigned pos = 0; pos < mds.size(); ++pos) {
        core::decoder* ep = nullptr;
        for (auto const& d : mds[pos]->endpoint()->decoders())
            if (!d->dpa && !d->enabled) {
                ep = d.get();
                break;
            }
        REQUIRE(ep);
        REQUIRE(core::dpa_set_mode(*ep, core::partition_mode::pmem));
        REQUIRE(core::dpa_alloc(*ep, size / mds.size()));
        auto ok = core::attach_target(*r, *ep, pos);
        INFO(mds[pos]->name() << " at position " << pos);
        REQUIRE(ok);
    }
    REQUIRE(core::commit_region(*r));
    return *r;
}

/// Writes a value to `granules` granules spread over the region through the MMIO bus, then
/// checks each at the device and DPA the spec's math names, and through the HPA again.
void pattern(testing::machine& m, core::region& r, unsigned granules) {
    auto& plat = m.platform();
    std::uint64_t const g = r.granularity();
    std::uint64_t const n = r.size() / g;
    // Odd: the granules visited fall on every position.
    std::uint64_t const stride = (n / granules) | 1;
    std::map<std::uint64_t, std::uint64_t> written; // hpa -> value
    for (std::uint64_t k = 0; k < n; k += stride) {
        for (std::uint64_t in : {std::uint64_t{0}, g - 8}) { // a granule's first and last word
            std::uint64_t const hpa = r.base() + k * g + in;
            std::uint64_t const v = hpa * 0x9E37'79B9'7F4A'7C15ull;
            REQUIRE(plat.mmio().write(hpa, 8, v));
            written[hpa] = v;
        }
    }
    unsigned per_position[16] = {};
    for (auto const& [hpa, v] : written) {
        auto const at = spec::hpa_to_dpa(core::geometry(r, 0), hpa).value();
        core::decoder* t = r.targets()[at.position];
        REQUIRE(t);
        auto const& dev = *m.platform().find(t->owner().endpoint_memdev()->parent()->name());
        std::string why;
        auto got = plat.decode_hpa(hpa, &why);
        INFO("HPA " << hpa << ": " << why);
        REQUIRE(got);
        REQUIRE(got->device == dev.id());
        REQUIRE(got->decoder == t->id());
        REQUIRE(got->dpa == t->dpa->base + at.dpa);
        REQUIRE(plat.memory_at(dev.id(), got->dpa) == v);
        REQUIRE(plat.mmio().read(hpa, 8).value() == v);
        ++per_position[at.position];
    }
    for (unsigned pos = 0; pos < r.ways(); ++pos) // every position took its share
        REQUIRE(per_position[pos] > 0);
}

} // namespace

TEST_CASE("HPA memory: cxl_test's firmware region (2 ways, modulo)", "[drivers][memory]") {
    auto m = boot(emu::cxl_test_topology());
    auto regions = m->cxl().regions();
    REQUIRE(regions.size() == 1);
    pattern(*m, *regions.front(), 512);
    // Sparse: only the pages written exist.
    for (auto* t : regions.front()->targets()) {
        auto id = m->platform().find(t->owner().endpoint_memdev()->parent()->name())->id();
        REQUIRE(m->platform().memory_allocated(id) > 0);
        REQUIRE(m->platform().memory_allocated(id) <= 2 * 512 * 4_KiB);
    }
}

TEST_CASE("HPA memory: 2 and 4 ways over two host bridges, modulo", "[drivers][memory]") {
    auto m = boot(emu::cxl_test_topology({.auto_region = false}));
    auto hb0 = below(*m, 0), hb1 = below(*m, 1);
    REQUIRE(hb0.size() == 4);
    REQUIRE(hb1.size() == 4);
    SECTION("2 ways (window 3: PMEM over host bridges 0 and 1)") {
        pattern(*m, make_region(*m, 3, 4096, {hb0[0], hb1[0]}, 512_MiB), 1024);
    }
    SECTION("4 ways: each host bridge over both devices below one switch") {
        pattern(*m, make_region(*m, 3, 4096, {hb0[0], hb1[0], hb0[1], hb1[1]}, 1_GiB), 1024);
    }
}

TEST_CASE("HPA memory: 2 and 4 ways over two host bridges, XOR", "[drivers][memory]") {
    auto m = boot(emu::cxl_test_topology({.interleave_arithmetic = 1}));
    auto hb0 = below(*m, 0), hb1 = below(*m, 1);
    SECTION("2 ways (XOR window 1: host bridges 0 and 1 at 256 B)") {
        pattern(*m, make_region(*m, 1, 256, {hb0[0], hb1[0]}, 512_MiB), 2048);
    }
    SECTION("4 ways") {
        pattern(*m, make_region(*m, 1, 256, {hb0[0], hb1[0], hb0[1], hb1[1]}, 1_GiB), 2048);
    }
}

TEST_CASE("HPA memory: an address nothing claims is hpa_not_decoded, naming the level",
          "[drivers][memory]") {
    auto m = boot(emu::cxl_test_topology({.auto_region = false}));
    auto& plat = m->platform();
    auto const& w0 = *m->cxl().root()->find_decoder(0);
    std::string why;
    // Window 0 goes to host bridge 0, which has committed nothing.
    REQUIRE(plat.decode_hpa(w0.base, &why).error() == emu::errc::hpa_not_decoded);
    REQUIRE_THAT(why, Catch::Contains("no committed HDM decoder of pci0000:00"));
    REQUIRE(plat.mmio().read(w0.base, 8).error() == emu::errc::hpa_not_decoded);
    // Outside every window and every register block: as before.
    REQUIRE(plat.mmio().read(0x1000, 8).error() == emu::errc::unmapped_address);
    // A 3-way XOR window (cxl_test's window 2 of the XOR set) is not decoded: it says so.
    auto xor3 = cxlfw::drivers::test_support::make_platform(
        emu::cxl_test_topology({.interleave_arithmetic = 1}));
    auto const cedt = spec::parse_cedt(xor3->cedt()).value();
    REQUIRE(cedt.cfmws_list.size() == 3);
    REQUIRE(cedt.cfmws_list[2].targets.size() == 3);
    REQUIRE(xor3->decode_hpa(cedt.cfmws_list[2].base_hpa, &why).error() ==
            emu::errc::hpa_not_decoded);
    REQUIRE_THAT(why, Catch::Contains("3-way XOR windows are not decoded (not modelled)"));
    // On the bare platform (no core to react), firmware's region decodes until a link on its
    // way goes down.
    auto bare = cxlfw::drivers::test_support::make_platform(emu::cxl_test_topology());
    auto const base = bare->decoder(bare->host_bridge(0)->id(), 0).base;
    auto to = bare->decode_hpa(base);
    REQUIRE(to);
    REQUIRE(to->dpa == 0);
    REQUIRE(bare->set_link(bare->at(to->device).parent(), false));
    REQUIRE(bare->decode_hpa(base, &why).error() == emu::errc::hpa_not_decoded);
    REQUIRE_THAT(why, Catch::Contains("the link below") && Catch::Contains("is down"));
    // The next granule goes to the other device, whose link is up.
    REQUIRE(bare->decode_hpa(base + 4_KiB));
}
