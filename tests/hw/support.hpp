// Helpers the hw tests share.
#pragma once

#include <cxlfw/hw/lspci.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace cxlfw::hw::test_support {

/// Device B of pciutils' cap-dvsec-cxl dump: its 4096 bytes of config space. Its chain:
/// 0x100 -> 0x128 -> 0x1E0 -> 0x200 -> 0x450 -> 0x500 (CXL Device) -> 0x540 (Flex Bus) ->
/// 0x560 (Register Locator) -> 0x590 (GPF) -> end.
inline std::vector<std::byte> device_b() {
    auto devices = load_lspci(std::string{CXLFW_TEST_DATA_DIR} + "/pciutils/cap-dvsec-cxl").value();
    auto bytes = devices.at(1).config.bytes();
    return {bytes.begin(), bytes.end()};
}

} // namespace cxlfw::hw::test_support
