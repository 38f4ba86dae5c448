// on_pcie_only taking an int instead of the std::error_code that says why.
// EXPECT: cxlfw: on_pcie_only has the wrong signature; declare it as .void on_pcie_only\(std::error_code why\).
// MAX-LINES: 25
#include <cxlfw/policy/driver.hpp>

using namespace cxlfw::policy;

struct nic : cxlfw::driver<nic, type2<cap::hdm<1>>, attach::direct, when_absent::degrade> {
    static constexpr cxlfw::pci_id ids[] = {{0x1924, 0x0b03}};
    cxlfw::status on_cxl(cxlfw::cxl_ready<nic>&) { return {}; }
    void on_pcie_only(int why);
};
static_assert(cxlfw::check_driver<nic>());
