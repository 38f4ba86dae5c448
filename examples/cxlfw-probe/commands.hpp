// The subcommands of cxlfw-probe: each has an options struct, a run function returning an
// exit code, and an add_* function that declares its flags on the CLI11 app.
#pragma once

#include "cli.hpp"
#include "session.hpp"

#include <cxlfw/report/cxl_list.hpp>
#include <cxlfw/report/dot.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace probe {

struct translate_options {
    std::optional<std::uint64_t> dpa, position, ways, granularity, hb_ways, window;
    std::string math = "modulo";
    std::vector<std::uint64_t> xormaps;
    std::string cedt;
};
int run_translate(translate_options const&);
void add_translate(CLI::App& app, translate_options& o, action& chosen);

struct decode_options {
    std::string lspci;
};
int run_decode(decode_options const&);
void add_decode(CLI::App& app, decode_options& o, action& chosen);

struct trace_options {
    platform_options platform;
    std::string file;
};
int run_trace(trace_options const&);
void add_trace(CLI::App& app, trace_options& o, action& chosen);

struct run_options {
    platform_options platform;
    bool verbose = false;
};
int run_run(run_options const&);
void add_run(CLI::App& app, run_options& o, action& chosen);

struct list_options {
    platform_options platform;
    cxlfw::report::list_options flags;
};
int run_list(list_options const&);
void add_list(CLI::App& app, list_options& o, action& chosen);

struct dot_options {
    platform_options platform;
    cxlfw::report::dot_options dot;
};
int run_dot(dot_options const&);
void add_dot(CLI::App& app, dot_options& o, action& chosen);

} // namespace probe
