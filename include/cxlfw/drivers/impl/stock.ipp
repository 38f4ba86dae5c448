// Out-of-line definitions for <cxlfw/drivers/stock.hpp>. Only here are the stock drivers'
// classes needed, so a user's translation unit does not instantiate cxl_pci's composition.
#pragma once

#include <cxlfw/drivers/stock.hpp>

#include <cxlfw/core/bus.hpp>
#include <cxlfw/drivers/cxl_acpi.hpp>
#include <cxlfw/drivers/cxl_mem.hpp>
#include <cxlfw/drivers/cxl_pci.hpp>
#include <cxlfw/drivers/cxl_port.hpp>

namespace cxlfw::drivers {

CXLFW_DECL std::unique_ptr<base::driver> make_stock_driver(stock_driver d) {
    switch (d) {
    case stock_driver::acpi:
        return std::make_unique<cxl_acpi>();
    case stock_driver::port:
        return std::make_unique<cxl_port>();
    case stock_driver::mem:
        return std::make_unique<cxl_mem>();
    case stock_driver::pci:
        return std::make_unique<cxl_pci>();
    }
    return nullptr;
}

CXLFW_DECL status register_stock_drivers(base::host& h, std::span<const stock_driver> order) {
    (void)core::attach(h);
    for (auto d : order)
        if (auto ok = h.register_driver(make_stock_driver(d)); !ok) return ok.error();
    return {};
}

} // namespace cxlfw::drivers
