// cxlfw-probe trace FILE: the probe timeline as Chrome trace-event JSON (opens in Perfetto),
// one track per device, on the virtual clock.
#include "commands.hpp"
#include "session.hpp"

#include <cxlfw/report/chrome_trace.hpp>

#include <fstream>

namespace probe {

int run_trace(trace_options const& o) {
    std::optional<failure> why;
    auto s = session::open(o.platform, why);
    if (!s) return report(*why);
    auto events = s->events();
    std::ofstream out{o.file};
    if (!out) return report({unreadable, "cannot write " + o.file});
    out << cxlfw::report::chrome_trace(events).dump(1) << "\n";
    if (!out) return report({unreadable, "error while writing " + o.file});
    std::printf("%zu events on %s (%s) written to %s\n", events.size(), s->describe().c_str(),
                "virtual time", o.file.c_str());
    return ok;
}

void add_trace(CLI::App& app, trace_options& o, action& chosen) {
    auto* cmd = app.add_subcommand("trace", "write the probe timeline as Chrome trace JSON");
    cmd->add_option("file", o.file, "where to write it (open it in ui.perfetto.dev)")->required();
    add_platform_options(*cmd, o.platform);
    cmd->callback([&] { chosen = [&o] { return run_trace(o); }; });
}

} // namespace probe
