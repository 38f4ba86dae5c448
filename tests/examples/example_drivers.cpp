// The example drivers, run as the programs a person would copy them from.
#include "run.hpp"

#include <catch2/catch.hpp>

using cxlfw_test::has;
using cxlfw_test::run;

namespace {
std::string example(char const* name) {
    return std::string{CXLFW_EXAMPLES_DIR} + "/" + name;
}
} // namespace

TEST_CASE("sfc-like NIC: CXL PIO with the root, PCIe PIO without, upgraded when it arrives",
          "[examples][drivers]") {
    auto r = run(example("sfc_nic"), {});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(has(r.out, "sfc_cxl: type2<hdm<1>,ras> attach=direct when_absent=degrade"));
    auto later = r.out.find("CXL root arriving later:");
    REQUIRE(later != std::string::npos);
    REQUIRE(has(r.out.substr(0, later), "PIO buffers in CXL memory: HPA"));
    auto arrived = r.out.find("the root arrived:");
    REQUIRE(arrived != std::string::npos);
    REQUIRE(has(r.out.substr(later, arrived - later), "PCIe only"));
    REQUIRE(has(r.out.substr(later, arrived - later), "PIO buffers behind the PCIe BAR"));
    REQUIRE(has(r.out.substr(arrived), "(256 MiB)"));
}

TEST_CASE("Linux 7.0-style accelerator: deferred on the root, attached through cxl_mem",
          "[examples][drivers]") {
    auto r = run(example("accel_mediated"), {});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(has(r.out, "attach=mediated when_absent=defer"));
    REQUIRE(has(r.out, "deferred on event:cxl_root:root0"));
    auto arrived = r.out.find("root arrived:");
    REQUIRE(arrived != std::string::npos);
    REQUIRE(has(r.out.substr(arrived, r.out.find('\n', arrived) - arrived), ": bound, CXL"));
    REQUIRE(has(r.out, "deferrals 1"));
}

TEST_CASE("Type-3 expander: the stock driver attaches QEMU's four memdevs; a region commits",
          "[examples][drivers]") {
    auto r = run(example("type3_expander"), {});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(has(r.out, "type3<mailbox,hdm<1>,ras> attach=mediated when_absent=wait"));
    for (char const* md : {"mem0", "mem1", "mem2", "mem3"})
        REQUIRE(has(r.out, std::string{"  "} + md + " on "));
    REQUIRE_FALSE(has(r.out, "not attached"));
    REQUIRE(has(r.out, "2 ways, 8192 B granularity, committed"));
}

TEST_CASE("Type-1 cache accelerator: bound, with no CXL.mem to attach", "[examples][drivers]") {
    auto r = run(example("cache_accel"), {});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(has(r.out, "cache_accel: type1<ras> attach=none"));
    REQUIRE(has(r.out, "bound, no CXL.mem"));
}
