// The objects of the CXL core (Linux drivers/cxl/cxl.h, cxlmem.h) and the state that holds
// them, attached to a base::host through the "cxl" bus:
//
//   | object  | what                                       | a base::device? | Linux name         |
//   |---------|--------------------------------------------|-----------------|--------------------|
//   | port    | root, host-bridge, switch or endpoint port | yes, bus "cxl"  | root0, portN,      |
//   |         |                                            |                 | endpointN          |
//   | dport   | a downstream port of a port (host bridge,  | no              | -                  |
//   |         | root port, switch downstream port)         |                 |                    |
//   | decoder | root (a CFMWS window), switch or endpoint  | no, owned by    | decoderP.N         |
//   |         | HDM decoder                                | its port        |                    |
//   | memdev  | a CXL memory device (Type-3, or Type-2     | yes, bus "cxl"  | memN               |
//   |         | device memory)                             |                 |                    |
//   | region  | HPA mapped by decoders on every level      | no, owned by    | regionN            |
//   |         |                                            | the core        |                    |
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

#include <cxlfw/base/device.hpp>
#include <cxlfw/base/driver.hpp>
#include <cxlfw/base/host.hpp>
#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/regs.hpp>
#include <cxlfw/result.hpp>
#include <cxlfw/spec/component.hpp>
#include <cxlfw/spec/interleave_math.hpp>
#include <cxlfw/spec/mailbox.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cxlfw::core {

class cxl_core;
class port;
class memdev;
class region;
class decoder;

inline constexpr std::string_view cxl_bus_name = "cxl";
inline constexpr std::string_view port_driver_name = "cxl_port";
inline constexpr std::string_view mem_driver_name = "cxl_mem";

enum class port_kind : std::uint8_t {
    root,        ///< root0: the ACPI CXL root; its dports are host bridges
    host_bridge, ///< a VH host bridge's port: uport the host bridge, dports its root ports
    switch_port, ///< a switch: uport the upstream port, dports its downstream ports
    endpoint,    ///< endpointN: uport the memdev; no dports
};

constexpr std::string_view to_string(port_kind k) noexcept {
    switch (k) {
    case port_kind::root:
        return "root";
    case port_kind::host_bridge:
        return "host-bridge";
    case port_kind::switch_port:
        return "switch";
    case port_kind::endpoint:
        return "endpoint";
    }
    return "?";
}

enum class decoder_kind : std::uint8_t { root, switch_decoder, endpoint };

/// A DPA partition's mode (Linux enum cxl_partition_mode); `none` until a decoder chooses.
enum class partition_mode : std::uint8_t { none, ram, pmem };

constexpr std::string_view to_string(partition_mode m) noexcept {
    switch (m) {
    case partition_mode::none:
        return "none";
    case partition_mode::ram:
        return "ram";
    case partition_mode::pmem:
        return "pmem";
    }
    return "?";
}

/// HDM decoder target type (Control bit 12): device-coherent (Type-2, Linux DEVMEM) or
/// host-only-coherent (Type-3, Linux HOSTONLYMEM).
using target_type = spec::hdm::decoder_target_type;

constexpr std::string_view to_string(target_type t) noexcept {
    return t == target_type::device_coherent ? "devmem" : "hostonly";
}

/// Linux enum cxl_devtype: a Type-2 accelerator (DEVMEM) or a Type-3 expander (CLASSMEM).
enum class memdev_type : std::uint8_t { type2 = 2, type3 = 3 };

/// Linux enum cxl_config_state, in order.
enum class region_state : std::uint8_t {
    idle,      ///< created; granularity and ways may change
    sized,     ///< HPA allocated (Linux INTERLEAVE_ACTIVE): targets may attach
    active,    ///< every position has its target and the decoders are set up
    committed, ///< every decoder on every path is committed
};

constexpr std::string_view to_string(region_state s) noexcept {
    switch (s) {
    case region_state::idle:
        return "idle";
    case region_state::sized:
        return "sized";
    case region_state::active:
        return "active";
    case region_state::committed:
        return "committed";
    }
    return "?";
}

