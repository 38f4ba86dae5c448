// The DOT view: well-formed (braces balance outside strings, every node an edge names is
// declared, every record port an edge names exists), what the topology holds is drawn, and
// deferred, degraded and unattached devices are marked.
#include "support.hpp"

#include <cxlfw/report/dot.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <regex>
#include <set>

using namespace cxlfw;
using namespace cxlfw::report::test_support;
namespace core = cxlfw::core;

namespace {

struct parsed_dot {
    std::map<std::string, std::string> nodes; ///< id -> attribute text
    struct edge_ref {
        std::string from, from_port, to, to_port, attrs;
    };
    std::vector<edge_ref> edges;
    int depth_left = 0; ///< brace depth at the end (0 when balanced)
    bool went_negative = false;
};

/// Braces outside quoted strings, and the node and edge statements (one per line).
parsed_dot parse(std::string const& dot) {
    parsed_dot out;
    bool in_string = false;
    for (std::size_t i = 0; i < dot.size(); ++i) {
        char const c = dot[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        if (c == '{') ++out.depth_left;
        if (c == '}' && --out.depth_left < 0) out.went_negative = true;
    }
    static std::regex const node_re{R"re(^\s+"((?:[^"\\]|\\.)*)" \[(.*)\];$)re"};
    static std::regex const edge_re{
        R"re(^\s+"((?:[^"\\]|\\.)*)"(?::(\w+))? -> "((?:[^"\\]|\\.)*)"(?::(\w+))?(?: \[(.*)\])?;$)re"};
    for (auto const& line : split_lines(dot)) {
        std::smatch m;
        if (std::regex_match(line, m, edge_re))
            out.edges.push_back({m[1], m[2], m[3], m[4], m[5]});
        else if (std::regex_match(line, m, node_re))
            out.nodes.emplace(m[1], m[2]);
    }
    return out;
}

void check_well_formed(std::string const& dot, bool with_edges = true) {
    REQUIRE(dot.rfind("digraph cxl {\n", 0) == 0);
    REQUIRE(dot.size() >= 2);
    REQUIRE(dot.substr(dot.size() - 2) == "}\n");
    auto const p = parse(dot);
    REQUIRE_FALSE(p.went_negative);
    REQUIRE(p.depth_left == 0);
    REQUIRE(p.edges.empty() != with_edges);
    for (auto const& e : p.edges) {
        INFO(e.from << " -> " << e.to);
        REQUIRE(p.nodes.contains(e.from));
        REQUIRE(p.nodes.contains(e.to));
        // A record port named by an edge is a field of that record.
        if (!e.from_port.empty())
            REQUIRE(p.nodes.at(e.from).find("<" + e.from_port + ">") != std::string::npos);
        if (!e.to_port.empty())
            REQUIRE(p.nodes.at(e.to).find("<" + e.to_port + ">") != std::string::npos);
    }
}

} // namespace

TEST_CASE("dot: both topologies are well formed and draw every port, memdev and region",
          "[report][dot]") {
    for (auto wh : {which::cxl_test, which::qemu}) {
        bed b{topology_of(wh)};
        auto const plan = plan_of(wh, b);
        auto const& r = commit(b, plan);
        auto const dot = report::dot(b.host());
        check_well_formed(dot);
        auto const p = parse(dot);
        for (auto* port : b.cxl().ports()) {
            INFO(port->name());
            REQUIRE(p.nodes.contains(port->name()));
            if (port->parent_port()) { // the tree edge through the dport
                bool found = false;
                for (auto const& e : p.edges)
                    if (e.from == port->parent_port()->name() && e.to == port->name())
                        found = e.attrs.find(port->parent_dport()->dev) != std::string::npos;
                REQUIRE(found);
            }
        }
        for (auto* m : b.cxl().memdevs())
            REQUIRE(p.nodes.contains(m->name()));
        // The region hangs off its root decoder's field and points at each endpoint decoder.
        REQUIRE(p.nodes.contains(r.name()));
        std::set<std::string> targets;
        bool from_root = false;
        for (auto const& e : p.edges) {
            if (e.to == r.name() && e.from == "root0" && e.from_port == "d1") from_root = true;
            if (e.from == r.name()) targets.insert(e.to + ":" + e.to_port);
        }
        REQUIRE(from_root);
        std::set<std::string> expected;
        for (auto const& pci : plan.pci) {
            auto* md = b.memdev_of(pci);
            for (auto* t : r.targets()) // its decoder in the region (cxl_test: not decoder 0
                if (t && &t->owner() == md->endpoint()) // of mem0, firmware's region has it)
                    expected.insert(md->endpoint()->name() + ":d" + std::to_string(t->id()));
        }
        REQUIRE(expected.size() == plan.pci.size());
        REQUIRE(targets == expected);
        // Six (cxl_test) or two (QEMU) windows, each a field of root0.
        auto const windows = b.cxl().root()->decoders().size();
        for (std::size_t i = 0; i < windows; ++i)
            REQUIRE(p.nodes.at("root0").find("<d" + std::to_string(i) + ">") != std::string::npos);
    }
}

TEST_CASE("dot: a deferred device, a degraded one, a device without a driver and an "
          "unattached memdev are marked",
          "[report][dot]") {
    // cxl_test without cxl_acpi: no root, so every memdev stays unattached; the Type-2
    // accelerator's driver defers; one Type-3 function is noted degraded.
    rig r{bare_cxl_test()};
    auto& ph = *r.ph;
    REQUIRE(ph.register_drivers(rootless_drivers));
    std::string accel_name;
    std::uint16_t vendor = 0, device = 0;
    for (auto id : ph.platform().endpoints()) {
        auto& n = ph.platform().at(id);
        if (n.type() != emu::device_type::type2) continue;
        accel_name = n.name();
        auto ident = base::read_pci_ident(hw::bus_ref{n.config()}).value();
        vendor = ident.vendor;
        device = ident.device;
    }
    REQUIRE_FALSE(accel_name.empty());
    REQUIRE(ph.host().register_driver(
        std::make_unique<deferring_driver>(std::vector<base::pci_id>{{vendor, device}})));
    REQUIRE(ph.host().settle());
    REQUIRE(ph.host().find_device(accel_name)->state() == base::device_state::deferred);

    report::device_notes notes;
    core::memdev* noted = ph.cxl().memdevs().front();
    std::string const noted_pci = noted->parent()->name();
    notes.set(noted_pci, {"pcie-only", "root_absent: no CXL root"});

    auto const dot = report::dot(ph.host(), notes.source(), {.legend = true});
    check_well_formed(dot, false); // without a root no port exists to hang anything from
    auto const p = parse(dot);
    // The deferred accelerator: a PCIe-only node, dashed orange, naming its key.
    auto const& a = p.nodes.at("pci " + accel_name);
    REQUIRE(a.find("darkorange") != std::string::npos);
    REQUIRE(a.find("deferred on event:test:never") != std::string::npos);
    // The degraded function's memdev: filled yellow with the note.
    auto const& d = p.nodes.at(noted->name());
    REQUIRE(d.find("lightyellow") != std::string::npos);
    REQUIRE(d.find("degraded: pcie-only: root_absent: no CXL root") != std::string::npos);
    // Every memdev says it is not attached, and why (cxl_mem's fact).
    for (auto* m : ph.cxl().memdevs()) {
        auto const& n = p.nodes.at(m->name());
        REQUIRE(n.find("not attached") != std::string::npos);
        REQUIRE(n.find("root") != std::string::npos);
    }
    REQUIRE(p.nodes.contains("legend deferred"));
    REQUIRE(p.nodes.contains("legend degraded"));
}

TEST_CASE("dot: a PCIe-only device hangs off the host bridge above its root port",
          "[report][dot]") {
    bed b{bare_cxl_test()};
    std::string accel;
    for (auto id : b.p->endpoints())
        if (b.p->at(id).type() == emu::device_type::type2) accel = b.p->at(id).name();
    REQUIRE_FALSE(accel.empty());
    auto const p = parse(report::dot(b.host()));
    auto const& n = p.nodes.at("pci " + accel);
    REQUIRE(n.find("no driver") != std::string::npos);
    // Its slot is a root port that no memdev enumerated (not a dport): the edge comes from the
    // port of the host bridge above, labelled with the slot.
    auto& node = b.node(accel);
    auto& slot = b.p->at(node.parent());
    auto& hb = b.p->at(slot.parent());
    auto* hb_port = b.cxl().port_by_uport(hb.name());
    REQUIRE(hb_port);
    bool found = false;
    for (auto const& e : p.edges)
        if (e.to == "pci " + accel)
            found = e.from == hb_port->name() && e.attrs.find(slot.name()) != std::string::npos;
    REQUIRE(found);
}

TEST_CASE("dot golden outputs on cxl_test and QEMU q35", "[report][dot][golden]") {
    for (auto wh : {which::cxl_test, which::qemu}) {
        bed b{topology_of(wh)};
        commit(b, plan_of(wh, b));
        check_golden(std::string{wh == which::cxl_test ? "cxl_test" : "qemu"} + ".dot",
                     report::dot(b.host()));
    }
}
