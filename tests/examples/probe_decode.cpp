// cxlfw-probe decode --lspci on the real pciutils dumps.
#include "run.hpp"

#include <catch2/catch.hpp>

using cxlfw_test::data;
using cxlfw_test::has;
using cxlfw_test::run;

TEST_CASE("decode prints both devices' CXL capabilities and ranges", "[examples][probe]") {
    auto r = run(CXLFW_PROBE_BIN, {"decode", "--lspci", data + "/pciutils/cap-dvsec-cxl"});
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.err.empty());
    auto b = r.out.find("0000:7f:00.0");
    REQUIRE(b != std::string::npos);
    auto a = r.out.substr(0, b);
    auto dev_b = r.out.substr(b);

    CHECK(has(a, "0000:6b:00.0"));
    CHECK(has(a, "DVSEC 0xe00 CXL Device (id 0, rev 0, 0x38 bytes)"));
    CHECK(has(a, "capability 0x001e: cache- io+ mem+ mem_hwinit+ hdm_count=1"));
    CHECK(has(a, "range 1: size 256 MiB (0x10000000) base 0x0 info_valid+ active+"));

    CHECK(has(dev_b, "id 10ee:c084 class 0x050210"));
    CHECK(has(dev_b, "capability 0x401e: cache- io+ mem+ mem_hwinit+ hdm_count=1 viral+"));
    CHECK(has(dev_b, "range 1: size 16 GiB (0x400000000) base 0x0 info_valid+ active+"));
    CHECK(has(dev_b, "range 2: size 0 B (0x0) base 0x0 info_valid- active+"));
    CHECK(has(dev_b, "DVSEC 0x540 Flex Bus Port"));
    CHECK(has(dev_b, "block component: BAR0 + 0x0 = 0x380b0000000"));
    CHECK(has(dev_b, "BAR0 + 0x10000 = 0x380b0010000"));
    CHECK(has(dev_b, "DVSEC 0x590 GPF for CXL Devices"));
}

TEST_CASE("decode says clearly when a device has no CXL DVSEC", "[examples][probe]") {
    auto r = run(CXLFW_PROBE_BIN, {"decode", "--lspci", data + "/pciutils/cap-doe"});
    REQUIRE(r.exit_code == 0);
    REQUIRE(has(r.out, "0000:df:00.0"));
    REQUIRE(has(r.out, "no CXL Device DVSEC"));
}

TEST_CASE("decode rejects a damaged dump with its line number", "[examples][probe]") {
    auto text = cxlfw_test::slurp(data + "/pciutils/cap-dvsec-cxl");
    auto at = text.find("\n10: ");
    REQUIRE(at != std::string::npos);
    text[at + 5] = 'g'; // not a hex digit
    cxlfw_test::temp_file bad{"bad-hex.lspci", text};
    auto r = run(CXLFW_PROBE_BIN, {"decode", "--lspci", bad.path.string()});
    REQUIRE(r.exit_code == 4);
    REQUIRE(r.err_lines() == 1);
    REQUIRE(has(r.err, "line "));

    auto missing = run(CXLFW_PROBE_BIN, {"decode", "--lspci", "/nonexistent/dump"});
    REQUIRE(missing.exit_code == 3);
}
