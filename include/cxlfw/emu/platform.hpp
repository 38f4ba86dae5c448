// The emulated machine: nodes (the ACPI CXL root, host bridges, PCI functions) with register
// models, the system MMIO address space, the CEDT, a virtual clock, the fault hook, events.
// Build one with emu::build(topology) (build.hpp) or a preset from topologies.hpp.
//
//   auto p = emu::build(emu::qemu_q35_topology()).value();
//   auto cedt = spec::parse_cedt(p->cedt());                       // what cxl_acpi reads
//   emu::node& ep = p->at(p->endpoints().front());
//   hw::bus_ref cfg = ep.config();                                 // config space as a bus
//   auto rl = hw::read_register_locator(ep.config()).value();
//   auto at = hw::register_block_address(ep.config(), *rl.find(spec::register_block_id::device));
//   hw::window regs{p->mmio(), *at, 64_KiB};                       // "ioremap"
//
// Nodes and their order. Node 0 is the ACPI0017 CXL root; then each host bridge followed by
// its hierarchy, depth first, children in description order; hot-added devices come after.
// Parents follow the PCIe hierarchy (endpoint -> downstream port -> upstream port -> root
// port -> host bridge), so the CXL core can walk up by grandparents as Linux
// devm_cxl_enumerate_ports does. Host bridges and the root have no parent.
//
// Names: PCI functions `SSSS:BB:DD.F`; host bridges `pciSSSS:BB` (their root bus); the root
// `ACPI0017:00`.
//
// Reachability. A function that was surprise-removed, or that sits below a port whose link is
// down (or below a removed switch), reads all ones and drops writes, in config space and
// behind its BARs, as PCIe does. Raising the link again resets the functions below it (a
// link-down is a reset in PCIe), so their readiness delays start again.
//
// Threads: register accesses, events, hot-add/removal, link changes, resets and counters are
// serialised by one mutex (the driver model may probe on worker threads). Event listeners run
// outside it. A node's identity (id, kind, name, address, parent) never changes.
#pragma once

#include <cxlfw/clock.hpp>
#include <cxlfw/emu/component.hpp>
#include <cxlfw/emu/config_space.hpp>
#include <cxlfw/emu/device_regs.hpp>
#include <cxlfw/emu/devices.hpp>
#include <cxlfw/emu/errc.hpp>
#include <cxlfw/emu/events.hpp>
#include <cxlfw/emu/fault.hpp>
#include <cxlfw/emu/hdm.hpp>
#include <cxlfw/emu/profiles.hpp>
#include <cxlfw/emu/types.hpp>
#include <cxlfw/hw/bus.hpp>
#include <cxlfw/hw/errc.hpp>
#include <cxlfw/hw/lspci.hpp>
#include <cxlfw/result.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cxlfw::emu {

class platform;
class node;

namespace detail {
struct platform_builder;
/// Only the platform and its builder create nodes (the key lets std::deque construct them).
class node_key {
    friend class cxlfw::emu::platform;
    friend struct platform_builder;
    node_key() = default;
};
} // namespace detail

/// A PCI function's config space as an access bus (hw::access_bus). It lives as long as the
/// platform, so the driver model can keep an hw::bus_ref to it.
class config_bus {
public:
    result<std::uint64_t> read(std::uint64_t offset, unsigned width);
    status write(std::uint64_t offset, unsigned width, std::uint64_t value);

private:
    friend class node;
    config_bus(platform* p, node* n) noexcept : platform_{p}, node_{n} {}
    platform* platform_;
    node* node_;
};

/// The system physical address space: BARs, CHBCRs and RCRBs at the addresses the platform
/// assigned. A driver "ioremaps" with hw::window{platform.mmio(), address, size}.
class mmio_bus {
public:
    result<std::uint64_t> read(std::uint64_t address, unsigned width);
    status write(std::uint64_t address, unsigned width, std::uint64_t value);

private:
    friend class platform;
    explicit mmio_bus(platform* p) noexcept : platform_{p} {}
    platform* platform_;
};

class node {
public:
    node(detail::node_key, platform* p, node_id id, node_kind kind) noexcept
        : platform_{p}, config_{p, this}, id_{id}, kind_{kind} {}
    node(node const&) = delete;
    node& operator=(node const&) = delete;

