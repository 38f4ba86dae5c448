// `cxl list` on the reference topologies: every flag and the combinations ndctl nests, with
// values checked against the topology (the CEDT, the emulated nodes, the region the test
// committed), not against the output itself.
#include "support.hpp"

#include <cxlfw/report/cxl_list.hpp>
#include <cxlfw/spec/cedt.hpp>
#include <cxlfw/spec/mailbox.hpp>

#include <catch2/catch.hpp>

#include <set>

using namespace cxlfw;
using namespace cxlfw::report::test_support;
namespace core = cxlfw::core;
namespace w = cxlfw::spec::cfmws_restrict;

namespace {

/// The Type-3 functions of the platform, by name, with their serials.
std::map<std::string, std::uint64_t> type3_devices(bed& b) {
    std::map<std::string, std::uint64_t> out;
    for (auto id : b.p->endpoints()) {
        auto& n = b.p->at(id);
        if (n.type() == emu::device_type::type3) out.emplace(std::string{n.name()}, n.serial());
    }
    return out;
}

/// Root decoders as the CEDT describes them, against a listing's decoder objects.
void check_root_decoders(bed& b, json const& decoders, core::region const* region) {
    auto table = spec::parse_cedt(b.p->cedt()).value();
    REQUIRE(decoders.size() == table.cfmws_list.size());
    for (std::size_t i = 0; i < table.cfmws_list.size(); ++i) {
        auto const& win = table.cfmws_list[i];
        auto const& d = decoders[i];
        INFO(d.dump());
        REQUIRE(d.at("decoder") == "decoder0." + std::to_string(i));
        REQUIRE(d.at("resource") == win.base_hpa);
        REQUIRE(d.at("size") == win.window_size);
        REQUIRE(d.at("interleave_ways") == win.ways());
        if (win.ways() > 1)
            REQUIRE(d.at("interleave_granularity") == win.granularity());
        else
            REQUIRE_FALSE(d.contains("interleave_granularity"));
        REQUIRE(d.value("volatile_capable", false) ==
                bool(win.restrictions & w::volatile_ && win.restrictions & w::type3));
        REQUIRE(d.value("pmem_capable", false) ==
                bool(win.restrictions & w::pmem && win.restrictions & w::type3));
        REQUIRE(d.value("accelmem_capable", false) == bool(win.restrictions & w::type2));
        REQUIRE(d.at("qos_class") == win.qtg_id);
        REQUIRE(d.at("nr_targets") == win.ways());
        // A window's free space is what the committed region left.
        std::uint64_t used = region && region->root().id() == i ? region->size() : 0;
        REQUIRE(d.at("max_available_extent") == win.window_size - used);
        REQUIRE_FALSE(d.contains("state"));
        if (d.contains("targets")) {
            auto const& t = d.at("targets");
            REQUIRE(t.size() == win.ways());
            for (unsigned pos = 0; pos < win.ways(); ++pos) {
                REQUIRE(t[pos].at("position") == pos);
                REQUIRE(t[pos].at("id") == win.targets[pos]);
                REQUIRE(t[pos].at("target") == b.p->host_bridge(win.targets[pos])->name());
            }
        }
    }
}

/// Decoder objects anywhere in a listing (region mappings name a decoder too: skip them).
std::vector<json> decoders_in(json const& j) {
    std::vector<json> out;
    for (auto& d : all(j, "decoder"))
        if (d.contains("interleave_ways")) out.push_back(d);
    return out;
}

} // namespace

TEST_CASE("cxl list: no flags lists memdevs and regions, as ndctl does", "[report][list]") {
    bed b{bare_cxl_test()};
    auto const& r = commit(b, cxl_test_plan(b));
    auto top = list(b, "");
    REQUIRE(top.size() == 2);
    auto const& mems = container(top, "memdevs");
    auto const& regions = container(top, "regions");
    REQUIRE(mems.size() == type3_devices(b).size());
    REQUIRE(regions.size() == 1);
    REQUIRE(regions[0].at("region") == r.name());
    REQUIRE_FALSE(regions[0].contains("mappings")); // no -T
    // The default is exactly -RM.
    REQUIRE(report::list_text(report::cxl_list(b.cxl(), {})) ==
            report::list_text(report::cxl_list(b.cxl(), flags("RM"))));
}

