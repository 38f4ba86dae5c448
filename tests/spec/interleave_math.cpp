// Interleave address math: ndctl's translation vectors (ndctl test/cxl-translate.sh), round trips
// over every valid geometry, and a specific error for every invalid input.
#include <cxlfw/spec/interleave_math.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace cxlfw::spec;

namespace {

// The XOR maps ndctl's test/translate.c uses at HBIG 0 (tests/data/SOURCES.md).
constexpr xormap_list ndctl_maps{0x2020900, 0x4041200, 0x1010400, 0x800};

struct vector_row {
    std::string set;
    std::uint64_t dpa;
    unsigned pos, region_eiw, region_eig, hb_eiw;
    std::string math;
    std::uint64_t expected_hpa;
};

std::vector<vector_row> load_vectors() {
    std::ifstream in(CXLFW_TEST_DATA_DIR "/ndctl/cxl-translate-vectors.csv");
    REQUIRE(in);
    std::string line;
    std::getline(in, line);
    REQUIRE(line == "set,dpa_offset,pos,region_eiw,region_eig,hb_eiw,math,expected_hpa_offset");
    std::vector<vector_row> rows;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::istringstream s(line);
        std::vector<std::string> cols;
        for (std::string c; std::getline(s, c, ',');)
            cols.push_back(c);
        REQUIRE(cols.size() == 8);
        rows.push_back({cols[0], std::stoull(cols[1]), static_cast<unsigned>(std::stoul(cols[2])),
                        static_cast<unsigned>(std::stoul(cols[3])),
                        static_cast<unsigned>(std::stoul(cols[4])),
                        static_cast<unsigned>(std::stoul(cols[5])), cols[6], std::stoull(cols[7])});
    }
    return rows;
}

constexpr unsigned all_ways[] = {1, 2, 4, 8, 16, 3, 6, 12};

} // namespace

TEST_CASE("every ndctl translation vector maps DPA to HPA and back with its position",
          "[spec][interleave]") {
    auto rows = load_vectors();
    REQUIRE(rows.size() == 72);
    std::map<std::string, int> per_math;
    for (auto const& r : rows) {
        CAPTURE(r.set, r.dpa, r.pos, r.region_eiw, r.region_eig, r.hb_eiw, r.math);
        interleave_geometry g{.ways = eiw_to_ways(r.region_eiw).value(),
                              .granularity = eig_to_granularity(r.region_eig).value(),
                              .position = r.pos};
        if (r.math == "xor") {
            g.arithmetic = interleave_arithmetic::xormap;
            g.hb_ways = eiw_to_ways(r.hb_eiw).value();
            g.xormaps = ndctl_maps;
        } else {
            REQUIRE(r.math == "modulo");
        }
        ++per_math[r.math];
        auto hpa = dpa_to_hpa(g, r.dpa);
        REQUIRE(hpa.value() == r.expected_hpa);
        REQUIRE(hpa_to_dpa(g, *hpa).value() == dpa_position{r.dpa, r.pos});
        REQUIRE(hpa_to_device_dpa(g, *hpa).value() == r.dpa);
    }
    REQUIRE(per_math["modulo"] == 36);
    REQUIRE(per_math["xor"] == 36);
}

TEST_CASE("XOR changes the HPA where the maps say so", "[spec][interleave]") {
    // The vectors include rows where XOR and modulo differ; check that the translation really
    // went through the maps rather than passing modulo through.
    auto rows = load_vectors();
    int differing = 0;
    for (std::size_t i = 0; i + 1 < rows.size(); ++i) {
        auto const& a = rows[i];
        auto const& b = rows[i + 1];
        if (a.math == "modulo" && b.math == "xor" && a.dpa == b.dpa && a.pos == b.pos &&
            a.expected_hpa != b.expected_hpa)
            ++differing;
    }
    REQUIRE(differing > 0);
    // One map by hand: 0x2020900 covers bits 8, 11, 17 and 25; bit 8 becomes their parity.
    STATIC_REQUIRE(apply_xormap(0x800, 0x2020900) == 0x900);
    STATIC_REQUIRE(apply_xormap(0x900, 0x2020900) == 0x800);
    STATIC_REQUIRE(apply_xormap(0x20800, 0x2020900) == 0x20800);
    STATIC_REQUIRE(apply_xormap(0x1234, 0) == 0x1234);
}

