// The emulated machine: nodes (node.hpp: the ACPI CXL root, host bridges, PCI functions) with
// register models, the system MMIO address space, the CEDT, a virtual clock, the fault hook,
// events. Build one with emu::build(topology) (build.hpp) or a preset from topologies.hpp.
//
//   auto p = emu::build(emu::qemu_q35_topology()).value();
//   auto cedt = spec::parse_cedt(p->cedt());                       // what cxl_acpi reads
//   emu::node& ep = p->at(p->endpoints().front());
//   hw::bus_ref cfg = ep.config();                                 // config space as a bus
//   auto rl = hw::read_register_locator(ep.config()).value();
//   auto at = hw::register_block_address(ep.config(), *rl.find(spec::register_block_id::device));
//   hw::window regs{p->mmio(), *at, 64_KiB};                       // "ioremap"
//
// Reachability. A function that was surprise-removed, or that sits below a port whose link is
// down (or below a removed switch), reads all ones and drops writes, in config space and
// behind its BARs, as PCIe does. Raising the link again resets the functions below it (a
// link-down is a reset in PCIe), so their readiness delays start again.
//
// Threads: register accesses, events, hot-add/removal, link changes, resets and counters are
// serialised by one mutex (the driver model may probe on worker threads). Event listeners run
// outside it. A node's identity (id, kind, name, address, parent) never changes.
//
// impl/platform.ipp defines the nodes, events, state changes and introspection;
// impl/access.ipp the register access paths (config space, MMIO, the blocks behind them).
#pragma once

#include <cxlfw/clock.hpp>
#include <cxlfw/config.hpp>
#include <cxlfw/emu/devices.hpp>
#include <cxlfw/emu/errc.hpp>
#include <cxlfw/emu/events.hpp>
#include <cxlfw/emu/fault.hpp>
#include <cxlfw/emu/hdm.hpp>
#include <cxlfw/emu/node.hpp>
#include <cxlfw/emu/profiles.hpp>
#include <cxlfw/emu/types.hpp>
#include <cxlfw/hw/errc.hpp>
#include <cxlfw/result.hpp>
#include <cxlfw/spec/cedt.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cxlfw::emu {

/// How arrival_order() shuffles.
enum class arrival {
    parents_first, ///< a random order in which every node comes after its parent
    any,           ///< a uniformly random order, parents not first
};

class platform {
public:
    platform(platform const&) = delete;
    platform& operator=(platform const&) = delete;
    ~platform();

    virtual_clock& clock() noexcept { return clock_; }
    fault_hook& faults() noexcept { return faults_; }
    mmio_bus& mmio() noexcept { return mmio_; }
    emu::timing const& timing() const noexcept { return timing_; }
    /// The ACPI CEDT this machine's firmware publishes (parse with spec::parse_cedt).
    std::span<const std::byte> cedt() const noexcept { return cedt_; }

    // --- nodes -------------------------------------------------------------------------------
    std::size_t node_count() const;
    /// The node with this id; std::out_of_range for an id the platform does not have.
    node& at(node_id id);
    node const& at(node_id id) const;
    node* find(node_id id) noexcept;
    /// By name (`0000:0d:00.0`, `pci0000:0c`, `ACPI0017:00`); linear in the node count. A
    /// device hot-added where one was removed has the same name: the newest node wins.
    node* find(std::string_view name) noexcept;
    node_id cxl_root() const noexcept { return node_id{0}; }
    /// The host bridge with this _UID.
    node* host_bridge(std::uint32_t uid) noexcept;
    /// Present nodes of a kind, in id order.
    std::vector<node_id> of_kind(node_kind k) const;
    std::vector<node_id> host_bridges() const { return of_kind(node_kind::host_bridge); }
    /// Present endpoints and RCDs, in id order.
    std::vector<node_id> endpoints() const;
    /// Whether a node's registers can be reached: present, and no removed ancestor or down
    /// link above it.
    bool reachable(node_id id) const;

    /// Every present node in id order: the order firmware enumerates them.
    std::vector<node_id> enumeration_order() const;

    /// Every present node in an order drawn from `seed`: the order in which the driver model
    /// sees devices appear. The same seed always gives the same order (splitmix64, our own
    /// shuffle: no dependence on the standard library's distributions).
    std::vector<node_id> arrival_order(std::uint64_t seed,
                                       arrival mode = arrival::parents_first) const;