    node_id id() const noexcept { return id_; }
    node_kind kind() const noexcept { return kind_; }
    /// Type-1/2/3 for endpoints and RCDs; none otherwise.
    device_type type() const noexcept { return type_; }
    std::string_view name() const noexcept { return name_; }
    /// ACPI hardware id: "ACPI0017" (root), "ACPI0016" (host bridges), empty for PCI functions.
    std::string_view hid() const noexcept {
        return kind_ == node_kind::cxl_root      ? "ACPI0017"
               : kind_ == node_kind::host_bridge ? "ACPI0016"
                                                 : "";
    }
    node_id parent() const noexcept { return parent_; }
    /// Children in order (a copy: hot-add may change the list).
    std::vector<node_id> children() const;
    /// False after surprise removal (and for the root before add_acpi_root()).
    bool present() const noexcept { return present_.load(std::memory_order_relaxed); }

    bool is_pci() const noexcept {
        return kind_ != node_kind::cxl_root && kind_ != node_kind::host_bridge;
    }
    bool is_port() const noexcept {
        return kind_ == node_kind::root_port || kind_ == node_kind::upstream_port ||
               kind_ == node_kind::downstream_port;
    }
    bool is_endpoint() const noexcept {
        return kind_ == node_kind::endpoint || kind_ == node_kind::rcd;
    }
    /// Root ports, downstream ports and RCHs own a link to what is below them.
    bool has_link() const noexcept {
        return kind_ == node_kind::root_port || kind_ == node_kind::downstream_port ||
               (kind_ == node_kind::host_bridge && chbs_version_ == 0);
    }
    bool link_up() const noexcept { return link_up_.load(std::memory_order_relaxed); }

    // --- PCI functions -----------------------------------------------------------------------
    hw::pci_address address() const noexcept {
        return {segment_, bus_, static_cast<std::uint8_t>(devfn_ >> 3),
                static_cast<std::uint8_t>(devfn_ & 7)};
    }
    /// PCIe Link Capabilities Port Number: the dport id Linux uses for root and downstream
    /// ports (and what HDM target lists hold).
    std::uint8_t port_number() const noexcept { return port_number_; }
    std::uint64_t serial() const noexcept { return serial_; }
    /// Config space (for nodes that are not PCI functions every access is `no_config_space`).
    config_bus& config() noexcept { return config_; }
    /// BAR0's address (0 if the function has none).
    std::uint64_t bar() const noexcept { return bar_; }
    std::uint8_t secondary_bus() const noexcept { return secondary_; }
    std::uint8_t subordinate_bus() const noexcept { return subordinate_; }

    // --- host bridges ------------------------------------------------------------------------
    std::uint32_t uid() const noexcept { return uid_; }
    std::uint32_t chbs_version() const noexcept { return chbs_version_; }
    std::uint64_t chbs_base() const noexcept { return chbs_base_; }
    std::uint16_t segment() const noexcept { return segment_; }
    /// A host bridge's root bus; a function's bus.
    std::uint8_t bus() const noexcept { return bus_; }

    // --- where the register blocks are (what a driver finds; for tests) ---------------------
    std::optional<std::uint64_t> component_base() const noexcept {
        if (!profile_ || !profile_->component) return std::nullopt;
        if (kind_ == node_kind::host_bridge) return chbs_version_ == 1 ? chbs_base_ : aux_;
        if (kind_ == node_kind::rcd) return aux_;
        return bar_;
    }
    std::optional<std::uint64_t> device_regs_base() const noexcept {
        if (!profile_ || !profile_->device) return std::nullopt;
        return bar_ + profile_->device_offset;
    }
    function_profile const& profile() const noexcept { return *profile_; }
    /// When the device last powered on (build, hot-add, reset, link up).
    vtime powered_at() const noexcept { return powered_at_; }

private:
    friend class platform;
    friend class config_bus;
    friend class mmio_bus;
    friend struct detail::platform_builder;

    platform* platform_;
    node* parent_ptr_ = nullptr;
    function_profile const* profile_ = nullptr;
    std::string name_;
    std::vector<node_id> children_;
    config_bus config_;
    access_counts counts_{};
    config_state cfg_{};
    std::unique_ptr<config_state> rcrb_cfg_;
    component_state comp_;
    device_regs_state dev_;
    std::uint64_t bar_ = 0;
    std::uint64_t aux_ = 0; ///< a separate component block (RCH downstream port, RCD)
    std::uint64_t chbs_base_ = 0;
    std::uint64_t serial_ = 0;
    vtime powered_at_{};
    node_id id_;
    node_id parent_ = no_node;
    std::uint32_t uid_ = 0;
    std::uint32_t chbs_version_ = 1;
    std::uint16_t segment_ = 0;
    std::uint8_t bus_ = 0;
    std::uint8_t devfn_ = 0;
    std::uint8_t secondary_ = 0;
    std::uint8_t subordinate_ = 0;
    std::uint8_t port_number_ = 0;
    node_kind kind_;
    device_type type_ = device_type::none;
    std::atomic<bool> present_{true};
    std::atomic<bool> link_up_{true};
};