/// A downstream port of a port. `dev` is the device's name: host bridges for root0, root
/// ports for a host-bridge port, downstream ports for a switch.
struct dport {
    port* owner = nullptr;
    std::string dev;
    std::uint32_t port_id = 0; ///< root0: the host bridge's _UID; else the PCIe Port Number
    bool rch = false;          ///< a CXL 1.1 host bridge (RCH): RCDs sit right below it
    std::uint64_t rcrb = 0;    ///< RCH: the RCRB address (for reports)
};

/// A device's DPA claimed by one endpoint decoder: [base, base + size), with `skip` bytes
/// before base left unused (Linux cxled->dpa_res, cxled->skip).
struct dpa_extent {
    std::uint64_t base = 0;
    std::uint64_t size = 0;
    std::uint64_t skip = 0;
    friend bool operator==(dpa_extent const&, dpa_extent const&) = default;
};

/// One HDM decoder (Linux struct cxl_decoder and its root/switch/endpoint forms).
class decoder {
public:
    decoder(decoder_kind k, port& owner, unsigned id, std::string name)
        : kind_{k}, owner_{&owner}, id_{id}, name_{std::move(name)} {}

    decoder_kind kind() const noexcept { return kind_; }
    port& owner() const noexcept { return *owner_; }
    unsigned id() const noexcept { return id_; }
    std::string const& name() const noexcept { return name_; }

    // HPA decode (root: the window; others: programmed or found committed)
    std::uint64_t base = 0;
    std::uint64_t size = 0;
    unsigned ways = 1;
    unsigned granularity = 256;
    target_type type = target_type::host_only_coherent;
    bool enabled = false;     ///< Committed (Linux CXL_DECODER_F_ENABLE)
    bool locked = false;      ///< committed with Lock On Commit
    bool passthrough = false; ///< a port without HDM registers (one dport): nothing to program
    class region* region = nullptr;

    /// Root and switch decoders: the dport ids of positions 0..ways-1 (root: host bridge
    /// UIDs from the CFMWS; switch: PCIe port numbers).
    std::vector<std::uint32_t> targets;
    unsigned max_targets = 0; ///< switch: the HDM Target Count

    // Root decoders (a CFMWS window)
    std::uint16_t restrictions = 0; ///< spec::cfmws_restrict bits
    std::uint16_t qos_class = 0;
    spec::interleave_arithmetic arithmetic = spec::interleave_arithmetic::modulo;
    spec::xormap_list xormaps{};
    unsigned window = 0; ///< the CFMWS's subtable index

    // Endpoint decoders
    std::optional<dpa_extent> dpa;
    partition_mode mode = partition_mode::none;
    int pos = -1;                ///< position in its region
    bool auto_committed = false; ///< found committed at enumeration (Linux STATE_AUTO)

    bool allows(std::uint16_t bits) const noexcept { return (restrictions & bits) == bits; }

private:
    decoder_kind kind_;
    port* owner_;
    unsigned id_;
    std::string name_;
};

/// The HDM decoder registers of a port, once mapped.
struct hdm_map {
    reg_block regs;
    spec::hdm::decoder_capability cap;
};

class port final : public base::device {
public:
    port(cxl_core& core, std::string name, port_kind kind, unsigned id, std::string uport)
        : device{std::move(name), std::string{cxl_bus_name}}, core_{&core}, kind_{kind}, id_{id},
          uport_{std::move(uport)} {}
    ~port() override;

    cxl_core& core() const noexcept { return *core_; }
    port_kind kind() const noexcept { return kind_; }
    unsigned id() const noexcept { return id_; }
    /// The device this port stands for: ACPI0017 (root), the host bridge, the switch's
    /// upstream port, or the memdev (endpoint).
    std::string const& uport() const noexcept { return uport_; }
    port* parent_port() const noexcept { return parent_; }
    struct dport* parent_dport() const noexcept {
        return parent_dport_;
    }
    unsigned depth() const noexcept { return depth_; }

