// The objects of the CXL core (Linux drivers/cxl/cxl.h, cxlmem.h):
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
// The state that holds them is core/registry.hpp (cxl_core); the "cxl" bus that owns it and
// matches the port and memdev drivers is core/bus.hpp (core::attach(host)). A port's or
// memdev's destructor removes it from the registry.
#pragma once

#include <cxlfw/config.hpp>

#include <cxlfw/base/device.hpp>
#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/regs.hpp>
#include <cxlfw/result.hpp>
#include <cxlfw/spec/component.hpp>
#include <cxlfw/spec/interleave_math.hpp>
#include <cxlfw/spec/mailbox.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
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
    decoder(decoder_kind k, port& owner, unsigned id, std::string name);
    ~decoder();

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
    /// The core committed it and could not reset it (the component did not answer): it stays
    /// in use, and the reset is retried when its port is enumerated again (hdm.hpp).
    bool reset_owed = false;
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

/// What a port's or memdev's driver last reported: the fact of the last failed probe of
/// cxl_port or cxl_mem (or of a direct attach), kept for reports until a probe succeeds.
class last_fact_keeper {
public:
    std::optional<fact> const& last_fact() const noexcept { return last_fact_; }
    void set_last_fact(std::optional<fact> f) { last_fact_ = std::move(f); }

private:
    std::optional<fact> last_fact_;
};

class port final : public base::device, public last_fact_keeper {
public:
    port(cxl_core& core, std::string name, port_kind kind, unsigned id, std::string uport);
    CXLFW_DECL ~port() override;

    cxl_core& core() const noexcept { return *core_; }
    /// Still in the core: neither removed nor being unregistered.
    bool live() const noexcept { return !dead_ && !removing(); }
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
    struct dport* find_dport(std::string_view dev) const noexcept;
    struct dport* find_dport(std::uint32_t port_id) const noexcept;
    std::span<std::unique_ptr<decoder> const> decoders() const noexcept { return decoders_; }
    decoder* find_decoder(unsigned id) const noexcept;

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
    bool forgotten_ = false; ///< gone from the registry (removed); destroyed later

    /// The host removed it: the registry forgets it now (it is destroyed later).
    CXLFW_DECL void on_removed() noexcept override;
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

/// A direct attach's owner, told that the memdev lost its path (its root, a port above it, or
/// its link went; core/port.hpp set_detach_handler). True: the owner's binding takes it over
/// (it releases its attach and decides again); false: the owner's driver is released, as
/// Linux 7.0 does.
using detach_handler = std::function<bool(memdev&)>;

class memdev final : public base::device, public last_fact_keeper {
public:
    memdev(cxl_core& core, std::string name, unsigned id, memdev_desc desc, attach_probe probe);
    CXLFW_DECL ~memdev() override;

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
    detach_handler on_detach_; ///< direct attach: the owner's say when the path goes
    bool forgotten_ = false;   ///< gone from the registry (removed); destroyed later

    CXLFW_DECL void on_removed() noexcept override;
};

/// A region (Linux struct cxl_region): HPA of a root decoder, interleaved over endpoint
/// decoders by position.
class region {
public:
    region(unsigned id, decoder& root, partition_mode mode, target_type type);
    ~region();

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
    /// Assembled from decoders firmware committed (Linux CXL_REGION_F_AUTO), not created.
    bool auto_assembled() const noexcept { return auto_; }
    /// A decoder of it was committed with Lock-On-Commit (Linux CXL_REGION_F_LOCK): it cannot
    /// be reset, and tearing it down leaves the hardware decoding it.
    bool locked() const noexcept { return locked_; }

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
    bool auto_ = false;
    bool locked_ = false;
};

/// A range of host physical addresses.
struct hpa_range {
    std::uint64_t start = 0;
    std::uint64_t size = 0;
    friend bool operator==(hpa_range const&, hpa_range const&) = default;
    friend std::ostream& operator<<(std::ostream& os, hpa_range const& r);
};

} // namespace cxlfw::core

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/core/impl/objects.ipp>
#endif
