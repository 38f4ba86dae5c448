// Structured trace of a host: what happened to which device, with virtual timestamps.
//
// A host hands every event to one `trace_sink`. Probes and unbinds come as begin/end pairs
// on the device's track (what a Chrome trace needs); everything else is an instant. Events
// are delivered in a deterministic order: the order of the executor, never of threads.
//
// | kind                | device | driver | key                 | outcome | text            |
// |---------------------|--------|--------|---------------------|---------|-----------------|
// | device_added        | yes    |        |                     |         | parent name     |
// | device_removed      | yes    |        |                     |         |                 |
// | driver_registered   |        | yes    |                     |         |                 |
// | driver_unregistered |        | yes    |                     |         |                 |
// | link_added          | consumer |      | "device:<supplier>" |         |                 |
// | probe_begin         | yes    | yes    |                     |         | hook name       |
// | probe_end           | yes    | yes    | key if deferred     | yes     | message/reason  |
// | deferred            | yes    | yes    | what it waits for   |         | reason          |
// | wakeup              | yes    |        | the cause           |         |                 |
// | deferral_timeout    | yes    | yes    | what it waited for  |         |                 |
// | unbind_begin/_end   | yes    | yes    |                     |         | cause           |
// | resource_released   | yes    | driver that held it |        |         | resource name   |
// | signal              |        |        | "event:<name>"      |         |                 |
//
// A wakeup's cause is the key that appeared, "trigger" (retry-all mode) or "rescan:<bus>".
#pragma once

#include <cxlfw/base/outcome.hpp>
#include <cxlfw/clock.hpp>
#include <cxlfw/config.hpp>

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace cxlfw::base {

enum class trace_kind : std::uint8_t {
    device_added = 1,
    device_removed,
    driver_registered,
    driver_unregistered,
    link_added,
    probe_begin,
    probe_end,
    deferred,
    wakeup,
    deferral_timeout,
    unbind_begin,
    unbind_end,
    resource_released,
    signal,
};

constexpr std::string_view to_string(trace_kind k) noexcept {
    switch (k) {
    case trace_kind::device_added:
        return "device_added";
    case trace_kind::device_removed:
        return "device_removed";
    case trace_kind::driver_registered:
        return "driver_registered";
    case trace_kind::driver_unregistered:
        return "driver_unregistered";
    case trace_kind::link_added:
        return "link_added";
    case trace_kind::probe_begin:
        return "probe_begin";
    case trace_kind::probe_end:
        return "probe_end";
    case trace_kind::deferred:
        return "deferred";
    case trace_kind::wakeup:
        return "wakeup";
    case trace_kind::deferral_timeout:
        return "deferral_timeout";
    case trace_kind::unbind_begin:
        return "unbind_begin";
    case trace_kind::unbind_end:
        return "unbind_end";
    case trace_kind::resource_released:
        return "resource_released";
    case trace_kind::signal:
        return "signal";
    }
    return "?";
}

struct trace_event {
    trace_kind kind{};
    vtime time{};
    std::string device; ///< the device's name: the track a Chrome trace puts it on
    std::string bus;    ///< the device's bus, where a device is named
    std::string driver;
    std::string key;         ///< a dep_key as to_string() spells it, or a wake-up cause
    outcome_kind outcome{};  ///< probe_end only
    std::error_code error{}; ///< probe_end of a failed or discarded probe
    std::string text;        ///< message, reason, resource name, hook name, parent

    friend bool operator==(trace_event const&, trace_event const&) = default;
};

/// One line, for logs and test failure messages.
CXLFW_DECL std::string to_string(trace_event const& e);

/// Receives a host's events. Called with the host's lock held: it must not call the host
/// and must not throw.
class trace_sink {
public:
    virtual ~trace_sink() = default;
    virtual void on_event(trace_event const& event) = 0;
};

/// Keeps every event, for tests and for exporters that run after the fact.
class recording_sink final : public trace_sink {
public:
    recording_sink();
    CXLFW_DECL ~recording_sink() override;

    CXLFW_DECL void on_event(trace_event const& event) override;

    std::vector<trace_event> events() const;
    std::vector<trace_event> of(trace_kind kind) const;
    std::size_t size() const;
    void clear();

private:
    mutable std::mutex mu_;
    std::vector<trace_event> events_;
};

} // namespace cxlfw::base

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/base/impl/trace.ipp>
#endif
