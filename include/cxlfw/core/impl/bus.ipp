// Out-of-line definitions for <cxlfw/core/bus.hpp>: the cxl bus's matching, its drivers, and
// attaching the core to a host.
#pragma once

#include <cxlfw/core/bus.hpp>

#include <cxlfw/base/host.hpp>

#include <memory>
#include <utility>

namespace cxlfw::core {

CXLFW_DECL cxl_driver::cxl_driver(std::string name, cxl_device_kind kind, base::probe_type type)
    : driver{std::move(name), std::string{cxl_bus_name}, type}, kind_{kind} {}

CXLFW_DECL cxl_driver::~cxl_driver() = default;

CXLFW_DECL cxl_bus::cxl_bus(base::host& h) : bus_type{std::string{cxl_bus_name}}, core_{h} {}

CXLFW_DECL cxl_bus::~cxl_bus() = default;

CXLFW_DECL bool cxl_bus::match(base::device const& dev, base::driver const& drv) const {
    auto const* d = dynamic_cast<cxl_driver const*>(&drv);
    if (!d) return false;
    if (auto const* p = dynamic_cast<port const*>(&dev))
        return d->kind() == cxl_device_kind::port && p->kind() != port_kind::root;
    if (auto const* m = dynamic_cast<memdev const*>(&dev))
        return d->kind() == cxl_device_kind::memdev && !m->direct();
    return false;
}

CXLFW_DECL status cxl_bus::admit(base::device const& dev) const {
    if (dynamic_cast<port const*>(&dev) || dynamic_cast<memdev const*>(&dev)) return {};
    return base::errc::wrong_device_type;
}

CXLFW_DECL cxl_core& attach(base::host& h) {
    if (auto* b = dynamic_cast<cxl_bus*>(h.find_bus(cxl_bus_name))) return b->core();
    if (auto added = h.add_bus(std::make_unique<cxl_bus>(h))) return (*added)->core();
    return dynamic_cast<cxl_bus&>(*h.find_bus(cxl_bus_name)).core(); // registered meanwhile
}

CXLFW_DECL cxl_core* find(base::host const& h) {
    auto* b = dynamic_cast<cxl_bus*>(h.find_bus(cxl_bus_name));
    return b ? &b->core() : nullptr;
}

} // namespace cxlfw::core
