// The CXL topology as ndctl's `cxl list` prints it (ndctl cxl/list.c, cxl/filter.c,
// cxl/json.c): the same flags, the same nesting, the same field names and value formats.
//
//   auto j = report::cxl_list(core, {.buses = true, .ports = true, .targets = true});
//   std::cout << report::list_text(j);            // what `cxl list -BPT` prints
//
// | flag | option      | objects                                                          |
// |------|-------------|------------------------------------------------------------------|
// | -B   | buses       | root0 (`bus`, `provider`)                                        |
// | -P   | ports       | host-bridge and switch ports (`port`, `host`, `depth`)           |
// | -E   | endpoints   | endpoint ports (`endpoint`, `host` = memN, `parent_dport`)       |
// | -M   | memdevs     | memory devices (`memdev`, sizes, `serial`, `host`)               |
// | -D   | decoders    | root, switch and endpoint decoders (`decoderP.N`)                |
// | -R   | regions     | regions (`region`, `mappings` with -T)                           |
// | -T   | targets     | `dports` of buses and ports, `targets` of decoders, `mappings`   |
// | -i   | idle        | also disabled objects and zero-sized decoders                    |
// | -v   | verbose 1   | -BPEDRT; 2: and -i; 3: and -I (partition_info) and -H (health)   |
// | none |             | -RM (ndctl's default)                                            |
//
// Nesting (ndctl's cxl_filter_walk): an object listed with its parent's kind nests in the
// parent under "<kind>:<parent name>" ("ports:root0", "endpoints:port2", "decoders:endpoint3",
// "regions:decoder0.1", "memdevs:port2"); an endpoint's memdev nests as "memdev". Objects whose
// parent kind is not listed go to the nearest listed ancestor, else to the top. The top level
// is a flat array when one kind remains there, else an array of {"<kind>": [...]} in the order
// anon memdevs, buses, ports, endpoints, memdevs, root decoders, port decoders, endpoint
// decoders, regions. Every array is sorted by id (decoders by port id, then index; targets
// and mappings by position), so the output does not depend on probe order.
//
// Values as ndctl prints them without -u: sizes, addresses, serials and ids are JSON numbers.
// A value cxlfw does not have is left out, as ndctl leaves out what sysfs does not give it
// (numa_node, health, alias); docs/report.md lists every field and deviation.
#pragma once

#include <cxlfw/base/host.hpp>
#include <cxlfw/core/bus.hpp>
#include <cxlfw/core/objects.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/spec/cedt.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace cxlfw::report {

/// The JSON the report layer builds: object members stay in ndctl's order.
using json = nlohmann::ordered_json;

/// `cxl list` flags. Leave every object flag off for ndctl's default (-RM).
struct list_options {
    bool buses = false;     ///< -B
    bool ports = false;     ///< -P
    bool endpoints = false; ///< -E
    bool memdevs = false;   ///< -M
    bool decoders = false;  ///< -D
    bool regions = false;   ///< -R
    bool targets = false;   ///< -T
    unsigned verbose = 0;   ///< -v, -vv, -vvv
    bool idle = false;      ///< -i: disabled objects and zero-sized decoders too
    bool health = false;    ///< -H (cxlfw has no health data: nothing is added)
    bool partition = false; ///< -I: memdev partition_info

    /// What ndctl's cmd_list() makes of the flags: the default objects, then -v's levels.
    list_options normalized() const {
        list_options o = *this;
        if (!(o.buses || o.ports || o.endpoints || o.memdevs || o.decoders || o.regions))
            o.regions = o.memdevs = true;
        if (o.verbose >= 3) o.health = o.partition = true;
        if (o.verbose >= 2) o.idle = true;
        if (o.verbose >= 1)
            o.buses = o.ports = o.endpoints = o.decoders = o.targets = o.regions = true;
        return o;
    }
};