/// How arrival_order() shuffles.
enum class arrival {
    parents_first, ///< a random order in which every node comes after its parent
    any,           ///< a uniformly random order, parents not first
};

class platform {
public:
    platform(platform const&) = delete;
    platform& operator=(platform const&) = delete;

    virtual_clock& clock() noexcept { return clock_; }
    fault_hook& faults() noexcept { return faults_; }
    mmio_bus& mmio() noexcept { return mmio_; }
    emu::timing const& timing() const noexcept { return timing_; }
    /// The ACPI CEDT this machine's firmware publishes (parse with spec::parse_cedt).
    std::span<const std::byte> cedt() const noexcept { return cedt_; }

    // --- nodes -------------------------------------------------------------------------------
    std::size_t node_count() const {
        std::lock_guard lock{mutex_};
        return nodes_.size();
    }
    /// The node with this id; std::out_of_range for an id the platform does not have.
    node& at(node_id id) {
        std::lock_guard lock{mutex_};
        return nodes_.at(index_of(id));
    }
    node const& at(node_id id) const {
        std::lock_guard lock{mutex_};
        return nodes_.at(index_of(id));
    }
    node* find(node_id id) noexcept {
        std::lock_guard lock{mutex_};
        return index_of(id) < nodes_.size() ? &nodes_[index_of(id)] : nullptr;
    }
    /// By name (`0000:0d:00.0`, `pci0000:0c`, `ACPI0017:00`); linear in the node count. A
    /// device hot-added where one was removed has the same name: the newest node wins.
    node* find(std::string_view name) noexcept {
        std::lock_guard lock{mutex_};
        for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it)
            if (it->name_ == name) return &*it;
        return nullptr;
    }
    node_id cxl_root() const noexcept { return node_id{0}; }
    /// The host bridge with this _UID.
    node* host_bridge(std::uint32_t uid) noexcept {
        std::lock_guard lock{mutex_};
        for (auto& n : nodes_)
            if (n.kind_ == node_kind::host_bridge && n.uid_ == uid) return &n;
        return nullptr;
    }
    /// Present nodes of a kind, in id order.
    std::vector<node_id> of_kind(node_kind k) const {
        std::lock_guard lock{mutex_};
        std::vector<node_id> out;
        for (auto const& n : nodes_)
            if (n.kind_ == k && n.present()) out.push_back(n.id_);
        return out;
    }
    std::vector<node_id> host_bridges() const { return of_kind(node_kind::host_bridge); }
    /// Present endpoints and RCDs, in id order.
    std::vector<node_id> endpoints() const {
        std::lock_guard lock{mutex_};
        std::vector<node_id> out;
        for (auto const& n : nodes_)
            if (n.is_endpoint() && n.present()) out.push_back(n.id_);
        return out;
    }
    /// Whether a node's registers can be reached: present, and no removed ancestor or down
    /// link above it.
    bool reachable(node_id id) const {
        std::lock_guard lock{mutex_};
        return index_of(id) < nodes_.size() && reachable(nodes_[index_of(id)]);
    }

    /// Every present node in id order: the order firmware enumerates them.
    std::vector<node_id> enumeration_order() const {
        std::lock_guard lock{mutex_};
        std::vector<node_id> out;
        for (auto const& n : nodes_)
            if (n.present()) out.push_back(n.id_);
        return out;
    }

    /// Every present node in an order drawn from `seed`: the order in which the driver model
    /// sees devices appear. The same seed always gives the same order (splitmix64, our own
    /// shuffle: no dependence on the standard library's distributions).
    std::vector<node_id> arrival_order(std::uint64_t seed,
                                       arrival mode = arrival::parents_first) const {
        std::lock_guard lock{mutex_};
        detail_rng rng{seed};
        std::vector<node_id> out;
        if (mode == arrival::any) {
            for (auto const& n : nodes_)
                if (n.present()) out.push_back(n.id_);
            for (std::size_t i = out.size(); i > 1; --i)
                std::swap(out[i - 1], out[rng.below(i)]);
            return out;
        }
        std::vector<node_id> ready;
        for (auto const& n : nodes_)
            if (n.present() && n.parent_ == no_node) ready.push_back(n.id_);
        while (!ready.empty()) {
            auto const i = rng.below(ready.size());
            node_id const next = ready[i];
            ready[i] = ready.back();
            ready.pop_back();
            out.push_back(next);
            for (auto c : nodes_[index_of(next)].children_)
                if (nodes_[index_of(c)].present()) ready.push_back(c);
        }
        return out;
    }

    // --- the ACPI0017 root -------------------------------------------------------------------
    bool acpi_root_present() const noexcept { return nodes_.front().present(); }
    /// The CXL root object appears (an ACPI hot-add, or firmware that publishes it late).
    status add_acpi_root() {
        std::vector<event> out;
        {
            std::lock_guard lock{mutex_};
            if (nodes_.front().present()) return errc::already_present;
            nodes_.front().present_ = true;
            out.push_back(record(event_kind::device_added, cxl_root()));
        }
        dispatch(out);
        return {};
    }
    status remove_acpi_root() {
        std::vector<event> out;
        {
            std::lock_guard lock{mutex_};
            if (!nodes_.front().present()) return errc::node_absent;
            nodes_.front().present_ = false;
            out.push_back(record(event_kind::device_removed, cxl_root()));
        }
        dispatch(out);
        return {};
    }

    // --- events ------------------------------------------------------------------------------
    subscription_id subscribe(event_listener listener) {
        std::lock_guard lock{mutex_};
        auto const id = subscription_id{++next_subscription_};
        listeners_.emplace_back(id, std::move(listener));
        return id;
    }
    bool unsubscribe(subscription_id id) {
        std::lock_guard lock{mutex_};
        auto it = std::find_if(listeners_.begin(), listeners_.end(),
                               [&](auto const& l) { return l.first == id; });
        if (it == listeners_.end()) return false;
        listeners_.erase(it);
        return true;
    }
    /// Every event so far, in order.
    std::vector<event> event_log() const {
        std::lock_guard lock{mutex_};
        return log_;
    }

    /// A device appears below an empty root or downstream port (PCIe hot-add): a new node at
    /// the port's secondary bus, device 0, with a BAR from the MMIO window, powered on now.
    result<node_id> hot_add(node_id port, endpoint_spec const& spec,
                            std::optional<std::uint64_t> serial = std::nullopt);

    /// The node and everything below it disappear (PCIe surprise removal); device_removed
    /// events come deepest first. Switches (by their upstream port), endpoints and RCDs can
    /// be removed.
    status surprise_remove(node_id id) {
        std::vector<event> out;
        {
            std::lock_guard lock{mutex_};
            if (index_of(id) >= nodes_.size()) return errc::no_such_node;
            node& n = nodes_[index_of(id)];
            if (n.kind_ != node_kind::upstream_port && !n.is_endpoint()) return errc::not_removable;
            if (!n.present()) return errc::node_absent;
            remove_subtree(n, out);
        }
        dispatch(out);
        return {};
    }

    /// Link down (or up) at a root port, downstream port or RCH. Below a down link every
    /// function reads all ones; bringing the link up resets them.
    status set_link(node_id port, bool up) {
        std::vector<event> out;
        {
            std::lock_guard lock{mutex_};
            if (index_of(port) >= nodes_.size()) return errc::no_such_node;
            node& n = nodes_[index_of(port)];
            if (!n.has_link()) return errc::not_a_port;
            if (!n.present()) return errc::node_absent;
            if (n.link_up() == up) return {};
            n.link_up_ = up;
            if (up)
                for (auto c : n.children_)
                    reset_subtree(nodes_[index_of(c)]);
            out.push_back(record(up ? event_kind::link_up : event_kind::link_down, port));
        }
        dispatch(out);
        return {};
    }

    /// Conventional reset of one node's registers: config, component block (decoders unlock
    /// and clear), mailbox; readiness delays start again.
    status reset(node_id id) {
        std::lock_guard lock{mutex_};
        if (index_of(id) >= nodes_.size()) return errc::no_such_node;
        reset_node(nodes_[index_of(id)]);
        return {};
    }

    // --- introspection (tests, reports) ------------------------------------------------------
    access_counts counts(node_id id) const {
        std::lock_guard lock{mutex_};
        return index_of(id) < nodes_.size() ? nodes_[index_of(id)].counts_ : access_counts{};
    }
    void clear_counts() {
        std::lock_guard lock{mutex_};
        for (auto& n : nodes_)
            n.counts_ = {};
        total_accesses_ = 0;
    }
    /// Register accesses and commands made since build (or clear_counts()).
    std::uint64_t total_accesses() const {
        std::lock_guard lock{mutex_};
        return total_accesses_;
    }
    /// Decoder n of a node's HDM decoders as it stands now (idle if it has none).
    hdm_decoders::decoder decoder(node_id id, unsigned n) {
        std::lock_guard lock{mutex_};
        if (index_of(id) >= nodes_.size()) return {};
        node& x = nodes_[index_of(id)];
        if (!x.profile_ || !x.profile_->component || !x.profile_->component->hdm) return {};
        return x.comp_.hdm().state(*x.profile_->component->hdm, hdm_ctx(x, {}), n);
    }
    /// Make a node's RAS capability report errors.
    status inject_ras(node_id id, std::uint32_t uncorrectable, std::uint32_t correctable) {
        std::lock_guard lock{mutex_};
        if (index_of(id) >= nodes_.size()) return errc::no_such_node;
        node& x = nodes_[index_of(id)];
        if (!x.profile_ || !x.profile_->component || !x.profile_->component->ras)
            return errc::invalid_device_spec;
        x.comp_.inject_ras(uncorrectable, correctable);
        return {};
    }
    /// Whether a node's lazily allocated state exists (memory accounting tests).
    bool mailbox_allocated(node_id id) const {
        std::lock_guard lock{mutex_};
        return index_of(id) < nodes_.size() && nodes_[index_of(id)].dev_.mailbox_allocated();
    }

