// Out-of-line definitions for <cxlfw/report/chrome_trace.hpp>: the trace records.
#pragma once

#include <cxlfw/report/chrome_trace.hpp>

namespace cxlfw::report {

namespace detail {

CXLFW_DECL nlohmann::json trace_record(char const* ph, int tid, double us, std::string name,
                                       char const* cat, nlohmann::json args) {
    constexpr int pid = 1;
    nlohmann::json r = {{"ph", ph},
                        {"pid", pid},
                        {"tid", tid},
                        {"ts", us},
                        {"name", std::move(name)},
                        {"cat", cat},
                        {"args", std::move(args)}};
    if (std::string_view{ph} == "i") r["s"] = "t"; // an instant on its thread's track
    return r;
}

CXLFW_DECL nlohmann::json trace_name(char const* what, std::optional<int> tid, std::string name) {
    nlohmann::json r = {{"ph", "M"}, {"pid", 1}, {"name", what}, {"args", {{"name", name}}}};
    if (tid) r["tid"] = *tid;
    return r;
}

} // namespace detail

} // namespace cxlfw::report

namespace cxlfw::report {

CXLFW_DECL nlohmann::json chrome_trace(std::span<const base::trace_event> events) {
    using base::trace_kind;
    using detail::trace_name;
    using detail::trace_record;
    using nlohmann::json;

    json out = json::array();
    std::map<std::string, int> tracks; // device name -> tid
    auto track = [&](std::string const& device) {
        if (device.empty()) return 0;
        auto [it, added] = tracks.emplace(device, int(tracks.size()) + 1);
        if (added) out.push_back(trace_name("thread_name", it->second, device));
        return it->second;
    };
    out.push_back(trace_name("thread_name", 0, "host"));
    out.push_back(trace_name("process_name", std::nullopt, "cxlfw host (virtual time)"));

    std::map<int, std::vector<std::string>> open; // tid -> names of open slices
    double last_us = 0;
    for (auto const& e : events) {
        double us = double(e.time.count()) / 1000.0;
        last_us = us;
        int tid = track(e.device);
        json args = json::object();
        if (!e.driver.empty()) args["driver"] = e.driver;
        if (!e.key.empty()) args["key"] = e.key;
        if (!e.text.empty()) args["text"] = e.text;
        if (!e.bus.empty()) args["bus"] = e.bus;

        switch (e.kind) {
        case trace_kind::probe_begin:
        case trace_kind::unbind_begin: {
            std::string name =
                (e.kind == trace_kind::probe_begin ? "probe " : "unbind ") + e.driver;
            open[tid].push_back(name);
            out.push_back(trace_record("B", tid, us, std::move(name), "probe", std::move(args)));
            break;
        }
        case trace_kind::probe_end:
        case trace_kind::unbind_end: {
            if (e.kind == trace_kind::probe_end)
                args["outcome"] = std::string{to_string(e.outcome)};
            if (e.error) args["error"] = e.error.message();
            auto& stack = open[tid];
            std::string name = stack.empty() ? std::string{to_string(e.kind)} : stack.back();
            if (!stack.empty()) stack.pop_back();
            out.push_back(trace_record("E", tid, us, std::move(name), "probe", std::move(args)));
            break;
        }
        default:
            out.push_back(trace_record("i", tid, us, std::string{to_string(e.kind)}, "host",
                                       std::move(args)));
            break;
        }
    }
    // A trace cut short (the host was torn down mid-probe) still nests properly.
    for (auto& [tid, stack] : open)
        for (auto it = stack.rbegin(); it != stack.rend(); ++it)
            out.push_back(trace_record("E", tid, last_us, *it, "probe", {{"cut", true}}));
    return json{{"traceEvents", out}, {"displayTimeUnit", "ns"}};
}

} // namespace cxlfw::report
