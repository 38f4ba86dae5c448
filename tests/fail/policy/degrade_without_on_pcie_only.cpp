// when_absent::degrade without the on_pcie_only hook it calls.
// EXPECT: cxlfw: when_absent::degrade binds the device without CXL and calls on_pcie_only; declare .void on_pcie_only\(std::error_code why\).
// MAX-LINES: 25
#include <cxlfw/policy/driver.hpp>

using namespace cxlfw::policy;

struct nic : cxlfw::driver<nic, type2<cap::hdm<1>>, attach::direct, when_absent::degrade> {
    static constexpr cxlfw::pci_id ids[] = {{0x1924, 0x0b03}};
    cxlfw::status on_cxl(cxlfw::cxl_ready<nic>&) { return {}; }
};
static_assert(cxlfw::check_driver<nic>());