private:
    friend class config_bus;
    friend class mmio_bus;
    friend class node;
    friend struct detail::platform_builder;

    platform() : mmio_{this} {}

    struct detail_rng { // splitmix64
        std::uint64_t state;
        std::uint64_t next() noexcept {
            std::uint64_t z = (state += 0x9E37'79B9'7F4A'7C15ull);
            z = (z ^ (z >> 30)) * 0xBF58'476D'1CE4'E5B9ull;
            z = (z ^ (z >> 27)) * 0x94D0'49BB'1331'11EBull;
            return z ^ (z >> 31);
        }
        std::size_t below(std::size_t n) noexcept { return static_cast<std::size_t>(next() % n); }
    };

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

    // --- register paths (called with the mutex held) -----------------------------------------

    static bool reachable(node const& n) noexcept {
        if (!n.present()) return false;
        for (node const* p = n.parent_ptr_; p; p = p->parent_ptr_) {
            if (!p->present()) return false;
            if (p->has_link() && !p->link_up()) return false;
        }
        return true;
    }

    bool link_active(node const& port) const noexcept {
        if (!port.link_up()) return false;
        for (auto c : port.children_)
            if (nodes_[index_of(c)].present()) return true;
        return false;
    }

    config_context config_ctx(node const& n) noexcept {
        config_context c;
        c.now = clock_.now();
        c.powered_at = n.powered_at_;
        c.faults = &faults_;
        c.node = n.id_;
        c.bar = n.bar_;
        c.serial = n.serial_;
        c.primary_bus = n.bus_;
        c.secondary_bus = n.secondary_;
        c.subordinate_bus = n.subordinate_;
        c.port_number = n.port_number_;
        c.link_active = n.has_link() && link_active(n);
        return c;
    }

    hdm_context hdm_ctx(node const& n, std::span<const std::uint8_t> dports) noexcept {
        return {clock_.now(), timing_.decoder_commit, &faults_, n.id_, dports};
    }

    device_context device_ctx(node& n) noexcept {
        return {clock_.now(),     n.powered_at_, timing_.mailbox_command, &faults_, &n.counts_,
                &total_accesses_, n.id_};
    }

    /// Counts the access and asks the fault hook; an error if it fails.
    status enter(node& n, access const& a) {
        n.counts_.count(a);
        ++total_accesses_;
        if (faults_.fails(a)) return hw::errc::access_fault;
        return {};
    }

    result<std::uint64_t> config_read(node& n, std::uint64_t off, unsigned width) {
        if (auto ok = hw::check_access(off, width, spec::pci::config_size); !ok) return ok.error();
        if (!n.is_pci()) return errc::no_config_space;
        std::lock_guard lock{mutex_};
        access const a{n.id_, region::config, access_kind::read, static_cast<std::uint32_t>(off),
                       static_cast<std::uint8_t>(width)};
        if (auto ok = enter(n, a); !ok) return ok.error();
        if (!reachable(n)) return detail::width_mask(width);
        auto const ctx = config_ctx(n);
        return detail::read_dwords(off, width, [&](std::uint64_t o) {
            return config_read32(n.profile_->config, n.cfg_, ctx, o);
        });
    }

    status config_write(node& n, std::uint64_t off, unsigned width, std::uint64_t value) {
        if (auto ok = hw::check_access(off, width, spec::pci::config_size); !ok) return ok.error();
        if (!n.is_pci()) return errc::no_config_space;
        std::lock_guard lock{mutex_};
        access const a{n.id_, region::config, access_kind::write, static_cast<std::uint32_t>(off),
                       static_cast<std::uint8_t>(width)};
        if (auto ok = enter(n, a); !ok) return ok;
        if (!reachable(n)) return {};
        detail::write_dwords(off, width, value,
                             [&](std::uint64_t o, std::uint32_t v, std::uint32_t m) {
                                 config_write32(n.profile_->config, n.cfg_, o, v, m);
                             });
        return {};
    }

    mmio_range const* find_range(std::uint64_t address, unsigned width) const noexcept {
        auto it = std::upper_bound(ranges_.begin(), ranges_.end(), address,
                                   [](std::uint64_t a, mmio_range const& r) { return a < r.base; });
        if (it == ranges_.begin()) return nullptr;
        --it;
        if (address - it->base >= it->size || it->size - (address - it->base) < width)
            return nullptr;
        return &*it;
    }

    std::vector<std::uint8_t> dport_ids(node const& n) const {
        std::vector<std::uint8_t> ids;
        for (auto c : n.children_) {
            node const& ch = nodes_[index_of(c)];
            if (ch.kind_ == node_kind::root_port || ch.kind_ == node_kind::downstream_port)
                ids.push_back(ch.port_number_);
        }
        return ids;
    }

    result<std::uint64_t> component_access(node& n, std::uint64_t off, unsigned width,
                                           std::optional<std::uint64_t> value) {
        auto const& p = *n.profile_->component;
        auto const at = p.locate(off);
        access const a{n.id_, at.region, value ? access_kind::write : access_kind::read,
                       static_cast<std::uint32_t>(at.offset), static_cast<std::uint8_t>(width)};
        if (auto ok = enter(n, a); !ok) return ok.error();
        if (!reachable(n)) return value ? 0 : detail::width_mask(width);
        if (!value)
            return detail::read_dwords(
                off, width, [&](std::uint64_t o) { return n.comp_.read32(p, hdm_ctx(n, {}), o); });
        std::vector<std::uint8_t> dports;
        if (at.region == region::component_hdm) dports = dport_ids(n);
        auto const ctx = hdm_ctx(n, dports);
        detail::write_dwords(off, width, *value,
                             [&](std::uint64_t o, std::uint32_t v, std::uint32_t m) {
                                 n.comp_.write32(p, ctx, o, v, m);
                             });
        return 0;
    }

    result<std::uint64_t> device_access(node& n, std::uint64_t off, unsigned width,
                                        std::optional<std::uint64_t> value) {
        auto const& p = *n.profile_->device;
        auto const at = p.locate(off);
        access const a{n.id_, at.region, value ? access_kind::write : access_kind::read,
                       static_cast<std::uint32_t>(at.offset), static_cast<std::uint8_t>(width)};
        if (auto ok = enter(n, a); !ok) return ok.error();
        if (!reachable(n)) return value ? 0 : detail::width_mask(width);
        auto const ctx = device_ctx(n);
        if (!value)
            return detail::read_dwords(off, width,
                                       [&](std::uint64_t o) { return n.dev_.read32(p, ctx, o); });
        detail::write_dwords(off, width, *value,
                             [&](std::uint64_t o, std::uint32_t v, std::uint32_t m) {
                                 n.dev_.write32(p, ctx, o, v, m);
                             });
        return 0;
    }

    result<std::uint64_t> rcrb_access(node& n, std::uint64_t off, unsigned width,
                                      std::optional<std::uint64_t> value) {
        access const a{n.id_, region::rcrb, value ? access_kind::write : access_kind::read,
                       static_cast<std::uint32_t>(off), static_cast<std::uint8_t>(width)};
        if (auto ok = enter(n, a); !ok) return ok.error();
        if (!reachable(n)) return value ? 0 : detail::width_mask(width);
        auto ctx = config_ctx(n);
        ctx.bar = n.aux_; // MEMBAR0: the component block
        auto const& p = *n.profile_->rcrb;
        if (!value)
            return detail::read_dwords(off, width, [&](std::uint64_t o) {
                return config_read32(p, *n.rcrb_cfg_, ctx, o);
            });
        detail::write_dwords(off, width, *value,
                             [&](std::uint64_t o, std::uint32_t v, std::uint32_t m) {
                                 config_write32(p, *n.rcrb_cfg_, o, v, m);
                             });
        return 0;
    }

    result<std::uint64_t> mmio_access(std::uint64_t address, unsigned width,
                                      std::optional<std::uint64_t> value) {
        if (auto ok = hw::check_access(address, width, ~std::uint64_t{0}); !ok) return ok.error();
        std::lock_guard lock{mutex_};
        auto const* r = find_range(address, width);
        if (!r) return errc::unmapped_address;
        node& n = *r->target;
        std::uint64_t const off = address - r->base;
        auto const all_ones = [&]() -> result<std::uint64_t> {
            return value ? 0 : detail::width_mask(width);
        };
        switch (r->kind) {
        case block::bar0: {
            // Memory Space Enable off: the function does not claim the address (master abort).
            if (!spec::pci::memory_space_enable::get(n.cfg_.command)) return all_ones();
            auto const& p = *n.profile_;
            if (p.component_in_bar && off < spec::component::block_size)
                return component_access(n, off, width, value);
            if (p.device && off >= p.device_offset &&
                off - p.device_offset < p.device->block_size())
                return device_access(n, off - p.device_offset, width, value);
            return value ? 0 : std::uint64_t{0};
        }
        case block::chbcr:
        case block::component:
            return component_access(n, off, width, value);
        case block::rcrb: {
            constexpr std::uint64_t half = 4_KiB;
            if (off < half) return rcrb_access(n, off, width, value);
            for (auto c : n.children_) {
                node& rcd = nodes_[index_of(c)];
                if (rcd.present() && rcd.profile_ && rcd.profile_->rcrb)
                    return rcrb_access(rcd, off - half, width, value);
            }
            return all_ones(); // no upstream port RCRB: reads ~0 (Linux checks the vendor id)
        }
        }
        return errc::unmapped_address;
    }

    // --- state changes (mutex held) ----------------------------------------------------------

    event record(event_kind kind, node_id id) {
        log_.push_back(event{++sequence_, clock_.now(), kind, id});
        return log_.back();
    }

    void dispatch(std::vector<event> const& events) {
        if (events.empty()) return;
        std::vector<event_listener> listeners;
        {
            std::lock_guard lock{mutex_};
            for (auto const& l : listeners_)
                listeners.push_back(l.second);
        }
        for (auto const& e : events)
            for (auto const& l : listeners)
                l(e);
    }

    void remove_subtree(node& n, std::vector<event>& out) {
        for (auto it = n.children_.rbegin(); it != n.children_.rend(); ++it) {
            node& c = nodes_[index_of(*it)];
            if (c.present()) remove_subtree(c, out);
        }
        n.present_ = false;
        out.push_back(record(event_kind::device_removed, n.id_));
    }

    void reset_node(node& n) {
        if (n.profile_) {
            n.cfg_ = n.profile_->initial;
            if (n.rcrb_cfg_) *n.rcrb_cfg_ = n.profile_->rcrb_initial;
        }
        n.comp_.reset();
        n.dev_.reset();
        n.powered_at_ = clock_.now();
    }

    void reset_subtree(node& n) {
        reset_node(n);
        for (auto c : n.children_)
            reset_subtree(nodes_[index_of(c)]);
    }

    void insert_range(mmio_range r) {
        auto it = std::upper_bound(ranges_.begin(), ranges_.end(), r.base,
                                   [](std::uint64_t a, mmio_range const& x) { return a < x.base; });
        ranges_.insert(it, r);
    }

    /// The shared profile for an endpoint description (one per distinct description).
    function_profile const* endpoint_profile(endpoint_spec const& s, bool rcd) {
        for (auto it = endpoint_profiles_.rbegin(); it != endpoint_profiles_.rend(); ++it)
            if (it->rcd == rcd && it->spec == s) return it->profile;
        profiles_.push_back(std::make_unique<function_profile>(make_endpoint_profile(s, rcd)));
        endpoint_profiles_.push_back({s, rcd, profiles_.back().get()});
        return profiles_.back().get();
    }

    /// Links a new PCI function into the hierarchy below `parent` at bus/devfn.
    void attach(node& n, node* parent, function_profile const* profile, std::uint16_t segment,
                std::uint8_t bus, std::uint8_t devfn) {
        n.parent_ptr_ = parent;
        n.parent_ = parent ? parent->id_ : no_node;
        n.profile_ = profile;
        n.segment_ = segment;
        n.bus_ = bus;
        n.devfn_ = devfn;
        if (profile) {
            n.cfg_ = profile->initial;
            if (profile->rcrb) n.rcrb_cfg_ = std::make_unique<config_state>(profile->rcrb_initial);
        }
        if (n.is_pci()) n.name_ = n.address().to_string();
        if (parent) parent->children_.push_back(n.id_);
    }

    /// Next free MMIO address aligned to `size` (a power of two); 0 if the window is full.
    std::uint64_t allocate_mmio(std::uint64_t size) noexcept {
        std::uint64_t const at = (mmio_next_ + size - 1) & ~(size - 1);
        if (at < mmio_next_ || at + size > mmio_end_ || at + size < at) return 0;
        mmio_next_ = at + size;
        return at;
    }

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
    std::vector<event> log_;
    std::uint64_t sequence_ = 0;
    std::vector<std::pair<subscription_id, event_listener>> listeners_;
    std::uint64_t next_subscription_ = 0;
    std::uint64_t total_accesses_ = 0;
};

