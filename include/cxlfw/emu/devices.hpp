// What a topology description says about each device: PCI identity, HDM decoder
// capabilities, memory, readiness delays, and which register blocks it has.
//
//   | kind           | DVSECs (CXL 2.0 §8.1)  | component block   | device registers      |
//   |----------------|------------------------|-------------------|-----------------------|
//   | Type-3         | 0, 7, 8, 5             | RAS, HDM          | status, mailbox, memdev |
//   | Type-2         | 0, 7, 8, 5             | RAS, HDM          | only with `mailbox`   |
//   | Type-1         | 0, 7, 8, 5             | RAS               | none                  |
//   | RCD (CXL 1.1)  | 0 (rev 0), 7 (rev 0), 8 | behind the RCRB  | status, mailbox, memdev |
//   | root port      | 3, 4, 7, 8             | RAS               | —                     |
//   | upstream port  | 7, 8                   | RAS, HDM          | —                     |
//   | downstream port| 3, 4, 7, 8             | RAS               | —                     |
//   | VH host bridge | (ACPI, no config)      | HDM, at the CHBS  | —                     |
//   | RCH            | (ACPI, no config)      | RAS, behind RCRB  | —                     |
#pragma once

#include <cxlfw/clock.hpp>
#include <cxlfw/config.hpp>
#include <cxlfw/emu/types.hpp>
#include <cxlfw/units.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace cxlfw::emu {

struct pci_ids {
    std::uint16_t vendor = 0;
    std::uint16_t device = 0;
    std::uint8_t revision = 1;
    std::uint16_t subsystem_vendor = 0;
    std::uint16_t subsystem = 0;
    friend bool operator==(pci_ids const&, pci_ids const&) = default;
};

/// Default identities: QEMU's CXL models where QEMU has one; the DESIGN.md sfc-like example for
/// Type-2; an arbitrary id under the CXL consortium's vendor for Type-1 (no public model).
namespace default_ids {
inline constexpr pci_ids type3{0x8086, 0x0D93};           // QEMU cxl-type3
inline constexpr pci_ids type2{0x1924, 0x0B03};           // sfc-like accelerator
inline constexpr pci_ids type1{0x1E98, 0x0001};           // arbitrary
inline constexpr pci_ids root_port{0x8086, 0x7075};       // QEMU cxl-rp
inline constexpr pci_ids upstream_port{0x19E5, 0xA128};   // QEMU cxl-upstream
inline constexpr pci_ids downstream_port{0x19E5, 0xA129}; // QEMU cxl-downstream
} // namespace default_ids

/// PCI class codes (base : sub : prog-if).
namespace class_codes {
inline constexpr std::uint32_t cxl_memory = 0x050210;  ///< Type-3, what Linux cxl_pci binds
inline constexpr std::uint32_t pci_bridge = 0x060400;  ///< root and switch ports
inline constexpr std::uint32_t accelerator = 0x120000; ///< processing accelerator (vendor class)
} // namespace class_codes

/// HDM Decoder Capability of one component (CXL 2.0 §8.2.5.12).
struct hdm_spec {
    unsigned decoders = 4; ///< must be a count the Decoder Count field encodes (1, 2, 4, ..., 32)
    /// Targets per decoder (raw field, 0..15). Default: the number of downstream ports, at most
    /// 8, for host bridges and switches; 0 for endpoints.
    std::optional<unsigned> target_count{};
    bool interleave_11_8 = true;  ///< 256 B .. 2 KiB granularities
    bool interleave_14_12 = true; ///< 4 KiB .. 16 KiB
    bool ways_3_6_12 = false;
    bool ways_16 = false;
    bool poison_on_decode_error = false;
    friend bool operator==(hdm_spec const&, hdm_spec const&) = default;
};

