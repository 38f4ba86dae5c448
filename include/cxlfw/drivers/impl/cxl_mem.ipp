// Out-of-line definitions for <cxlfw/drivers/cxl_mem.hpp>: the memdev driver's probe.
#pragma once

#include <cxlfw/drivers/cxl_mem.hpp>

#include <cxlfw/base/host.hpp>
#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/port.hpp>
#include <cxlfw/core/registry.hpp>

namespace cxlfw::drivers {

CXLFW_DECL base::probe_outcome cxl_mem::probe(base::device& dev) {
    auto* md = dynamic_cast<core::memdev*>(&dev);
    if (!md) return base::failed(base::errc::wrong_device_type, dev.name());
    auto fail = [&](core::fact f) {
        // A failure on a path that went is that path's absence (cxl_mem retries on it).
        if (!f.is_absence())
            if (auto gone = core::path_absence(*md)) f = *gone;
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
    // What the callback ran may have lost the path (a removal or link drop inside it).
    if (auto ok = core::still_attached(*md); !ok) return fail(ok.error());
    md->set_last_fact(std::nullopt);
    return base::bound();
}

} // namespace cxlfw::drivers