TEST_CASE("cxl list -M on cxl_test: the 10 VH memdevs and the RCD, 1 GiB RAM + 1 GiB PMEM each, "
          "with the devices' serials and hosts",
          "[report][list]") {
    bed b{bare_cxl_test()};
    auto mems = list(b, "M");
    auto const devices = type3_devices(b);
    REQUIRE(devices.size() == 11); // 10 below switches + the RCD below the RCH
    REQUIRE(mems.size() == devices.size());
    std::set<std::string> hosts;
    unsigned prev = 0;
    for (std::size_t i = 0; i < mems.size(); ++i) {
        auto const& m = mems[i];
        INFO(m.dump());
        std::string const name = m.at("memdev");
        REQUIRE(name.rfind("mem", 0) == 0);
        unsigned const id = std::stoul(name.substr(3));
        if (i) REQUIRE(id > prev); // ids ascending
        prev = id;
        REQUIRE(m.at("ram_size") == 1_GiB);
        REQUIRE(m.at("pmem_size") == 1_GiB);
        std::string const host = m.at("host");
        REQUIRE(devices.contains(host));
        REQUIRE(m.at("serial") == devices.at(host));
        REQUIRE(m.at("firmware_version") == "cxlfw-emu 1.0");
        REQUIRE_FALSE(m.contains("numa_node"));
        REQUIRE_FALSE(m.contains("state"));
        REQUIRE_FALSE(m.contains("health"));
        hosts.insert(host);
    }
    REQUIRE(hosts.size() == devices.size());
}

TEST_CASE("cxl list -M on QEMU q35: four 256 MiB PMEM devices, no ram_size", "[report][list]") {
    bed b{emu::qemu_q35_topology()};
    auto mems = list(b, "M");
    auto const devices = type3_devices(b);
    REQUIRE(mems.size() == 4);
    for (auto const& m : mems) {
        REQUIRE(m.at("pmem_size") == 256_MiB);
        REQUIRE_FALSE(m.contains("ram_size")); // ndctl prints only sizes that are not zero
        REQUIRE(m.at("serial") == devices.at(m.at("host")));
    }
}

TEST_CASE("cxl list -B and -BT: root0 from ACPI0017, its host bridges as dports by _UID",
          "[report][list]") {
    for (auto w : {which::cxl_test, which::qemu}) {
        bed b{topology_of(w)};
        auto buses = list(b, "B");
        REQUIRE(buses.size() == 1);
        REQUIRE(buses[0].at("bus") == "root0");
        REQUIRE(buses[0].at("provider") == "ACPI.CXL");
        REQUIRE_FALSE(buses[0].contains("dports")); // only with -T

        auto bt = list(b, "BT")[0];
        auto hbs = b.p->host_bridges();
        REQUIRE(bt.at("nr_dports") == hbs.size());
        auto const& dports = bt.at("dports");
        REQUIRE(dports.size() == hbs.size());
        std::uint32_t prev = 0;
        for (std::size_t i = 0; i < dports.size(); ++i) {
            std::uint32_t const uid = dports[i].at("id");
            if (i) REQUIRE(uid > prev);
            prev = uid;
            REQUIRE(dports[i].at("dport") == b.p->host_bridge(uid)->name());
            REQUIRE_FALSE(dports[i].contains("alias"));
        }
    }
}

TEST_CASE("cxl list: the exact text of a bus object is json-c's, as ndctl prints it",
          "[report][list]") {
    bed b{emu::qemu_q35_topology()};
    // ndctl on QEMU q35 (docs/report.md cites the listing): no space after ':', two spaces
    // a level, an array even for one object.
    REQUIRE(report::list_text(report::cxl_list(b.cxl(), flags("B"))) ==
            "[\n  {\n    \"bus\":\"root0\",\n    \"provider\":\"ACPI.CXL\"\n  }\n]\n");
}

