// The memdev driver (Linux drivers/cxl/mem.c, cxl_mem_probe): media ready, the ports up to
// the root (core::enumerate_ports), the endpoint (core::add_endpoint), then the memdev's
// attach callback if it has one (Linux 7.0 struct cxl_memdev_attach; its failure fails the
// bind). A missing topology fails the probe, as Linux's -ENXIO does: the retry comes from the
// rescan of the cxl bus that the ACPI root driver (and a link coming up) triggers. The fact
// is kept in memdev::last_fact() for whoever asked for the attach.
#pragma once

#include <cxlfw/base/outcome.hpp>
#include <cxlfw/config.hpp>
#include <cxlfw/core/bus.hpp>

namespace cxlfw::drivers {

class cxl_mem final : public core::cxl_driver {
public:
    cxl_mem() : cxl_driver{std::string{core::mem_driver_name}, core::cxl_device_kind::memdev} {}

    CXLFW_DECL base::probe_outcome probe(base::device& dev) override;
};

} // namespace cxlfw::drivers

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/drivers/impl/cxl_mem.ipp>
#endif
