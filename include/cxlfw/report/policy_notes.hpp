// Notes from the policy layer: a composed driver's device that runs without CXL
// (when_absent::degrade, cxl_mode::pcie_only) is reported degraded, with the fact that made
// it so. Devices bound in any other mode have nothing to say; a `fallback` source (e.g. a
// report::device_notes registry for hand-written drivers) is asked for the rest.
//
//   std::cout << report::summary_text(report::device_summary(host, report::policy_notes()));
#pragma once

#include <cxlfw/policy/compose.hpp>
#include <cxlfw/report/notes.hpp>

#include <optional>
#include <utility>

namespace cxlfw::report {

inline note_source policy_notes(note_source fallback = {}) {
    return [fallback = std::move(fallback)](base::device const& d) -> std::optional<device_note> {
        if (auto s = cxlfw::status_of(d); s && s->mode == cxl_mode::pcie_only)
            return device_note{"pcie-only", s->reason};
        return detail::note_of(fallback, d);
    };
}

} // namespace cxlfw::report
