// PCI configuration space: the type-0/1 header registers a CXL driver reads (identity, class
// code, BARs) and the PCIe extended capability header that chains every DVSEC
// (PCI Local Bus / PCIe base specification; Linux include/uapi/linux/pci_regs.h).
//
//   pci::class_code::get(0x0502'1070) == 0x050210   // the dword at 0x08: class and revision
//   pci::bar_offset(5).value() == 0x24
#pragma once

#include <cxlfw/spec/bits.hpp>
#include <cxlfw/spec/errc.hpp>

#include <cstddef>
#include <cstdint>

namespace cxlfw::spec::pci {

/// PCIe config space is 4 KiB; a conventional PCI function has only the first 256 bytes.
inline constexpr std::size_t config_size = 0x1000;
inline constexpr std::size_t conventional_config_size = 0x100;
/// The first extended capability header is always at 0x100.
inline constexpr std::size_t ext_cap_start = 0x100;

// --- the common header --------------------------------------------------------------------

struct vendor_id : reg<std::uint16_t, 0x00> {
    static constexpr bool read_only = true;
};
struct device_id : reg<std::uint16_t, 0x02> {
    static constexpr bool read_only = true;
};

struct command : reg<std::uint16_t, 0x04> {};
using io_space_enable = field<command, 0>;
using memory_space_enable = field<command, 1>;
using bus_master_enable = field<command, 2>;

struct status : reg<std::uint16_t, 0x06> {};
using capabilities_list = field<status, 4>;

/// The dword at 0x08: revision ID [7:0] and the 24-bit class code [31:8].
struct class_revision : reg<std::uint32_t, 0x08> {
    static constexpr bool read_only = true;
};
using revision_id = field<class_revision, 7, 0>;
using class_code = field<class_revision, 31, 8>; ///< base class : subclass : prog-if
using prog_if = field<class_revision, 15, 8>;
using subclass = field<class_revision, 23, 16>;
using base_class = field<class_revision, 31, 24>;

struct header_type : reg<std::uint8_t, 0x0E> {
    static constexpr bool read_only = true;
};
using header_layout = field<header_type, 6, 0>; ///< 0 endpoint, 1 PCI-PCI bridge, 2 CardBus
using multi_function = field<header_type, 7>;

enum class layout : std::uint8_t { endpoint = 0, bridge = 1, cardbus = 2 };

/// How many BARs a header layout has (type 0: 6, type 1: 2, CardBus: 1); 0 for unknown layouts.
constexpr unsigned bar_count(std::uint8_t header_layout_value) noexcept {
    switch (header_layout_value) {
    case 0:
        return 6;
    case 1:
        return 2;
    case 2:
        return 1;
    default:
        return 0;
    }
}

// --- base address registers ---------------------------------------------------------------

/// BAR n (n = 0..5 on an endpoint) at 0x10 + 4n.
struct bar : reg_array<std::uint32_t, 0x10, 4> {};
using bar_io = field<bar, 0>;             ///< 1: an I/O BAR
using bar_memory_type = field<bar, 2, 1>; ///< memory BAR: 0 32-bit, 2 64-bit (1, 3 reserved)
using bar_prefetchable = field<bar, 3>;
inline constexpr std::uint32_t bar_memory_address_mask = 0xFFFF'FFF0;
inline constexpr std::uint32_t bar_io_address_mask = 0xFFFF'FFFC;
inline constexpr unsigned max_bir = 5;

/// Config offset of the BAR a BAR Indicator (Register Locator BIR, MSI-X BIR) names:
/// 0 -> 0x10 ... 5 -> 0x24 (CXL 2.0 §8.1.9; pciutils lib/header.h PCI_BASE_ADDRESS_0..5).
constexpr checked<std::size_t> bar_offset(unsigned bir) noexcept {
    if (bir > max_bir) return errc::invalid_bir;
    return bar::offset_of(bir);
}

/// What a BAR's low dword says about it.
struct bar_kind {
    bool io = false;
    bool is_64bit = false; ///< memory type 2: the next BAR holds address bits [63:32]
    bool prefetchable = false;
    friend constexpr bool operator==(bar_kind const&, bar_kind const&) = default;
};

/// Linux decode_bar(): memory types 1 and 3 (reserved) are treated as 32-bit BARs.
constexpr bar_kind decode_bar_kind(std::uint32_t low) noexcept {
    if (bar_io::get(low)) return {.io = true};
    return {.io = false,
            .is_64bit = bar_memory_type::get(low) == 2,
            .prefetchable = bar_prefetchable::get(low) != 0};
}

/// The low BAR dword for a memory BAR at `address` (16-byte aligned; a 64-bit BAR's high dword
/// is `address >> 32`).
constexpr checked<std::uint32_t> encode_memory_bar(std::uint64_t address, bool is_64bit,
                                                   bool prefetchable) noexcept {
    if (address % 16 != 0) return errc::field_overflow;
    if (!is_64bit && address > 0xFFFF'FFFFu) return errc::field_overflow;
    std::uint32_t v = static_cast<std::uint32_t>(address) & bar_memory_address_mask;
    v = bar_memory_type::set(v, is_64bit ? 2 : 0);
    return bar_prefetchable::set(v, prefetchable ? 1 : 0);
}

// --- PCIe extended capability header (pciutils lib/header.h) -------------------------------

struct ext_cap_header : reg<std::uint32_t, 0x00> {
    static constexpr bool read_only = true;
};
using ext_cap_id = field<ext_cap_header, 15, 0>;
using ext_cap_version = field<ext_cap_header, 19, 16>;
using ext_cap_next = field<ext_cap_header, 31, 20>;

/// The next capability's offset. Bits [1:0] of the pointer are reserved and software must mask
/// them (PCIe base spec; Linux PCI_EXT_CAP_NEXT masks with 0xFFC), so the result is always
/// dword aligned; 0 ends the list.
constexpr std::uint16_t ext_cap_next_offset(std::uint32_t header) noexcept {
    return static_cast<std::uint16_t>(ext_cap_next::get(header) & 0xFFCu);
}

constexpr checked<std::uint32_t> encode_ext_cap_header(std::uint16_t id, unsigned version,
                                                       std::size_t next) noexcept {
    if (!ext_cap_version::fits(version) || next > 0xFFC || next % 4 != 0 ||
        (next != 0 && next < ext_cap_start))
        return errc::field_overflow;
    std::uint32_t v = ext_cap_id::set(0, id);
    v = ext_cap_version::set(v, version);
    return ext_cap_next::set(v, static_cast<std::uint32_t>(next));
}

/// Extended capability IDs cxlfw meets (PCIe base spec).
enum class ext_cap : std::uint16_t {
    null = 0x0000,
    aer = 0x0001,
    serial_number = 0x0003,
    vendor_specific = 0x000B,
    dvsec = 0x0023,
    doe = 0x002E,
};

// ---------------------------------------------------------------------------------------
// More of the header, and the PCI Express capability (PCIe base spec §7.5.3)

/// Header offset 0x34: the first (conventional) capability.
struct capabilities_pointer : reg<std::uint8_t, 0x34> {};
/// Type-0 subsystem ids.
struct subsystem_vendor_id : reg<std::uint16_t, 0x2C> {};
struct subsystem_id : reg<std::uint16_t, 0x2E> {};
/// Type-1 bus numbers.
struct primary_bus : reg<std::uint8_t, 0x18> {};
struct secondary_bus : reg<std::uint8_t, 0x19> {};
struct subordinate_bus : reg<std::uint8_t, 0x1A> {};

inline constexpr std::uint8_t cap_id_pci_express = 0x10;

/// The PCI Express capability (PCIe base spec §7.5.3), relative to its header.
namespace pcie {
struct header : reg<std::uint16_t, 0x00> {}; ///< cap id [7:0], next [15:8]
struct capabilities : reg<std::uint16_t, 0x02> {};
using version = field<capabilities, 3, 0>;
using port_type = field<capabilities, 7, 4>;
struct device_capabilities : reg<std::uint32_t, 0x04> {};
struct device_control : reg<std::uint16_t, 0x08> {};
struct device_status : reg<std::uint16_t, 0x0A> {};
struct link_capabilities : reg<std::uint32_t, 0x0C> {};
using max_link_speed = field<link_capabilities, 3, 0>;
using max_link_width = field<link_capabilities, 9, 4>;
using dll_active_reporting = field<link_capabilities, 20>;
using port_number = field<link_capabilities, 31, 24>;
struct link_control : reg<std::uint16_t, 0x10> {};
struct link_status : reg<std::uint16_t, 0x12> {};
using current_link_speed = field<link_status, 3, 0>;
using negotiated_link_width = field<link_status, 9, 4>;
using dll_link_active = field<link_status, 13>;
inline constexpr std::size_t length = 0x3C;

/// Device/Port Type values (PCIe base spec; Linux PCI_EXP_TYPE_*).
enum class port_type_value : std::uint8_t {
    endpoint = 0x0,
    root_port = 0x4,
    upstream = 0x5,
    downstream = 0x6,
    rc_endpoint = 0x9,
};
} // namespace pcie

/// Device Serial Number extended capability (spec::pci::ext_cap::serial_number): serial at
/// +0x04 (low) and +0x08 (high).
inline constexpr std::size_t serial_number_length = 0x0C;

} // namespace cxlfw::spec::pci