namespace detail {

/// libcxl cxl_bus_get_provider(): the ACPI0017 root is "ACPI.CXL", cxl_test's "cxl_test".
inline std::string bus_provider(std::string const& uport) {
    if (uport == "ACPI0017:00") return "ACPI.CXL";
    if (uport == "cxl_acpi.0") return "cxl_test";
    return uport;
}

// What sysfs calls enabled: bound to a driver. A directly attached memdev (no cxl_mem, by
// design) is enabled once its driver attached the endpoint.
inline bool enabled(core::port const& p) {
    return p.is_bound();
}
inline bool enabled(core::memdev const& m) {
    return m.is_bound() || (m.direct() && m.endpoint());
}
/// A region is enabled (Linux: bound to cxl_region) once it is committed.
inline bool enabled(core::region const& r) {
    return r.state() == core::region_state::committed;
}

/// "partition_info" (-I), from Identify and Get Partition Info as the memdev's creator kept
/// them. The core keeps only the active sizes today; once memdev_desc carries the mailbox
/// records (`identify`, `partition`) this fills in, until then it is left out, as ndctl leaves
/// it out when the mailbox commands fail.
template <class Desc>
inline constexpr bool keeps_mailbox_records_v = requires(Desc const& d) {
    d.identify->total_capacity;
    d.identify->volatile_capacity;
    d.identify->persistent_capacity;
    d.identify->partition_align;
    d.partition->active_volatile;
    d.partition->next_persistent;
};

template <class Desc>
std::optional<json> partition_info(Desc const& d) {
    if constexpr (keeps_mailbox_records_v<Desc>) {
        if (!d.identify) return std::nullopt;
        constexpr std::uint64_t unit = 256ull << 20; // capacity fields count 256 MiB
        json p = json::object();
        p["total_size"] = d.identify->total_capacity * unit;
        p["volatile_only_size"] = d.identify->volatile_capacity * unit;
        p["persistent_only_size"] = d.identify->persistent_capacity * unit;
        p["partition_alignment_size"] = d.identify->partition_align * unit;
        if (d.identify->partition_align && d.partition) {
            p["active_volatile_size"] = d.partition->active_volatile * unit;
            p["active_persistent_size"] = d.partition->active_persistent * unit;
            p["next_volatile_size"] = d.partition->next_volatile * unit;
            p["next_persistent_size"] = d.partition->next_persistent * unit;
        }
        return p;
    } else {
        return std::nullopt;
    }
}

/// util_cxl_memdev_to_json().
inline json memdev_json(core::memdev const& m, list_options const& o) {
    json j = json::object();
    j["memdev"] = m.name();
    if (m.pmem_size()) j["pmem_size"] = m.pmem_size();
    if (m.ram_size()) j["ram_size"] = m.ram_size();
    // "health" (-H) needs Get Health Info, which no cxlfw driver keeps: left out.
    j["serial"] = m.desc().serial;
    // "numa_node": cxlfw has no NUMA nodes; ndctl leaves it out when sysfs says -1.
    j["host"] = m.parent() ? m.parent()->name() : std::string{};
    if (!m.desc().firmware.empty()) j["firmware_version"] = m.desc().firmware;
    if (!enabled(m)) j["state"] = "disabled";
    if (o.partition)
        if (auto p = partition_info(m.desc())) j["partition_info"] = std::move(*p);
    return j;
}

/// util_cxl_dports_append_json(): only with -T, only when there are dports.
inline void append_dports(json& j, core::port const& p, list_options const& o) {
    if (!o.targets || p.dports().empty()) return;
    std::vector<core::dport const*> ds;
    for (auto const& d : p.dports())
        ds.push_back(d.get());
    std::sort(ds.begin(), ds.end(), [](auto* a, auto* b) {
        return std::tie(a->port_id, a->dev) < std::tie(b->port_id, b->dev);
    });
    j["nr_dports"] = ds.size();
    json arr = json::array();
    for (auto const* d : ds) // "alias" (the ACPI/firmware node) does not exist in cxlfw
        arr.push_back(json{{"dport", d->dev}, {"id", d->port_id}});
    j["dports"] = std::move(arr);
}

/// __util_cxl_port_to_json(), for ports and endpoints.
inline json port_json(core::port const& p, list_options const& o) {
    json j = json::object();
    bool const ep = p.kind() == core::port_kind::endpoint;
    j[ep ? "endpoint" : "port"] = p.name();
    j["host"] = p.uport();
    if (ep && p.parent_dport()) j["parent_dport"] = p.parent_dport()->dev;
    j["depth"] = p.depth();
    if (!enabled(p)) j["state"] = "disabled";
    j["decoders_committed"] = p.commit_end() + 1;
    if (!ep) append_dports(j, p, o);
    return j;
}

/// The largest free extent of a root decoder's window (Linux max_available_extent): the
/// window minus the HPA its regions hold.
inline std::uint64_t max_available_extent(core::cxl_core const& c, core::decoder const& d) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> used;
    for (auto* r : c.regions())
        if (&r->root() == &d && r->size()) used.emplace_back(r->base(), r->size());
    std::sort(used.begin(), used.end());
    std::uint64_t best = 0, at = d.base;
    std::uint64_t const end = d.base + d.size;
    for (auto const& [base, size] : used) {
        if (base > at) best = std::max(best, base - at);
        at = std::max(at, base + size);
    }
    if (end > at) best = std::max(best, end - at);
    return best;
}