    // --- the ACPI0017 root -------------------------------------------------------------------
    bool acpi_root_present() const noexcept { return nodes_.front().present(); }
    /// The CXL root object appears (an ACPI hot-add, or firmware that publishes it late).
    status add_acpi_root();
    status remove_acpi_root();

    // --- events ------------------------------------------------------------------------------
    subscription_id subscribe(event_listener listener);
    bool unsubscribe(subscription_id id);
    /// Every event so far, in order.
    std::vector<event> event_log() const;

    /// A device appears below an empty root or downstream port (PCIe hot-add): a new node at
    /// the port's secondary bus, device 0, with a BAR from the MMIO window, powered on now.
    result<node_id> hot_add(node_id port, endpoint_spec const& spec,
                            std::optional<std::uint64_t> serial = std::nullopt);

    /// The node and everything below it disappear (PCIe surprise removal); device_removed
    /// events come deepest first. Switches (by their upstream port), endpoints and RCDs can
    /// be removed.
    status surprise_remove(node_id id);

    /// Link down (or up) at a root port, downstream port or RCH. Below a down link every
    /// function reads all ones; bringing the link up resets them.
    status set_link(node_id port, bool up);

    /// Conventional reset of one node's registers: config, component block (decoders unlock
    /// and clear), mailbox; readiness delays start again.
    status reset(node_id id);

    // --- introspection (tests, reports) ------------------------------------------------------
    access_counts counts(node_id id) const;
    void clear_counts();
    /// Register accesses and commands made since build (or clear_counts()).
    std::uint64_t total_accesses() const;
    /// Decoder n of a node's HDM decoders as it stands now (idle if it has none).
    hdm_decoders::decoder decoder(node_id id, unsigned n);
    /// Make a node's RAS capability report errors.
    status inject_ras(node_id id, std::uint32_t uncorrectable, std::uint32_t correctable);
    /// Whether a node's lazily allocated state exists (memory accounting tests).
    bool mailbox_allocated(node_id id) const;

    // --- device memory behind the HPA (impl/memory.ipp) --------------------------------------
    /// Where the hardware sends a host physical address: the device and its DPA.
    struct hpa_decode {
        node_id device = no_node;
        unsigned decoder = 0; ///< the device's HDM decoder that claimed it
        std::uint64_t dpa = 0;
        friend bool operator==(hpa_decode const&, hpa_decode const&) = default;
        /// "node 5 decoder 0 DPA 0x1000"
        friend CXLFW_DECL std::ostream& operator<<(std::ostream& os, hpa_decode const& d);
    };
    /// The decode an access to `hpa` takes: the window (modulo, or XOR with its CXIMS), each
    /// committed host-bridge and switch decoder, the link at each port, the device's committed
    /// decoder (CXL 3.1 §8.2.4.20, §9.18). errc::hpa_not_decoded when one level does not
    /// claim it; `why` then names the address and that level. The MMIO bus reads and writes
    /// device memory this way (sparse: only written 4 KiB pages exist).
    result<hpa_decode> decode_hpa(std::uint64_t hpa, std::string* why = nullptr);
    /// Bytes of device memory that exist (pages written), for the memory tests.
    std::uint64_t memory_allocated(node_id id) const;
    /// 8 bytes of a device's memory at `dpa`, as the device holds them (no decode).
    std::uint64_t memory_at(node_id id, std::uint64_t dpa) const;

private:
    friend class config_bus;
    friend class mmio_bus;
    friend class node;
    friend struct detail::platform_builder;

    platform();

    enum class block : std::uint8_t {
        bar0,      ///< a function's BAR0: component block and/or device registers
        chbcr,     ///< a VH host bridge's component block at its CHBS base
        rcrb,      ///< an RCH's 8 KiB RCRB: downstream port, then the RCD's upstream port
        component, ///< a separate component block (RCH downstream port, RCD)
    };
    struct mmio_range {
        std::uint64_t base;
        std::uint64_t size;
        node* target;
        block kind;
    };

    // --- register paths (impl/access.ipp; called with the mutex held) ------------------------

