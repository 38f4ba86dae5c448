// Out-of-line definitions for <cxlfw/policy/upgrade.hpp>: the watcher's probe, its bus and
// driver.
#pragma once

#include <cxlfw/policy/upgrade.hpp>

#include <memory>
#include <utility>

namespace cxlfw::policy::detail {

CXLFW_DECL upgrade_device::upgrade_device(std::string name, retry_fn retry)
    : device{std::move(name), std::string{upgrade_bus_name}}, retry_{std::move(retry)} {}

CXLFW_DECL upgrade_device::~upgrade_device() = default;

CXLFW_DECL base::probe_outcome upgrade_device::probe() {
    auto f = retry_();
    if (!f) return base::bound();
    if (f->missing) return base::deferred(*f->missing, "upgrade to CXL: " + f->message());
    return base::failed(f->code, "upgrade to CXL: " + f->message());
}

CXLFW_DECL bool upgrade_bus::match(base::device const& dev, base::driver const& drv) const {
    return drv.name() == upgrade_driver_name &&
           dynamic_cast<upgrade_device const*>(&dev) != nullptr;
}

CXLFW_DECL base::probe_outcome upgrade_driver::probe(base::device& dev) {
    auto* w = dynamic_cast<upgrade_device*>(&dev);
    if (!w) return base::failed(base::errc::wrong_device_type, dev.name());
    return w->probe();
}

CXLFW_DECL status ensure_upgrade_support(base::host& h) {
    if (!h.find_bus(upgrade_bus_name))
        if (auto ok = h.add_bus(std::make_unique<upgrade_bus>()); !ok) return ok.error();
    if (!h.find_driver(upgrade_driver_name))
        if (auto ok = h.register_driver(std::make_unique<upgrade_driver>()); !ok) return ok.error();
    return {};
}

} // namespace cxlfw::policy::detail
