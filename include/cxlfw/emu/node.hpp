// A node of the emulated machine (the ACPI CXL root, a host bridge, a PCI function) with its
// register state, and the two access buses a driver reaches registers through: a function's
// config space and the system MMIO address space. The platform (platform.hpp) owns the nodes.
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
// The buses and node::children() reach through the platform (its lock, its register paths),
// so they are defined with it, in impl/access.ipp and impl/platform.ipp: include
// <cxlfw/emu/platform.hpp> to use a node. node::address() returns an hw::pci_address, which
// <cxlfw/hw/lspci.hpp> defines: this header only declares it, so that a user of the emulator
// does not parse the lspci loader.
#pragma once

#include <cxlfw/clock.hpp>
#include <cxlfw/config.hpp>
#include <cxlfw/emu/component.hpp>
#include <cxlfw/emu/config_space.hpp>
#include <cxlfw/emu/device_regs.hpp>
#include <cxlfw/emu/fault.hpp>
#include <cxlfw/emu/profiles.hpp>
#include <cxlfw/emu/types.hpp>
#include <cxlfw/hw/bus.hpp>
#include <cxlfw/result.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cxlfw::hw {
struct pci_address;
} // namespace cxlfw::hw

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
    node(detail::node_key, platform* p, node_id id, node_kind kind) noexcept;
    node(node const&) = delete;
    node& operator=(node const&) = delete;
    ~node();

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
    /// Segment, bus, device and function (hw::pci_address is in <cxlfw/hw/lspci.hpp>).
    hw::pci_address address() const noexcept;
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
    std::optional<std::uint64_t> component_base() const noexcept;
    std::optional<std::uint64_t> device_regs_base() const noexcept;
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
    /// Device memory by 4 KiB page of DPA, created when first written (reads of others are
    /// zero). Not cleared by a reset: DRAM keeps what it holds.
    std::unordered_map<std::uint64_t, std::unique_ptr<std::array<std::byte, 4096>>> memory_;
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

static_assert(hw::access_bus<config_bus>);
static_assert(hw::access_bus<mmio_bus>);

} // namespace cxlfw::emu

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/emu/impl/node.ipp>
#endif
