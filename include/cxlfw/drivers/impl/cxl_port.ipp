// Out-of-line definitions for <cxlfw/drivers/cxl_port.hpp>: the port driver's probe.
#pragma once

#include <cxlfw/drivers/cxl_port.hpp>

#include <cxlfw/base/host.hpp>
#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/hdm.hpp>
#include <cxlfw/core/port.hpp>
#include <cxlfw/core/registry.hpp>

namespace cxlfw::drivers {

CXLFW_DECL base::probe_outcome cxl_port::probe(base::device& dev) {
    auto* p = dynamic_cast<core::port*>(&dev);
    if (!p) return base::failed(base::errc::wrong_device_type, dev.name());
    if (auto ok = core::probe_port(*p); !ok)
        return base::failed(ok.error().code, ok.error().message());
    if (p->kind() != core::port_kind::endpoint)
        (void)dev.host()->signal(core::port_event(p->uport()));
    // Memdevs that failed for want of this host bridge's port try again (Linux orders
    // cxl_port before cxl_mem and cxl_acpi with module soft dependencies instead).
    if (p->kind() == core::port_kind::host_bridge) (void)dev.host()->rescan(core::cxl_bus_name);
    return base::bound();
}

} // namespace cxlfw::drivers
