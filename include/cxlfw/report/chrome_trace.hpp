// A host's probe timeline as Chrome trace-event JSON (opens in Perfetto or chrome://tracing).
//
// One track per device, named after it, in the order devices first appear; host-wide events
// (drivers registering, signals) on track 0, "host". Probes and unbinds are slices
// ("probe cxl_mem", outcome and message in args); deferrals, wake-ups, timeouts, links,
// releases and hotplug are instants on the device's track. Times are the virtual clock's,
// in microseconds as the format wants (fractions keep the nanoseconds).
#pragma once

#include <cxlfw/base/trace.hpp>
#include <cxlfw/config.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cxlfw::report {

CXLFW_DECL nlohmann::json chrome_trace(std::span<const base::trace_event> events);

} // namespace cxlfw::report

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/report/impl/chrome_trace.ipp>
#endif
