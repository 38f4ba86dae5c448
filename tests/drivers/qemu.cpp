// Acceptance on QEMU's q35 CXL machine (emu::qemu_q35_topology, the CEDT of
// tests/data/qemu/CEDT.cxl): the four Type-3 devices attach and a 2-way region on the
// interleaved window commits.
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace cxlfw;
using namespace cxlfw::drivers::test_support;
namespace core = cxlfw::core;

TEST_CASE("qemu q35: the four Type-3 devices attach below the two host bridges",
          "[drivers][qemu]") {
    machine m{emu::qemu_q35_topology()};
    auto* root = m.cxl().root();
    REQUIRE(root);
    REQUIRE(root->decoders().size() == 2);
    REQUIRE(root->decoders()[1]->targets == std::vector<std::uint32_t>{12, 222});
    REQUIRE(root->decoders()[1]->granularity == 8192);
    auto mems = m.cxl().memdevs();
    REQUIRE(mems.size() == 4);
    std::vector<std::string> hosts;
    for (auto* md : mems) {
        REQUIRE(md->is_bound());
        REQUIRE(md->ram_size() == 0);
        REQUIRE(md->pmem_size() == 256_MiB);
        REQUIRE(md->endpoint());
        REQUIRE(md->endpoint()->depth() == 2);
        REQUIRE(md->endpoint()->parent_port()->kind() == core::port_kind::host_bridge);
        hosts.push_back(md->parent()->name());
    }
    REQUIRE(hosts == std::vector<std::string>{"0000:0d:00.0", "0000:0e:00.0", "0000:df:00.0",
                                              "0000:e0:00.0"});
    REQUIRE(mems[0]->name() == "mem0");
    REQUIRE(mems[3]->name() == "mem3");
}

TEST_CASE("qemu q35: a 2-way PMEM region on the interleaved window commits", "[drivers][qemu]") {
    machine m{emu::qemu_q35_topology()};
    auto* a = m.memdev_of("0000:0d:00.0"); // host bridge 12
    auto* b = m.memdev_of("0000:df:00.0"); // host bridge 222
    REQUIRE(a);
    REQUIRE(b);
    auto& root = *m.cxl().root()->find_decoder(1);
    auto r = core::create_region(root, core::partition_mode::pmem).value();
    REQUIRE(core::set_granularity(*r, 8192));
    REQUIRE(core::set_ways(*r, 2));
    REQUIRE(core::set_size(*r, 512_MiB));
    // The window starts at 0x2_1000_0000; a 2-way region is aligned to 2 x 256 MiB.
    REQUIRE(r->base() == 0x2'2000'0000);
    // The root sends position 0 to UID 12 and position 1 to UID 222.
    auto& db = m.dpa(*b, 256_MiB, core::partition_mode::pmem);
    REQUIRE(core::attach_target(*r, db, 0).error() == errc::invalid_position);
    auto& da = m.dpa(*a, 256_MiB, core::partition_mode::pmem);
    REQUIRE(core::attach_target(*r, da, 0));
    REQUIRE(core::attach_target(*r, db, 1));
    REQUIRE(core::commit_region(*r));
    for (auto const* name : {"0000:0d:00.0", "0000:df:00.0", "pci0000:0c", "pci0000:de"}) {
        INFO(name);
        auto dec = m.p->decoder(m.node(name).id(), 0);
        REQUIRE(dec.phase == emu::decoder_phase::committed);
        REQUIRE(dec.base == r->base());
    }
    // DPA skip: the devices have no RAM partition, so the PMEM allocation starts at 0.
    REQUIRE(*da.dpa == core::dpa_extent{0, 256_MiB, 0});
    auto hpa = core::dpa_to_hpa(*r, db, 8192).value();
    REQUIRE(hpa == r->base() + 3 * 8192);
}