    std::span<std::unique_ptr<struct dport> const> dports() const noexcept { return dports_; }
    struct dport* find_dport(std::string_view dev) const noexcept {
        for (auto const& d : dports_)
            if (d->dev == dev) return d.get();
        return nullptr;
    }
    struct dport* find_dport(std::uint32_t port_id) const noexcept {
        for (auto const& d : dports_)
            if (d->port_id == port_id) return d.get();
        return nullptr;
    }
    std::span<std::unique_ptr<decoder> const> decoders() const noexcept { return decoders_; }
    decoder* find_decoder(unsigned id) const noexcept {
        for (auto const& d : decoders_)
            if (d->id() == id) return d.get();
        return nullptr;
    }

    /// The component register block (host bridge: the CHBCR; switch: the upstream port's;
    /// endpoint: the memdev's), if the port has one.
    std::optional<reg_block> const& component() const noexcept { return component_; }
    std::optional<hdm_map> const& hdm() const noexcept { return hdm_; }
    /// Highest committed decoder (Linux commit_end), -1 for none.
    int commit_end() const noexcept { return commit_end_; }
    /// Highest decoder with a DPA allocation (Linux hdm_end), -1 for none.
    int hdm_end() const noexcept { return hdm_end_; }

    /// Endpoint ports: the memdev.
    memdev* endpoint_memdev() const noexcept { return memdev_; }
    /// Memdevs below this port that registered their interest, and the dport toward each
    /// (Linux port->endpoints / struct cxl_ep).
    std::map<std::string, struct dport*, std::less<>> const& endpoints() const noexcept {
        return eps_;
    }
    /// The last probe failure of the port driver, if any.
    std::optional<fact> const& last_fact() const noexcept { return last_fact_; }
    void set_last_fact(std::optional<fact> f) { last_fact_ = std::move(f); }

private:
    friend class cxl_core;
    friend struct port_access;

    cxl_core* core_;
    port_kind kind_;
    unsigned id_;
    std::string uport_;
    port* parent_ = nullptr;
    struct dport* parent_dport_ = nullptr;
    unsigned depth_ = 0;
    std::optional<reg_block> component_;
    std::optional<hdm_map> hdm_;
    std::vector<std::unique_ptr<struct dport>> dports_;
    std::vector<std::unique_ptr<decoder>> decoders_;
    int commit_end_ = -1;
    int hdm_end_ = -1;
    memdev* memdev_ = nullptr;
    std::vector<port*> children_; ///< ports whose parent_ is this one (teardown walks them)
    std::map<std::string, struct dport*, std::less<>> eps_;
    std::map<class region*, decoder*> region_decoders_;
    bool dead_ = false;
    std::optional<fact> last_fact_;
};

/// What a memdev's creator knows about the device (Linux struct cxl_dev_state).
struct memdev_desc {
    memdev_type type = memdev_type::type3;
    std::uint64_t serial = 0;
    std::uint64_t ram_size = 0;  ///< the volatile partition, DPA [0, ram_size)
    std::uint64_t pmem_size = 0; ///< the persistent partition, right after
    /// The device's component registers (its HDM decoders); none: the endpoint has none.
    std::optional<reg_block> component;
    bool rcd = false;        ///< a CXL 1.1 device below an RCH: no ports to enumerate
    bool media_ready = true; ///< what cxl_pci found (Linux cxlds->media_ready)
    bool direct = false;     ///< attached by its own driver: cxl_mem never binds it
    std::string firmware;    ///< Identify's firmware revision (reports)
    /// The mailbox records the capacity came from (`cxl list -I` shows them).
    std::optional<spec::mbox::identify> identify;
    std::optional<spec::mbox::partition_info> partition;
};

/// Linux 7.0 struct cxl_memdev_attach: runs in cxl_mem's probe once the endpoint is attached;
/// an error fails the bind.
using attach_probe = std::function<status(memdev&)>;

class memdev final : public base::device {
public:
    memdev(cxl_core& core, std::string name, unsigned id, memdev_desc desc, attach_probe probe)
        : device{std::move(name), std::string{cxl_bus_name}}, core_{&core}, id_{id},
          desc_{std::move(desc)}, probe_{std::move(probe)}, direct_{desc_.direct} {}
    ~memdev() override;

