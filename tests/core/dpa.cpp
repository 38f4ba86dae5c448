// DPA allocation rules (Linux cxl_dpa_*), each rejection with its fact.
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace cxlfw;
using namespace cxlfw::core::testing;
namespace core = cxlfw::core;

namespace {
struct attached {
    bed b;
    cxl_test_half t{b};
    attached() {
        b.drivers();
        t.add_root();
        REQUIRE(b.host.settle());
        REQUIRE(t.mems[0]->endpoint());
    }
    core::decoder& dec(unsigned n) { return t.ep_decoder(0, n); }
};
} // namespace

TEST_CASE("DPA: allocations append in their partition; unused lower space becomes skip",
          "[core][dpa]") {
    attached a;
    REQUIRE(core::dpa_set_mode(a.dec(0), core::partition_mode::ram));
    REQUIRE(core::dpa_alloc(a.dec(0), 256_MiB));
    REQUIRE(*a.dec(0).dpa == core::dpa_extent{0, 256_MiB, 0});
    REQUIRE(core::dpa_set_mode(a.dec(1), core::partition_mode::pmem));
    REQUIRE(core::dpa_alloc(a.dec(1), 512_MiB));
    REQUIRE(*a.dec(1).dpa == core::dpa_extent{1_GiB, 512_MiB, 768_MiB});
    REQUIRE(core::dpa_set_mode(a.dec(2), core::partition_mode::pmem));
    REQUIRE(core::dpa_alloc(a.dec(2), 256_MiB));
    REQUIRE(*a.dec(2).dpa == core::dpa_extent{1_GiB + 512_MiB, 256_MiB, 0});
    // The RAM left below the skip is gone for good.
    REQUIRE(core::dpa_set_mode(a.dec(3), core::partition_mode::ram));
    auto r = core::dpa_alloc(a.dec(3), 256_MiB);
    REQUIRE(r.error() == errc::no_capacity);
    REQUIRE(a.t.mems[0]->endpoint()->hdm_end() == 2);
}

TEST_CASE("DPA: decoders allocate in id order (dpa_order)", "[core][dpa]") {
    attached a;
    REQUIRE(core::dpa_set_mode(a.dec(1), core::partition_mode::ram));
    auto r = core::dpa_alloc(a.dec(1), 256_MiB);
    REQUIRE(r.error() == errc::dpa_order);
    REQUIRE_THAT(r.error().detail, Catch::Contains("expected decoder7.0"));
    REQUIRE_FALSE(a.dec(1).dpa);
}

TEST_CASE("DPA: sizes are non-zero multiples of 256 MiB (invalid_size)", "[core][dpa]") {
    attached a;
    REQUIRE(core::dpa_set_mode(a.dec(0), core::partition_mode::ram));
    REQUIRE(core::dpa_alloc(a.dec(0), 128_MiB).error() == errc::invalid_size);
    REQUIRE(core::dpa_alloc(a.dec(0), 0).error() == errc::invalid_size);
    REQUIRE(core::dpa_alloc(a.dec(0), 256_MiB + 4_KiB).error() == errc::invalid_size);
}

TEST_CASE("DPA: no partition chosen, or none of that mode (partition_absent)", "[core][dpa]") {
    attached a;
    REQUIRE(core::dpa_alloc(a.dec(0), 256_MiB).error() == errc::partition_absent);
    // A RAM-only device has no PMEM partition.
    bed b;
    b.drivers();
    cxl_test_half t{b, false};
    t.add_root();
    auto& md = b.mem(*t.eps[0], t.ep_comps[0], 512_MiB, 0);
    REQUIRE(b.host.settle());
    auto& d0 = *md.endpoint()->find_decoder(0);
    auto r = core::dpa_set_mode(d0, core::partition_mode::pmem);
    REQUIRE(r.error() == errc::partition_absent);
    REQUIRE_THAT(r.error().detail, Catch::Contains("no pmem capacity"));
}

TEST_CASE("DPA: more than the partition has left is no_capacity", "[core][dpa]") {
    attached a;
    REQUIRE(core::dpa_set_mode(a.dec(0), core::partition_mode::ram));
    auto r = core::dpa_alloc(a.dec(0), 1_GiB + 256_MiB);
    REQUIRE(r.error() == errc::no_capacity);
    REQUIRE(core::dpa_alloc(a.dec(0), 1_GiB));
    REQUIRE(core::dpa_available(*a.t.mems[0]->endpoint(), core::partition_mode::ram) == 0);
}

TEST_CASE("DPA: only the last allocation can be freed (dpa_order)", "[core][dpa]") {
    attached a;
    for (unsigned n = 0; n < 2; ++n) {
        REQUIRE(core::dpa_set_mode(a.dec(n), core::partition_mode::ram));
        REQUIRE(core::dpa_alloc(a.dec(n), 256_MiB));
    }
    auto r = core::dpa_free(a.dec(0));
    REQUIRE(r.error() == errc::dpa_order);
    REQUIRE(a.dec(0).dpa);
    REQUIRE(core::dpa_free(a.dec(1)));
    REQUIRE(core::dpa_free(a.dec(0)));
    REQUIRE(a.t.mems[0]->endpoint()->hdm_end() == -1);
    REQUIRE(core::dpa_alloc(a.dec(0), 512_MiB)); // and the space is back
}

TEST_CASE("DPA: an allocation in use by a region or committed is decoder_busy", "[core][dpa]") {
    attached a;
    REQUIRE(core::dpa_set_mode(a.dec(0), core::partition_mode::ram));
    REQUIRE(core::dpa_alloc(a.dec(0), 256_MiB));
    REQUIRE(core::dpa_alloc(a.dec(0), 256_MiB).error() == errc::decoder_busy); // has one
    auto r = core::create_region(a.t.root_decoder(0), core::partition_mode::ram).value();
    REQUIRE(core::set_granularity(*r, 256));
    REQUIRE(core::set_ways(*r, 1));
    REQUIRE(core::set_size(*r, 256_MiB));
    REQUIRE(core::attach_target(*r, a.dec(0), 0));
    auto busy = core::dpa_free(a.dec(0));
    REQUIRE(busy.error() == errc::decoder_busy);
    REQUIRE_THAT(busy.error().detail, Catch::Contains("region0"));
    REQUIRE(core::commit_region(*r));
    REQUIRE(core::detach_target(*r, 0)); // resets, then detaches
    REQUIRE(core::dpa_free(a.dec(0)));
}
