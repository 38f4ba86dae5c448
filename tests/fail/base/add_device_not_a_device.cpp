// Handing the host an object that is not a base::device.
// EXPECT: cxlfw: add_device takes a std::unique_ptr<D> with D derived from base::device
// MAX-LINES: 20
#include <cxlfw/base/host.hpp>

#include <memory>

int main() {
    cxlfw::base::host h;
    (void)h.add_device(std::make_unique<int>(1));
}