TEST_CASE("cxl list -D on cxl_test: six root decoders with the CEDT windows' sizes and "
          "restrictions, then the committed switch and endpoint decoders",
          "[report][list]") {
    bed b{bare_cxl_test()};
    auto const& r = commit(b, cxl_test_plan(b));
    auto top = list(b, "DT");
    check_root_decoders(b, container(top, "root decoders"), &r);
    // Port decoders: one committed decoder on each port of the region's two paths (host
    // bridge and switch), nothing idle without -i.
    auto const& port_decoders = container(top, "port decoders");
    REQUIRE(port_decoders.size() == 4);
    for (auto const& d : port_decoders) {
        INFO(d.dump());
        REQUIRE(d.at("region") == r.name());
        REQUIRE(d.at("resource") == r.base());
        REQUIRE(d.at("size") == r.size());
        REQUIRE(d.at("nr_targets") == 1); // each port sends its half to one dport
        REQUIRE(d.at("targets").size() == 1);
    }
    auto const& ep_decoders = container(top, "endpoint decoders");
    REQUIRE(ep_decoders.size() == 2);
    auto const plan = cxl_test_plan(b);
    for (unsigned pos = 0; pos < 2; ++pos) {
        auto* md = b.memdev_of(plan.pci[pos]);
        auto const& d =
            by(ep_decoders, "decoder", "decoder" + std::to_string(md->endpoint()->id()) + ".0");
        REQUIRE(d.at("interleave_ways") == 2);
        REQUIRE(d.at("interleave_granularity") == 4096);
        REQUIRE(d.at("dpa_resource") == 0); // RAM is the first partition
        REQUIRE(d.at("dpa_size") == 512_MiB);
        REQUIRE(d.at("mode") == "ram");
        REQUIRE(d.at("region") == r.name());
        REQUIRE_FALSE(d.contains("nr_targets")); // endpoints are targets
    }
}

TEST_CASE("cxl list -D on QEMU q35: the two windows of CEDT.cxl", "[report][list]") {
    bed b{emu::qemu_q35_topology()};
    auto decoders = list(b, "DT");
    check_root_decoders(b, decoders, nullptr); // nothing committed: roots only
    REQUIRE(decoders[1].at("targets")[0].at("target") == "pci0000:0c");
    REQUIRE(decoders[1].at("targets")[1].at("target") == "pci0000:de");
}

TEST_CASE("cxl list -R and -RT: the region's ways, granularity, size and mappings by position",
          "[report][list]") {
    for (auto wh : {which::cxl_test, which::qemu}) {
        bed b{wh == which::cxl_test ? bare_cxl_test() : topology_of(wh)};
        auto const plan = plan_of(wh, b);
        auto const& r = commit(b, plan);
        auto regions = list(b, "RT");
        REQUIRE(regions.size() == 1);
        auto const& j = regions[0];
        INFO(j.dump());
        REQUIRE(j.at("region") == "region0");
        REQUIRE(j.at("size") == plan.size);
        REQUIRE(j.at("type") == (plan.mode == core::partition_mode::ram ? "ram" : "pmem"));
        REQUIRE(j.at("interleave_ways") == plan.ways);
        REQUIRE(j.at("interleave_granularity") == plan.granularity);
        REQUIRE(j.at("decode_state") == "commit");
        REQUIRE_FALSE(j.contains("state"));
        // The HPA lies in the window, aligned to 256 MiB x ways (CXL rule).
        auto const* root = b.cxl().find_decoder(plan.root_decoder);
        std::uint64_t const hpa = j.at("resource");
        REQUIRE(hpa >= root->base);
        REQUIRE(hpa + plan.size <= root->base + root->size);
        REQUIRE(hpa % (256_MiB * plan.ways) == 0);
        REQUIRE(hpa == r.base());
        auto const& maps = j.at("mappings");
        REQUIRE(maps.size() == plan.ways);
        for (unsigned pos = 0; pos < plan.ways; ++pos) {
            auto* md = b.memdev_of(plan.pci[pos]);
            REQUIRE(maps[pos].at("position") == pos);
            REQUIRE(maps[pos].at("memdev") == md->name());
            REQUIRE(maps[pos].at("decoder") ==
                    "decoder" + std::to_string(md->endpoint()->id()) + ".0");
        }
        REQUIRE_FALSE(list(b, "R")[0].contains("mappings"));
    }
}

