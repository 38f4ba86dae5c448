// on_cxl reads RAS status, but the driver did not declare cap::ras (so RAS is never mapped).
// EXPECT: cxlfw: ras\(\) reads the RAS capability; declare cap::ras in the driver's traits
// MAX-LINES: 25
#include <cxlfw/policy/policy.hpp>

using namespace cxlfw::policy;

struct accel : cxlfw::driver<accel, type2<cap::hdm<1>>, attach::direct, when_absent::fail> {
    static constexpr cxlfw::pci_id ids[] = {{0x1af4, 0x10f0}};
    cxlfw::status on_cxl(cxlfw::cxl_ready<accel>& cxl) {
        auto status = cxl.ras();
        if (!status) return status.error();
        return {};
    }
};
