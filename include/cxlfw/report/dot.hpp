// The settled CXL topology as a Graphviz digraph (`dot -Tsvg`), left to right:
//
//   root0 ──pci0000:00──> port1 ──0000:00:00.0──> port2 ──0000:02:00.0──> endpoint3 ─ ─ mem0
//     :d1 ═══════════════════════════> region0 ══pos 0══> endpoint3:d0
//
// | node      | shape                 | label                                              |
// |-----------|-----------------------|----------------------------------------------------|
// | root0     | record                | root0, its uport, then a field per root decoder    |
// | portN     | record                | port, kind, uport, driver state, active decoders   |
// | endpointN | record                | endpoint, memdev, driver state, active decoders    |
// | memN      | box                   | memdev, PCI function and ids, sizes, serial, state |
// | regionN   | box, rounded          | region, type, HPA, ways and granularity, state     |
// | PCI       | box                   | a non-bridge PCI function without a memdev         |
//
// Edges: port tree edges carry the dport (device name and id); an endpoint's memdev hangs off
// it (dashed); a memdev not attached and a PCI function without CXL hang (dotted) off the
// nearest port above them, labelled with the slot they sit in. A root decoder field points to
// its regions (bold blue); a region points to each endpoint decoder field by position.
//
// Marks (the legend in docs/report.md): deferred = dashed orange, "deferred on <key>";
// degraded (a bound device with a note) = filled light yellow, "degraded: <mode>: <reason>";
// failed = red, "failed: <error>"; no driver = grey; a port or memdev not bound = dashed red.
// A link known down at a dport makes its edge red and dashed.
//
// The output is a function of the topology only: objects by id, devices by name, one
// statement per line, no addresses of objects, no times.
#pragma once

#include <cxlfw/base/host.hpp>
#include <cxlfw/base/pci.hpp>
#include <cxlfw/core/bus.hpp>
#include <cxlfw/core/objects.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/report/notes.hpp>
#include <cxlfw/report/summary.hpp>
#include <cxlfw/spec/cedt.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cxlfw::report {

struct dot_options {
    bool idle_decoders = false; ///< one field per decoder, not only the active ones
    bool legend = false;        ///< a legend cluster with one sample node per mark
};

namespace detail {

/// Escape text for a record field: the record syntax characters and the quote.
inline std::string record_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '{' || c == '}' || c == '|' || c == '<' || c == '>' || c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out;
}

/// Escape text for a quoted DOT string.
inline std::string quote_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

/// Lines joined by DOT's centred line break.
inline std::string lines(std::vector<std::string> const& ls, bool record) {
    std::string out;
    for (auto const& l : ls)
        out += (out.empty() ? "" : "\\n") + (record ? record_escape(l) : quote_escape(l));
    return out;
}

inline std::string human_size(std::uint64_t v) {
    constexpr std::uint64_t k = 1024;
    if (v && v % (k * k * k * k) == 0) return std::to_string(v / (k * k * k * k)) + " TiB";
    if (v && v % (k * k * k) == 0) return std::to_string(v / (k * k * k)) + " GiB";
    if (v && v % (k * k) == 0) return std::to_string(v / (k * k)) + " MiB";
    if (v && v % k == 0) return std::to_string(v / k) + " KiB";
    return std::to_string(v) + " B";
}

