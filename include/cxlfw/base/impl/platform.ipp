// Out-of-line definitions for <cxlfw/base/platform.hpp>: platform_match() and the
// "platform" bus.
#pragma once

#include <cxlfw/base/platform.hpp>

namespace cxlfw::base {

CXLFW_DECL platform_driver::platform_driver(std::string name, std::vector<std::string> ids,
                                            base::probe_type type)
    : driver{std::move(name), "platform", type}, ids_{std::move(ids)} {}

CXLFW_DECL platform_driver::~platform_driver() = default;

CXLFW_DECL bool platform_driver::matches(platform_device const& dev) const noexcept {
    if (ids_.empty()) return dev.name() == name();
    for (auto const& id : ids_)
        if ((!dev.hid().empty() && id == dev.hid()) || id == dev.name()) return true;
    return false;
}

CXLFW_DECL bool platform_bus::match(device const& dev, driver const& drv) const {
    auto const* pdev = dynamic_cast<platform_device const*>(&dev);
    auto const* pdrv = dynamic_cast<platform_driver const*>(&drv);
    return pdev && pdrv && pdrv->matches(*pdev);
}

CXLFW_DECL status platform_bus::admit(device const& dev) const {
    if (!dynamic_cast<platform_device const*>(&dev)) return errc::wrong_device_type;
    return {};
}

} // namespace cxlfw::base
