// Out-of-line definitions for <cxlfw/base/device.hpp>: the device's construction and
// destruction (its vtable is emitted here) and devm_add_action.
#pragma once

#include <cxlfw/base/device.hpp>

#include <utility>

namespace cxlfw::base {

CXLFW_DECL device::device(std::string name, std::string bus)
    : name_{std::move(name)}, bus_name_{std::move(bus)} {}

CXLFW_DECL device::~device() = default;

CXLFW_DECL void devm_add_action(device& dev, std::string name, std::function<void()> release) {
    dev.devres().add_action(std::move(name), std::move(release));
}

} // namespace cxlfw::base