inline std::string hexval(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

inline bool active(core::decoder const& d) {
    return d.size || d.enabled || d.region || (d.dpa && d.dpa->size);
}

inline std::string decoder_line(core::decoder const& d) {
    namespace w = spec::cfmws_restrict;
    std::string s = d.name();
    if (d.kind() == core::decoder_kind::root) {
        s += "  " + hexval(d.base) + " +" + human_size(d.size) + "  x" + std::to_string(d.ways);
        if (d.ways > 1) s += "/" + std::to_string(d.granularity);
        std::string caps;
        auto add = [&](std::uint16_t bit, char const* n) {
            if (d.restrictions & bit) caps += std::string{caps.empty() ? "" : ","} + n;
        };
        add(w::type2, "type2");
        add(w::type3, "type3");
        add(w::volatile_, "ram");
        add(w::pmem, "pmem");
        s += "  " + (caps.empty() ? std::string{"none"} : caps);
        if (d.arithmetic == spec::interleave_arithmetic::xormap) s += " xor";
        return s;
    }
    if (d.kind() == core::decoder_kind::endpoint && d.dpa && d.dpa->size)
        s += "  " + std::string{to_string(d.mode)} + " DPA " + hexval(d.dpa->base) + " +" +
             human_size(d.dpa->size);
    if (d.size) {
        s += "  " + hexval(d.base) + " +" + human_size(d.size) + "  x" + std::to_string(d.ways);
        if (d.ways > 1) s += "/" + std::to_string(d.granularity);
    }
    if (d.region) {
        s += "  " + d.region->name();
        if (d.kind() == core::decoder_kind::endpoint && d.pos >= 0)
            s += " #" + std::to_string(d.pos);
    }
    s += d.enabled ? "  committed" : (d.passthrough ? "  passthrough" : "");
    return s;
}

/// A device's mark: colour and style attributes plus the label line that names it.
struct mark {
    std::string attrs;
    std::string line;
};

inline std::optional<mark> mark_of(base::host const& h, base::device const& dev,
                                   note_source const& notes) {
    auto info = h.info(dev);
    switch (info.state) {
    case base::device_state::bound:
        if (auto n = detail::note_of(notes, dev))
            return mark{R"(style="filled", fillcolor="lightyellow", color="goldenrod")",
                        "degraded: " + n->mode + (n->reason.empty() ? "" : ": " + n->reason)};
        return std::nullopt;
    case base::device_state::deferred:
        return mark{R"(style="dashed", color="darkorange")",
                    "deferred on " +
                        (info.waiting_on ? base::to_string(*info.waiting_on) : std::string{"?"})};
    case base::device_state::failed:
        return mark{R"(color="red")", "failed: " + info.error.message()};
    case base::device_state::unbound:
        if (info.counters.attempts == 0)
            return mark{R"(color="gray50", fontcolor="gray30")", "no driver"};
        return mark{R"(color="red")",
                    "unbound" + (info.error ? ": " + info.error.message() : std::string{})};
    default:
        return mark{R"(style="dashed", color="gray50")", std::string{to_string(info.state)}};
    }
}

class dot_writer {
public:
    dot_writer(base::host const& h, core::cxl_core const* c, note_source const& notes,
               dot_options const& o)
        : h_{h}, c_{c}, notes_{notes}, o_{o} {}

    std::string run() {
        out_ += "digraph cxl {\n";
        out_ += R"(  graph [rankdir="LR", fontname="Helvetica", nodesep="0.2", ranksep="0.7"];)"
                "\n";
        out_ += R"(  node [fontname="Helvetica", fontsize="9"];)"
                "\n";
        out_ += R"(  edge [fontname="Helvetica", fontsize="8"];)"
                "\n";
        if (c_) {
            std::lock_guard lk{c_->mutex()};
            for (auto* p : c_->ports())
                port_node(*p);
            for (auto* m : c_->memdevs())
                memdev_node(*m);
            for (auto* r : c_->regions())
                region_node(*r);
        }
        pci_nodes();
        if (o_.legend) legend();
        out_ += edges_;
        out_ += "}\n";
        return out_;
    }

private:
    static std::string id(std::string_view name) { return "\"" + quote_escape(name) + "\""; }

    void node(std::string const& name, std::string const& attrs) {
        out_ += "  " + id(name) + " [" + attrs + "];\n";
    }
    void edge(std::string const& from, std::string const& to, std::string const& attrs) {
        edges_ += "  " + from + " -> " + to + (attrs.empty() ? "" : " [" + attrs + "]") + ";\n";
    }

    std::string port_state(core::port const& p) const {
        if (p.kind() == core::port_kind::root) return {};
        if (p.is_bound()) return p.bound_driver() ? p.bound_driver()->name() : "bound";
        std::string s = "no port driver";
        if (p.last_fact()) s += ": " + p.last_fact()->message();
        return s;
    }

    void port_node(core::port const& p) {
        std::vector<std::string> head{p.name()};
        switch (p.kind()) {
        case core::port_kind::root:
            head.push_back(p.uport());
            break;
        case core::port_kind::host_bridge:
            head.push_back("host bridge " + p.uport());
            break;
        case core::port_kind::switch_port:
            head.push_back("switch " + p.uport());
            break;
        case core::port_kind::endpoint:
            head.push_back(p.uport());
            break;
        }
        if (auto s = port_state(p); !s.empty()) head.push_back(s);
        std::string label = "<h> " + lines(head, true);
        unsigned idle = 0;
        for (auto const& d : p.decoders()) {
            if (p.kind() != core::port_kind::root && !o_.idle_decoders && !active(*d)) {
                ++idle;
                continue;
            }
            label += "|<d" + std::to_string(d->id()) + "> " + record_escape(decoder_line(*d));
        }
        if (idle) label += "|" + std::to_string(idle) + " idle decoder" + (idle > 1 ? "s" : "");
        std::string attrs = R"(shape="record", label=")" + label + "\"";
        if (p.kind() != core::port_kind::root && !p.is_bound())
            attrs += R"(, style="dashed", color="red")";
        else if (p.kind() == core::port_kind::root)
            attrs += R"(, style="bold")";
        node(p.name(), attrs);

        // The edge from the parent port, through the dport.
        if (auto* parent = p.parent_port()) {
            std::string attrs2;
            if (auto* dp = p.parent_dport()) {
                std::string l = dp->dev + " #" + std::to_string(dp->port_id);
                if (dp->rch) l += " (RCH)";
                bool const down = c_->link_is_down(dp->dev);
                if (down) l += " link down";
                attrs2 = "label=\"" + quote_escape(l) + "\"";
                if (down) attrs2 += R"(, color="red", style="dashed")";
            }
            edge(id(parent->name()) + ":h", id(p.name()) + ":h", attrs2);
        }
    }

    void memdev_node(core::memdev const& m) {
        std::vector<std::string> ls{m.name()};
        std::optional<mark> mk;
        if (auto const* pdev = m.parent()) {
            std::string l = pdev->name();
            if (auto const* pci = dynamic_cast<base::pci_device const*>(pdev))
                l += " " + hex4(pci->vendor()) + ":" + hex4(pci->device_id());
            ls.push_back(l);
            auto info = h_.info(*pdev);
            ls.push_back(info.driver.empty() ? "no driver" : info.driver);
            mk = mark_of(h_, *pdev, notes_);
        }
        std::string sizes;
        if (m.ram_size()) sizes = human_size(m.ram_size()) + " ram";
        if (m.pmem_size())
            sizes += (sizes.empty() ? "" : " + ") + human_size(m.pmem_size()) + " pmem";
        ls.push_back((m.desc().type == core::memdev_type::type2 ? "type2 " : "type3 ") +
                     (sizes.empty() ? std::string{"no capacity"} : sizes));
        ls.push_back("serial " + hexval(m.desc().serial));
        std::string attrs = R"(shape="box")";
        if (mk) {
            ls.push_back(mk->line);
            attrs += ", " + mk->attrs;
        }
        if (!m.endpoint()) {
            std::string why = "not attached";
            // Left out when the mark already says it (a degraded direct attach).
            if (m.last_fact() &&
                (!mk || mk->line.find(m.last_fact()->message()) == std::string::npos))
                why += ": " + m.last_fact()->message();
            ls.push_back(why);
            if (!mk) attrs += R"(, style="dashed", color="red")";
        }
        node(m.name(), attrs + ", label=\"" + lines(ls, false) + "\"");
        if (auto* ep = m.endpoint())
            edge(id(ep->name()) + ":h", id(m.name()), R"(style="dashed", arrowhead="none")");
        else if (m.parent())
            hang(*m.parent(), m.name());
    }

    void region_node(core::region const& r) {
        std::vector<std::string> ls{r.name()};
        std::string t = std::string{to_string(r.mode())} + " " + human_size(r.size());
        if (r.size()) t += " @" + hexval(r.base());
        ls.push_back(t);
        ls.push_back(std::to_string(r.ways()) + " way" + (r.ways() == 1 ? "" : "s") + ", " +
                     std::to_string(r.granularity()) + " B");
        ls.push_back(std::string{to_string(r.state())});
        std::string attrs = R"(shape="box", style="rounded,bold", color="blue")";
        if (r.state() != core::region_state::committed)
            attrs = R"(shape="box", style="rounded,dashed", color="blue")";
        node(r.name(), attrs + ", label=\"" + lines(ls, false) + "\"");
        edge(id(r.root().owner().name()) + ":d" + std::to_string(r.root().id()), id(r.name()),
             R"(color="blue", style="bold")");
        for (std::size_t pos = 0; pos < r.targets().size(); ++pos) {
            auto const* t2 = r.targets()[pos];
            if (!t2) continue;
            edge(id(r.name()), id(t2->owner().name()) + ":d" + std::to_string(t2->id()),
                 R"(color="blue", constraint="false", headlabel="pos )" + std::to_string(pos) +
                     "\"");
        }
    }

    /// The nearest port above `dev`, and the device just below it (the slot).
    std::optional<std::pair<core::port*, std::string>> port_above(base::device const& dev) const {
        if (!c_) return std::nullopt;
        std::string slot = dev.name();
        for (auto const* a = dev.parent(); a; a = a->parent()) {
            // A port whose uport is the ancestor is nearer than the port that has it as a dport.
            if (auto* p = c_->port_by_uport(a->name())) return std::pair{p, slot};
            if (auto* p = c_->port_of_dport(a->name())) return std::pair{p, a->name()};
            slot = a->name();
        }
        return std::nullopt;
    }

    /// A dotted edge from the nearest port to a node standing for `dev`.
    void hang(base::device const& dev, std::string const& node_name) {
        std::lock_guard lk{c_->mutex()};
        if (auto above = port_above(dev))
            edge(id(above->first->name()) + ":h", id(node_name),
                 R"(style="dotted", label=")" + quote_escape(above->second) + "\"");
    }

    /// Non-bridge PCI functions without a memdev: PCIe-only devices.
    void pci_nodes() {
        std::vector<base::pci_device const*> devs;
        for (auto* d : h_.devices())
            if (auto const* p = dynamic_cast<base::pci_device const*>(d); p && !is_bridge(*p))
                devs.push_back(p);
        std::sort(devs.begin(), devs.end(), [](auto* a, auto* b) { return a->name() < b->name(); });
        for (auto const* p : devs) {
            bool has_memdev = false;
            if (c_) {
                std::lock_guard lk{c_->mutex()};
                for (auto* m : c_->memdevs())
                    if (m->parent() == p) has_memdev = true;
            }
            if (has_memdev) continue;
            std::string const name = "pci " + p->name();
            auto info = h_.info(*p);
            std::vector<std::string> ls{p->name(), hex4(p->vendor()) + ":" + hex4(p->device_id()) +
                                                       " class " + hexval(p->class_code())};
            if (!info.driver.empty()) ls.push_back(info.driver);
            ls.push_back("PCIe only");
            std::string attrs = R"(shape="box")";
            if (auto mk = mark_of(h_, *p, notes_)) {
                ls.push_back(mk->line);
                attrs += ", " + mk->attrs;
            }
            node(name, attrs + ", label=\"" + lines(ls, false) + "\"");
            if (c_) hang(*p, name);
        }
    }

    void legend() {
        out_ += "  subgraph \"cluster_legend\" {\n";
        out_ += R"(    label="legend"; fontsize="9";)"
                "\n";
        struct sample {
            char const* name;
            char const* attrs;
        };
        static constexpr sample samples[] = {
            {"bound", R"(shape="box")"},
            {"deferred", R"(shape="box", style="dashed", color="darkorange")"},
            {"degraded",
             R"(shape="box", style="filled", fillcolor="lightyellow", color="goldenrod")"},
            {"failed", R"(shape="box", color="red")"},
            {"no driver", R"(shape="box", color="gray50", fontcolor="gray30")"},
            {"not attached", R"(shape="box", style="dashed", color="red")"},
        };
        for (auto const& s : samples)
            out_ += "    " + id(std::string{"legend "} + s.name) + " [" + s.attrs + ", label=\"" +
                    s.name + "\"];\n";
        out_ += "  }\n";
    }

    base::host const& h_;
    core::cxl_core const* c_;
    note_source const& notes_;
    dot_options const& o_;
    std::string out_, edges_;
};

} // namespace detail

/// The DOT text of `h`'s CXL topology and its PCI functions without CXL.
inline std::string dot(base::host const& h, note_source const& notes = {},
                       dot_options options = {}) {
    return detail::dot_writer{h, core::find(h), notes, options}.run();
}

} // namespace cxlfw::report
