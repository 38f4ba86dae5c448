// Interleave encodings (CXL 2.0 §8.2.5.12.7; Linux drivers/cxl/cxl.h): every valid code
// round-trips, every invalid one is an error, never a shifted garbage value.
#include <cxlfw/spec/interleave.hpp>

#include <catch2/catch.hpp>

using namespace cxlfw::spec;

TEST_CASE("eiw encodes ways 1,2,4,8,16,3,6,12 and nothing else", "[spec][interleave]") {
    struct row {
        unsigned eiw, ways;
    };
    constexpr row table[] = {{0, 1}, {1, 2}, {2, 4}, {3, 8}, {4, 16}, {8, 3}, {9, 6}, {10, 12}};
    for (auto [eiw, ways] : table) {
        CAPTURE(eiw, ways);
        REQUIRE(eiw_to_ways(eiw).value() == ways);
        REQUIRE(ways_to_eiw(ways).value() == eiw);
    }
    for (unsigned eiw : {5u, 6u, 7u, 11u, 15u, 255u}) {
        CAPTURE(eiw);
        REQUIRE(eiw_to_ways(eiw).error() == errc::invalid_eiw);
    }
    for (unsigned ways : {0u, 5u, 7u, 9u, 10u, 24u, 32u}) {
        CAPTURE(ways);
        REQUIRE(ways_to_eiw(ways).error() == errc::invalid_ways);
    }
    STATIC_REQUIRE(ways_to_eiw(6).value() == 9);
    STATIC_REQUIRE(is_multiple_of_3_ways(12));
    STATIC_REQUIRE_FALSE(is_multiple_of_3_ways(16));
}

TEST_CASE("eig encodes 256 B to 16 KiB as 0..6", "[spec][interleave]") {
    for (unsigned eig = 0; eig <= 6; ++eig) {
        CAPTURE(eig);
        auto g = eig_to_granularity(eig).value();
        REQUIRE(g == 256u << eig);
        REQUIRE(granularity_to_eig(g).value() == eig);
    }
    REQUIRE(eig_to_granularity(7).error() == errc::invalid_eig);
    for (std::uint64_t g : {0ull, 128ull, 300ull, 32768ull, 1ull << 40}) {
        CAPTURE(g);
        REQUIRE(granularity_to_eig(g).error() == errc::invalid_granularity);
    }
}

TEST_CASE("spec errors convert to cxlfw::result with a readable message", "[spec][errc]") {
    cxlfw::result<unsigned> r = eiw_to_ways(7);
    REQUIRE(r.has_error());
    REQUIRE(r.error() == errc::invalid_eiw);
    REQUIRE(std::string(r.error().category().name()) == "cxlfw.spec");
    REQUIRE(r.error().message().find("interleave ways") != std::string::npos);
    REQUIRE_THROWS_AS(eiw_to_ways(7).value(), std::system_error);
}