/// The dport a switch decoder's target list entry `i` names: a passthrough decoder sends
/// everything to the port's one dport; others read the programmed list (0 where
/// unprogrammed, as the register reads after reset).
inline core::dport const* switch_target(core::decoder const& d, unsigned i) {
    auto const& port = d.owner();
    if (d.passthrough) return port.dports().size() == 1 ? port.dports().front().get() : nullptr;
    std::uint32_t id = i < d.targets.size() ? d.targets[i] : 0;
    return port.find_dport(id);
}

/// util_cxl_targets_append_json(): "nr_targets" always (not on endpoints, which are
/// targets), the list with -T.
inline void append_targets(json& j, core::decoder const& d, list_options const& o) {
    if (d.kind() == core::decoder_kind::endpoint) return;
    j["nr_targets"] = d.ways;
    if (!o.targets || d.ways == 0) return;
    json arr = json::array();
    for (unsigned i = 0; i < d.ways; ++i) {
        core::dport const* dp = nullptr;
        if (d.kind() == core::decoder_kind::root)
            dp = i < d.targets.size() ? d.owner().find_dport(d.targets[i]) : nullptr;
        else
            dp = switch_target(d, i);
        if (!dp) continue; // no such dport: libcxl has no target object for it
        arr.push_back(json{{"target", dp->dev}, {"position", i}, {"id", dp->port_id}});
    }
    j["targets"] = std::move(arr);
}

/// util_cxl_decoder_to_json() and the targets.
inline json decoder_json(core::cxl_core const& c, core::decoder const& d, list_options const& o) {
    namespace w = spec::cfmws_restrict;
    json j = json::object();
    j["decoder"] = d.name();
    if (d.size) {
        j["resource"] = d.base;
        j["size"] = d.size;
    }
    j["interleave_ways"] = d.ways;
    if (d.ways > 1) j["interleave_granularity"] = d.granularity; // a don't-care at 1 way
    if (d.region) j["region"] = d.region->name();
    if (d.size == 0) j["state"] = "disabled";
    if (d.kind() == core::decoder_kind::endpoint) {
        if (d.dpa && d.dpa->size) {
            j["dpa_resource"] = d.dpa->base;
            j["dpa_size"] = d.dpa->size;
        }
        if (d.mode != core::partition_mode::none) j["mode"] = std::string{to_string(d.mode)};
    }
    if (d.kind() == core::decoder_kind::root) {
        if (d.allows(w::type3)) { // libcxl: "mem capable"
            j["max_available_extent"] = max_available_extent(c, d);
            if (d.allows(w::pmem)) j["pmem_capable"] = true;
            if (d.allows(w::volatile_)) j["volatile_capable"] = true;
        }
        if (d.allows(w::type2)) j["accelmem_capable"] = true;
        j["qos_class"] = d.qos_class;
    }
    append_targets(j, d, o);
    return j;
}

