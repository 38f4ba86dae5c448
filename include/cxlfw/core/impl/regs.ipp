// Out-of-line definitions for <cxlfw/core/regs.hpp>: the Register Locator, the component and
// device capability arrays, and the PCI Express capability registers the core reads.
#pragma once

#include <cxlfw/core/regs.hpp>

#include <cxlfw/hw/config_space.hpp>
#include <cxlfw/hw/errc.hpp>
#include <cxlfw/spec/component.hpp>
#include <cxlfw/spec/device_regs.hpp>
#include <cxlfw/units.hpp>

namespace cxlfw::core {

namespace detail {

CXLFW_DECL std::string hex(std::uint64_t v) {
    return hw::detail::hex(v);
}

/// `width` bytes at `offset` into the function's PCI Express capability; `what` names the
/// register in the fact.
CXLFW_DECL fact_result<std::uint64_t> read_pcie_cap(hw::bus_ref cfg, std::uint64_t offset,
                                                    unsigned width, char const* what) {
    auto at = find_pcie_capability(cfg);
    if (!at) return at.error();
    auto v = cfg.read(*at + offset, width);
    if (!v) return fact{v.error(), std::string{"reading "} + what};
    // All ones is no PCI Express register (the capability version would be 0xF, the link
    // speed reserved): a function that did not answer, not a port number of 0xFF.
    if (*v == (width == 4 ? 0xFFFF'FFFFu : 0xFFFFu))
        return fact{hw::errc::access_fault, std::string{what} + " reads all ones"};
    return *v;
}

CXLFW_DECL fact config_fact(base::pci_device const& pdev, hw::config_diagnostic const& diag,
                            errc otherwise) {
    // The function did not answer: an access fault, or extended config space that reads all
    // ones on a function the CXL stack looks at (CXL functions are PCIe; their DVSECs live
    // there). Linux's pci_cfg_space_size() takes that for a conventional function at
    // enumeration; after it, it is a function that stopped answering.
    bool const silent = diag.code == hw::errc::extended_space_absent && diag.all_ones;
    if (is_access_failure(diag.code) || silent)
        return fact{hw::errc::access_fault,
                    pdev.name() + ": " + diag.detail + " at " + hex(diag.offset)};
    return fact{otherwise, pdev.name() + ": " + diag.message()};
}

} // namespace detail

CXLFW_DECL fact_result<reg_block> find_register_block(base::pci_device const& pdev,
                                                      spec::register_block_id id) {
    hw::config_diagnostic diag;
    auto locator = hw::read_register_locator(pdev.config(), &diag);
    if (!locator) return detail::config_fact(pdev, diag, errc::registers_absent);
    auto block = locator->find(id);
    if (!block)
        return fact{errc::registers_absent, pdev.name() +
                                                ": the Register Locator names no block of ID " +
                                                detail::hex(static_cast<unsigned>(id))};
    auto bar = pdev.bar(block->bir);
    if (!bar)
        return fact{errc::registers_absent,
                    pdev.name() + ": BAR " + std::to_string(block->bir) + " is not assigned"};
    if (block->offset >= bar->size)
        return fact{errc::registers_absent,
                    pdev.name() + ": block at " + detail::hex(block->offset) + " is past BAR " +
                        std::to_string(block->bir) + " (size " + detail::hex(bar->size) + ")"};
    return reg_block{bar->bus, block->offset, bar->size - block->offset};
}

// --- the component block (CXL 2.0 §8.2.4) ---------------------------------------------------

CXLFW_DECL fact_result<component_map> probe_component_regs(reg_block const& block) {
    namespace c = spec::component;
    component_map map;
    auto cm = block.sub(c::cache_mem_offset, c::cache_mem_size);
    if (!cm)
        return fact{errc::registers_absent, "component block of " + detail::hex(block.size) +
                                                " bytes has no CXL.cache/mem area"};
    auto w = cm->window();
    auto header = w.read<c::array_header>();
    if (!header) return fact{header.error(), "reading the component capability array"};
    // All ones is what a function that stopped answering returns (Linux PCI_POSSIBLE_ERROR):
    // not "no capability array" (which would make a port a passthrough one), but the fault.
    if (*header == 0xFFFF'FFFFu)
        return fact{hw::errc::access_fault, "the component capability array header reads all ones"};
    if (c::array_cap_id::get(*header) != c::array_header_id) return map;
    unsigned const entries = c::array_size::get(*header);
    for (unsigned n = 0; n < entries; ++n) {
        auto h = w.read<c::cap_header>(n);
        if (!h) return fact{h.error(), "reading component capability header " + std::to_string(n)};
        if (*h == 0xFFFF'FFFFu) // as the array header: not a capability, a silent component
            return fact{hw::errc::access_fault,
                        "component capability header " + std::to_string(n) + " reads all ones"};
        auto const e = spec::decode_component_cap(*h);
        if (e.id == static_cast<std::uint16_t>(spec::component_cap_id::hdm_decoder) && !map.hdm) {
            auto cap = cm->sub(e.pointer, spec::hdm::structure_length(1));
            if (!cap) continue;
            auto raw = cap->window().read<spec::hdm::capability>();
            if (!raw) return fact{raw.error(), "reading the HDM Decoder Capability register"};
            auto dec = spec::hdm::decoder_capability::decode(*raw);
            if (!dec) return fact{dec.error(), "HDM Decoder Capability " + detail::hex(*raw)};
            map.hdm = cm->sub(e.pointer, spec::hdm::structure_length(dec->decoder_count));
        } else if (e.id == static_cast<std::uint16_t>(spec::component_cap_id::ras) && !map.ras) {
            map.ras = cm->sub(e.pointer, spec::ras::length);
        }
    }
    return map;
}

CXLFW_DECL fact_result<void> check_component_block(reg_block const& block) {
    namespace c = spec::component;
    auto const where = "component registers at " + detail::hex(block.offset);
    auto cm = block.sub(c::cache_mem_offset, c::cache_mem_size);
    if (!cm)
        return fact{errc::registers_absent,
                    where + ": a block of " + detail::hex(block.size) + " bytes is too small"};
    auto header = cm->window().read<c::array_header>();
    if (!header)
        return fact{header.error(),
                    where + ": reading the capability array header at " + detail::hex(cm->offset)};
    // All ones is no header but nothing answering (Linux PCI_POSSIBLE_ERROR): the access's fact.
    if (*header == 0xFFFF'FFFFu)
        return fact{hw::errc::access_fault, where + ": the capability array header at " +
                                                detail::hex(cm->offset) + " reads all ones"};
    if (c::array_cap_id::get(*header) != c::array_header_id)
        return fact{errc::registers_absent, where + ": no capability array (header at " +
                                                detail::hex(cm->offset) + " reads " +
                                                detail::hex(*header) + ", not ID 1)"};
    return {};
}

CXLFW_DECL fact_result<reg_block> rcrb_component(hw::bus_ref system, std::uint64_t rcrb,
                                                 rcrb_port which) {
    namespace p = spec::pci;
    std::uint64_t const at = rcrb + (which == rcrb_port::upstream ? 4_KiB : 0);
    std::string const where =
        (which == rcrb_port::upstream ? "upstream port RCRB at " : "downstream port RCRB at ") +
        detail::hex(at);
    auto const read = [&](std::uint64_t off, char const* what) -> fact_result<std::uint32_t> {
        auto v = system.read(at + off, 4);
        if (!v) return fact{v.error(), where + ": reading " + what};
        return static_cast<std::uint32_t>(*v);
    };
    auto id = read(p::vendor_id::offset, "its vendor ID");
    if (!id) return id.error();
    // Linux: "Failed to access Downstream Port RCRB" -- nothing answers there.
    if (*id == 0xFFFF'FFFFu)
        return fact{hw::errc::access_fault, where + ": the vendor ID reads all ones"};
    auto cmd = read(p::command::offset, "its Command register");
    if (!cmd) return cmd.error();
    // Command and Status together all ones: no RCRB reads so (reserved bits set); the port
    // stopped answering between two reads, as a surprise removal looks (an access fault, so
    // the probe fails and is retried, not a CHBS of the wrong kind skipped for good).
    if (*cmd == 0xFFFF'FFFFu)
        return fact{hw::errc::access_fault, where + ": the Command register reads all ones"};
    if (!p::memory_space_enable::get(static_cast<std::uint16_t>(*cmd)))
        return fact{errc::registers_absent, where + ": Memory Space is disabled (Command " +
                                                detail::hex(static_cast<std::uint16_t>(*cmd)) +
                                                ", vendor/device ID " + detail::hex(*id) + ")"};
    auto lo = read(p::bar::offset_of(0), "MEMBAR0");
    if (!lo) return lo.error();
    auto hi = read(p::bar::offset_of(1), "MEMBAR0 (high dword)");
    if (!hi) return hi.error();
    if (*lo == 0xFFFF'FFFFu && *hi == 0xFFFF'FFFFu) // see Command above
        return fact{hw::errc::access_fault, where + ": MEMBAR0 reads all ones"};
    // Linux: "the RCRB is a Memory Window, and the MEM_TYPE_1M bit is obsolete".
    if (p::bar_io::get(*lo) || (p::bar_memory_type::get(*lo) & 1))
        return fact{errc::registers_absent,
                    where + ": MEMBAR0 " + detail::hex(*lo) + " is not a memory BAR"};
    std::uint64_t address = *lo & p::bar_memory_address_mask;
    if (p::bar_memory_type::get(*lo) == 2) address |= std::uint64_t{*hi} << 32;
    if (address == 0) return fact{errc::registers_absent, where + ": MEMBAR0 is not set"};
    if (address % spec::component::block_size != 0)
        return fact{errc::registers_absent,
                    where + ": MEMBAR0 " + detail::hex(address) + " is not 64 KiB aligned"};
    return reg_block{system, address, spec::component::block_size};
}

// --- the device register block (CXL 2.0 §8.2.8) ---------------------------------------------

CXLFW_DECL fact_result<device_map> probe_device_regs(reg_block const& block) {
    namespace d = spec::device_regs;
    auto w = block.window();
    auto array = w.read<d::caps_array>();
    if (!array) return fact{array.error(), "reading the device capabilities array"};
    if (d::array_cap_id::get(*array) != 0)
        return fact{errc::registers_absent,
                    "device capabilities array ID is " + detail::hex(d::array_cap_id::get(*array))};
    std::optional<reg_block> status, mbox, memdev;
    auto const count = static_cast<unsigned>(d::cap_count::get(*array));
    for (unsigned n = 1; n <= count; ++n) {
        auto h = w.read<d::cap_header>(n - 1);
        auto off = w.read<d::cap_offset>(n - 1);
        auto len = w.read<d::cap_length>(n - 1);
        if (!h || !off || !len) {
            auto const ec = !h ? h.error() : !off ? off.error() : len.error();
            return fact{is_access_failure(ec) ? ec : make_error_code(errc::registers_absent),
                        "reading device capability " + std::to_string(n)};
        }
        auto const e = spec::decode_device_cap(*h, *off, *len);
        auto part = block.sub(e.offset, e.length);
        if (!part) continue; // Linux skips a capability outside the block
        switch (static_cast<spec::device_cap_id>(e.id)) {
        case spec::device_cap_id::device_status:
            status = part;
            break;
        case spec::device_cap_id::primary_mailbox:
            mbox = part;
            break;
        case spec::device_cap_id::memdev:
            memdev = part;
            break;
        default:
            break;
        }
    }
    std::string lacking;
    if (!status) lacking += " device-status";
    if (!mbox) lacking += " primary-mailbox";
    if (!memdev) lacking += " memdev-status";
    if (!lacking.empty()) return fact{errc::registers_absent, "device registers lack:" + lacking};
    return device_map{*status, *mbox, *memdev};
}

// --- PCI config space the hw layer does not read yet -----------------------------------------

CXLFW_DECL fact_result<std::uint64_t> find_pcie_capability(hw::bus_ref cfg) {
    namespace p = spec::pci;
    auto status = cfg.read(p::status::offset, 2);
    if (!status) return fact{status.error(), "reading the PCI status register"};
    if (*status == 0xFFFF) // a function that did not answer (Linux PCI_POSSIBLE_ERROR)
        return fact{hw::errc::access_fault, "the PCI status register reads all ones"};
    if (!p::capabilities_list::get(static_cast<std::uint16_t>(*status)))
        return fact{errc::registers_absent, "no capability list"};
    auto ptr = cfg.read(p::capabilities_pointer::offset, 1);
    if (!ptr) return fact{ptr.error(), "reading the capabilities pointer"};
    std::uint64_t at = *ptr & 0xFC;
    for (unsigned i = 0; i < 48 && at >= 0x40; ++i) {
        auto h = cfg.read(at + p::pcie::header::offset, 2);
        if (!h) return fact{h.error(), "reading capability at " + detail::hex(at)};
        if ((*h & 0xFF) == p::cap_id_pci_express) return at;
        at = (*h >> 8) & 0xFC;
    }
    return fact{errc::registers_absent, "no PCI Express capability"};
}

CXLFW_DECL fact_result<std::uint8_t> read_pcie_port_number(hw::bus_ref cfg) {
    namespace p = spec::pci::pcie;
    auto lc = detail::read_pcie_cap(cfg, p::link_capabilities::offset, 4, "Link Capabilities");
    if (!lc) return lc.error();
    return static_cast<std::uint8_t>(p::port_number::get(static_cast<std::uint32_t>(*lc)));
}

CXLFW_DECL fact_result<spec::pci::pcie::port_type_value> read_pcie_port_type(hw::bus_ref cfg) {
    namespace p = spec::pci::pcie;
    auto caps = detail::read_pcie_cap(cfg, p::capabilities::offset, 2, "PCI Express Capabilities");
    if (!caps) return caps.error();
    return static_cast<p::port_type_value>(p::port_type::get(static_cast<std::uint16_t>(*caps)));
}

CXLFW_DECL fact_result<std::optional<std::uint64_t>> read_serial_number(hw::bus_ref cfg) {
    auto cap = hw::find_ext_cap(cfg, static_cast<std::uint16_t>(spec::pci::ext_cap::serial_number));
    if (!cap) {
        // Only a list without the capability means "no serial". Extended space that reads all
        // ones on a CXL function (whose DVSECs were just read there) is a function that did
        // not answer: Linux pci_get_dsn() would say 0; that is the "serial 0" of issue 13.
        if (cap.error() == hw::errc::ext_cap_not_found) return std::optional<std::uint64_t>{};
        return fact{cap.error(), "finding the Device Serial Number capability"};
    }
    auto lo = cfg.read(cap->offset + 4u, 4);
    if (!lo) return fact{lo.error(), "reading the Device Serial Number (low dword)"};
    auto hi = cfg.read(cap->offset + 8u, 4);
    if (!hi) return fact{hi.error(), "reading the Device Serial Number (high dword)"};
    // A dword of all ones may be a serial, or a function that stopped answering: the Vendor
    // ID tells which (Linux pci_device_is_present()).
    if (*lo == 0xFFFF'FFFFu || *hi == 0xFFFF'FFFFu) {
        auto vendor = cfg.read(spec::pci::vendor_id::offset, 2);
        if (!vendor || *vendor == 0xFFFF)
            return fact{vendor ? make_error_code(hw::errc::access_fault) : vendor.error(),
                        "reading the Device Serial Number: the function no longer answers "
                        "(Vendor ID reads all ones)"};
    }
    return std::optional<std::uint64_t>{(*hi << 32) | *lo};
}

} // namespace cxlfw::core
