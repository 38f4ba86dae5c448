// A driver sets a bit of the CXL Device DVSEC capability register, which is read-only.
// EXPECT: cxlfw: this field is read-only \(the device sets it\)
// MAX-LINES: 25
#include <cxlfw/hw/window.hpp>
#include <cxlfw/spec/dvsec.hpp>

#include <array>

int main() {
    std::array<std::byte, 0x38> regs{};
    cxlfw::hw::writable_memory_bus bus{regs};
    cxlfw::hw::window dvsec{bus, 0, regs.size()};
    return dvsec.set<cxlfw::spec::cxl_dvsec::mem_capable>(1) ? 0 : 1;
}
