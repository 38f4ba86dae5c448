// PCI config space of an emulated function, synthesised on every read from a shared profile
// and a few bytes of per-function state (no 4 KiB image per function).
//
// Layout: the type-0 or type-1 header; the PCI Express capability at 0x40 (the only conventional
// capability); extended capabilities from 0x100 in this order: Device Serial Number (if the device
// has one), then the DVSECs of the function's kind (QEMU include/hw/cxl/cxl_pci.h; the device order
// 0, 7, 8, 5 is the real Xilinx device's in tests/data/pciutils/cap-dvsec-cxl). Every structure is
// rendered through the spec layer's encoders (spec/pci.hpp, spec/dvsec.hpp).
//
// Writable registers (everything else reads its fixed value and drops writes):
//   | register                     | behaviour                                                    |
//   |------------------------------|--------------------------------------------------------------|
//   | Command (0x04)               | mask 0x0547; Memory Space Enable gates the BARs              |
//   | PCIe Device / Link Control   | stored                                                       |
//   | CXL Device DVSEC Control     | cache/io/mem enables, snoop filter, viral; read-only once    |
//   |                              | CONFIG_LOCK is set                                           |
//   | CXL Device DVSEC Control2    | bits 0 and 3 stored; the "initiate" bits 1, 2 read 0         |
//   | CXL Device DVSEC Lock        | CONFIG_LOCK sets and stays until reset                       |
//   | DVSEC Range Base High/Low    | stored (Low keeps [31:28]); locked with CONFIG_LOCK          |
//   | Flex Bus Port Control        | stored; Status mirrors Control & Capability                  |
//   | Port Extensions Port Control | stored                                                       |
// BARs are assigned by the platform at build and read-only here (the PCI core's BAR sizing is
// not modelled); bus numbers of bridges likewise.
//
// DVSEC ranges: Memory_Info_Valid (with the size) after readiness.memory_info_valid,
// Memory_Active after readiness.memory_active, both counted from power-on; a
// keep_media_not_ready fault holds Memory_Active clear.
#pragma once

#include <cxlfw/clock.hpp>
#include <cxlfw/config.hpp>
#include <cxlfw/emu/devices.hpp>
#include <cxlfw/emu/fault.hpp>
#include <cxlfw/emu/types.hpp>
#include <cxlfw/spec/dvsec.hpp>
#include <cxlfw/spec/pci.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace cxlfw::emu {

/// The structures a function's config space can hold.
enum class config_struct_kind : std::uint8_t {
    pcie_capability,
    serial_number,
    cxl_device,       ///< DVSEC 0
    port_extensions,  ///< DVSEC 3
    gpf_port,         ///< DVSEC 4
    gpf_device,       ///< DVSEC 5
    flex_bus_port,    ///< DVSEC 7
    register_locator, ///< DVSEC 8
};

struct config_struct {
    config_struct_kind kind;
    std::uint16_t offset = 0;
    std::uint16_t length = 0;
    std::uint16_t next = 0; ///< next extended capability (0 ends the list)
    std::uint8_t revision = 0;
};

/// One DVSEC range as the device describes it (sizes appear once Memory_Info_Valid is set).
struct range_profile {
    std::uint64_t size = 0;
    spec::range_media_type media = spec::range_media_type::volatile_memory;
    spec::range_memory_class memory_class = spec::range_memory_class::dram;
    std::uint8_t active_timeout = 0;
};

/// Everything static about a function's config space; shared by every function built from the
/// same description.
struct config_profile {
    pci_ids ids{};
    std::uint32_t class_code = 0;
    spec::pci::layout layout = spec::pci::layout::endpoint;
    spec::pci::pcie::port_type_value port_type = spec::pci::pcie::port_type_value::endpoint;
    bool downstream_link = false; ///< a root or downstream port: reports Data Link Layer Active
    bool has_bar = false;         ///< BAR0/1: one 64-bit non-prefetchable memory BAR
    std::uint64_t bar_size = 0;
    std::vector<config_struct> structs; ///< by offset
    // CXL Device DVSEC
    std::uint16_t dvsec_capability = 0;
    std::uint16_t dvsec_status2 = 0;
    std::array<range_profile, spec::cxl_dvsec::range_count> ranges{};
    unsigned range_count = 0;
    readiness ready{};
    // Flex Bus Port DVSEC
    std::uint16_t flex_bus_capability = 0;
    // Register Locator entries, encoded
    std::vector<spec::register_block_regs> locator;

    /// The structure `off` falls in, if any.
    config_struct const* find(std::uint64_t off) const noexcept;

    /// Lays the structures out: the PCIe capability at 0x40, extended capabilities from 0x100,
    /// each dword aligned, chained in order.
    void lay_out(std::span<const std::pair<config_struct_kind, std::uint8_t>> ext);

    std::size_t length_of(config_struct_kind k, unsigned rev) const noexcept;
};

/// The writable registers of one function (what a reset restores).
struct config_state {
    std::uint16_t command = 0;
    std::uint16_t device_control = 0;
    std::uint16_t link_control = 0;
    std::uint16_t dvsec_control = 0;
    std::uint16_t dvsec_control2 = 0;
    std::uint16_t dvsec_lock = 0;
    std::uint16_t flex_bus_control = 0;
    std::uint16_t port_control = 0;
    std::array<std::uint64_t, spec::cxl_dvsec::range_count> range_base{};
};

/// What a read needs from the platform.
struct config_context {
    vtime now{};
    vtime powered_at{};
    fault_hook* faults = nullptr;
    node_id node = no_node;
    std::uint64_t bar = 0;
    std::uint64_t serial = 0;
    std::uint8_t primary_bus = 0;
    std::uint8_t secondary_bus = 0;
    std::uint8_t subordinate_bus = 0;
    std::uint8_t port_number = 0;
    bool link_active = false; ///< downstream ports: link up and a device present below
};

/// The config dword at `off` (dword aligned, below 0x1000).
CXLFW_DECL std::uint32_t config_read32(config_profile const& p, config_state const& s,
                                       config_context const& c, std::uint64_t off);

/// A dword write with byte-lane mask `mask` at `off`.
CXLFW_DECL void config_write32(config_profile const& p, config_state& s, std::uint64_t off,
                               std::uint32_t value, std::uint32_t mask);

} // namespace cxlfw::emu

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/emu/impl/config_space.ipp>
#endif
