// The subcommands of cxlfw-probe: each has an options struct, a run function returning an
// exit code, and an add_* function that declares its flags on the CLI11 app.
#pragma once

#include "cli.hpp"
#include "session.hpp"

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
void add_translate(CLI::App& app, translate_options& o, int& rc);

struct decode_options {
    std::string lspci;
};
int run_decode(decode_options const&);
void add_decode(CLI::App& app, decode_options& o, int& rc);

struct trace_options {
    platform_options platform;
    std::string file;
};
int run_trace(trace_options const&);
void add_trace(CLI::App& app, trace_options& o, int& rc);

} // namespace probe
