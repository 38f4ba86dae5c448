// The timing harness of cxlfw-bench: warm-up, repetitions, the variants of one comparison
// interleaved round-robin in one process (so they see the same machine state), medians and
// spreads, ratios, and markdown tables. Only std: steady_clock, no benchmark library.
//
//   std::vector<bench::variant> v{{"baseline", [&] { return run_baseline(); }},
//                                 {"composed", [&] { return run_composed(); }}};
//   auto samples = bench::interleave(v, {.warmup = 1, .reps = 9});
//   bench::ratio r = bench::compare(samples[1], samples[0]);   // composed / baseline
//
// A variant returns the seconds of the region it measures (bench::stopwatch), so each
// repetition can build its platform and tear it down outside the measurement.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace bench {

using seconds = double;

/// Times one region of a repetition: `sw.time([&] { ... })` may be called more than once; the
/// durations add up.
class stopwatch {
public:
    template <class F>
    decltype(auto) time(F&& fn) {
        auto const t0 = std::chrono::steady_clock::now();
        struct add {
            stopwatch& sw;
            std::chrono::steady_clock::time_point t0;
            ~add() {
                sw.total_ +=
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            }
        } guard{*this, t0};
        return std::forward<F>(fn)();
    }
    seconds elapsed() const noexcept { return total_; }

private:
    seconds total_ = 0;
};

/// One repetition of a variant: returns the seconds it measured.
struct variant {
    std::string name;
    std::function<seconds()> once;
};

struct run_options {
    unsigned warmup = 1; ///< rounds run and discarded first
    unsigned reps = 5;   ///< rounds kept
};

/// samples[v][r]: variant v's time in round r. Round r runs every variant once, starting at
/// variant r mod V, so no variant always runs first (or right after another).
inline std::vector<std::vector<seconds>> interleave(std::vector<variant> const& variants,
                                                    run_options const& opt) {
    std::size_t const n = variants.size();
    std::vector<std::vector<seconds>> samples(n);
    for (unsigned round = 0; round < opt.warmup + opt.reps; ++round)
        for (std::size_t k = 0; k < n; ++k) {
            std::size_t const v = (round + k) % n;
            seconds const s = variants[v].once();
            if (round >= opt.warmup) samples[v].push_back(s);
        }
    return samples;
}

/// Median and quartiles of a sample (linear interpolation between order statistics).
struct summary {
    double median = 0, q1 = 0, q3 = 0, min = 0, max = 0;
    std::size_t n = 0;
    /// The interquartile range relative to the median.
    double rel_iqr() const noexcept { return median > 0 ? (q3 - q1) / median : 0; }
};

inline double quantile(std::vector<double> const& sorted, double q) {
    if (sorted.empty()) return 0;
    double const pos = q * static_cast<double>(sorted.size() - 1);
    auto const lo = static_cast<std::size_t>(std::floor(pos));
    auto const hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

inline summary summarize(std::vector<double> xs) {
    summary s;
    if (xs.empty()) return s;
    std::sort(xs.begin(), xs.end());
    s.n = xs.size();
    s.min = xs.front();
    s.max = xs.back();
    s.median = quantile(xs, 0.5);
    s.q1 = quantile(xs, 0.25);
    s.q3 = quantile(xs, 0.75);
    return s;
}

/// candidate / baseline: the ratio of the medians, and the quartiles of the per-round ratios
/// (the rounds are paired: both variants ran in the same round).
struct ratio {
    double of_medians = 0;
    summary paired;
};

inline ratio compare(std::vector<seconds> const& candidate, std::vector<seconds> const& baseline) {
    ratio r;
    auto const c = summarize(candidate), b = summarize(baseline);
    r.of_medians = b.median > 0 ? c.median / b.median : 0;
    std::vector<double> per_round;
    for (std::size_t i = 0; i < candidate.size() && i < baseline.size(); ++i)
        if (baseline[i] > 0) per_round.push_back(candidate[i] / baseline[i]);
    r.paired = summarize(std::move(per_round));
    return r;
}

// --- formatting ---------------------------------------------------------------------------

inline std::string format(char const* fmt, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

/// Three significant digits in a unit that fits: "812 ns", "41.3 µs", "2.07 ms", "3.41 s".
inline std::string fmt_time(seconds s) {
    struct unit {
        double scale;
        char const* name;
    };
    static constexpr unit units[] = {{1, "s"}, {1e-3, "ms"}, {1e-6, "µs"}, {1e-9, "ns"}};
    for (auto const& u : units)
        if (s >= u.scale || u.scale == 1e-9) {
            double const v = s / u.scale;
            char const* fmt = v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s";
            char buf[64];
            std::snprintf(buf, sizeof buf, fmt, v, u.name);
            return buf;
        }
    return "?";
}

/// "2.07 ms ±3%": the median and the interquartile range relative to it.
inline std::string fmt_summary(summary const& s) {
    return fmt_time(s.median) + " ±" + format("%.0f%%", 50 * s.rel_iqr());
}

/// "1.02 (0.99–1.04)": the ratio of the medians, and the quartiles of the paired ratios.
inline std::string fmt_ratio(ratio const& r) {
    return format("%.3f", r.of_medians) + " (" + format("%.3f", r.paired.q1) + "–" +
           format("%.3f", r.paired.q3) + ")";
}

inline std::string fmt_count(std::uint64_t v) {
    std::string s = std::to_string(v), out;
    int k = 0;
    for (auto it = s.rbegin(); it != s.rend(); ++it, ++k) {
        if (k && k % 3 == 0) out.insert(out.begin(), ',');
        out.insert(out.begin(), *it);
    }
    return out;
}

inline std::string fmt_fixed(double v, int decimals = 2) {
    char fmt[16];
    std::snprintf(fmt, sizeof fmt, "%%.%df", decimals);
    return format(fmt, v);
}

/// A markdown table with padded columns.
class table {
public:
    explicit table(std::vector<std::string> header) : rows_{std::move(header)} {}
    void row(std::vector<std::string> cells) {
        cells.resize(rows_.front().size());
        rows_.push_back(std::move(cells));
    }
    std::string markdown() const {
        std::vector<std::size_t> width(rows_.front().size(), 3);
        for (auto const& r : rows_)
            for (std::size_t i = 0; i < r.size(); ++i)
                width[i] = std::max(width[i], display_width(r[i]));
        std::string out;
        auto line = [&](std::vector<std::string> const& r) {
            out += "|";
            for (std::size_t i = 0; i < r.size(); ++i)
                out += " " + r[i] + std::string(width[i] - display_width(r[i]), ' ') + " |";
            out += "\n";
        };
        line(rows_.front());
        out += "|";
        for (auto w : width)
            out += std::string(w + 2, '-') + "|";
        out += "\n";
        for (std::size_t i = 1; i < rows_.size(); ++i)
            line(rows_[i]);
        return out;
    }

private:
    /// Code points, not bytes ("µ", "±", "–" are one column each).
    static std::size_t display_width(std::string const& s) {
        std::size_t n = 0;
        for (unsigned char c : s)
            n += (c & 0xC0) != 0x80;
        return n;
    }
    std::vector<std::vector<std::string>> rows_;
};

} // namespace bench