    static bool reachable(node const& n) noexcept;
    bool link_active(node const& port) const noexcept;
    config_context config_ctx(node const& n) noexcept;
    hdm_context hdm_ctx(node const& n, std::span<const std::uint8_t> dports) noexcept;
    device_context device_ctx(node& n) noexcept;
    /// Counts the access; what a fault rule does to it, if one hits it.
    std::optional<fault_effect> enter(node& n, access const& a);
    /// One access (a read if `value` is empty) to a block modelled as dwords, `at` bytes into
    /// the structure of region `r` that faults and counters name: counted, offered to the
    /// fault hook, all ones (or dropped) when unreachable, else read from or written to
    /// `block` (impl/access.ipp's block_view or config_view) a dword at a time. Config space,
    /// RCRBs, component and device register blocks all go through it.
    template <class Block>
    result<std::uint64_t> dword_access(node& n, region r, std::uint64_t at, std::uint64_t off,
                                       unsigned width, std::optional<std::uint64_t> value,
                                       Block const& block);
    result<std::uint64_t> config_read(node& n, std::uint64_t off, unsigned width);
    status config_write(node& n, std::uint64_t off, unsigned width, std::uint64_t value);
    mmio_range const* find_range(std::uint64_t address, unsigned width) const noexcept;
    std::vector<std::uint8_t> dport_ids(node const& n) const;
    result<std::uint64_t> component_access(node& n, std::uint64_t off, unsigned width,
                                           std::optional<std::uint64_t> value);
    result<std::uint64_t> device_access(node& n, std::uint64_t off, unsigned width,
                                        std::optional<std::uint64_t> value);
    result<std::uint64_t> rcrb_access(node& n, std::uint64_t off, unsigned width,
                                      std::optional<std::uint64_t> value);
    /// The bus entry points (config reads and writes, MMIO) run the fault hook's due actions
    /// (fault_hook::after_nth) once the access is complete and the mutex released.
    result<std::uint64_t> mmio_access(std::uint64_t address, unsigned width,
                                      std::optional<std::uint64_t> value);
    result<std::uint64_t> mmio_dispatch(std::uint64_t address, unsigned width,
                                        std::optional<std::uint64_t> value);
    /// impl/memory.ipp, mutex held.
    spec::cfmws const* window_of(std::uint64_t hpa) const noexcept;
    result<hpa_decode> decode_locked(std::uint64_t hpa, std::string* why);
    result<std::uint64_t> memory_access(std::uint64_t hpa, unsigned width,
                                        std::optional<std::uint64_t> value);
    void run_due_actions();

    // --- state changes (impl/platform.ipp; mutex held) ---------------------------------------

    event record(event_kind kind, node_id id);
    /// Called without the mutex: it takes it only to copy the listeners, then calls them.
    void dispatch(std::vector<event> const& events);
    void remove_subtree(node& n, std::vector<event>& out);
    void reset_node(node& n);
    void reset_subtree(node& n);
    void insert_range(mmio_range r);
    /// The shared profile for an endpoint description (one per distinct description).
    function_profile const* endpoint_profile(endpoint_spec const& s, bool rcd);
    /// Links a new PCI function into the hierarchy below `parent` at bus/devfn.
    void attach(node& n, node* parent, function_profile const* profile, std::uint16_t segment,
                std::uint8_t bus, std::uint8_t devfn);
    /// Next free MMIO address aligned to `size` (a power of two); 0 if the window is full.
    std::uint64_t allocate_mmio(std::uint64_t size) noexcept;

    mutable std::mutex mutex_;
    virtual_clock clock_;
    fault_hook faults_;
    mmio_bus mmio_;
    emu::timing timing_{};
    std::deque<node> nodes_;
    std::vector<std::unique_ptr<function_profile>> profiles_;
    struct cached_profile {
        endpoint_spec spec;
        bool rcd;
        function_profile const* profile;
    };
    std::vector<cached_profile> endpoint_profiles_;
    std::vector<mmio_range> ranges_;
    std::uint64_t mmio_next_ = 0;
    std::uint64_t mmio_end_ = 0;
    std::uint64_t next_serial_ = 1;
    std::vector<std::byte> cedt_;
    std::vector<spec::cfmws> windows_; ///< the CEDT's, decoded (HPA decode)
    std::vector<spec::cxims> cxims_;
    std::vector<event> log_;
    std::uint64_t sequence_ = 0;
    std::vector<std::pair<subscription_id, event_listener>> listeners_;
    std::uint64_t next_subscription_ = 0;
    std::uint64_t total_accesses_ = 0;
};

} // namespace cxlfw::emu

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/emu/impl/access.ipp>
#include <cxlfw/emu/impl/memory.ipp>
#include <cxlfw/emu/impl/platform.ipp>
#endif
