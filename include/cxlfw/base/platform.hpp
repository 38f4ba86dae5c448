// Platform devices: firmware-described objects without a discoverable identity (the ACPI
// CXL root "ACPI0017"). A platform driver matches a device whose hardware id (HID) or name
// is in its id list, or, with no list, whose name equals the driver's (Linux
// platform_match()).
#pragma once

#include <cxlfw/base/bus.hpp>
#include <cxlfw/base/device.hpp>
#include <cxlfw/base/driver.hpp>
#include <cxlfw/base/errc.hpp>
#include <cxlfw/config.hpp>

#include <span>
#include <string>
#include <utility>
#include <vector>

namespace cxlfw::base {

class platform_device : public device {
public:
    explicit platform_device(std::string name, std::string hid = {})
        : device{std::move(name), "platform"}, hid_{std::move(hid)} {}

    /// The ACPI hardware id, or empty.
    std::string const& hid() const noexcept { return hid_; }

private:
    std::string hid_;
};

class platform_driver : public driver {
public:
    platform_driver(std::string name, std::vector<std::string> ids,
                    base::probe_type type = base::probe_type::sync);
    CXLFW_DECL ~platform_driver() override;

    std::span<std::string const> ids() const noexcept { return ids_; }

    bool matches(platform_device const& dev) const noexcept;

private:
    std::vector<std::string> ids_;
};

class platform_bus final : public bus_type {
public:
    platform_bus() : bus_type{"platform"} {}

    CXLFW_DECL bool match(device const& dev, driver const& drv) const override;
    CXLFW_DECL status admit(device const& dev) const override;
};

} // namespace cxlfw::base

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/base/impl/platform.ipp>
#endif