TEST_CASE("undoing XOR maps runs the steps backwards, so maps covering each other's bits "
          "still invert",
          "[spec][interleave]") {
    // Map 0 reads bit 9, which map 1 rewrites: the steps do not commute.
    constexpr std::uint64_t maps[] = {0x300, 0x600};
    int forward_order_fails = 0;
    for (std::uint64_t a = 0; a < 0x800; a += 0x100) {
        CAPTURE(a);
        auto x = apply_xormaps(a, maps);
        REQUIRE(undo_xormaps(x, maps) == a);
        if (apply_xormaps(x, maps) != a) ++forward_order_fails;
    }
    REQUIRE(forward_order_fails > 0);
}

TEST_CASE("HPA->DPA(DPA->HPA(x)) == x and no two (position, DPA) share an HPA, over every "
          "valid geometry",
          "[spec][interleave]") {
    const std::uint64_t dpas[] = {0,
                                  1,
                                  255,
                                  256,
                                  0x1234,
                                  0x10'0000,
                                  0xFFF'FFFF,
                                  0x1'2345'6789,
                                  0x3F'FFFF'FFFF,
                                  0x10'0000'0000 + 77};
    const unsigned granularities[] = {256, 512, 1024, 4096, 16384};
    std::size_t checked_pairs = 0;
    for (unsigned ways : all_ways)
        for (unsigned gran : granularities)
            for (int variant = 0; variant < 1 + 8; ++variant) {
                // variant 0: modulo; 1..8: XOR over each valid host-bridge ways count.
                interleave_geometry g{.ways = ways, .granularity = gran, .base = 0x40'0000'0000};
                if (variant > 0) {
                    g.arithmetic = interleave_arithmetic::xormap;
                    g.hb_ways = all_ways[variant - 1];
                    g.xormaps = ndctl_maps;
                }
                std::set<std::uint64_t> seen;
                std::size_t inserted = 0;
                for (unsigned pos = 0; pos < ways; ++pos) {
                    g.position = pos;
                    for (auto dpa : dpas) {
                        CAPTURE(ways, gran, variant, pos, dpa);
                        auto hpa = dpa_to_hpa(g, dpa);
                        REQUIRE(hpa.has_value());
                        REQUIRE(hpa_to_dpa(g, *hpa).value() == dpa_position{dpa, pos});
                        seen.insert(*hpa);
                        ++inserted;
                    }
                }
                REQUIRE(seen.size() == inserted);
                checked_pairs += inserted;
            }
    REQUIRE(checked_pairs == 52 * 5 * 9 * std::size(dpas));
}

TEST_CASE("every HPA in a region is decoded by exactly one position", "[spec][interleave]") {
    // Surjectivity on a small window: walking HPAs granule by granule, each decodes to a
    // (position, DPA) that translates back to the same HPA.
    for (unsigned ways : all_ways) {
        interleave_geometry g{.ways = ways, .granularity = 512, .base = 0x1'0000'0000};
        g.arithmetic = interleave_arithmetic::xormap;
        g.hb_ways = ways;
        g.xormaps = {0x2020A00, 0x4041400, 0x1010800, 0x1000};
        for (std::uint64_t off = 0; off < 64 * 512 * 12; off += 509) {
            CAPTURE(ways, off);
            auto d = hpa_to_dpa(g, g.base + off).value();
            auto g2 = g;
            g2.position = d.position;
            REQUIRE(dpa_to_hpa(g2, d.dpa).value() == g.base + off);
            REQUIRE(hpa_to_device_dpa(g2, g.base + off).value() == d.dpa);
        }
    }
}

