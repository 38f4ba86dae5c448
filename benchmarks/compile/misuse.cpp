// Compile cost: the syntax check of one misuse (tests/fail/policy/degrade_without_on_pcie_only).
#include <cxlfw/policy/driver.hpp>

using namespace cxlfw::policy;

struct nic : cxlfw::driver<nic, type2<cap::hdm<1>>, attach::direct, when_absent::degrade> {
    static constexpr cxlfw::pci_id ids[] = {{0x1924, 0x0b03}};
    cxlfw::status on_cxl(cxlfw::cxl_ready<nic>&) { return {}; }
};
static_assert(cxlfw::check_driver<nic>());
