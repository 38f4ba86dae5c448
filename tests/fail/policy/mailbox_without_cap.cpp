// on_cxl sends a mailbox command, but the driver did not declare cap::mailbox.
// EXPECT: cxlfw: mailbox\(\) sends commands through the device registers; declare cap::mailbox
// MAX-LINES: 25
#include <cxlfw/policy/policy.hpp>

using namespace cxlfw::policy;

struct accel : cxlfw::driver<accel, type2<cap::hdm<1>>, attach::direct, when_absent::fail> {
    static constexpr cxlfw::pci_id ids[] = {{0x1af4, 0x10f0}};
    cxlfw::status on_cxl(cxlfw::cxl_ready<accel>& cxl) {
        auto id = cxlfw::core::identify(cxl.mailbox());
        if (!id) return id.error().code;
        return {};
    }
};
