// Registering a device where a driver is expected.
// EXPECT: cxlfw: register_driver takes a std::unique_ptr<D> with D derived from base::driver
// MAX-LINES: 20
#include <cxlfw/base/host.hpp>

#include <memory>

int main() {
    cxlfw::base::host h;
    (void)h.register_driver(std::make_unique<cxlfw::base::platform_device>("ACPI0017:00"));
}