    cxl_core& core() const noexcept { return *core_; }
    unsigned id() const noexcept { return id_; }
    memdev_desc const& desc() const noexcept { return desc_; }
    std::uint64_t ram_size() const noexcept { return desc_.ram_size; }
    std::uint64_t pmem_size() const noexcept { return desc_.pmem_size; }
    std::uint64_t dpa_size() const noexcept { return desc_.ram_size + desc_.pmem_size; }
    bool rcd() const noexcept { return desc_.rcd; }
    attach_probe const& probe() const noexcept { return probe_; }
    /// Attached by its own driver (direct attach): the cxl bus never matches it to cxl_mem.
    bool direct() const noexcept { return direct_.load(std::memory_order_acquire); }

    /// The endpoint port, or nullptr (Linux memdev->endpoint: ERR_PTR(-ENXIO), then the
    /// port, then NULL once deleted).
    port* endpoint() const noexcept { return endpoint_; }
    /// The last fact of cxl_mem's probe (or of the direct attach), if any.
    std::optional<fact> const& last_fact() const noexcept { return last_fact_; }
    void set_last_fact(std::optional<fact> f) { last_fact_ = std::move(f); }

private:
    friend class cxl_core;
    friend struct port_access;

    cxl_core* core_;
    unsigned id_;
    memdev_desc desc_;
    attach_probe probe_;
    std::atomic<bool> direct_;
    port* endpoint_ = nullptr;
    std::set<port*> interest_;    ///< ports whose eps_ name this memdev (its path to the root)
    std::vector<port*> ep_ports_; ///< endpoint ports made for it that still exist
    std::string owner_; ///< the device whose binding holds the attach (memdev or its driver's)
    std::optional<fact> last_fact_;
};

/// A region (Linux struct cxl_region): HPA of a root decoder, interleaved over endpoint
/// decoders by position.
class region {
public:
    region(unsigned id, decoder& root, partition_mode mode, target_type type)
        : id_{id}, name_{"region" + std::to_string(id)}, root_{&root}, mode_{mode}, type_{type} {}

    unsigned id() const noexcept { return id_; }
    std::string const& name() const noexcept { return name_; }
    decoder& root() const noexcept { return *root_; }
    partition_mode mode() const noexcept { return mode_; }
    target_type type() const noexcept { return type_; }
    unsigned ways() const noexcept { return ways_; }
    unsigned granularity() const noexcept { return granularity_; }
    std::uint64_t base() const noexcept { return base_; }
    std::uint64_t size() const noexcept { return size_; }
    region_state state() const noexcept { return state_; }
    /// Endpoint decoders by position (nullptr where none yet).
    std::span<decoder* const> targets() const noexcept { return targets_; }

private:
    friend class cxl_core;
    friend struct port_access;

    unsigned id_;
    std::string name_;
    decoder* root_;
    partition_mode mode_;
    target_type type_;
    unsigned ways_ = 0;
    unsigned granularity_ = 0;
    std::uint64_t base_ = 0;
    std::uint64_t size_ = 0;
    std::vector<decoder*> targets_;
    unsigned nr_targets_ = 0;
    region_state state_ = region_state::idle;
};

/// A range of host physical addresses.
struct hpa_range {
    std::uint64_t start = 0;
    std::uint64_t size = 0;
    friend bool operator==(hpa_range const&, hpa_range const&) = default;
    friend std::ostream& operator<<(std::ostream& os, hpa_range const& r) {
        return os << "HPA " << detail::hex(r.start) << "+" << detail::hex(r.size);
    }
};

/// The state of the CXL core of one host (Linux: the cxl_core module's globals).
class cxl_core {
public:
    explicit cxl_core(base::host& h) : host_{&h} {}
    cxl_core(cxl_core const&) = delete;
    cxl_core& operator=(cxl_core const&) = delete;

    base::host& host() const noexcept { return *host_; }
    virtual_clock& clock() const noexcept { return host_->clock(); }
    std::recursive_mutex& mutex() const noexcept { return mu_; }

    // --- lookup --------------------------------------------------------------------------