/// util_cxl_region_to_json() with util_cxl_mappings_append_json() (-T).
inline json region_json(core::region const& r, list_options const& o) {
    json j = json::object();
    j["region"] = r.name();
    if (r.size()) j["resource"] = r.base(); // no HPA yet: sysfs reads ULLONG_MAX, left out
    j["size"] = r.size();
    j["type"] = std::string{to_string(r.mode())};
    j["interleave_ways"] = r.ways();
    j["interleave_granularity"] = r.granularity();
    j["decode_state"] = r.state() == core::region_state::committed ? "commit" : "reset";
    if (!enabled(r)) j["state"] = "disabled";
    if (o.targets && r.ways()) {
        json arr = json::array();
        for (std::size_t pos = 0; pos < r.targets().size(); ++pos) {
            core::decoder const* t = r.targets()[pos];
            if (!t) continue; // an empty position: no mapping object
            json m = json::object();
            m["position"] = pos;
            if (auto* md = t->owner().endpoint_memdev()) m["memdev"] = md->name();
            m["decoder"] = t->name();
            arr.push_back(std::move(m));
        }
        j["mappings"] = std::move(arr);
    }
    return j;
}

/// An array being filled by the walk, sorted by id when it is emitted.
class bucket {
public:
    using key = std::tuple<unsigned, unsigned>;
    void add(key k, json v) { items_.emplace_back(k, std::move(v)); }
    bool empty() const noexcept { return items_.empty(); }
    json take() {
        std::stable_sort(items_.begin(), items_.end(),
                         [](auto const& a, auto const& b) { return a.first < b.first; });
        json arr = json::array();
        for (auto& [k, v] : items_)
            arr.push_back(std::move(v));
        items_.clear();
        return arr;
    }
    /// ndctl's cond_add_put_array_suffix(): "<name>:<suffix>" only when not empty.
    void attach_to(json& parent, std::string_view name, std::string const& suffix) {
        if (!empty()) parent[std::string{name} + ":" + suffix] = take();
    }

private:
    std::vector<std::pair<key, json>> items_;
};

inline bucket::key key_of(core::decoder const& d) {
    return {d.owner().id(), d.id()};
}

/// ndctl's cxl_filter_walk() and its walk_* helpers, without the name filters.
class list_walk {
public:
    list_walk(core::cxl_core const& c, list_options const& o) : c_{c}, o_{o} {}

    json run() {
        for (auto* m : c_.memdevs())
            if (!enabled(*m) && o_.idle && o_.memdevs) anon_.add({m->id(), 0}, memdev_json(*m, o_));
        if (core::port* root = c_.root()) walk_bus(*root);

        std::pair<char const*, bucket*> const top[] = {{"anon memdevs", &anon_},
                                                       {"buses", &buses_},
                                                       {"ports", &ports_},
                                                       {"endpoints", &eps_},
                                                       {"memdevs", &devs_},
                                                       {"root decoders", &bus_decoders_},
                                                       {"port decoders", &port_decoders_},
                                                       {"endpoint decoders", &ep_decoders_},
                                                       {"regions", &regions_}};
        auto const kinds = std::count_if(std::begin(top), std::end(top),
                                         [](auto const& t) { return !t.second->empty(); });
        json out = json::array();
        for (auto const& [name, b] : top) {
            if (b->empty()) continue;
            json arr = b->take();
            if (kinds > 1) {
                out.push_back(json{{name, std::move(arr)}});
            } else {
                for (auto& v : arr)
                    out.push_back(std::move(v));
            }
        }
        return out;
    }

private:
    /// Where the children of the object being walked go: its own arrays when it is listed,
    /// else wherever its parent's children go (ndctl's pick_array()).
    struct sinks {
        bucket* ports;
        bucket* port_decoders;
        bucket* eps;
        bucket* ep_decoders;
        bucket* devs;
    };

