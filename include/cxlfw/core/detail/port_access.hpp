// The core's friend (Linux keeps such internals in drivers/cxl/core/core.h): the operations in
// the core's impl/*.ipp files reach the objects' and the registry's private state through it,
// one place to audit who changes what. Drivers never include it.
#pragma once

#include <cxlfw/config.hpp>

#include <cxlfw/core/objects.hpp>
#include <cxlfw/core/registry.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cxlfw::core {

struct port_access {
    static port*& parent(port& p) { return p.parent_; }
    static dport*& parent_dport(port& p) { return p.parent_dport_; }
    static unsigned& depth(port& p) { return p.depth_; }
    static std::optional<reg_block>& component(port& p) { return p.component_; }
    static std::optional<hdm_map>& hdm(port& p) { return p.hdm_; }
    static std::vector<std::unique_ptr<dport>>& dports(port& p) { return p.dports_; }
    static std::vector<std::unique_ptr<decoder>>& decoders(port& p) { return p.decoders_; }
    static int& commit_end(port& p) { return p.commit_end_; }
    static int& hdm_end(port& p) { return p.hdm_end_; }
    static memdev*& memdev_of(port& p) { return p.memdev_; }
    static std::map<std::string, dport*, std::less<>> const& eps(port const& p) { return p.eps_; }
    static std::vector<port*>& children(port& p) { return p.children_; }
    static std::set<port*>& interest(memdev& m) { return m.interest_; }
    static std::vector<port*>& ep_ports(memdev& m) { return m.ep_ports_; }
    static std::map<region*, decoder*>& region_decoders(port& p) { return p.region_decoders_; }
    static bool& dead(port& p) { return p.dead_; }

    static port*& endpoint(memdev& m) { return m.endpoint_; }
    static std::string& owner(memdev& m) { return m.owner_; }
    static detach_handler& on_detach(memdev& m) { return m.on_detach_; }

    static unsigned& ways(region& r) { return r.ways_; }
    static unsigned& granularity(region& r) { return r.granularity_; }
    static std::uint64_t& base(region& r) { return r.base_; }
    static std::uint64_t& size(region& r) { return r.size_; }
    static std::vector<decoder*>& targets(region& r) { return r.targets_; }
    static unsigned& nr_targets(region& r) { return r.nr_targets_; }
    static region_state& state(region& r) { return r.state_; }
    static bool& auto_assembled(region& r) { return r.auto_; }
    static bool& locked(region& r) { return r.locked_; }

    static port*& root(cxl_core& c) { return c.root_; }
    static std::map<unsigned, port*>& ports(cxl_core& c) { return c.ports_; }
    static std::map<std::string, port*, std::less<>>& by_uport(cxl_core& c) { return c.by_uport_; }
    static std::map<unsigned, memdev*>& memdevs(cxl_core& c) { return c.memdevs_; }
    static std::map<std::string, port*, std::less<>>& port_names(cxl_core& c) {
        return c.port_names_;
    }
    static std::map<std::string, memdev*, std::less<>>& memdev_names(cxl_core& c) {
        return c.memdev_names_;
    }
    /// Records memdev `m`'s interest in port `p` through dport `dp` (Linux add_ep()).
    static void add_ep(port& p, memdev& m, dport* dp);
    /// Ends it; false if there was none.
    static bool del_ep(port& p, memdev& m);
    static std::map<unsigned, std::unique_ptr<region>>& regions(cxl_core& c) { return c.regions_; }
    static std::set<unsigned>& port_ids(cxl_core& c) { return c.port_ids_; }
    static std::set<unsigned>& memdev_ids(cxl_core& c) { return c.memdev_ids_; }
    static std::set<std::string, std::less<>>& links_down(cxl_core& c) { return c.links_down_; }
    static std::set<std::pair<std::string, unsigned>>& owed_resets(cxl_core& c) {
        return c.owed_resets_;
    }
    static unsigned alloc_port_id(cxl_core& c, std::string const& key) {
        return c.alloc_port_id(key);
    }
    static unsigned alloc_memdev_id(cxl_core& c, std::string const& key) {
        return c.alloc_memdev_id(key);
    }
    static unsigned alloc_region_id(cxl_core& c, std::string const& key) {
        return c.alloc_region_id(key);
    }
};

} // namespace cxlfw::core

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/core/detail/impl/port_access.ipp>
#endif