    port* root() const {
        std::lock_guard lk{mu_};
        return root_;
    }
    port* port_by_uport(std::string_view uport) const {
        std::lock_guard lk{mu_};
        auto it = by_uport_.find(uport);
        return it == by_uport_.end() || it->second->dead_ ? nullptr : it->second;
    }
    port* find_port(std::string_view name) const {
        port* p = find_port_any(name);
        return p && !p->dead_ ? p : nullptr;
    }
    /// A port by name, also one being unregistered (until the host destroys it).
    port* find_port_any(std::string_view name) const {
        std::lock_guard lk{mu_};
        auto it = port_names_.find(name);
        return it == port_names_.end() ? nullptr : it->second;
    }
    /// Live ports by id (root0 first).
    std::vector<port*> ports() const {
        std::lock_guard lk{mu_};
        std::vector<port*> out;
        for (auto [id, p] : ports_)
            if (!p->dead_) out.push_back(p);
        return out;
    }
    memdev* find_memdev(std::string_view name) const {
        std::lock_guard lk{mu_};
        auto it = memdev_names_.find(name);
        return it == memdev_names_.end() ? nullptr : it->second;
    }
    /// Memdevs by id.
    std::vector<memdev*> memdevs() const {
        std::lock_guard lk{mu_};
        std::vector<memdev*> out;
        for (auto [id, m] : memdevs_)
            out.push_back(m);
        return out;
    }
    /// Regions by id.
    std::vector<region*> regions() const {
        std::lock_guard lk{mu_};
        std::vector<region*> out;
        for (auto const& [id, r] : regions_)
            out.push_back(r.get());
        return out;
    }
    region* find_region(std::string_view name) const {
        std::lock_guard lk{mu_};
        for (auto const& [id, r] : regions_)
            if (r->name() == name) return r.get();
        return nullptr;
    }
    /// "decoderP.N".
    decoder* find_decoder(std::string_view name) const {
        std::lock_guard lk{mu_};
        for (auto [id, p] : ports_)
            for (auto const& d : p->decoders_)
                if (d->name() == name && !p->dead_) return d.get();
        return nullptr;
    }
    /// The port that has a dport for `dev` (Linux find_cxl_port()).
    port* port_of_dport(std::string_view dev, dport** out = nullptr) const {
        std::lock_guard lk{mu_};
        for (auto [id, p] : ports_) {
            if (p->dead_) continue;
            if (auto* d = p->find_dport(dev)) {
                if (out) *out = d;
                return p;
            }
        }
        return nullptr;
    }

    // --- names -------------------------------------------------------------------------------

    /// Reserve port id `id` for the port whose uport is `uport` (for an endpoint port: the
    /// memdev's parent device). The platform glue reserves ids in topology order.
    void name_port(std::string uport, unsigned id) {
        std::lock_guard lk{mu_};
        port_hint_[std::move(uport)] = id;
        reserved_ports_.insert(id);
    }
    /// Reserve memdev id `id` for the memdev of device `parent`.
    void name_memdev(std::string parent, unsigned id) {
        std::lock_guard lk{mu_};
        memdev_hint_[std::move(parent)] = id;
        reserved_memdevs_.insert(id);
    }
    /// Ask for region id `id` for the region the Type-2 helper (probe_mem) creates for the
    /// memdev of device `parent`, so which of several accelerators probes first does not
    /// change their names. A hint, not a reservation: other regions take the lowest free id
    /// in creation order (Linux's rule), and a hint already taken falls back to that too.
    void name_region(std::string parent, unsigned id) {
        std::lock_guard lk{mu_};
        region_hint_[std::move(parent)] = id;
    }

    // --- links -------------------------------------------------------------------------------

    /// Whether the link below `dport` (a root port, downstream port or RCH) is known down.
    bool link_is_down(std::string_view dport) const {
        std::lock_guard lk{mu_};
        return links_down_.contains(dport);
    }

    // --- messages ----------------------------------------------------------------------------

    /// What the core and the stock drivers reported without failing (windows skipped, ...),
    /// in order.
    std::vector<std::string> messages() const {
        std::lock_guard lk{mu_};
        return messages_;
    }
    void note(std::string text) {
        std::lock_guard lk{mu_};
        messages_.push_back(std::move(text));
    }

private:
    friend class port;
    friend class memdev;
    friend struct port_access;

