// The port driver (Linux drivers/cxl/port.c, cxl_port): binds host-bridge, switch and
// endpoint ports, enumerates their HDM decoders (core::probe_port), and announces a bound
// port with the event "cxl_port:<uport>" that port_absent / port_not_bound facts name.
// It probes synchronously, as Linux's does since 7.0: the core attaches a port the moment it
// adds one. A host-bridge port that binds rescans the cxl bus, so the driver load order does
// not matter.
#pragma once

#include <cxlfw/base/outcome.hpp>
#include <cxlfw/config.hpp>
#include <cxlfw/core/bus.hpp>

namespace cxlfw::drivers {

class cxl_port final : public core::cxl_driver {
public:
    cxl_port() : cxl_driver{std::string{core::port_driver_name}, core::cxl_device_kind::port} {}

    CXLFW_DECL base::probe_outcome probe(base::device& dev) override;
};

} // namespace cxlfw::drivers

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/drivers/impl/cxl_port.ipp>
#endif