    std::vector<core::port*> children(core::port const& parent, bool endpoints) const {
        std::vector<core::port*> out;
        for (auto* p : c_.ports()) // by id
            if (p->parent_port() == &parent &&
                (p->kind() == core::port_kind::endpoint) == endpoints)
                out.push_back(p);
        return out;
    }

    void walk_bus(core::port& root) {
        std::optional<json> jbus;
        bucket child_ports, child_eps, child_devs, child_decoders, child_regions;
        if (o_.buses) {
            jbus = json{{"bus", root.name()}, {"provider", bus_provider(root.uport())}};
            append_dports(*jbus, root, o_);
        }
        auto pick = [&](bool own, bucket& mine, bucket& fallback) {
            return own ? &mine : &fallback;
        };
        bool const b = jbus.has_value();
        walk_decoders(root, pick(b && o_.decoders, child_decoders, bus_decoders_),
                      pick(b && o_.regions, child_regions, regions_));
        sinks s{pick(b && o_.ports, child_ports, ports_),
                pick(b && o_.decoders, child_decoders, port_decoders_),
                pick(b && o_.endpoints, child_eps, eps_),
                pick(b && o_.decoders, child_decoders, ep_decoders_),
                pick(b && o_.memdevs, child_devs, devs_)};
        if (o_.endpoints || o_.memdevs || o_.decoders) // RCH endpoints hang off root0
            walk_endpoints(root, s.eps, s.devs, s.ep_decoders);
        walk_child_ports(root, s);
        if (!jbus) return;
        child_ports.attach_to(*jbus, "ports", root.name());
        child_eps.attach_to(*jbus, "endpoints", root.name());
        child_decoders.attach_to(*jbus, "decoders", root.name());
        child_regions.attach_to(*jbus, "regions", root.name());
        child_devs.attach_to(*jbus, "memdevs", root.name());
        buses_.add({root.id(), 0}, std::move(*jbus));
    }

    void walk_regions(core::decoder const& d, bucket& out) {
        for (auto* r : c_.regions()) {
            if (&r->root() != &d) continue;
            if (!o_.idle && !enabled(*r)) continue;
            out.add({r->id(), 0}, region_json(*r, o_));
        }
    }

    void walk_decoders(core::port const& port, bucket* decoders, bucket* regions) {
        for (auto const& dp : port.decoders()) {
            core::decoder const& d = *dp;
            std::optional<json> jd;
            bucket child_regions;
            if (o_.decoders) {
                if (!o_.idle && d.size == 0) continue; // (its regions are not walked either)
                jd = decoder_json(c_, d, o_);
            }
            if (o_.regions && regions && port.kind() == core::port_kind::root)
                walk_regions(d, jd ? child_regions : *regions);
            if (jd) {
                child_regions.attach_to(*jd, "regions", d.name());
                decoders->add(key_of(d), std::move(*jd));
            }
        }
    }

    void walk_endpoints(core::port const& port, bucket* eps, bucket* devs, bucket* decoders) {
        for (auto* ep : children(port, true)) {
            if (!o_.idle && !enabled(*ep)) continue;
            std::optional<json> jep;
            bucket child_decoders;
            if (o_.endpoints) jep = port_json(*ep, o_);
            auto finish = [&] {
                if (!jep) return;
                child_decoders.attach_to(*jep, "decoders", ep->name());
                eps->add({ep->id(), 0}, std::move(*jep));
            };
            if (o_.memdevs) {
                core::memdev* md = ep->endpoint_memdev();
                if (!md || (!o_.idle && !enabled(*md))) { // ndctl skips its decoders too
                    finish();
                    continue;
                }
                if (jep)
                    (*jep)["memdev"] = memdev_json(*md, o_);
                else
                    devs->add({md->id(), 0}, memdev_json(*md, o_));
            }
            if (o_.decoders) walk_decoders(*ep, jep ? &child_decoders : decoders, nullptr);
            finish();
        }
    }

