// Finding register blocks (Linux core/regs.c): a block is a bus and a range on it; the
// Register Locator of a PCI function names the BAR and the offset of each block, and the
// capability arrays inside a block name the structures (HDM decoders, RAS, mailbox, ...).
//
//   auto comp = core::find_register_block(pdev, spec::register_block_id::component);
//   auto map = core::probe_component_regs(*comp);          // map->hdm, map->ras
//   auto dev = core::probe_device_regs(*core::find_register_block(pdev, ...device));
//
// Nothing here keeps state: a block is re-read whenever it is mapped.
#pragma once

#include <cxlfw/config.hpp>

#include <cxlfw/base/pci.hpp>
#include <cxlfw/core/errc.hpp>
#include <cxlfw/hw/bus.hpp>
#include <cxlfw/hw/config_space.hpp>
#include <cxlfw/hw/window.hpp>
#include <cxlfw/spec/dvsec.hpp>
#include <cxlfw/spec/pci.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace cxlfw::core {

/// Registers on a bus: [offset, offset + size). The bus must outlive the block (a BAR's bus is
/// owned by whoever created the PCI device, the system bus by the platform).
struct reg_block {
    hw::bus_ref bus;
    std::uint64_t offset = 0;
    std::uint64_t size = 0;

    /// A bounded, typed view of the block (valid while this reg_block lives).
    hw::window<const hw::bus_ref> window() const noexcept { return {bus, offset, size}; }
    /// The part [at, at + len) of the block, or nullopt if it does not fit.
    std::optional<reg_block> sub(std::uint64_t at, std::uint64_t len) const noexcept {
        if (at > size || size - at < len) return std::nullopt;
        return reg_block{bus, offset + at, len};
    }
};

namespace detail {
CXLFW_DECL std::string hex(std::uint64_t v);
} // namespace detail

/// Whether `ec` says an access did not complete (hw::errc::access_fault): a fact of its own,
/// never what the registers contain. Code that turns "not there" into `registers_absent` or
/// `capability_mismatch` passes this one through as it is (issue 13: faults mean what they
/// are).
inline bool is_access_failure(std::error_code ec) noexcept {
    return ec == hw::errc::access_fault;
}

namespace detail {
/// The fact of a failed config-space read or decode of a CXL function: the access's when the
/// function did not answer (a fault, or extended space reading all ones), else `otherwise`
/// with the diagnostic.
CXLFW_DECL fact config_fact(base::pci_device const& pdev, hw::config_diagnostic const& diag,
                            errc otherwise);
} // namespace detail

/// The block of `id` named by the function's Register Locator, on its BAR's bus (Linux
/// cxl_find_regblock + cxl_map_*). The block runs to the end of its BAR.
CXLFW_DECL fact_result<reg_block> find_register_block(base::pci_device const& pdev,
                                                      spec::register_block_id id);

// --- the component block (CXL 2.0 §8.2.4) ---------------------------------------------------

struct component_map {
    std::optional<reg_block> hdm; ///< the HDM Decoder Capability structure
    std::optional<reg_block> ras; ///< the RAS capability structure
};

/// Linux cxl_probe_component_regs(): the CXL.cache/mem capability array at 0x1000. An array
/// whose first ID is not 1 holds nothing (Linux ignores it); unknown IDs are skipped.
CXLFW_DECL fact_result<component_map> probe_component_regs(reg_block const& block);

/// Whether `block` is a component register block at all: its capability array header at
/// 0x1000 reads ID 1 (CXL 3.1 §8.2.4). Another value is registers_absent, saying what was read
/// (Linux cxl_probe_component_regs: "Couldn't locate the CXL.cache and CXL.mem capability
/// array header"); a failed read is its own fact, and all ones (nothing answered) is
/// hw::errc::access_fault. A CHBS names such a block for a CXL 2.0+ (VH) host bridge.
CXLFW_DECL fact_result<void> check_component_block(reg_block const& block);

// --- RCRBs (CXL 3.1 §8.2.1: an RCH's downstream port, then its RCD's upstream port) ---------

enum class rcrb_port : std::uint8_t {
    downstream, ///< the first 4 KiB: the RCH's downstream port (the CHBS base)
    upstream,   ///< the second 4 KiB: the RCD's upstream port
};

/// Linux __rcrb_to_component(): the component block MEMBAR0 of an RCRB points to. The RCRB
/// must decode memory (Command) and have a memory MEMBAR0 (not I/O, not the obsolete
/// below-1M type) holding a non-zero, 64 KiB aligned address, else registers_absent naming
/// the RCRB and what it read. A failed read is its own fact; a vendor ID of all ones (nothing
/// answers: Linux "Failed to access Downstream Port RCRB") is hw::errc::access_fault.
CXLFW_DECL fact_result<reg_block> rcrb_component(hw::bus_ref system, std::uint64_t rcrb,
                                                 rcrb_port which);

// --- the device register block (CXL 2.0 §8.2.8) ---------------------------------------------

struct device_map {
    reg_block status; ///< device status (event status)
    reg_block mbox;   ///< primary mailbox
    reg_block memdev; ///< memory device status
};

/// Linux cxl_probe_device_regs(): the capabilities array at 0; a memory device needs device status,
/// the primary mailbox and memdev status (drivers/cxl/pci.c).
CXLFW_DECL fact_result<device_map> probe_device_regs(reg_block const& block);

// --- PCI config space the hw layer does not read yet -----------------------------------------

/// The offset of the PCI Express capability: a walk of the conventional capability list from
/// 0x34 (at most 48 entries, so no list loops).
CXLFW_DECL fact_result<std::uint64_t> find_pcie_capability(hw::bus_ref cfg);

/// The Port Number of a port's PCIe Link Capabilities (PCIe base spec §7.5.3.6): the id Linux gives
/// a dport and the value HDM target lists hold (drivers/cxl/core/hdm.c).
CXLFW_DECL fact_result<std::uint8_t> read_pcie_port_number(hw::bus_ref cfg);

/// The PCIe Device/Port Type (Linux pci_pcie_type): 9 is an RCiEP, i.e. an RCD below an RCH
/// (Linux is_cxl_restricted).
CXLFW_DECL fact_result<spec::pci::pcie::port_type_value> read_pcie_port_type(hw::bus_ref cfg);

/// The Device Serial Number extended capability (ID 3): empty if the function has none (Linux
/// pci_get_dsn() gives 0 then); a failed access is a fact, never a serial of 0.
CXLFW_DECL fact_result<std::optional<std::uint64_t>> read_serial_number(hw::bus_ref cfg);

} // namespace cxlfw::core

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/core/impl/regs.ipp>
#endif
