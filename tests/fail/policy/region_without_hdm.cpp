// on_cxl maps a region, but the driver declared no HDM decoders to program.
// EXPECT: cxlfw: map_region programs HDM decoders; declare cap::hdm<N> in the driver's traits
// MAX-LINES: 25
#include <cxlfw/policy/policy.hpp>

using namespace cxlfw::policy;

struct accel : cxlfw::driver<accel, type2<cap::ras>, attach::mediated, when_absent::defer> {
    static constexpr cxlfw::pci_id ids[] = {{0x1af4, 0x10f0}};
    cxlfw::status on_cxl(cxlfw::cxl_ready<accel>& cxl) {
        auto range = cxl.map_region(256_MiB);
        if (!range) return range.error();
        return {};
    }
};
