// cxlfw-bench: runs the benchmarks and prints their tables in markdown (docs/benchmarks.md shows
// one run). scripts/bench.sh builds it in Release and runs it; arguments pass through.
//
//   cxlfw-bench                         every section, default sizes
//   cxlfw-bench --only compare,paths    some sections
//   cxlfw-bench --quick                 small sizes and few repetitions (a smoke run)
#include "sections.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#ifndef CXLFW_BENCH_BUILD_TYPE
#define CXLFW_BENCH_BUILD_TYPE "unknown"
#endif

namespace {

std::string cpu_model() {
    std::ifstream in{"/proc/cpuinfo"};
    for (std::string line; std::getline(in, line);)
        if (line.rfind("model name", 0) == 0)
            if (auto colon = line.find(':'); colon != std::string::npos)
                return line.substr(line.find_first_not_of(' ', colon + 1));
    return "unknown";
}

std::string compiler() {
#if defined(__clang__)
    return "clang++ " __clang_version__;
#elif defined(__GNUC__)
    return "g++ " __VERSION__;
#else
    return "unknown";
#endif
}

} // namespace

int main(int argc, char** argv) {
    bench::options opt;
    std::vector<std::string> only;
    bool quick = false;
    CLI::App app{"cxlfw-bench: probe-path, deferral and scaling benchmarks of cxlfw, printed as "
                 "markdown tables"};
    app.add_option("--only", only, "sections to run: compare, paths, deferral, late-root, scaling")
        ->delimiter(',')
        ->check(CLI::IsMember({"compare", "paths", "deferral", "late-root", "scaling"}));
    app.add_option("--probe-reps", opt.probe_timing.reps,
                   "1, 2: measured rounds per comparison (a round takes milliseconds)")
        ->capture_default_str()
        ->check(CLI::Range(1u, 100000u));
    app.add_option("--reps", opt.timing.reps, "3: measured rounds per comparison")
        ->capture_default_str()
        ->check(CLI::Range(1u, 1000u));
    app.add_option("--warmup", opt.timing.warmup, "3: discarded rounds first")
        ->capture_default_str();
    app.add_option("--chain-sizes", opt.chain_sizes, "3a: chain lengths")
        ->delimiter(',')
        ->capture_default_str()
        ->check(CLI::Range(1u, 10'000'000u));
    app.add_option("--retry-all-max", opt.retry_all_max,
                   "3a: the longest chain run in retry-all mode (quadratic)")
        ->capture_default_str();
    app.add_option("--late-root-host-bridges", opt.late_root_host_bridges,
                   "3b: host bridges (x 128 endpoints; a multiple of 8)")
        ->capture_default_str()
        ->check(CLI::Range(8u, 8000u));
    app.add_option("--scale-host-bridges", opt.scale_host_bridges,
                   "4: host bridges per size (x 128 endpoints; multiples of 8)")
        ->delimiter(',')
        ->capture_default_str()
        ->check(CLI::Range(8u, 8000u));
    app.add_option("--scale-reps", opt.scale_reps,
                   "4: runs per size (sizes whose teardown is "
                   "skipped run once)")
        ->capture_default_str()
        ->check(CLI::Range(1u, 100u));
    app.add_option("--teardown-max", opt.teardown_max_endpoints,
                   "4: the largest platform (endpoints) whose teardown is timed")
        ->capture_default_str();
    app.add_flag(
        "--quick", quick,
        "a smoke run: --probe-reps 11 --reps 3 --chain-sizes 100,1000 --retry-all-max 1000 "
        "--scale-host-bridges 8,80 (options given explicitly win)");
    app.parse_complete_callback([&] {
        if (!quick) return;
        // Defaults for a smoke run; options given explicitly win.
        if (app.count("--probe-reps") == 0) opt.probe_timing.reps = 11;
        if (app.count("--reps") == 0) opt.timing.reps = 3;
        if (app.count("--chain-sizes") == 0) opt.chain_sizes = {100, 1000};
        if (app.count("--retry-all-max") == 0) opt.retry_all_max = 1000;
        if (app.count("--scale-host-bridges") == 0) opt.scale_host_bridges = {8, 80};
    });
    CLI11_PARSE(app, argc, argv);
    for (unsigned h : opt.scale_host_bridges)
        if (h % 8 != 0) {
            std::cerr << "cxlfw-bench: --scale-host-bridges takes multiples of 8\n";
            return 2;
        }
    if (opt.late_root_host_bridges % 8 != 0) {
        std::cerr << "cxlfw-bench: --late-root-host-bridges takes a multiple of 8\n";
        return 2;
    }
    std::set<std::string> const sections{only.begin(), only.end()};
    auto want = [&](char const* s) { return sections.empty() || sections.contains(s); };

    std::string command = "cxlfw-bench";
    for (int i = 1; i < argc; ++i)
        command += std::string{" "} + argv[i];
    std::cout << "# cxlfw benchmarks\n\n"
              << "| | |\n|---|---|\n"
              << "| command | `" << command << "` |\n"
              << "| machine | " << cpu_model() << ", " << std::thread::hardware_concurrency()
              << " hardware threads |\n"
              << "| compiler | " << compiler() << " |\n"
              << "| build type | " << CXLFW_BENCH_BUILD_TYPE << " |\n";
    if (char const* rev = std::getenv("CXLFW_BENCH_REVISION"))
        std::cout << "| source | " << rev << " |\n";
    std::cout << "\n";
#ifndef NDEBUG
    std::cout << "**This is not an optimised build: the times say little.** Use "
                 "`scripts/bench.sh` (the release preset).\n\n";
#endif
    std::cout.flush();
    try {
        if (want("compare")) bench::run_compare(opt, std::cout);
        std::cout.flush();
        if (want("paths")) bench::run_paths(opt, std::cout);
        std::cout.flush();
        if (want("deferral")) bench::run_deferral(opt, std::cout);
        std::cout.flush();
        if (want("late-root")) bench::run_late_root(opt, std::cout);
        std::cout.flush();
        if (want("scaling")) bench::run_scaling(opt, std::cout);
        std::cout.flush();
    } catch (std::exception const& e) {
        std::cout.flush();
        std::cerr << "cxlfw-bench: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
