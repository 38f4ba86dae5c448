// lspci text: any input parses to devices with 256- or 4096-byte images, or fails with a
// diagnostic that names a line of the input. Parsed devices then go through the CXL decode.
#include <cxlfw/hw/config_space.hpp>
#include <cxlfw/hw/lspci.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hw = cxlfw::hw;

#define CXLFW_FUZZ_CHECK(cond)                                                                     \
    do {                                                                                           \
        if (!(cond)) __builtin_trap();                                                             \
    } while (0)

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string_view const text{reinterpret_cast<char const*>(data), size};
    auto const lines = static_cast<std::size_t>(std::ranges::count(text, '\n')) + 1;
    hw::lspci_diagnostic diag;
    auto devices = hw::parse_lspci(text, &diag);
    if (!devices) {
        CXLFW_FUZZ_CHECK(devices.error() == diag.code);
        CXLFW_FUZZ_CHECK(diag.line >= 1 && diag.line <= lines);
        CXLFW_FUZZ_CHECK(!diag.message().empty());
        return 0;
    }
    CXLFW_FUZZ_CHECK(!devices->empty());
    for (auto const& d : *devices) {
        CXLFW_FUZZ_CHECK(d.config.size() == 256 || d.config.size() == 4096);
        CXLFW_FUZZ_CHECK(d.line >= 1 && d.line <= lines);
        CXLFW_FUZZ_CHECK(hw::read_vendor_id(d.config).value() == d.vendor_id);
        CXLFW_FUZZ_CHECK(hw::read_device_id(d.config).value() == d.device_id);
        CXLFW_FUZZ_CHECK(hw::pci_address::parse(d.address.to_string()) == d.address);
        hw::config_diagnostic cdiag;
        if (!hw::read_cxl_device_dvsec(d.config, &cdiag)) (void)cdiag.message();
    }
    return 0;
}