TEST_CASE("invalid geometries and addresses each give their own error", "[spec][interleave]") {
    constexpr interleave_geometry ok{.ways = 4, .granularity = 1024, .position = 3};
    STATIC_REQUIRE(check_geometry(ok).has_value());
    STATIC_REQUIRE(dpa_to_hpa(ok, 0x400).value() == 0x400 * 4 + 3 * 1024);

    auto with = [&](auto change) {
        auto g = ok;
        change(g);
        return g;
    };
    REQUIRE(dpa_to_hpa(with([](auto& g) { g.ways = 5; }), 0).error() == errc::invalid_ways);
    REQUIRE(dpa_to_hpa(with([](auto& g) { g.ways = 0; }), 0).error() == errc::invalid_ways);
    REQUIRE(dpa_to_hpa(with([](auto& g) { g.granularity = 300; }), 0).error() ==
            errc::invalid_granularity);
    REQUIRE(dpa_to_hpa(with([](auto& g) { g.granularity = 32768; }), 0).error() ==
            errc::invalid_granularity);
    REQUIRE(dpa_to_hpa(with([](auto& g) { g.position = 4; }), 0).error() ==
            errc::position_out_of_range);
    REQUIRE(hpa_to_dpa(with([](auto& g) { g.position = 4; }), 0).error() ==
            errc::position_out_of_range);
    REQUIRE(dpa_to_hpa(with([](auto& g) { g.arithmetic = interleave_arithmetic{2}; }), 0).error() ==
            errc::invalid_arithmetic);

    auto xor4 = with([](auto& g) {
        g.arithmetic = interleave_arithmetic::xormap;
        g.hb_ways = 4;
        g.xormaps = {0x2020900, 0x4041200};
    });
    REQUIRE(check_geometry(xor4).has_value());
    auto missing = xor4;
    missing.xormaps = {0x2020900};
    REQUIRE(dpa_to_hpa(missing, 0).error() == errc::missing_xormap);
    REQUIRE(hpa_to_dpa(missing, 0).error() == errc::missing_xormap);
    auto zero = xor4;
    zero.xormaps = {0x2020900, 0};
    REQUIRE(dpa_to_hpa(zero, 0).error() == errc::invalid_xormap);
    auto bad_hb = xor4;
    bad_hb.hb_ways = 5;
    REQUIRE(dpa_to_hpa(bad_hb, 0).error() == errc::invalid_ways);
    // 1 and 3 host-bridge ways use no maps at all.
    auto xor3 = xor4;
    xor3.hb_ways = 3;
    xor3.xormaps = {};
    REQUIRE(dpa_to_hpa(xor3, 0x400).value() == dpa_to_hpa(ok, 0x400).value());
    // Modulo ignores the XOR fields entirely.
    REQUIRE(check_geometry(with([](auto& g) { g.hb_ways = 7; })).has_value());

    // Overflow: the HPA must fit in 64 bits, with and without the base.
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    REQUIRE(dpa_to_hpa(ok, max).error() == errc::offset_out_of_range);
    // The last chunk of position 3 ends exactly at 2^64 - 1; one byte further does not fit.
    REQUIRE(dpa_to_hpa(ok, (std::uint64_t{1} << 62) - 1).value() == max);
    REQUIRE(dpa_to_hpa(ok, std::uint64_t{1} << 62).error() == errc::offset_out_of_range);
    REQUIRE(dpa_to_hpa(with([](auto& g) { g.base = max - 0x1000; }), 0x1000).error() ==
            errc::offset_out_of_range);
    // An address below the base, and one decoded by another position.
    auto based = with([](auto& g) { g.base = 0x1000'0000; });
    REQUIRE(hpa_to_dpa(based, 0x0FFF'FFFF).error() == errc::offset_out_of_range);
    REQUIRE(hpa_to_dpa(based, 0x1000'0000).value() == dpa_position{0, 0});
    REQUIRE(hpa_to_device_dpa(based, 0x1000'0000).error() == errc::address_not_in_position);
    REQUIRE(hpa_to_device_dpa(based, 0x1000'0000 + 3 * 1024 + 5).value() == 5);
}

TEST_CASE("xormaps_needed follows the host-bridge ways", "[spec][interleave]") {
    STATIC_REQUIRE(xormaps_needed(1).value() == 0);
    STATIC_REQUIRE(xormaps_needed(3).value() == 0);
    STATIC_REQUIRE(xormaps_needed(2).value() == 1);
    STATIC_REQUIRE(xormaps_needed(4).value() == 2);
    STATIC_REQUIRE(xormaps_needed(8).value() == 3);
    STATIC_REQUIRE(xormaps_needed(16).value() == 4);
    STATIC_REQUIRE(xormaps_needed(6).value() == 1);
    STATIC_REQUIRE(xormaps_needed(12).value() == 2);
    REQUIRE(xormaps_needed(5).error() == errc::invalid_ways);
    REQUIRE(xormaps_needed(0).error() == errc::invalid_ways);
}