    static unsigned lowest_free(std::set<unsigned> const& used, std::set<unsigned> const& reserved,
                                unsigned from) {
        unsigned id = from;
        while (used.contains(id) || reserved.contains(id))
            ++id;
        return id;
    }

    unsigned alloc_port_id(std::string const& key) {
        if (auto it = port_hint_.find(key);
            it != port_hint_.end() && !port_ids_.contains(it->second))
            return it->second;
        return lowest_free(port_ids_, reserved_ports_, 1);
    }
    unsigned alloc_memdev_id(std::string const& key) {
        if (auto it = memdev_hint_.find(key);
            it != memdev_hint_.end() && !memdev_ids_.contains(it->second))
            return it->second;
        return lowest_free(memdev_ids_, reserved_memdevs_, 0);
    }
    unsigned alloc_region_id(std::string const& key) const {
        if (auto it = region_hint_.find(key);
            it != region_hint_.end() && !regions_.contains(it->second))
            return it->second;
        unsigned id = 0;
        while (regions_.contains(id))
            ++id;
        return id;
    }

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
    std::map<std::string, unsigned, std::less<>> region_hint_;
    std::set<unsigned> port_ids_, memdev_ids_, reserved_ports_, reserved_memdevs_;
    std::map<std::string, unsigned, std::less<>> port_hint_, memdev_hint_;
    std::set<std::string, std::less<>> links_down_;
    std::vector<std::string> messages_;
};

/// The core's friend: the operations in the other core headers reach the objects' private
/// state through it (one place to audit who changes what).
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

    static unsigned& ways(region& r) { return r.ways_; }
    static unsigned& granularity(region& r) { return r.granularity_; }
    static std::uint64_t& base(region& r) { return r.base_; }
    static std::uint64_t& size(region& r) { return r.size_; }
    static std::vector<decoder*>& targets(region& r) { return r.targets_; }
    static unsigned& nr_targets(region& r) { return r.nr_targets_; }
    static region_state& state(region& r) { return r.state_; }

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
    static void add_ep(port& p, memdev& m, dport* dp) {
        p.eps_[m.name()] = dp;
        m.interest_.insert(&p);
    }
    /// Ends it; false if there was none.
    static bool del_ep(port& p, memdev& m) {
        m.interest_.erase(&p);
        return p.eps_.erase(m.name()) > 0;
    }
    static std::map<unsigned, std::unique_ptr<region>>& regions(cxl_core& c) { return c.regions_; }
    static std::set<unsigned>& port_ids(cxl_core& c) { return c.port_ids_; }
    static std::set<unsigned>& memdev_ids(cxl_core& c) { return c.memdev_ids_; }
    static std::set<std::string, std::less<>>& links_down(cxl_core& c) { return c.links_down_; }
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

// --- forgetting destroyed devices (the host destroys them; the core must not keep them) --------

inline void cxl_core::forget(port& p) {
    // Only the objects linked to p are visited: the teardown of N ports stays linear.
    std::lock_guard lk{mu_};
    if (auto it = ports_.find(p.id()); it != ports_.end() && it->second == &p) ports_.erase(it);
    if (auto it = port_names_.find(p.name()); it != port_names_.end() && it->second == &p)
        port_names_.erase(it);
    if (auto it = by_uport_.find(p.uport()); it != by_uport_.end() && it->second == &p)
        by_uport_.erase(it);
    if (root_ == &p) root_ = nullptr;
    port_ids_.erase(p.id());
    if (memdev* m = p.memdev_) {
        if (m->endpoint_ == &p) m->endpoint_ = nullptr;
        std::erase(m->ep_ports_, &p);
    }
    if (p.parent_) std::erase(p.parent_->children_, &p);
    for (auto* q : p.children_) {
        q->parent_ = nullptr;
        q->parent_dport_ = nullptr;
    }
    for (auto const& [name, dp] : p.eps_)
        if (auto it = memdev_names_.find(name); it != memdev_names_.end())
            it->second->interest_.erase(&p);
    // Regions that use this port's decoders lose them: drop them without touching hardware
    // (the orderly paths reset and delete regions before a port goes).
    for (auto it = regions_.begin(); it != regions_.end();) {
        region& r = *it->second;
        bool uses = &r.root().owner() == &p || p.region_decoders_.contains(&r);
        for (auto* t : r.targets_)
            if (t && &t->owner() == &p) uses = true;
        if (uses) {
            for (auto [id, q] : ports_) {
                if (auto d = q->region_decoders_.find(&r); d != q->region_decoders_.end()) {
                    if (d->second->region == &r) d->second->region = nullptr;
                    q->region_decoders_.erase(d);
                }
            }
            for (auto* t : r.targets_)
                if (t && t->region == &r) {
                    t->region = nullptr;
                    t->pos = -1;
                }
            it = regions_.erase(it);
        } else {
            ++it;
        }
    }
}