/// When things become ready, counted from the device's power-on (build, hot-add, reset, link
/// up). An empty optional means never.
struct readiness {
    std::optional<vtime> memory_info_valid = vtime{0}; ///< DVSEC Memory_Info_Valid
    std::optional<vtime> memory_active = vtime{0};     ///< DVSEC Memory_Active and media ready
    std::optional<vtime> mailbox_ready = vtime{0};     ///< memdev Mailbox Interface Ready
    friend bool operator==(readiness const&, readiness const&) = default;
};

/// A CXL device below a root port, a downstream port or (as an RCD) an RCH.
struct endpoint_spec {
    device_type type = device_type::type3;
    pci_ids ids = default_ids::type3;
    std::uint32_t class_code = class_codes::cxl_memory;
    std::uint64_t ram = 0;  ///< volatile capacity (Type-2: its device memory)
    std::uint64_t pmem = 0; ///< persistent capacity
    /// Identify's partition alignment: non-zero makes RAM/PMEM a partitionable pair reported by
    /// Get Partition Info; 0 reports them as fixed volatile-only / persistent-only capacity.
    std::uint64_t partition_align = 256_MiB;
    std::uint32_t lsa_size = 0;
    /// Device Serial Number capability; the serial itself is per device (see topology).
    bool serial_number = true;
    std::optional<hdm_spec> hdm = hdm_spec{};
    bool ras = true;
    bool mailbox = true;        ///< a device register block: status, primary mailbox, memdev status
    unsigned payload_log2 = 11; ///< mailbox payload 2 KiB (valid 8..20)
    bool cache = false;         ///< CXL.cache capable
    readiness ready{};
    std::string fw_revision = "cxlfw-emu 1.0";
    /// Firmware left CXL.mem enabled and these DVSEC range bases programmed (CXL 1.1 style).
    bool firmware_mem_enable = false;
    std::uint64_t firmware_range_base[2]{0, 0};

    /// A memory expander (class 0x050210, mailbox, HDM).
    static endpoint_spec type3_device(std::uint64_t ram, std::uint64_t pmem);
    /// An accelerator with device memory: vendor class, cache + mem, HDM, no mailbox.
    static endpoint_spec type2_device(std::uint64_t size);
    /// A cache-only accelerator: no memory, no HDM, no mailbox.
    static endpoint_spec type1_device();

    friend bool operator==(endpoint_spec const& a, endpoint_spec const& b);
};

/// A root port or a switch downstream port.
struct port_spec {
    pci_ids ids = default_ids::root_port;
    bool ras = true;
    friend bool operator==(port_spec const&, port_spec const&) = default;
};

/// A switch: one upstream port (with HDM decoders) and `downstream_ports` downstream ports.
struct switch_spec {
    unsigned downstream_ports = 2;
    pci_ids upstream_ids = default_ids::upstream_port;
    pci_ids downstream_ids = default_ids::downstream_port;
    hdm_spec hdm{};
    bool ras = true;
    friend bool operator==(switch_spec const&, switch_spec const&) = default;
};

/// An ACPI0016 host bridge. Version 1 (VH) has its HDM decoders in the CHBCR at the CHBS base;
/// version 0 (RCH) has an RCRB there and one RCD below it.
struct host_bridge_spec {
    std::uint32_t uid = 0;
    std::uint32_t chbs_version = 1;
    std::optional<std::uint64_t> chbs_base{}; ///< default: allocated from the MMIO window
    std::optional<std::uint16_t> segment{};   ///< PCI segment (domain); default: allocated
    std::optional<std::uint8_t> bus{};        ///< root bus number; default: allocated
    hdm_spec hdm{};
    bool ras = false; ///< a RAS capability in the CHBCR (VH) — an RCH dport always has one
    friend bool operator==(host_bridge_spec const&, host_bridge_spec const&) = default;
};

/// Virtual latencies of the platform's devices.
struct timing {
    vtime decoder_commit = std::chrono::microseconds{100}; ///< Commit -> Committed / Error
    vtime mailbox_command = std::chrono::microseconds{10}; ///< doorbell set -> doorbell clear
    friend bool operator==(timing const&, timing const&) = default;
};

} // namespace cxlfw::emu

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/emu/impl/devices.ipp>
#endif
