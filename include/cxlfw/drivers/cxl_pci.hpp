// The Type-3 PCI driver (Linux drivers/cxl/pci.c, cxl_pci): class 0x050210, asynchronous
// probe. Its steps are the core's reusable functions, in Linux's order:
//
//   | step                                  | core function                  | fails with |
//   |---------------------------------------|--------------------------------|---------------------|
//   | CXL Device DVSEC, Mem_Capable         | core::read_device_dvsec        | capability_mismatch
//   | | Register Locator: device + component  | core::map_registers            | registers_absent |
//   | (an RCD: component registers through its RCH's RCRB) | rcd_component   | registers_absent |
//   | Memory_Active, media ready (60 s)     | core::wait_media_ready         | - (memdev marked not
//   ready, as Linux) | | mailbox ready, Identify, Partition Info | core::mailbox,
//   core::read_capacity | mailbox_*     | | the memdev                            |
//   core::add_memdev               | -                   |
//
// The probe succeeds without any CXL topology: the memdev waits on the cxl bus for cxl_mem,
// which fails it (media not ready) or attaches it when the ports are there.
#pragma once

#include <cxlfw/base/host.hpp>
#include <cxlfw/base/pci.hpp>
#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/memdev.hpp>
#include <cxlfw/core/pci.hpp>
#include <cxlfw/core/regs.hpp>
#include <cxlfw/drivers/cxl_acpi.hpp>
#include <cxlfw/spec/pci.hpp>
#include <cxlfw/units.hpp>

#include <string>

namespace cxlfw::drivers {

/// An RCD's component registers (Linux cxl_rcrb_get_comp_regs): MEMBAR0 of the upstream
/// port's RCRB, the second 4 KiB of its RCH's RCRB (CXL 1.1 §8.2.1.1).
inline core::fact_result<core::reg_block> rcd_component(base::pci_device const& pdev) {
    auto const* hb = dynamic_cast<acpi_host_bridge const*>(pdev.parent());
    if (!hb || !hb->rcrb())
        return core::fact{errc::registers_absent,
                          pdev.name() + ": an RCD whose parent is not an RCH with an RCRB"};
    std::uint64_t const up = *hb->rcrb() + 4_KiB;
    auto bus = hb->system_bus();
    auto id = bus.read(up, 4);
    auto lo = bus.read(up + spec::pci::bar::offset_of(0), 4);
    auto hi = bus.read(up + spec::pci::bar::offset_of(1), 4);
    if (!id || !lo || !hi || (*id & 0xFFFF) == 0xFFFF)
        return core::fact{errc::registers_absent,
                          pdev.name() + ": no upstream port RCRB at " + core::detail::hex(up)};
    std::uint64_t const at = (*hi << 32) | (*lo & spec::pci::bar_memory_address_mask);
    if (at == 0)
        return core::fact{errc::registers_absent, pdev.name() + ": RCRB MEMBAR0 is not set"};
    return core::reg_block{bus, at, spec::component::block_size};
}

/// Linux cxl_pci_probe() as one call: the memdev of a Type-3 function, registered and left
/// for cxl_mem (or the fact that stopped it).
inline core::fact_result<core::memdev*> probe_type3(base::pci_device& pdev) {
    virtual_clock& clock = pdev.host()->clock();
    auto dv = core::read_device_dvsec(pdev);
    if (!dv) return dv.error();
    if (!dv->capability.mem_capable)
        return core::fact{errc::capability_mismatch, pdev.name() + ": not Mem_Capable"};
    auto regs = core::map_registers(pdev);
    if (!regs) return regs.error();
    core::memdev_desc desc;
    desc.type = core::memdev_type::type3;
    auto port_type = core::read_pcie_port_type(pdev.config());
    desc.rcd = port_type && *port_type == spec::pci::pcie::port_type_value::rc_endpoint;
    if (desc.rcd) {
        if (auto comp = rcd_component(pdev)) desc.component = *comp;
    } else {
        desc.component = regs->component; // absent: Linux warns and goes on
    }
    desc.media_ready = core::wait_media_ready(pdev, regs->device->memdev, clock).has_value();
    auto mbox = core::mailbox::setup(*regs->device, clock);
    if (!mbox) return mbox.error();
    auto cap = core::read_capacity(*mbox);
    if (!cap) return cap.error();
    desc.ram_size = cap->ram;
    desc.pmem_size = cap->pmem;
    desc.firmware = cap->firmware;
    desc.serial = core::read_serial_number(pdev.config()).value_or(0);
    return core::add_memdev(pdev, std::move(desc));
}

class cxl_pci final : public base::pci_driver {
public:
    cxl_pci()
        : pci_driver{"cxl_pci",
                     {},
                     {{spec::cxl_memory_class_code, 0xFF'FFFF}},
                     base::probe_type::prefer_async} {}

    base::probe_outcome probe(base::device& dev) override {
        auto* pdev = dynamic_cast<base::pci_device*>(&dev);
        if (!pdev) return base::failed(base::errc::wrong_device_type, dev.name());
        auto md = probe_type3(*pdev);
        if (!md) return base::failed(md.error().code, md.error().message());
        return base::bound();
    }
};

} // namespace cxlfw::drivers
