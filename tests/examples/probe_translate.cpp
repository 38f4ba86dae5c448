// cxlfw-probe translate, run as a program: every ndctl vector, a real CEDT window, and each
// kind of bad input with its exit code.
#include "run.hpp"

#include <catch2/catch.hpp>

#include <map>

using cxlfw_test::data;
using cxlfw_test::run;

namespace {

std::vector<std::string> split(std::string const& line) {
    std::vector<std::string> cols;
    std::stringstream ss{line};
    for (std::string c; std::getline(ss, c, ',');)
        cols.push_back(c);
    return cols;
}

// ndctl test/translate.c's host-bridge XOR maps at HBIG 0, by host-bridge ways
// (tests/data/SOURCES.md).
std::vector<std::string> xormaps(unsigned hb_ways) {
    static const std::map<unsigned, std::vector<std::string>> maps{
        {1, {}},
        {3, {}},
        {2, {"0x2020900"}},
        {6, {"0x2020900"}},
        {4, {"0x2020900", "0x4041200"}},
        {12, {"0x2020900", "0x4041200"}},
        {8, {"0x2020900", "0x4041200", "0x1010400"}},
        {16, {"0x2020900", "0x4041200", "0x1010400", "0x800"}}};
    return maps.at(hb_ways);
}

unsigned eiw_ways(unsigned eiw) {
    return eiw <= 4 ? 1u << eiw : 3u << (eiw - 8);
}

} // namespace

TEST_CASE("translate agrees with every row of the ndctl vectors", "[examples][probe]") {
    std::ifstream csv{data + "/ndctl/cxl-translate-vectors.csv"};
    std::string line;
    std::getline(csv, line); // header
    unsigned rows = 0;
    while (std::getline(csv, line)) {
        auto c = split(line);
        REQUIRE(c.size() == 8);
        unsigned hb_ways = eiw_ways(unsigned(std::stoul(c[5])));
        std::vector<std::string> args{"translate",
                                      "--dpa",
                                      c[1],
                                      "--position",
                                      c[2],
                                      "--ways",
                                      std::to_string(eiw_ways(unsigned(std::stoul(c[3])))),
                                      "--granularity",
                                      std::to_string(256u << std::stoul(c[4])),
                                      "--hb-ways",
                                      std::to_string(hb_ways),
                                      "--math",
                                      c[6]};
        if (c[6] == "xor")
            for (auto const& m : xormaps(hb_ways))
                args.insert(args.end(), {"--xormap", m});
        CAPTURE(line);
        auto r = run(CXLFW_PROBE_BIN, args);
        REQUIRE(r.exit_code == 0);
        char want[32];
        std::snprintf(want, sizeof want, "0x%llx\n", std::stoull(c[7]));
        REQUIRE(r.out == want);
        ++rows;
    }
    REQUIRE(rows == 72);
}

TEST_CASE("translate takes the geometry from a window of QEMU's CEDT", "[examples][probe]") {
    // Window 1: 2 ways over host bridges 12 and 222, 8 KiB, modulo. DPA 8 KiB at position 1
    // is the fourth 8 KiB chunk of the window: (1 * 2 + 1) * 8 KiB.
    auto r = run(CXLFW_PROBE_BIN, {"translate", "--dpa", "8K", "--position", "1", "--cedt",
                                   data + "/qemu/CEDT.cxl", "--window", "1"});
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.out == "0x6000\n");
}

TEST_CASE("translate rejects bad input with one line and a documented exit code",
          "[examples][probe]") {
    SECTION("a flag value that is not a number: usage (2)") {
        auto r = run(CXLFW_PROBE_BIN, {"translate", "--dpa", "12zz", "--position", "0"});
        REQUIRE(r.exit_code == 2);
        REQUIRE(r.err_lines() == 1);
        REQUIRE(r.err.find("--dpa") != std::string::npos);
    }
    SECTION("a geometry the spec does not allow: usage (2)") {
        auto r = run(CXLFW_PROBE_BIN, {"translate", "--dpa", "0", "--position", "0", "--ways", "5",
                                       "--granularity", "256", "--hb-ways", "1"});
        REQUIRE(r.exit_code == 2);
        REQUIRE(r.err_lines() == 1);
        REQUIRE(r.err.find("interleave ways") != std::string::npos);
    }
    SECTION("a missing file: unreadable (3)") {
        auto r = run(CXLFW_PROBE_BIN, {"translate", "--dpa", "0", "--position", "0", "--cedt",
                                       "/nonexistent/CEDT", "--window", "0"});
        REQUIRE(r.exit_code == 3);
        REQUIRE(r.err_lines() == 1);
        REQUIRE(r.err.find("/nonexistent/CEDT") != std::string::npos);
    }
    SECTION("a table with a bad checksum: bad input (4)") {
        auto bytes = cxlfw_test::slurp(data + "/qemu/CEDT.cxl");
        bytes[9] = char(bytes[9] + 1);
        cxlfw_test::temp_file bad{"bad-checksum.cedt", bytes};
        auto r = run(CXLFW_PROBE_BIN, {"translate", "--dpa", "0", "--position", "0", "--cedt",
                                       bad.path.string(), "--window", "0"});
        REQUIRE(r.exit_code == 4);
        REQUIRE(r.err_lines() == 1);
        REQUIRE(r.err.find("checksum") != std::string::npos);
    }
    SECTION("a window the table does not have: usage (2)") {
        auto r = run(CXLFW_PROBE_BIN, {"translate", "--dpa", "0", "--position", "0", "--cedt",
                                       data + "/qemu/CEDT.cxl", "--window", "2"});
        REQUIRE(r.exit_code == 2);
        REQUIRE(r.err.find("2 usable window") != std::string::npos);
    }
}
