// The port driver (Linux drivers/cxl/port.c, cxl_port): binds host-bridge, switch and
// endpoint ports, enumerates their HDM decoders (core::probe_port), and announces a bound
// port with the event "cxl_port:<uport>" that port_absent / port_not_bound facts name.
// It probes synchronously, as Linux's does since 7.0: the core attaches a port the moment it
// adds one. A host-bridge port that binds rescans the cxl bus, so the driver load order does
// not matter.
#pragma once

#include <cxlfw/base/outcome.hpp>
#include <cxlfw/core/bus.hpp>
#include <cxlfw/core/hdm.hpp>
#include <cxlfw/core/objects.hpp>
#include <cxlfw/core/port.hpp>

namespace cxlfw::drivers {

class cxl_port final : public core::cxl_driver {
public:
    cxl_port() : cxl_driver{std::string{core::port_driver_name}, core::cxl_device_kind::port} {}

    base::probe_outcome probe(base::device& dev) override {
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
};

} // namespace cxlfw::drivers
