// The canonical dump: what it shows, and that it does not depend on the order devices
// arrived and drivers registered in.
#include "support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>

using namespace cxlfw;
using namespace cxlfw::core::testing;
namespace core = cxlfw::core;

namespace {
bool has_line(std::string const& text, std::string const& line) {
    return text.find(line + "\n") != std::string::npos;
}
} // namespace

TEST_CASE("dump: root, ports, dports, decoders, memdevs and regions, one line each",
          "[core][dump]") {
    bed b;
    b.drivers();
    cxl_test_half t{b};
    t.add_root();
    REQUIRE(b.host.settle());
    (void)t.commit_two_way();
    auto text = core::dump(b.cxl);
    INFO(text);
    REQUIRE(text.rfind("root0 root uport=ACPI0017:00 depth=0\n", 0) == 0);
    REQUIRE(has_line(text, "  dport pci0000:00 id=0x0"));
    REQUIRE(has_line(text, "  decoder0.1 root hpa=0x1100000000+0x80000000 ways=2 gran=4096 "
                           "targets=0,1 caps=type3,ram qos=0"));
    REQUIRE(has_line(text, "port1 host-bridge uport=pci0000:00 parent=root0 dport=pci0000:00 "
                           "depth=1 driver=cxl_port"));
    REQUIRE(has_line(text, "  decoder1.0 switch committed hpa=0x1100000000+0x20000000 ways=1 "
                           "gran=8192 type=hostonly targets=0 region=region0"));
    REQUIRE(has_line(text, "  decoder1.1 switch idle"));
    REQUIRE(has_line(text, "endpoint7 endpoint uport=mem0 parent=port2 dport=0000:1:02.0 "
                           "depth=3 driver=cxl_port"));
    REQUIRE(has_line(text, "  decoder7.0 endpoint committed hpa=0x1100000000+0x20000000 ways=2 "
                           "gran=4096 type=hostonly dpa=0x0+0x10000000 skip=0x0 mode=ram "
                           "region=region0 pos=0"));
    REQUIRE(has_line(text, "mem0 host=0000:1:03.0 type3 serial=0x1 ram=0x40000000 "
                           "pmem=0x40000000 endpoint=endpoint7 driver=cxl_mem"));
    REQUIRE(has_line(text, "region0 root=decoder0.1 mode=ram type=hostonly "
                           "hpa=0x1100000000+0x20000000 ways=2 gran=4096 state=committed "
                           "targets=0:decoder7.0,1:decoder11.0"));
    // Objects by id: every port before the memdevs, the memdevs before the regions.
    REQUIRE(text.find("port1 ") < text.find("endpoint7 "));
    REQUIRE(text.find("endpoint14 ") < text.find("\nmem0 "));
    REQUIRE(text.find("\nmem7 ") < text.find("\nregion0 "));
}

TEST_CASE("dump: the same topology whatever the device and driver order", "[core][dump]") {
    auto run = [](unsigned seed) {
        bed b;
        cxl_test_half t{b, false};
        std::vector<unsigned> order(8);
        std::iota(order.begin(), order.end(), 0u);
        std::uint64_t x = seed * 0x9E37'79B9'7F4A'7C15ull + 1;
        for (std::size_t i = order.size(); i > 1; --i) {
            x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
            std::swap(order[i - 1], order[(x * 0x2545'F491'4F6C'DD1Dull >> 33) % i]);
        }
        if (seed % 2) b.drivers();
        if (seed % 3 == 0) t.add_root();
        for (unsigned i : order) {
            core::memdev_desc d;
            d.serial = i + 1;
            (void)b.mem(*t.eps[i], t.ep_comps[i], 1_GiB, 1_GiB, d);
            if (seed % 4 == 1) REQUIRE(b.host.settle());
        }
        if (seed % 2 == 0) {
            b.mem_driver();
            b.port_driver();
        }
        if (seed % 3 != 0) t.add_root();
        REQUIRE(b.host.rescan("cxl"));
        REQUIRE(b.host.settle());
        return core::dump(b.cxl);
    };
    auto const first = run(0);
    REQUIRE(first.find("\nmem7 ") != std::string::npos);
    REQUIRE(first.find("endpoint14") != std::string::npos);
    for (unsigned seed = 1; seed < 12; ++seed) {
        INFO("seed " << seed);
        REQUIRE(run(seed) == first);
    }
}