// --- out-of-line members -----------------------------------------------------------------------

inline std::vector<node_id> node::children() const {
    std::lock_guard lock{platform_->mutex_};
    return children_;
}

inline result<node_id> platform::hot_add(node_id port, endpoint_spec const& spec,
                                         std::optional<std::uint64_t> serial) {
    if (auto ok = check_endpoint_spec(spec, false); !ok) return ok.error();
    std::vector<event> out;
    node_id id;
    {
        std::lock_guard lock{mutex_};
        if (index_of(port) >= nodes_.size()) return errc::no_such_node;
        node& p = nodes_[index_of(port)];
        if (p.kind_ != node_kind::root_port && p.kind_ != node_kind::downstream_port)
            return errc::not_a_port;
        if (!p.present()) return errc::node_absent;
        for (auto c : p.children_)
            if (nodes_[index_of(c)].present()) return errc::port_occupied;
        auto const* profile = endpoint_profile(spec, false);
        std::uint64_t bar = 0;
        if (profile->config.has_bar) {
            bar = allocate_mmio(profile->config.bar_size);
            if (!bar) return errc::mmio_exhausted;
        }
        id = node_id{static_cast<std::uint32_t>(nodes_.size())};
        node& n = nodes_.emplace_back(detail::node_key{}, this, id, node_kind::endpoint);
        attach(n, &p, profile, p.segment_, p.secondary_, 0);
        n.type_ = spec.type;
        n.bar_ = bar;
        n.serial_ = serial ? *serial : next_serial_++;
        n.powered_at_ = clock_.now();
        if (bar) insert_range({bar, profile->config.bar_size, &n, block::bar0});
        out.push_back(record(event_kind::device_added, id));
    }
    dispatch(out);
    return id;
}

inline result<std::uint64_t> config_bus::read(std::uint64_t offset, unsigned width) {
    return platform_->config_read(*node_, offset, width);
}
inline status config_bus::write(std::uint64_t offset, unsigned width, std::uint64_t value) {
    return platform_->config_write(*node_, offset, width, value);
}

inline result<std::uint64_t> mmio_bus::read(std::uint64_t address, unsigned width) {
    return platform_->mmio_access(address, width, std::nullopt);
}
inline status mmio_bus::write(std::uint64_t address, unsigned width, std::uint64_t value) {
    auto r = platform_->mmio_access(address, width, value);
    if (!r) return r.error();
    return {};
}

static_assert(hw::access_bus<config_bus>);
static_assert(hw::access_bus<mmio_bus>);

} // namespace cxlfw::emu
