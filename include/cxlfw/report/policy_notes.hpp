// Notes from the policy layer: a composed driver's device that runs without CXL
// (when_absent::degrade, cxl_mode::pcie_only) is reported degraded, with the fact that made
// it so. Devices bound in any other mode have nothing to say; a `fallback` source (e.g. a
// report::device_notes registry for hand-written drivers) is asked for the rest.
//
//   std::cout << report::summary_text(report::device_summary(host, report::policy_notes()));
#pragma once

#include <cxlfw/config.hpp>
#include <cxlfw/policy/compose.hpp>
#include <cxlfw/report/notes.hpp>

#include <optional>
#include <utility>

namespace cxlfw::report {

CXLFW_DECL note_source policy_notes(note_source fallback = {});

} // namespace cxlfw::report

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/report/impl/policy_notes.ipp>
#endif
