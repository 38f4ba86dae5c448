// The reference topologies: QEMU q35's CEDT against QEMU's real table, cxl_test's shape and
// windows, the RCH and its RCRB, and the generator.
#include "support.hpp"

#include <cxlfw/hw/lspci.hpp> // hw::pci_address, what node::address() returns
#include <cxlfw/spec/cedt.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

using namespace emu_test;

namespace {

std::vector<std::byte> read_file(std::string const& path) {
    std::ifstream in{path, std::ios::binary};
    REQUIRE(in);
    std::vector<char> chars{std::istreambuf_iterator<char>{in}, {}};
    std::vector<std::byte> out;
    for (char c : chars)
        out.push_back(static_cast<std::byte>(c));
    return out;
}

std::vector<emu::node_id> kinds(emu::platform& p, emu::node_kind k) {
    return p.of_kind(k);
}

} // namespace

TEST_CASE("QEMU q35's emitted CEDT equals QEMU's CEDT.cxl", "[emu][topology][cedt][acceptance]") {
    auto p = make(emu::qemu_q35_topology());
    auto const real = read_file(std::string{CXLFW_TEST_DATA_DIR} + "/qemu/CEDT.cxl");
    auto const ours = p->cedt();

    // Every decoded field agrees ...
    auto theirs = spec::parse_cedt(real).value();
    auto mine = spec::parse_cedt(ours).value();
    REQUIRE(mine.header == theirs.header);
    REQUIRE(mine.chbs_list == theirs.chbs_list);
    REQUIRE(mine.cfmws_list == theirs.cfmws_list);
    REQUIRE(mine.cxims_list.empty());
    REQUIRE(mine.diagnostics.empty());
    REQUIRE(theirs.chbs_list.size() == 2);
    REQUIRE(theirs.chbs_list[0].uid == 222);
    REQUIRE(theirs.cfmws_list[1].targets == spec::cfmws_targets{12u, 222u});
    // ... and so does every byte, checksum included.
    REQUIRE(std::vector<std::byte>(ours.begin(), ours.end()) == real);
}

TEST_CASE("QEMU q35: bus numbers, names and devices as QEMU builds them", "[emu][topology]") {
    auto p = make(emu::qemu_q35_topology());
    auto hb12 = p->host_bridge(12);
    auto hb222 = p->host_bridge(222);
    REQUIRE(hb12);
    REQUIRE(hb222);
    REQUIRE(hb12->name() == "pci0000:0c");
    REQUIRE(hb222->name() == "pci0000:de");
    REQUIRE(hb12->hid() == "ACPI0016");
    REQUIRE(hb12->chbs_base() == 0x1'0001'0000);
    std::vector<std::string> names;
    for (auto id : p->endpoints())
        names.emplace_back(p->at(id).name());
    REQUIRE(names == std::vector<std::string>{"0000:0d:00.0", "0000:0e:00.0", "0000:df:00.0",
                                              "0000:e0:00.0"});
    REQUIRE(p->find("0000:0c:01.0")->kind() == emu::node_kind::root_port);
    for (auto id : p->endpoints()) {
        auto d = hw::read_cxl_device_dvsec(p->at(id).config()).value();
        REQUIRE(d.ranges[0].size == 256_MiB);
        REQUIRE(d.ranges[0].media_type == spec::range_media_type::non_volatile);
    }
    // The host bridge's CHBCR holds its HDM decoders, two targets (its root ports 0 and 1).
    auto hdm = hdm_window(*p, hb12->chbs_base(), 4);
    auto cap = spec::hdm::decoder_capability::decode(hdm.read<spec::hdm::capability>().value());
    REQUIRE(cap.value().target_count == 2);
}

