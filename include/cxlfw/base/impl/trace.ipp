// Out-of-line definitions for <cxlfw/base/trace.hpp>: an event's one-line form and the
// recording sink.
#pragma once

#include <cxlfw/base/trace.hpp>

#include <algorithm>
#include <iterator>

namespace cxlfw::base {

CXLFW_DECL std::string to_string(trace_event const& e) {
    std::string s = std::to_string(e.time.count()) + "ns " + std::string{to_string(e.kind)};
    if (!e.device.empty()) s += " dev=" + e.device;
    if (!e.driver.empty()) s += " drv=" + e.driver;
    if (!e.key.empty()) s += " key=" + e.key;
    if (e.kind == trace_kind::probe_end) s += " outcome=" + std::string{to_string(e.outcome)};
    if (e.error) s += " error=" + e.error.message();
    if (!e.text.empty()) s += " text=" + e.text;
    return s;
}

CXLFW_DECL recording_sink::recording_sink() = default;
CXLFW_DECL recording_sink::~recording_sink() = default;

CXLFW_DECL void recording_sink::on_event(trace_event const& event) {
    std::lock_guard lk{mu_};
    events_.push_back(event);
}

CXLFW_DECL std::vector<trace_event> recording_sink::events() const {
    std::lock_guard lk{mu_};
    return events_;
}

CXLFW_DECL std::vector<trace_event> recording_sink::of(trace_kind kind) const {
    std::lock_guard lk{mu_};
    std::vector<trace_event> out;
    std::copy_if(events_.begin(), events_.end(), std::back_inserter(out),
                 [kind](trace_event const& e) { return e.kind == kind; });
    return out;
}

CXLFW_DECL std::size_t recording_sink::size() const {
    std::lock_guard lk{mu_};
    return events_.size();
}

CXLFW_DECL void recording_sink::clear() {
    std::lock_guard lk{mu_};
    events_.clear();
}

} // namespace cxlfw::base
