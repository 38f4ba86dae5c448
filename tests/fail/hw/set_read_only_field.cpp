// A driver sets HDM decoder Committed, a status bit only the component sets (QEMU mask 0x13FF).
// EXPECT: cxlfw: this field is read-only \(the device sets it\)
// MAX-LINES: 25
#include <cxlfw/hw/window.hpp>
#include <cxlfw/spec/component.hpp>

#include <array>

int main() {
    std::array<std::byte, 0x30> regs{};
    cxlfw::hw::writable_memory_bus bus{regs};
    cxlfw::hw::window hdm{bus, 0, regs.size()};
    return hdm.set<cxlfw::spec::hdm::committed>(0, 1) ? 0 : 1;
}