    void walk_child_ports(core::port const& parent, sinks const& up) {
        for (auto* port : children(parent, false)) {
            if (!o_.idle && !enabled(*port)) continue; // nor anything below it
            std::optional<json> jport;
            bucket child_ports, child_eps, child_decoders, child_devs;
            if (o_.ports) jport = port_json(*port, o_);
            bool const own = jport.has_value();
            sinks s{own ? &child_ports : up.ports,
                    own && o_.decoders ? &child_decoders : up.port_decoders,
                    own && o_.endpoints ? &child_eps : up.eps,
                    own && o_.decoders ? &child_decoders : up.ep_decoders,
                    own && o_.memdevs ? &child_devs : up.devs};
            if (o_.endpoints || o_.memdevs || o_.decoders)
                walk_endpoints(*port, s.eps, s.devs, s.ep_decoders);
            walk_decoders(*port, s.port_decoders, nullptr);
            walk_child_ports(*port, s);
            if (!jport) continue;
            child_ports.attach_to(*jport, "ports", port->name());
            child_eps.attach_to(*jport, "endpoints", port->name());
            child_decoders.attach_to(*jport, "decoders", port->name());
            child_devs.attach_to(*jport, "memdevs", port->name());
            up.ports->add({port->id(), 0}, std::move(*jport));
        }
    }

    core::cxl_core const& c_;
    list_options const& o_;
    bucket anon_, buses_, ports_, eps_, devs_, bus_decoders_, port_decoders_, ep_decoders_,
        regions_;
};

/// json-c's string escaping (json_escape_str): '/' is escaped too.
inline void put_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (char ch : s) {
        auto const c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '/':
            out += "\\/";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xF];
            } else {
                out += ch;
            }
        }
    }
    out += '"';
}

/// json_object_to_json_string_ext(JSON_C_TO_STRING_PRETTY): two spaces a level, no space
/// after ':', every member and element on its own line.
inline void put_json(std::string& out, json const& j, unsigned level) {
    auto indent = [&out](unsigned n) { out.append(2 * n, ' '); };
    switch (j.type()) {
    case json::value_t::object:
    case json::value_t::array: {
        bool const obj = j.is_object();
        if (j.empty()) {
            out += obj ? "{}" : "[]";
            return;
        }
        out += obj ? "{\n" : "[\n";
        bool first = true;
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (!first) out += ",\n";
            first = false;
            indent(level + 1);
            if (obj) {
                put_string(out, it.key());
                out += ':';
            }
            put_json(out, *it, level + 1);
        }
        out += '\n';
        indent(level);
        out += obj ? '}' : ']';
        return;
    }
    case json::value_t::string:
        put_string(out, j.get_ref<json::string_t const&>());
        return;
    default: // numbers, booleans, null: as nlohmann writes them (integers in decimal)
        out += j.dump();
        return;
    }
}

} // namespace detail

/// `cxl list` over a CXL core (the core's lock is held while it is read).
inline json cxl_list(core::cxl_core const& core, list_options options = {}) {
    list_options const o = options.normalized();
    std::lock_guard lk{core.mutex()};
    return detail::list_walk{core, o}.run();
}

/// `cxl list` over a host: an empty list when the host has no CXL core.
inline json cxl_list(base::host const& host, list_options options = {}) {
    if (auto const* c = core::find(host)) return cxl_list(*c, options);
    return json::array();
}

/// The text `cxl list` prints for `j` (json-c's pretty format), ending in a newline.
inline std::string list_text(json const& j) {
    std::string out;
    detail::put_json(out, j, 0);
    out += '\n';
    return out;
}

} // namespace cxlfw::report
