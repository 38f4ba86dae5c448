// Out-of-line definitions for <cxlfw/base/bus.hpp>: the default admission (the vtable of
// bus_type is emitted here).
#pragma once

#include <cxlfw/base/bus.hpp>

namespace cxlfw::base {

CXLFW_DECL status bus_type::admit(device const& dev) const {
    (void)dev;
    return {};
}

} // namespace cxlfw::base