TEST_CASE("cxl_test: hierarchy, memdevs, decoders and the accelerator", "[emu][topology]") {
    auto p = make(emu::cxl_test_topology());
    REQUIRE(p->acpi_root_present());
    REQUIRE(p->at(p->cxl_root()).hid() == "ACPI0017");
    auto hbs = p->host_bridges();
    REQUIRE(hbs.size() == 4);
    std::vector<std::uint32_t> uids;
    for (auto id : hbs)
        uids.push_back(p->at(id).uid());
    REQUIRE(uids == std::vector<std::uint32_t>{0, 1, 2, 3});
    REQUIRE(p->at(hbs[3]).chbs_version() == 0);

    std::map<std::uint32_t, int> memdevs_per_hb;
    int type2 = 0;
    for (auto id : p->endpoints()) {
        auto& ep = p->at(id);
        // Walk up as devm_cxl_enumerate_ports does: by parents to the host bridge.
        std::vector<emu::node_kind> chain;
        for (auto up = ep.parent(); up != emu::no_node; up = p->at(up).parent())
            chain.push_back(p->at(up).kind());
        REQUIRE(chain.back() == emu::node_kind::host_bridge);
        auto const uid = host_bridge_of(*p, id).uid();
        if (ep.type() == emu::device_type::type2) {
            ++type2;
            REQUIRE(uid == 2);
            REQUIRE(chain == std::vector<emu::node_kind>{emu::node_kind::root_port,
                                                         emu::node_kind::host_bridge});
            REQUIRE(ep.parent() ==
                    p->find("0000:" + std::string{p->at(hbs[2]).name().substr(8)} + ":01.0")->id());
            auto d = hw::read_cxl_device_dvsec(ep.config()).value();
            REQUIRE(d.ranges[0].size == 512_MiB);
            continue;
        }
        REQUIRE(ep.type() == emu::device_type::type3);
        ++memdevs_per_hb[uid];
        if (ep.kind() == emu::node_kind::rcd) {
            REQUIRE(uid == 3);
            REQUIRE(chain == std::vector<emu::node_kind>{emu::node_kind::host_bridge});
        } else {
            REQUIRE(chain == std::vector<emu::node_kind>{
                                 emu::node_kind::downstream_port, emu::node_kind::upstream_port,
                                 emu::node_kind::root_port, emu::node_kind::host_bridge});
        }
        // 2 GiB = 1 GiB RAM + 1 GiB PMEM; 8 decoders.
        auto d = hw::read_cxl_device_dvsec(ep.config()).value();
        REQUIRE(d.capability.hdm_count == 2);
        REQUIRE(d.ranges[0].size == 1_GiB);
        REQUIRE(d.ranges[1].size == 1_GiB);
        auto id_ =
            spec::mbox::identify::decode(mailbox_of(*p, ep).send(spec::opcode::identify).payload)
                .value();
        REQUIRE(id_.lsa_size == 128_KiB);
        REQUIRE(spec::mbox::capacity_bytes(id_.partition_align).value() == 256_MiB);
        if (ep.kind() == emu::node_kind::endpoint) {
            auto hdm = hdm_window(*p, ep.component_base().value(), 8);
            auto cap =
                spec::hdm::decoder_capability::decode(hdm.read<spec::hdm::capability>().value())
                    .value();
            REQUIRE(cap.decoder_count == 8);
        }
    }
    REQUIRE(type2 == 1);
    REQUIRE(memdevs_per_hb == std::map<std::uint32_t, int>{{0, 4}, {1, 4}, {2, 2}, {3, 1}});
    for (auto id : kinds(*p, emu::node_kind::upstream_port)) {
        auto hdm = hdm_window(*p, p->at(id).component_base().value(), 8);
        auto cap = spec::hdm::decoder_capability::decode(hdm.read<spec::hdm::capability>().value());
        REQUIRE(cap.value().decoder_count == 8);
        REQUIRE(cap.value().target_count == 2);
    }
}

TEST_CASE("cxl_test: its CEDT has the mock's host bridges and six modulo windows",
          "[emu][topology][cedt]") {
    namespace r = spec::cfmws_restrict;
    auto p = make(emu::cxl_test_topology());
    auto cedt = spec::parse_cedt(p->cedt()).value();
    REQUIRE_FALSE(cedt.has_rejections());
    REQUIRE(cedt.chbs_list.size() == 4);
    for (std::uint32_t uid = 0; uid < 4; ++uid) {
        auto const* c = cedt.find_chbs(uid);
        REQUIRE(c);
        REQUIRE(c->base == p->host_bridge(uid)->chbs_base());
        REQUIRE(c->length == (uid == 3 ? spec::chbs_rcrb_length : spec::chbs_chbcr_length));
    }
    struct expected {
        std::uint64_t size;
        std::vector<std::uint32_t> targets;
        std::uint16_t restrictions;
    };
    std::vector<expected> const want{
        {1_GiB, {0}, r::type3 | r::volatile_}, {2_GiB, {0, 1}, r::type3 | r::volatile_},
        {1_GiB, {0}, r::type3 | r::pmem},      {2_GiB, {0, 1}, r::type3 | r::pmem},
        {1_GiB, {2}, r::type3 | r::pmem},      {256_MiB, {3}, r::type3 | r::volatile_}};
    REQUIRE(cedt.cfmws_list.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        auto const& w = cedt.cfmws_list[i];
        REQUIRE(w.window_size == want[i].size);
        REQUIRE(std::vector<std::uint32_t>(w.targets.begin(), w.targets.end()) == want[i].targets);
        REQUIRE(w.restrictions == want[i].restrictions);
        REQUIRE(w.qtg_id == 42);
        REQUIRE(w.arithmetic == spec::interleave_arithmetic::modulo);
        REQUIRE(w.hbig == 4); // 4 KiB
        REQUIRE(is_aligned(w.base_hpa, 256_MiB));
    }

    auto x = make(emu::cxl_test_topology({.interleave_arithmetic = 1, .type2_window = true}));
    auto xc = spec::parse_cedt(x->cedt()).value();
    REQUIRE_FALSE(xc.has_rejections());
    REQUIRE(xc.cfmws_list.size() == 4);
    REQUIRE(xc.cxims_list.size() == 1);
    REQUIRE(xc.cfmws_list[2].ways() == 3);
    REQUIRE(xc.cfmws_list[1].arithmetic == spec::interleave_arithmetic::xormap);
    REQUIRE(xc.xormaps_for(xc.cfmws_list[1]).size() == 1);
    REQUIRE(xc.cfmws_list[3].allows(r::type2));
}

