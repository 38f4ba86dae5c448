// The Type-3 PCI driver (Linux drivers/cxl/pci.c, cxl_pci): class 0x050210, asynchronous
// probe, written as a policy composition (policy/compose.hpp runs the steps):
//
// | step                                   | core function                       |
// |----------------------------------------|-------------------------------------|
// | CXL Device DVSEC: Mem_Capable, ranges  | core::read_device_dvsec             |
// | component registers (an RCD: its RCH's | core::find_register_block,          |
// | RCRB), HDM decoders, RAS unmasked      | rcd_component, probe_component_regs |
// | device registers (mailbox, status)     | core::probe_device_regs             |
// | Memory_Active, media ready (60 s)      | core::wait_media_ready (not fatal)  |
// | mailbox ready, Identify, Partition Info| core::mailbox, core::read_capacity  |
// | the memdev, waiting for cxl_mem        | core::add_memdev (attach_when::whenever) |
//
// The probe succeeds without any CXL topology: the memdev waits on the cxl bus for cxl_mem,
// which fails it (media not ready) or attaches it when the ports are there.
#pragma once

#include <cxlfw/base/pci.hpp>
#include <cxlfw/config.hpp>
#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/memdev.hpp>
#include <cxlfw/core/pci.hpp>
#include <cxlfw/core/regs.hpp>
#include <cxlfw/policy/policy.hpp>
#include <cxlfw/spec/pci.hpp>
#include <cxlfw/units.hpp>

#include <string>

namespace cxlfw::drivers {

/// An RCD's component registers (Linux cxl_rcrb_get_comp_regs): MEMBAR0 of the upstream
/// port's RCRB, the second 4 KiB of its RCH's RCRB (CXL 1.1 §8.2.1.1).
CXLFW_DECL core::fact_result<core::reg_block> rcd_component(base::pci_device const& pdev);

/// The stock Type-3 driver, composed like any other: a memory expander (class 0x050210) with
/// its mailbox, HDM decoders and RAS, whose memdev waits on the cxl bus for cxl_mem (Linux
/// cxl_pci: mediated attach, and CXL absence is a wait, not an error). Unlike Linux it
/// requires the component registers it declares (Linux warns and goes on without them).
struct cxl_pci_device
    : cxlfw::driver<cxl_pci_device,
                    policy::type3<policy::cap::mailbox, policy::cap::hdm<1>, policy::cap::ras>,
                    policy::attach::mediated, policy::when_absent::wait> {
    static constexpr std::string_view name = "cxl_pci";
    static constexpr base::probe_type probe_type = base::probe_type::prefer_async;
    static constexpr pci_class_id class_ids[] = {{spec::cxl_memory_class_code, 0xFF'FFFF}};

    /// An RCD's component registers sit behind its RCH's RCRB, not behind a BAR.
    static core::fact_result<core::reg_block> component_registers(base::pci_device& pdev);

    /// A memory expander's memory goes to the regions users create; attaching is all.
    cxlfw::status on_cxl(cxlfw::cxl_ready<cxl_pci_device>&) { return {}; }
};

/// The driver object the host registers (`host.register_driver(std::make_unique<cxl_pci>())`).
using cxl_pci = policy::detail::composed_driver<cxl_pci_device>;

} // namespace cxlfw::drivers

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/drivers/impl/cxl_pci.ipp>
#endif