TEST_CASE("cxl list -E: endpoints with their memdev host, parent dport and depth",
          "[report][list]") {
    SECTION("cxl_test: VH endpoints at depth 3 below switch dports, the RCD at depth 1") {
        bed b{bare_cxl_test()};
        auto eps = list(b, "E");
        REQUIRE(eps.size() == 11);
        for (auto const& e : eps) {
            INFO(e.dump());
            auto* md = b.cxl().find_memdev(e.at("host").get<std::string>());
            REQUIRE(md);
            auto& fn = b.node(md->parent()->name());
            auto& slot = b.p->at(fn.parent()); // what the function sits below
            REQUIRE(e.at("parent_dport") == slot.name());
            if (fn.kind() == emu::node_kind::rcd) {
                REQUIRE(slot.kind() == emu::node_kind::host_bridge);
                REQUIRE(e.at("depth") == 1);
            } else {
                REQUIRE(slot.kind() == emu::node_kind::downstream_port);
                REQUIRE(e.at("depth") == 3);
            }
            REQUIRE(e.at("decoders_committed") == 0);
            REQUIRE_FALSE(e.contains("memdev")); // no -M
        }
    }
    SECTION("QEMU q35: endpoints at depth 2 below root ports") {
        bed b{emu::qemu_q35_topology()};
        auto eps = list(b, "E");
        REQUIRE(eps.size() == 4);
        for (auto const& e : eps) {
            auto* md = b.cxl().find_memdev(e.at("host").get<std::string>());
            auto& slot = b.p->at(b.node(md->parent()->name()).parent());
            REQUIRE(slot.kind() == emu::node_kind::root_port);
            REQUIRE(e.at("parent_dport") == slot.name());
            REQUIRE(e.at("depth") == 2);
        }
    }
}

TEST_CASE("cxl list -P and -PT: host bridges at depth 1, switches at depth 2 with their "
          "downstream ports",
          "[report][list]") {
    bed b{bare_cxl_test()};
    // No -B: the host bridges are the top level, each switch nests in its host bridge.
    auto hb_ports = list(b, "PT");
    std::vector<json> switch_ports;
    for (auto const& hb : hb_ports) {
        INFO(hb.dump());
        REQUIRE(b.node(hb.at("host").get<std::string>()).kind() == emu::node_kind::host_bridge);
        REQUIRE(hb.at("depth") == 1);
        std::string const key = "ports:" + hb.at("port").get<std::string>();
        if (hb.contains(key))
            for (auto const& sw : hb.at(key))
                switch_ports.push_back(sw);
    }
    REQUIRE(hb_ports.size() == 3);
    unsigned switches = 0;
    for (auto const& p : switch_ports) {
        INFO(p.dump());
        auto& n = b.node(p.at("host").get<std::string>());
        ++switches;
        REQUIRE(n.kind() == emu::node_kind::upstream_port);
        REQUIRE(p.at("depth") == 2);
        // A switch's dports are its downstream ports, ids their PCIe Port Numbers.
        std::vector<std::string> expected;
        for (auto c : n.children())
            if (b.p->at(c).kind() == emu::node_kind::downstream_port)
                expected.emplace_back(b.p->at(c).name());
        REQUIRE(p.at("nr_dports") == expected.size());
        for (auto const& d : p.at("dports")) {
            auto& dn = b.node(d.at("dport").get<std::string>());
            REQUIRE(dn.parent() == n.id());
            REQUIRE(d.at("id") == dn.port_number());
        }
    }
    REQUIRE(switches == 5);
}