inline void cxl_core::forget(memdev& m) {
    std::lock_guard lk{mu_};
    if (auto it = memdevs_.find(m.id()); it != memdevs_.end() && it->second == &m)
        memdevs_.erase(it);
    if (auto it = memdev_names_.find(m.name()); it != memdev_names_.end() && it->second == &m)
        memdev_names_.erase(it);
    memdev_ids_.erase(m.id());
    for (auto* p : m.interest_)
        p->eps_.erase(m.name());
    for (auto* p : m.ep_ports_)
        if (p->memdev_ == &m) p->memdev_ = nullptr;
}

inline port::~port() {
    core_->forget(*this);
}
inline memdev::~memdev() {
    core_->forget(*this);
}

// --- the cxl bus and its drivers -----------------------------------------------------------------

enum class cxl_device_kind : std::uint8_t { port, memdev };

/// A driver on the "cxl" bus (Linux struct cxl_driver): it drives ports (every port but the
/// root) or memdevs (every memdev not attached directly by its own driver).
class cxl_driver : public base::driver {
public:
    cxl_driver(std::string name, cxl_device_kind kind,
               base::probe_type type = base::probe_type::sync)
        : driver{std::move(name), std::string{cxl_bus_name}, type}, kind_{kind} {}
    cxl_device_kind kind() const noexcept { return kind_; }

private:
    cxl_device_kind kind_;
};

class cxl_bus final : public base::bus_type {
public:
    explicit cxl_bus(base::host& h) : bus_type{std::string{cxl_bus_name}}, core_{h} {}

    cxl_core& core() noexcept { return core_; }

    bool match(base::device const& dev, base::driver const& drv) const override {
        auto const* d = dynamic_cast<cxl_driver const*>(&drv);
        if (!d) return false;
        if (auto const* p = dynamic_cast<port const*>(&dev))
            return d->kind() == cxl_device_kind::port && p->kind() != port_kind::root;
        if (auto const* m = dynamic_cast<memdev const*>(&dev))
            return d->kind() == cxl_device_kind::memdev && !m->direct();
        return false;
    }

    status admit(base::device const& dev) const override {
        if (dynamic_cast<port const*>(&dev) || dynamic_cast<memdev const*>(&dev)) return {};
        return base::errc::wrong_device_type;
    }

private:
    cxl_core core_;
};

/// The CXL core of `h`, registering the "cxl" bus on first use (Linux cxl_core_init). A
/// "cxl" bus of another type in the host is a programming error (std::bad_cast).
inline cxl_core& attach(base::host& h) {
    if (auto* b = dynamic_cast<cxl_bus*>(h.find_bus(cxl_bus_name))) return b->core();
    if (auto added = h.add_bus(std::make_unique<cxl_bus>(h))) return (*added)->core();
    return dynamic_cast<cxl_bus&>(*h.find_bus(cxl_bus_name)).core(); // registered meanwhile
}

/// The CXL core of `h`, or nullptr if core::attach() was never called.
inline cxl_core* find(base::host const& h) {
    auto* b = dynamic_cast<cxl_bus*>(h.find_bus(cxl_bus_name));
    return b ? &b->core() : nullptr;
}

} // namespace cxlfw::core
