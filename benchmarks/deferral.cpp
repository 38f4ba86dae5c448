// Section 3a: the driver model's deferral modes on a dependency chain. d0 <- d1 <- ... <- d(N-1):
// d(i) binds only once d(i-1) is bound; the devices are added in reverse order (the worst
// order), then the host settles (measured). Targeted wake-ups take 2N-1 probes; Linux's
// retry-all takes N(N+1)/2 (tests/base/deferral.cpp derives both; the run checks them).
#include "sections.hpp"

#include <cxlfw/base/base.hpp>

#include <iostream>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {
namespace {

namespace base = cxlfw::base;

struct chain_device final : base::device {
    chain_device(std::string name, std::string supplier)
        : device{std::move(name), "chain"}, supplier{std::move(supplier)} {}
    std::string supplier; ///< empty for d0
};

struct chain_bus final : base::bus_type {
    chain_bus() : bus_type{"chain"} {}
    bool match(base::device const&, base::driver const&) const override { return true; }
};

struct chain_driver final : base::driver {
    chain_driver() : driver{"chain", "chain"} {}
    base::probe_outcome probe(base::device& dev) override {
        auto const& d = static_cast<chain_device&>(dev);
        if (d.supplier.empty()) return base::bound();
        base::device* s = dev.host()->find_device(d.supplier);
        if (s && s->is_bound()) return base::bound();
        return base::deferred(base::dep_key::device(d.supplier), "supplier not bound");
    }
};

struct chain_result {
    base::probe_counters counters;
};

seconds chain_once(unsigned n, base::deferral_mode mode, chain_result& res) {
    base::host h{{.mode = mode}};
    auto need = [](auto const& r, char const* what) {
        if (!r) throw std::runtime_error(std::string{what} + ": " + r.error().message());
    };
    need(h.add_bus(std::make_unique<chain_bus>()), "adding the chain bus");
    need(h.register_driver(std::make_unique<chain_driver>()), "registering the chain driver");
    // Names are appended rather than built with `"d" + std::to_string(i)`: g++ 12 at -O2 reports
    // a false -Wrestrict inside std::string's operator+ (GCC bug 105329).
    auto name = [](unsigned i) {
        std::string s{"d"};
        s.append(std::to_string(i));
        return s;
    };
    for (unsigned i = n; i-- > 0;)
        need(h.add_device(std::make_unique<chain_device>(name(i), i ? name(i - 1) : std::string{})),
             "adding a device");
    stopwatch sw;
    sw.time([&] { need(h.settle(), "settling"); });
    res.counters = h.counters();
    return sw.elapsed();
}

} // namespace

void run_deferral(options const& opt, std::ostream& out) {
    out << "## 3. Deferral: targeted wake-ups against retry-all (Linux)\n\n";
    out << "### 3a. A chain of N devices, each needing the previous one, added in reverse\n\n";
    table t{{"N", "mode", "probe attempts", "expected", "deferrals", "wake-ups", "settle",
             "per attempt", "/ targeted"}};
    std::vector<unsigned> skipped;
    double retry_all_per_attempt = 0; // at the largest N run
    for (unsigned n : opt.chain_sizes) {
        std::cerr << "cxlfw-bench: 3a. chain of " << n << "\n";
        bool const with_retry_all = n <= opt.retry_all_max;
        chain_result targeted, retry_all;
        std::vector<variant> v{
            {"targeted", [&] { return chain_once(n, base::deferral_mode::targeted, targeted); }}};
        if (with_retry_all)
            v.push_back({"retry-all",
                         [&] { return chain_once(n, base::deferral_mode::retry_all, retry_all); }});
        auto samples = interleave(v, opt.timing);
        std::uint64_t const N = n;
        auto row = [&](char const* mode, chain_result const& r, std::uint64_t expected,
                       std::vector<seconds> const& s, std::string rel) {
            auto const sum = summarize(s);
            if (r.counters.attempts != expected)
                throw std::runtime_error("chain of " + std::to_string(n) + ", " + mode + ": " +
                                         std::to_string(r.counters.attempts) +
                                         " attempts, expected " + std::to_string(expected));
            t.row({fmt_count(N), mode, fmt_count(r.counters.attempts), fmt_count(expected),
                   fmt_count(r.counters.deferrals), fmt_count(r.counters.wakeups), fmt_summary(sum),
                   fmt_time(sum.median / static_cast<double>(expected)), std::move(rel)});
        };
        row("targeted", targeted, 2 * N - 1, samples[0], "1");
        if (with_retry_all) {
            row("retry-all", retry_all, N * (N + 1) / 2, samples[1],
                fmt_ratio(compare(samples[1], samples[0])));
            retry_all_per_attempt =
                summarize(samples[1]).median / static_cast<double>(N * (N + 1) / 2);
        } else
            skipped.push_back(n);
    }
    out << t.markdown() << "\n";
    if (!skipped.empty()) {
        out << "Retry-all was not run for N =";
        for (unsigned n : skipped)
            out << " " << fmt_count(n);
        out << " (above `--retry-all-max " << opt.retry_all_max << "`): it takes N(N+1)/2 probes";
        if (retry_all_per_attempt > 0) {
            std::uint64_t const n = skipped.back();
            out << "; for N = " << fmt_count(n) << " that is " << fmt_count(n * (n + 1) / 2)
                << " probes, about "
                << fmt_time(retry_all_per_attempt * static_cast<double>(n * (n + 1) / 2))
                << " per run at the per-attempt time of the largest retry-all run above (an "
                   "estimate, not a measurement)";
        }
        out << ".\n\n";
    }
}

} // namespace bench
