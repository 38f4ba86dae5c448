// on_cxl returning void instead of cxlfw::status.
// EXPECT: cxlfw: on_cxl has the wrong signature; declare it as .cxlfw::status on_cxl\(cxlfw::cxl_ready<D>& cxl\).
// MAX-LINES: 25
#include <cxlfw/policy/driver.hpp>

using namespace cxlfw::policy;

struct accel : cxlfw::driver<accel, type2<cap::hdm<1>>, attach::mediated, when_absent::defer> {
    static constexpr cxlfw::pci_id ids[] = {{0x1af4, 0x10f0}};
    void on_cxl(cxlfw::cxl_ready<accel>&) {}
};
static_assert(cxlfw::check_driver<accel>());
