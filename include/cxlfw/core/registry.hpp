// The CXL core's registry of one host (Linux: the cxl_core module's globals): root0, the ports
// by id and by uport, the memdevs, the regions, the name reservations, link state and
// messages. The "cxl" bus owns it (core/bus.hpp):
//
//   auto& cxl = core::attach(host);     // registers the "cxl" bus once; core::find(host) later
//
// Naming is deterministic (docs/core.md "Names"): root0 is 0; a port's id and a memdev's id
// are the ids its creator reserved with name_port()/name_memdev() (the platform glue passes
// the topology's order), else the lowest id nobody holds or reserved, in creation order.
// Decoders are decoder<port id>.<index>; regions take the lowest free id.
//
// Locking: every core operation holds the core's recursive mutex; it may call the host
// (add, attach, remove, signal) while holding it, the host never calls the core while holding
// its own lock (bus match() reads only atomics).
#pragma once

#include <cxlfw/config.hpp>

#include <cxlfw/base/host.hpp>
#include <cxlfw/clock.hpp>
#include <cxlfw/core/objects.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace cxlfw::core {

/// The state of the CXL core of one host (Linux: the cxl_core module's globals).
class cxl_core {
public:
    explicit cxl_core(base::host& h);
    ~cxl_core();
    cxl_core(cxl_core const&) = delete;
    cxl_core& operator=(cxl_core const&) = delete;

    base::host& host() const noexcept { return *host_; }
    virtual_clock& clock() const noexcept { return host_->clock(); }
    std::recursive_mutex& mutex() const noexcept { return mu_; }

    // --- lookup --------------------------------------------------------------------------

    port* root() const;
    port* port_by_uport(std::string_view uport) const;
    port* find_port(std::string_view name) const;
    /// A port by name, also one being unregistered (until the host destroys it).
    port* find_port_any(std::string_view name) const;
    /// Live ports by id (root0 first).
    std::vector<port*> ports() const;
    memdev* find_memdev(std::string_view name) const;
    /// Memdevs by id.
    std::vector<memdev*> memdevs() const;
    /// Regions by id.
    std::vector<region*> regions() const;
    region* find_region(std::string_view name) const;
    /// "decoderP.N".
    decoder* find_decoder(std::string_view name) const;
    /// The port that has a dport for `dev` (Linux find_cxl_port()).
    port* port_of_dport(std::string_view dev, dport** out = nullptr) const;

    // --- names -------------------------------------------------------------------------------

    /// Reserve port id `id` for the port whose uport is `uport` (for an endpoint port: the
    /// memdev's parent device). The platform glue reserves ids in topology order.
    void name_port(std::string uport, unsigned id);
    /// Reserve memdev id `id` for the memdev of device `parent`.
    void name_memdev(std::string parent, unsigned id);
    /// Ask for region id `id` for the region the Type-2 helper (probe_mem) creates for the
    /// memdev of device `parent`, so which of several accelerators probes first does not
    /// change their names. A hint, not a reservation: other regions take the lowest free id
    /// in creation order (Linux's rule), and a hint already taken falls back to that too.
    void name_region(std::string parent, unsigned id);
    /// The key name_region() takes for the region assembled from decoders firmware committed
    /// at `base` (the glue reserves those ids first, as Linux assembles them at boot).
    static std::string firmware_region_key(std::uint64_t base) {
        return "firmware@" + std::to_string(base);
    }

    // --- links -------------------------------------------------------------------------------

    /// Whether the link below `dport` (a root port, downstream port or RCH) is known down.
    bool link_is_down(std::string_view dport) const;

    // --- messages ----------------------------------------------------------------------------

    /// What the core and the stock drivers reported without failing (windows skipped, ...),
    /// in order.
    std::vector<std::string> messages() const;
    void note(std::string text);

private:
    friend class port;
    friend class memdev;
    friend struct port_access;

    using hints = std::map<std::string, unsigned, std::less<>>;

    /// The objects of `by_id` (a map of ids to port*, memdev* or unique_ptr<region>), in id
    /// order: ports(), memdevs() and regions(). Dead ports are left out.
    template <class T, class Map>
    std::vector<T*> snapshot(Map const& by_id) const;

    /// The id reserved for `key` if nobody holds it, else the lowest from `from` that is
    /// neither used nor reserved.
    static unsigned alloc_id(hints const& hint, std::set<unsigned> const& used,
                             std::set<unsigned> const& reserved, std::string const& key,
                             unsigned from);
    unsigned alloc_port_id(std::string const& key) {
        return alloc_id(port_hint_, port_ids_, reserved_ports_, key, 1);
    }
    unsigned alloc_memdev_id(std::string const& key) {
        return alloc_id(memdev_hint_, memdev_ids_, reserved_memdevs_, key, 0);
    }
    unsigned alloc_region_id(std::string const& key) const;

    /// Drop a destroyed port or memdev: the host destroys them, the core must not keep them.
    void forget(port& p);
    void forget(memdev& m);

    base::host* host_;
    mutable std::recursive_mutex mu_;
    port* root_ = nullptr;
    // By id: ids are unique among the objects that exist (freed when one is destroyed).
    std::map<unsigned, port*> ports_;
    std::map<std::string, port*, std::less<>> by_uport_;
    std::map<unsigned, memdev*> memdevs_;
    // By name, for lookups (names follow from the unique ids).
    std::map<std::string, port*, std::less<>> port_names_;
    std::map<std::string, memdev*, std::less<>> memdev_names_;
    std::map<unsigned, std::unique_ptr<region>> regions_;
    hints region_hint_;
    std::set<unsigned> port_ids_, memdev_ids_, reserved_ports_, reserved_memdevs_;
    hints port_hint_, memdev_hint_;
    std::set<std::string, std::less<>> links_down_;
    /// Decoders whose reset failed when their port went: (the port's hardware, that is its
    /// uport or an endpoint's PCI function, decoder id). Retried at its next enumeration.
    std::set<std::pair<std::string, unsigned>> owed_resets_;
    std::vector<std::string> messages_;
};

} // namespace cxlfw::core

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/core/impl/registry.ipp>
#endif