TEST_CASE("cxl list nests what ndctl nests: -BP, -PE, -EM, -ED, -BR, -DR, -PM", "[report][list]") {
    bed b{bare_cxl_test()};
    auto const& r = commit(b, cxl_test_plan(b));

    SECTION("-BP: host bridges under ports:root0, switches under ports:<host bridge>") {
        auto top = list(b, "BP");
        REQUIRE(top.size() == 1);
        auto const& hbs = top[0].at("ports:root0");
        REQUIRE(hbs.size() == 3);
        unsigned switches = 0;
        for (auto const& hb : hbs) {
            REQUIRE(hb.at("depth") == 1);
            std::string const key = "ports:" + hb.at("port").get<std::string>();
            REQUIRE(hb.contains(key));
            for (auto const& sw : hb.at(key)) {
                REQUIRE(sw.at("depth") == 2);
                ++switches;
            }
        }
        REQUIRE(switches == 5);
    }
    SECTION("-PE: VH endpoints under their switch, the RCD endpoint at the top") {
        auto top = list(b, "PE");
        auto const& ports = container(top, "ports");
        auto const& eps = container(top, "endpoints"); // the RCD's parent is root0: no -B
        REQUIRE(eps.size() == 1);
        REQUIRE(eps[0].at("depth") == 1);
        unsigned nested = 0;
        for (auto const& p : all(ports, "port")) // host bridges, and switches inside them
            for (auto const& [k, v] : p.items())
                if (k.rfind("endpoints:", 0) == 0) nested += static_cast<unsigned>(v.size());
        REQUIRE(nested == 10);
    }
    SECTION("-EM: each endpoint embeds its memdev") {
        auto eps = list(b, "EM");
        REQUIRE(eps.size() == 11);
        for (auto const& e : eps)
            REQUIRE(e.at("memdev").at("memdev") == e.at("host"));
    }
    SECTION("-ED: endpoint decoders under decoders:endpointN") {
        auto top = list(b, "ED");
        auto const& eps = container(top, "endpoints");
        unsigned with = 0;
        for (auto const& e : eps) {
            std::string const key = "decoders:" + e.at("endpoint").get<std::string>();
            if (!e.contains(key)) continue;
            ++with;
            REQUIRE(e.at(key)[0].at("region") == r.name());
        }
        REQUIRE(with == 2);
        REQUIRE(container(top, "root decoders").size() == 6);
        REQUIRE(container(top, "port decoders").size() == 4);
    }
    SECTION("-BR: the region under regions:root0; -DR: under regions:decoder0.1") {
        auto br = list(b, "BR");
        REQUIRE(br.size() == 1);
        REQUIRE(br[0].at("regions:root0")[0].at("region") == r.name());
        auto dr = list(b, "DR");
        auto const& roots = container(dr, "root decoders");
        REQUIRE(by(roots, "decoder", "decoder0.1").at("regions:decoder0.1")[0].at("region") ==
                r.name());
        for (auto const& top : dr)
            REQUIRE_FALSE(top.contains("regions"));
    }
    SECTION("-PM: memdevs under memdevs:<switch>") {
        auto top = list(b, "PM");
        auto const& ports = container(top, "ports");
        unsigned nested = 0;
        for (auto const& p : all(ports, "port"))
            for (auto const& [k, v] : p.items())
                if (k.rfind("memdevs:", 0) == 0) nested += static_cast<unsigned>(v.size());
        REQUIRE(nested == 10);
        REQUIRE(container(top, "memdevs").size() == 1); // the RCD's, below root0
    }
}

TEST_CASE("cxl list -v is -BPEMDRT in one tree; -vv adds idle decoders as disabled",
          "[report][list]") {
    bed b{emu::qemu_q35_topology()};
    auto const& r = commit(b, qemu_plan(b));
    auto v = list(b, "v");
    REQUIRE(v.size() == 1);
    REQUIRE(v == list(b, "BPEMDRT"));
    auto const& bus = v[0];
    REQUIRE(bus.at("nr_dports") == 2);
    REQUIRE(bus.at("decoders:root0").size() == 2);
    REQUIRE(by(bus.at("decoders:root0"), "decoder", "decoder0.1")
                .at("regions:decoder0.1")[0]
                .at("mappings")
                .size() == 2);
    auto const eps = all(v, "endpoint");
    REQUIRE(eps.size() == 4);
    for (auto const& e : eps)
        REQUIRE(e.contains("memdev"));
    // Only what decodes is listed without -i: two endpoint decoders, two host-bridge ones.
    REQUIRE(decoders_in(v).size() == 2 + 2 + 2);

    auto vv = list(b, "vv");
    auto const decoders = decoders_in(vv);
    std::size_t expected = 0;
    for (auto* p : b.cxl().ports())
        expected += p->decoders().size();
    REQUIRE(decoders.size() == expected);
    std::size_t disabled = 0;
    for (auto const& d : decoders)
        if (d.value("state", "") == "disabled") {
            ++disabled;
            REQUIRE_FALSE(d.contains("size"));
        }
    REQUIRE(disabled == expected - 6);
    REQUIRE(r.state() == core::region_state::committed);
}

TEST_CASE("cxl list -i lists disabled objects: an unattached memdev as an anon memdev",
          "[report][list]") {
    // Without cxl_acpi there is no root: cxl_pci binds, cxl_mem fails (root_absent).
    rig r{emu::qemu_q35_topology()};
    auto& ph = *r.ph;
    REQUIRE(ph.register_drivers(rootless_drivers));
    REQUIRE(ph.host().settle());
    REQUIRE(report::cxl_list(ph.cxl(), flags("M")).empty());
    auto anon = json::parse(report::list_text(report::cxl_list(ph.cxl(), flags("Mi"))));
    REQUIRE(anon.size() == 4);
    for (auto const& m : anon)
        REQUIRE(m.at("state") == "disabled");
    // A host without a CXL core lists nothing.
    base::host bare;
    REQUIRE(report::cxl_list(bare, flags("v")) == json::array());
}

