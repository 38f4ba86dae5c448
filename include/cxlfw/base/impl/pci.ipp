// Out-of-line definitions for <cxlfw/base/pci.hpp>: reading a function's identity, id-table
// matching and the "pci" bus.
#pragma once

#include <cxlfw/base/pci.hpp>

namespace cxlfw::base {

CXLFW_DECL result<pci_ident> read_pci_ident(hw::bus_ref config) {
    auto vendor = config.read(0x00, 2);
    if (!vendor) return vendor.error();
    if (*vendor == 0xFFFF) return errc::no_pci_function;
    auto device = config.read(0x02, 2);
    if (!device) return device.error();
    auto class_rev = config.read(0x08, 4);
    if (!class_rev) return class_rev.error();
    return pci_ident{static_cast<std::uint16_t>(*vendor), static_cast<std::uint16_t>(*device),
                     static_cast<std::uint32_t>(*class_rev >> 8),
                     static_cast<std::uint8_t>(*class_rev & 0xFF)};
}

CXLFW_DECL status pci_device::set_bar(unsigned index, pci_bar bar) {
    if (index >= bar_count) return errc::bar_out_of_range;
    bars_[index] = bar;
    return {};
}

CXLFW_DECL pci_driver::pci_driver(std::string name, std::vector<pci_id> ids,
                                  std::vector<pci_class_id> classes, base::probe_type type)
    : driver{std::move(name), "pci", type}, ids_{std::move(ids)}, classes_{std::move(classes)} {}

CXLFW_DECL pci_driver::~pci_driver() = default;

CXLFW_DECL bool pci_driver::matches(pci_device const& dev) const noexcept {
    for (auto const& id : ids_)
        if (id.matches(dev.vendor(), dev.device_id())) return true;
    for (auto const& cls : classes_)
        if (cls.matches(dev.class_code())) return true;
    return false;
}

CXLFW_DECL bool pci_bus::match(device const& dev, driver const& drv) const {
    auto const* pdev = dynamic_cast<pci_device const*>(&dev);
    auto const* pdrv = dynamic_cast<pci_driver const*>(&drv);
    return pdev && pdrv && pdrv->matches(*pdev);
}

CXLFW_DECL status pci_bus::admit(device const& dev) const {
    auto const* pdev = dynamic_cast<pci_device const*>(&dev);
    if (!pdev) return errc::wrong_device_type;
    if (pdev->class_code() > 0xFF'FFFF) return errc::class_code_out_of_range;
    return {};
}

} // namespace cxlfw::base
