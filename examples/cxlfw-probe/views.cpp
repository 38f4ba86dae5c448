// cxlfw-probe run, list and dot: the settled platform shown three ways (report/ renders).
#include "commands.hpp"
#include "session.hpp"

#include <cxlfw/base/trace.hpp>
#include <cxlfw/policy/compose.hpp>
#include <cxlfw/report/cxl_list.hpp>
#include <cxlfw/report/dot.hpp>
#include <cxlfw/report/policy_notes.hpp>
#include <cxlfw/report/summary.hpp>

#include <cstdio>

namespace probe {

namespace {

std::unique_ptr<session> open_or_report(platform_options const& o, int& rc) {
    std::optional<failure> why;
    auto s = session::open(o, why);
    if (!s) rc = report(*why);
    return s;
}

} // namespace

int run_run(run_options const& o) {
    int rc = ok;
    auto s = open_or_report(o.platform, rc);
    if (!s) return rc;
    std::printf("cxlfw-probe run: %s\n", s->describe().c_str());
    std::puts("drivers, in load order:");
    for (auto const& name : s->load_order()) {
        std::string how = "stock, hand-written";
        if (auto* drv = s->host().find_driver(name))
            if (auto c = cxlfw::composition_of(*drv)) how = *c;
        std::printf("  %-12s  %s\n", name.c_str(), how.c_str());
    }
    std::puts("");
    auto summary = cxlfw::report::device_summary(s->host(), cxlfw::report::policy_notes());
    std::fputs(cxlfw::report::summary_text(summary).c_str(), stdout);
    if (o.verbose) {
        std::puts("\nprobe log (virtual time):");
        for (auto const& e : s->events())
            std::printf("  %s\n", to_string(e).c_str());
    }
    return ok;
}

int run_list(list_options const& o) {
    int rc = ok;
    auto s = open_or_report(o.platform, rc);
    if (!s) return rc;
    std::fputs(cxlfw::report::list_text(cxlfw::report::cxl_list(s->host(), o.flags)).c_str(),
               stdout);
    return ok;
}

int run_dot(dot_options const& o) {
    int rc = ok;
    auto s = open_or_report(o.platform, rc);
    if (!s) return rc;
    std::fputs(cxlfw::report::dot(s->host(), cxlfw::report::policy_notes(), o.dot).c_str(), stdout);
    return ok;
}

void add_run(CLI::App& app, run_options& o, action& chosen) {
    auto* cmd = app.add_subcommand("run", "load the drivers, settle, and say what happened "
                                          "(the default command)");
    cmd->add_flag("-v,--verbose", o.verbose, "add the probe log (trace events as text)");
    add_platform_options(*cmd, o.platform);
    cmd->callback([&] { chosen = [&o] { return run_run(o); }; });
}

void add_list(CLI::App& app, list_options& o, action& chosen) {
    auto* cmd = app.add_subcommand("list", "the settled topology as `cxl list` JSON");
    auto& f = o.flags;
    cmd->add_flag("-B,--buses", f.buses, "CXL root(s)");
    cmd->add_flag("-P,--ports", f.ports, "switch and host-bridge ports");
    cmd->add_flag("-E,--endpoints", f.endpoints, "endpoint ports");
    cmd->add_flag("-M,--memdevs", f.memdevs, "memory devices");
    cmd->add_flag("-D,--decoders", f.decoders, "HDM decoders");
    cmd->add_flag("-R,--regions", f.regions, "regions");
    cmd->add_flag("-T,--targets", f.targets, "decoder and dport targets");
    cmd->add_flag("-i,--idle", f.idle, "include disabled and idle objects");
    cmd->add_flag("-I,--partition", f.partition, "memdev partition info");
    cmd->add_flag("-H,--health", f.health, "memdev health");
    cmd->add_flag("-v,--verbose", f.verbose, "more detail (repeat: -vv, -vvv), as cxl list");
    add_platform_options(*cmd, o.platform);
    cmd->callback([&] { chosen = [&o] { return run_list(o); }; });
}

void add_dot(CLI::App& app, dot_options& o, action& chosen) {
    auto* cmd = app.add_subcommand("dot", "the settled topology as Graphviz DOT");
    cmd->add_flag("--legend", o.dot.legend, "add a legend of the marks");
    cmd->add_flag("--idle-decoders", o.dot.idle_decoders, "show decoders that are not in use");
    add_platform_options(*cmd, o.platform);
    cmd->callback([&] { chosen = [&o] { return run_dot(o); }; });
}

} // namespace probe