TEST_CASE("an RCH: CHBS version 0, the RCRB, and the RCD's component block behind it",
          "[emu][topology][rch]") {
    auto p = make(emu::cxl_test_topology());
    auto& rch = *p->host_bridge(3);
    auto& rcd = p->at(p->of_kind(emu::node_kind::rcd).front());
    REQUIRE(rcd.parent() == rch.id());
    REQUIRE(rcd.address().bus == rch.bus());
    REQUIRE(rcd.config().read(0x40 + 2, 2).value() >> 4 == 9); // RC integrated endpoint
    auto d = hw::read_cxl_device_dvsec(rcd.config()).value();
    REQUIRE(d.location.revision == 0); // CXL 1.1
    auto rl = hw::read_register_locator(rcd.config()).value();
    REQUIRE(rl.blocks.size() == 1);
    REQUIRE(rl.blocks[0].id == spec::register_block_id::device);

    // Linux __rcrb_to_component: the downstream port's RCRB at the CHBS base, the upstream
    // port's 4 KiB above; each holds a vendor id, Memory Space Enable and a 64-bit MEMBAR0.
    auto const rcrb = spec::parse_cedt(p->cedt()).value().find_chbs(3)->base;
    auto const membar = [&](std::uint64_t at) {
        window w{p->mmio(), at, 4_KiB};
        REQUIRE(w.read_raw(0, 4).value() != 0xFFFF'FFFF);
        REQUIRE(spec::pci::memory_space_enable::get(
            static_cast<std::uint16_t>(w.read<spec::pci::command>().value())));
        auto lo = w.read<spec::pci::bar>(0).value();
        REQUIRE(spec::pci::decode_bar_kind(lo).is_64bit);
        return (std::uint64_t{w.read<spec::pci::bar>(1).value()} << 32) |
               (lo & spec::pci::bar_memory_address_mask);
    };
    auto const dport = membar(rcrb);
    auto const uport = membar(rcrb + 4_KiB);
    REQUIRE(dport == rch.component_base());
    REQUIRE(uport == rcd.component_base());
    REQUIRE(is_aligned(dport, 64_KiB));
    REQUIRE(component_cap(*p, dport, spec::component_cap_id::ras, spec::ras::length));
    REQUIRE(component_cap(*p, uport, spec::component_cap_id::hdm_decoder, 0x10));
    REQUIRE(p->counts(rch.id()).in(emu::region::rcrb) > 0);

    // Below a down RCH link the RCD and its upstream RCRB read all ones.
    REQUIRE(p->set_link(rch.id(), false));
    REQUIRE(hw::read_vendor_id(rcd.config()).value() == 0xFFFF);
    REQUIRE(p->mmio().read(rcrb + 4_KiB, 4).value() == 0xFFFF'FFFF);
    REQUIRE(p->mmio().read(rcrb, 4).value() != 0xFFFF'FFFF); // the dport itself answers
}

TEST_CASE("the generator: host bridges x root ports x fanout^depth, windows over host bridges",
          "[emu][topology][generator]") {
    auto t =
        emu::generated_topology(
            {.host_bridges = 4, .root_ports = 2, .switch_depth = 2, .fanout = 3, .window_ways = 2})
            .value();
    auto p = make(t);
    REQUIRE(p->endpoints().size() == 4 * 2 * 9);
    REQUIRE(p->of_kind(emu::node_kind::upstream_port).size() == 4 * 2 * (1 + 3));
    REQUIRE(p->of_kind(emu::node_kind::downstream_port).size() == 4 * 2 * (3 + 9));
    auto cedt = spec::parse_cedt(p->cedt()).value();
    REQUIRE_FALSE(cedt.has_rejections());
    REQUIRE(cedt.chbs_list.size() == 4);
    REQUIRE(cedt.cfmws_list.size() == 2);
    REQUIRE(cedt.cfmws_list[0].ways() == 2);
    REQUIRE(cedt.cfmws_list[0].window_size == 2 * 2 * 9 * 256_MiB);
    // Every endpoint is four levels of ports below its host bridge.
    for (auto id : p->endpoints()) {
        int depth = 0;
        for (auto up = p->at(id).parent(); up != emu::no_node; up = p->at(up).parent())
            ++depth;
        REQUIRE(depth == 6); // dsp usp dsp usp rp hb
    }

    REQUIRE(emu::generated_topology({.host_bridges = 3, .window_ways = 2}).error() ==
            emu::errc::invalid_device_spec);
}
