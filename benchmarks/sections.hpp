// The sections of cxlfw-bench (one translation unit each) and the options they read.
#pragma once

#include "harness.hpp"

#include <cstdint>
#include <iosfwd>
#include <vector>

namespace bench {

struct options {
    /// Sections 1 and 2 (a probe takes microseconds, a round milliseconds): many rounds.
    run_options probe_timing{.warmup = 5, .reps = 101};
    /// Section 3.
    run_options timing{.warmup = 1, .reps = 15};
    /// Section 3a: chain lengths; retry-all runs only up to retry_all_max (it is quadratic).
    std::vector<unsigned> chain_sizes{100, 1000, 10000};
    unsigned retry_all_max = 3000;
    /// Section 3b: host bridges of the generated platform whose root arrives late (x 4 root
    /// ports x a 32-port switch = 128 endpoints per host bridge; a multiple of 8).
    unsigned late_root_host_bridges = 8;
    /// Section 4: host bridges per size (x 128 endpoints), repetitions per size, and the largest
    /// platform whose teardown is timed (teardown is quadratic in the core, see the docs).
    std::vector<unsigned> scale_host_bridges{8, 80, 800};
    unsigned scale_reps = 3;
    unsigned teardown_max_endpoints = 102400;
};

// Each prints its markdown section (a heading, a table, notes) to `out`; progress goes to stderr.
void run_compare(options const& opt, std::ostream& out);   // 1: composed vs hand-written
void run_paths(options const& opt, std::ostream& out);     // 2: probe paths of a Type-2 device
void run_deferral(options const& opt, std::ostream& out);  // 3a: a chain, both modes
void run_late_root(options const& opt, std::ostream& out); // 3b: a late root, both modes
void run_scaling(options const& opt, std::ostream& out);   // 4: 1k .. 100k endpoints

} // namespace bench
