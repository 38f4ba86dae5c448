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
#include <cxlfw/config.hpp>
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

// What sysfs calls enabled: bound to a driver. A directly attached memdev (no cxl_mem, by
// design) is enabled once its driver attached the endpoint.

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

} // namespace detail

/// `cxl list` over a CXL core (the core's lock is held while it is read).
CXLFW_DECL json cxl_list(core::cxl_core const& core, list_options options = {});

/// `cxl list` over a host: an empty list when the host has no CXL core.
CXLFW_DECL json cxl_list(base::host const& host, list_options options = {});

/// The text `cxl list` prints for `j` (json-c's pretty format), ending in a newline.
CXLFW_DECL std::string list_text(json const& j);

} // namespace cxlfw::report

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/report/impl/cxl_list.ipp>
#endif