TEST_CASE("cxl list -I: partition_info only when the core keeps the mailbox records",
          "[report][list]") {
    bed b{emu::qemu_q35_topology()};
    auto mems = list(b, "MI");
    constexpr bool kept = report::detail::keeps_mailbox_records_v<core::memdev_desc>;
    for (auto const& m : mems) {
        REQUIRE(m.contains("partition_info") == kept);
        if constexpr (kept) REQUIRE(m.at("partition_info").at("total_size") == 256_MiB);
    }
    REQUIRE(list(b, "Mvvv") == list(b, "BPEMDRTiIH"));
}

TEST_CASE("partition_info from kept Identify and Get Partition Info records, as ndctl's "
          "util_cxl_memdev_partition_to_json",
          "[report][list]") {
    // The shape memdev_desc takes once it keeps the records (docs/report.md).
    struct desc {
        std::optional<spec::mbox::identify> identify;
        std::optional<spec::mbox::partition_info> partition;
    };
    STATIC_REQUIRE(report::detail::keeps_mailbox_records_v<desc>);
    desc d;
    REQUIRE_FALSE(report::detail::partition_info(d)); // nothing read: nothing printed
    d.identify.emplace();
    d.identify->total_capacity = 8; // 256 MiB units
    d.identify->volatile_capacity = 2;
    d.identify->persistent_capacity = 2;
    d.identify->partition_align = 1;
    d.partition = spec::mbox::partition_info{
        .active_volatile = 3, .active_persistent = 5, .next_volatile = 4, .next_persistent = 4};
    auto p = report::detail::partition_info(d).value();
    REQUIRE(p.at("total_size") == 2_GiB);
    REQUIRE(p.at("volatile_only_size") == 512_MiB);
    REQUIRE(p.at("persistent_only_size") == 512_MiB);
    REQUIRE(p.at("partition_alignment_size") == 256_MiB);
    REQUIRE(p.at("active_volatile_size") == 768_MiB);
    REQUIRE(p.at("active_persistent_size") == 1280_MiB);
    REQUIRE(p.at("next_volatile_size") == 1_GiB);
    REQUIRE(p.at("next_persistent_size") == 1_GiB);
    // Not partitionable (alignment 0): Identify's fixed sizes only.
    d.identify->partition_align = 0;
    REQUIRE_FALSE(report::detail::partition_info(d).value().contains("active_volatile_size"));
}

TEST_CASE("list_text escapes as json-c does and parses back", "[report][list]") {
    json j = json::array(
        {json{{"a", "x/y\"z"}, {"n", 18446744073709551615ull}, {"t", true}}, json::array()});
    auto text = report::list_text(j);
    REQUIRE(text.find(R"("a":"x\/y\"z")") != std::string::npos);
    REQUIRE(text.find(R"("n":18446744073709551615)") != std::string::npos);
    REQUIRE(json::parse(text) == j);
}

TEST_CASE("cxl list golden outputs on cxl_test and QEMU q35", "[report][list][golden]") {
    for (auto wh : {which::cxl_test, which::qemu}) {
        bed b{topology_of(wh)};
        commit(b, plan_of(wh, b));
        std::string const prefix = wh == which::cxl_test ? "cxl_test" : "qemu";
        for (std::string const f : {"", "B", "BT", "PT", "E", "M", "DT", "RT", "BPEMDRT", "vv"}) {
            INFO("cxl list -" << f);
            auto const text = report::list_text(report::cxl_list(b.cxl(), flags(f)));
            REQUIRE_NOTHROW(json::parse(text));
            check_golden(prefix + "-list" + (f.empty() ? "" : "-" + f) + ".json", text);
        }
    }
}

TEST_CASE("cxl list -R on cxl_test as it boots: the region firmware committed", "[report][list]") {
    // Linux: `modprobe cxl_test; cxl list -R` shows mock_init_hdm_decoder()'s region.
    bed b{emu::cxl_test_topology()};
    auto regions = list(b, "RT");
    REQUIRE(regions.size() == 1);
    auto const& j = regions[0];
    INFO(j.dump());
    REQUIRE(j.at("region") == "region0");
    REQUIRE(j.at("size") == 512_MiB);
    REQUIRE(j.at("type") == "ram");
    REQUIRE(j.at("interleave_ways") == 2);
    REQUIRE(j.at("interleave_granularity") == 4096);
    REQUIRE(j.at("decode_state") == "commit");
    REQUIRE(j.at("mappings").size() == 2);
}
