// The four stock drivers as a set: which there are, one made by name, all registered in a
// given order (Linux loads cxl_acpi, cxl_port, cxl_mem and cxl_pci as modules, in any order).
#pragma once

#include <cxlfw/base/driver.hpp>
#include <cxlfw/base/host.hpp>
#include <cxlfw/config.hpp>
#include <cxlfw/result.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace cxlfw::drivers {

enum class stock_driver : std::uint8_t { acpi, port, mem, pci };

inline constexpr std::array<stock_driver, 4> all_stock_drivers{
    stock_driver::acpi, stock_driver::port, stock_driver::mem, stock_driver::pci};

/// The driver's name: "cxl_acpi", "cxl_port", "cxl_mem", "cxl_pci".
constexpr std::string_view to_string(stock_driver d) noexcept {
    switch (d) {
    case stock_driver::acpi:
        return "cxl_acpi";
    case stock_driver::port:
        return "cxl_port";
    case stock_driver::mem:
        return "cxl_mem";
    case stock_driver::pci:
        return "cxl_pci";
    }
    return "?";
}

/// A new driver object of the stock driver `d`.
CXLFW_DECL std::unique_ptr<base::driver> make_stock_driver(stock_driver d);

/// Attach the CXL core to `h`, then register the stock drivers in `order`.
CXLFW_DECL status register_stock_drivers(base::host& h,
                                         std::span<const stock_driver> order = all_stock_drivers);

} // namespace cxlfw::drivers

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/drivers/impl/stock.ipp>
#endif
