// Out-of-line definitions for <cxlfw/drivers/cxl_pci.hpp>: where a Type-3 device's component
// registers are (an RCD's behind its RCH's RCRB).
#pragma once

#include <cxlfw/drivers/cxl_pci.hpp>

#include <cxlfw/drivers/cxl_acpi.hpp>

namespace cxlfw::drivers {

CXLFW_DECL core::fact_result<core::reg_block> rcd_component(base::pci_device const& pdev) {
    auto const* hb = dynamic_cast<acpi_host_bridge const*>(pdev.parent());
    if (!hb || !hb->rcrb())
        return core::fact{errc::registers_absent,
                          pdev.name() + ": an RCD whose parent is not an RCH with an RCRB"};
    auto block = core::rcrb_component(hb->system_bus(), *hb->rcrb(), core::rcrb_port::upstream);
    if (!block) return core::fact{block.error().code, pdev.name() + ": " + block.error().detail};
    return *block;
}

CXLFW_DECL core::fact_result<core::reg_block>
cxl_pci_device::component_registers(base::pci_device& pdev) {
    // A failed read of the port type is its own fact: guessing "not an RCD" would look for
    // the component registers in the wrong place (issue 13).
    auto type = core::read_pcie_port_type(pdev.config());
    if (!type && core::is_access_failure(type.error().code))
        return core::fact{type.error().code, pdev.name() + ": " + type.error().detail};
    if (type && *type == spec::pci::pcie::port_type_value::rc_endpoint) return rcd_component(pdev);
    return core::find_register_block(pdev, spec::register_block_id::component);
}

} // namespace cxlfw::drivers
