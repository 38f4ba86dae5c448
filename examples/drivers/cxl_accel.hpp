// A Type-2 accelerator in the Linux 7.0 style: it registers a memdev with an attach
// callback and lets the generic mem driver attach its endpoint (mediated), and it waits
// (defers) until the CXL topology is there.
#pragma once

#include <cxlfw/policy/policy.hpp>

namespace examples {

using namespace cxlfw::policy;
using namespace cxlfw::literals;

struct cxl_accel
    : cxlfw::driver<cxl_accel, type2<cap::hdm<1>>, attach::mediated, when_absent::defer> {
    static constexpr std::string_view name = "cxl_accel";
    static constexpr cxlfw::pci_id ids[] = {{0x1e98, 0x0002}}; // the demo's second accelerator

    /// Runs inside the mem driver's probe (Linux struct cxl_memdev_attach::probe).
    cxlfw::status on_cxl(cxlfw::cxl_ready<cxl_accel>& cxl) {
        auto range = cxl.map_region(256_MiB);
        if (!range) return range.error();
        device_memory = *range;
        return {};
    }

    cxlfw::core::hpa_range device_memory{};
};

} // namespace examples
