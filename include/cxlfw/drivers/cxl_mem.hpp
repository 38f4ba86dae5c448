// The memdev driver (Linux drivers/cxl/mem.c, cxl_mem_probe): media ready, the ports up to
// the root (core::enumerate_ports), the endpoint (core::add_endpoint), then the memdev's
// attach callback if it has one (Linux 7.0 struct cxl_memdev_attach; its failure fails the
// bind). A missing topology fails the probe, as Linux's -ENXIO does: the retry comes from the
// rescan of the cxl bus that the ACPI root driver (and a link coming up) triggers. The fact
// is kept in memdev::last_fact() for whoever asked for the attach.
#pragma once

#include <cxlfw/base/outcome.hpp>
#include <cxlfw/core/bus.hpp>
#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/objects.hpp>
#include <cxlfw/core/port.hpp>

namespace cxlfw::drivers {

class cxl_mem final : public core::cxl_driver {
public:
    cxl_mem() : cxl_driver{std::string{core::mem_driver_name}, core::cxl_device_kind::memdev} {}

    base::probe_outcome probe(base::device& dev) override {
        auto* md = dynamic_cast<core::memdev*>(&dev);
        if (!md) return base::failed(base::errc::wrong_device_type, dev.name());
        auto fail = [&](core::fact f) {
            auto out = base::failed(f.code, f.message());
            md->set_last_fact(std::move(f));
            return out;
        };
        if (!md->desc().media_ready)
            return fail(core::fact{errc::media_not_ready, md->name() + ": media not ready"});
        if (auto ok = core::enumerate_ports(*md); !ok) return fail(ok.error());
        if (auto ep = core::add_endpoint(*md); !ep) return fail(ep.error());
        if (auto const& attach = md->probe())
            if (auto ok = attach(*md); !ok)
                return fail(core::fact{ok.error(), md->name() + ": the attach callback failed"});
        md->set_last_fact(std::nullopt);
        return base::bound();
    }
};

} // namespace cxlfw::drivers
