// Out-of-line definitions for <cxlfw/core/detail/bus.hpp>: looking a driver up by name.
#pragma once

#include <cxlfw/core/detail/bus.hpp>

#include <cxlfw/base/driver.hpp>
#include <cxlfw/base/host.hpp>

#include <algorithm>

namespace cxlfw::core::detail {

CXLFW_DECL bool driver_registered(base::host const& h, std::string_view name) {
    auto drivers = h.drivers();
    return std::any_of(drivers.begin(), drivers.end(),
                       [&](base::driver* d) { return d->name() == name; });
}

} // namespace cxlfw::core::detail
