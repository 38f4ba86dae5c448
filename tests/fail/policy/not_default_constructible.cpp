// A driver without a default constructor: the framework makes one object per bound device.
// EXPECT: cxlfw: the framework creates one driver object per bound device; give the driver a default constructor
// MAX-LINES: 30
#include <cxlfw/policy/policy.hpp>

using namespace cxlfw::policy;

struct accel : cxlfw::driver<accel, type1<>> {
    static constexpr cxlfw::pci_id ids[] = {{0x1e98, 0x0001}};
    explicit accel(int queues) : queues_{queues} {}
    int queues_;
};

int main() {
    cxlfw::base::host host;
    return cxlfw::register_driver<accel>(host) ? 0 : 1;
}
