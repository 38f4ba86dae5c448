// Out-of-line definitions for <cxlfw/policy/status.hpp>.
#pragma once

#include <cxlfw/policy/status.hpp>

namespace cxlfw {

CXLFW_DECL std::optional<std::string> composition_of(base::driver const& drv) {
    if (auto const* c = dynamic_cast<policy::detail::composed_base const*>(&drv))
        return c->composition();
    return std::nullopt;
}

CXLFW_DECL std::optional<binding_status> status_of(base::device const& dev) {
    if (auto const* b = dev.drvdata<policy::detail::binding_base>()) return b->status();
    return std::nullopt;
}

} // namespace cxlfw
