// Out-of-line definitions for <cxlfw/report/policy_notes.hpp>.
#pragma once

#include <cxlfw/report/policy_notes.hpp>

namespace cxlfw::report {

CXLFW_DECL note_source policy_notes(note_source fallback) {
    return [fallback = std::move(fallback)](base::device const& d) -> std::optional<device_note> {
        if (auto s = cxlfw::status_of(d); s && s->mode == cxl_mode::pcie_only)
            return device_note{"pcie-only", s->reason};
        return detail::note_of(fallback, d);
    };
}

} // namespace cxlfw::report
