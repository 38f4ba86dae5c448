// Section 2: the probe paths of a Type-2 accelerator (attach::mediated against attach::direct,
// when_absent::defer against degrade, the CXL root present or arriving later), on cxl_test.
// Section 3b: a generated platform whose CXL root arrives late, so every memdev (stock
// Type-3) or accelerator (Type-2, defer) waits: targeted wake-ups against retry-all.
#include "common.hpp"
#include "sections.hpp"

#include <algorithm>
#include <array>
#include <iostream>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

namespace bench {
namespace {

using namespace cxlfw::policy;
using namespace cxlfw::literals;

constexpr char const* accel_name = "0000:17:00.0"; // cxl_test's Type-2 accelerator

/// The accelerator's driver: Type-2 with one HDM decoder; on_cxl maps 256 MiB (or nothing,
/// for the many accelerators of section 3b, whose switches have too few decoders for a region
/// each).
template <class Attach, class Policy, bool MapRegion = true>
struct accel : cxlfw::driver<accel<Attach, Policy, MapRegion>, type2<cap::hdm<1>>, Attach, Policy> {
    static constexpr std::string_view name = "bench_accel";
    static constexpr cxlfw::pci_id ids[] = {{0x1924, 0x0b03}};
    cxlfw::status on_cxl(cxlfw::cxl_ready<accel>& cxl) {
        if constexpr (MapRegion) {
            auto r = cxl.map_region(256_MiB);
            if (!r) return r.error();
        }
        return {};
    }
    void on_pcie_only(std::error_code) {}
};

// --- section 2 --------------------------------------------------------------------------

struct path_counts {
    base::probe_counters accel, watcher, host_before_root, host_after_root;
    std::uint64_t accesses = 0; ///< the accelerator's register accesses
    bool operator==(path_counts const&) const = default;
};

struct path_row {
    std::string attach, policy;
    std::vector<std::vector<seconds>> samples; // per phase: [0] register -> settled, [1] root
    path_counts counts;                        // of the first run
    std::vector<path_counts> differing;        // runs whose counts differ from the first's
};

/// One run: cxl_test with the stock drivers settled (the root present or not); then the
/// accelerator's driver registered, settled (phase 0); then, if the root was absent, the root
/// arrives, settled (phase 1).
template <class D>
std::array<seconds, 2> path_once(bool root_later, path_counts& counts) {
    auto topo = emu::cxl_test_topology({.type2_window = true});
    topo.acpi_root_present = !root_later;
    rig r{topo};
    r.populate();
    check(r.ph->register_drivers(), "registering the stock drivers");
    r.settle();
    r.platform->clear_counts();
    std::array<seconds, 2> t{};
    auto const c0 = r.host().counters();
    stopwatch a;
    a.time([&] {
        check(cxlfw::register_driver<D>(r.host()), "registering the accelerator's driver");
        r.settle();
    });
    t[0] = a.elapsed();
    auto const c1 = r.host().counters();
    if (root_later) {
        require(r.cxl().root() == nullptr, "the root is there too early");
        stopwatch b;
        b.time([&] {
            check(r.platform->add_acpi_root(), "adding the ACPI root");
            r.settle();
        });
        t[1] = b.elapsed();
    }
    auto& dev = r.device(accel_name);
    auto st = cxlfw::status_of(dev);
    require(dev.is_bound() && st && st->mode == cxlfw::cxl_mode::cxl,
            std::string{"the accelerator is not on CXL: "} + D::describe());
    bool region = false;
    for (core::region* reg : r.cxl().regions())
        region |= reg->size() == 256_MiB && reg->state() == core::region_state::committed;
    require(region, "the accelerator has no committed region");
    counts.accel = dev.counters();
    auto* w = r.host().find_device(std::string{accel_name} + ":cxl_upgrade");
    counts.watcher = w ? w->counters() : base::probe_counters{};
    counts.host_before_root = c1 - c0;
    counts.host_after_root = r.host().counters() - c1;
    counts.accesses = r.platform->counts(r.node(accel_name)).total();
    return t;
}

template <class D>
variant path_variant(bool root_later, path_row& row, unsigned phases) {
    row.samples.assign(phases, {});
    return {D::describe(), [&row, root_later] {
                path_counts c;
                auto t = path_once<D>(root_later, c);
                if (row.samples[0].empty())
                    row.counts = c;
                else if (!(c == row.counts))
                    row.differing.push_back(c);
                // The harness keeps one number per run: the last phase; the others are kept here.
                row.samples[0].push_back(t[0]);
                if (root_later) row.samples[1].push_back(t[1]);
                return root_later ? t[1] : t[0];
            }};
}

void path_table(bool root_later, run_options const& opt, std::ostream& out) {
    std::cerr << "cxlfw-bench: 2. probe paths, root " << (root_later ? "later" : "present") << "\n";
    std::vector<path_row> rows(4);
    rows[0] = {"mediated", "defer", {}, {}, {}};
    rows[1] = {"direct", "defer", {}, {}, {}};
    rows[2] = {"mediated", "degrade", {}, {}, {}};
    rows[3] = {"direct", "degrade", {}, {}, {}};
    unsigned const phases = root_later ? 2 : 1;
    std::vector<variant> v{
        path_variant<accel<attach::mediated, when_absent::defer>>(root_later, rows[0], phases),
        path_variant<accel<attach::direct, when_absent::defer>>(root_later, rows[1], phases),
        path_variant<accel<attach::mediated, when_absent::degrade>>(root_later, rows[2], phases),
        path_variant<accel<attach::direct, when_absent::degrade>>(root_later, rows[3], phases)};
    auto samples = interleave(v, opt);
    // The rows kept every run's phases, warm-up included: drop the warm-up runs.
    for (auto& r : rows)
        for (auto& s : r.samples)
            s.erase(s.begin(), s.begin() + opt.warmup);

    std::vector<std::string> header{"attach", "absence",
                                    "accelerator attempts / deferrals / wake-ups",
                                    "watcher attempts / deferrals / wake-ups"};
    if (root_later) {
        header.insert(header.end(), {"host attempts before / after the root", "register → settled",
                                     "root arrives → settled", "root → settled, / mediated+defer"});
    } else {
        header.insert(header.end(), {"host attempts", "register → settled", "/ mediated+defer"});
    }
    header.push_back("accelerator register accesses");
    header.push_back("counts equal in every run");
    table t{header};
    auto trio = [](base::probe_counters const& c) {
        return fmt_count(c.attempts) + " / " + fmt_count(c.deferrals) + " / " +
               fmt_count(c.wakeups);
    };
    for (std::size_t i = 0; i < rows.size(); ++i) {
        auto const& r = rows[i];
        std::vector<std::string> cells{r.attach, r.policy, trio(r.counts.accel),
                                       trio(r.counts.watcher)};
        if (root_later) {
            cells.push_back(fmt_count(r.counts.host_before_root.attempts) + " / " +
                            fmt_count(r.counts.host_after_root.attempts));
            cells.push_back(fmt_summary(summarize(r.samples[0])));
            cells.push_back(fmt_summary(summarize(r.samples[1])));
        } else {
            cells.push_back(fmt_count(r.counts.host_before_root.attempts));
            cells.push_back(fmt_summary(summarize(r.samples[0])));
        }
        cells.push_back(i == 0 ? "1" : fmt_ratio(compare(samples[i], samples[0])));
        cells.push_back(fmt_count(r.counts.accesses));
        std::size_t const runs = r.samples[0].size() + opt.warmup;
        cells.push_back(r.differing.empty() ? "yes"
                                            : "**no**: " + std::to_string(r.differing.size()) +
                                                  " of " + std::to_string(runs));
        t.row(cells);
    }
    out << "### CXL root " << (root_later ? "arriving after the first settle" : "present") << "\n\n"
        << t.markdown() << "\n";
    for (auto const& r : rows) {
        if (r.differing.empty()) continue;
        // Which counts differ, and how: the first run's against each distinct other.
        std::vector<path_counts> seen;
        for (auto const& c : r.differing)
            if (std::find(seen.begin(), seen.end(), c) == seen.end()) seen.push_back(c);
        out << "- " << r.attach << " + " << r.policy << ": the first run counted host attempts "
            << r.counts.host_before_root.attempts << " / " << r.counts.host_after_root.attempts
            << ", accelerator " << trio(r.counts.accel) << ", watcher " << trio(r.counts.watcher)
            << "; other runs:";
        for (auto const& c : seen)
            out << " [host " << c.host_before_root.attempts << " / " << c.host_after_root.attempts
                << ", accelerator " << trio(c.accel) << ", watcher " << trio(c.watcher) << "]";
        out << "\n";
    }
    if (std::any_of(rows.begin(), rows.end(), [](auto const& r) { return !r.differing.empty(); }))
        out << "\n";
}

// --- section 3b -------------------------------------------------------------------------

/// Like the generated platforms of section 4, with every other endpoint a Type-2 accelerator.
emu::topology mixed_topology(unsigned host_bridges) {
    emu::topology t;
    t.timing = {};
    auto const type3 = emu::endpoint_spec::type3_device(256_MiB, 0);
    auto const type2 = emu::endpoint_spec::type2_device(256_MiB);
    emu::switch_spec const sw{.downstream_ports = 32};
    for (std::uint32_t h = 0; h < host_bridges; ++h) {
        auto hb = t.add_host_bridge({.uid = h});
        for (int i = 0; i < 4; ++i) {
            unsigned k = 0;
            for (auto dsp : t.downstream_ports(t.add_switch(t.add_root_port(hb), sw)))
                t.add_endpoint(dsp, k++ % 2 ? type2 : type3);
        }
    }
    return t;
}

enum class late_platform { type3, type2, mixed };

struct late_row {
    std::string what;
    base::deferral_mode mode = base::deferral_mode::targeted;
    std::size_t waiting = 0;                 ///< devices that waited for the root
    base::probe_counters before, after;      ///< the host's, before and after the root arrives
    std::uint64_t waiter_attempts_after = 0; ///< attempts of the waiting devices after the root
    std::vector<seconds> t_before;           ///< every run's first phase (warm-up included)
};

/// A generated platform without its root: the devices, the accelerator's driver (if any, first,
/// as a module that loads before cxl_pci), the stock drivers, settled (phase 1, measured); then
/// the root arrives and the platform settles (phase 2, measured, returned).
template <class D>
seconds late_once(unsigned host_bridges, late_platform kind, late_row& row) {
    emu::topology topo;
    if (kind == late_platform::mixed) {
        topo = mixed_topology(host_bridges);
    } else {
        auto spec = kind == late_platform::type2
                        ? generated(host_bridges, emu::endpoint_spec::type2_device(256_MiB))
                        : generated(host_bridges);
        auto g = emu::generated_topology(spec);
        check(g, "generating the platform");
        topo = std::move(*g);
    }
    topo.acpi_root_present = false;
    rig r{topo, {.mode = row.mode}};
    stopwatch first;
    first.time([&] {
        r.populate();
        if constexpr (!std::is_void_v<D>)
            check(cxlfw::register_driver<D>(r.host()), "registering the accelerator's driver");
        check(r.ph->register_drivers(), "registering the stock drivers");
        r.settle();
    });
    row.t_before.push_back(first.elapsed());
    // Who waits: the accelerators (deferred) and the memdevs (failed in cxl_mem, retried by the
    // rescan cxl_acpi does).
    std::vector<base::device*> waiters, accels;
    for (auto id : r.platform->endpoints())
        if (r.platform->at(id).type() == emu::device_type::type2)
            accels.push_back(&r.device(std::string{r.platform->at(id).name()}));
    for (auto* a : accels) {
        require(a->state() == base::device_state::deferred, a->name() + " is not deferred");
        waiters.push_back(a);
    }
    for (core::memdev* m : r.cxl().memdevs()) {
        require(!m->is_bound(), m->name() + " bound without a root");
        waiters.push_back(m);
    }
    std::uint64_t waiter_before = 0;
    for (auto* w : waiters)
        waiter_before += w->counters().attempts;
    auto const c0 = r.host().counters();
    stopwatch second;
    second.time([&] {
        check(r.platform->add_acpi_root(), "adding the ACPI root");
        r.settle();
    });
    row.before = c0;
    row.after = r.host().counters() - c0;
    row.waiting = waiters.size();
    std::uint64_t waiter_after = 0;
    for (auto* w : waiters) {
        require(w->is_bound(), w->name() + " did not bind after the root arrived");
        waiter_after += w->counters().attempts;
    }
    row.waiter_attempts_after = waiter_after - waiter_before;
    for (auto* a : accels) {
        auto st = cxlfw::status_of(*a);
        require(st && st->mode == cxlfw::cxl_mode::cxl, a->name() + " is not on CXL");
    }
    for (core::memdev* m : r.cxl().memdevs())
        require(m->endpoint() != nullptr, m->name() + " has no endpoint");
    return second.elapsed();
}

template <class D>
void late_pair(std::string const& what, unsigned hbs, late_platform kind, run_options const& opt,
               std::vector<late_row>& rows, std::vector<std::vector<seconds>>& samples) {
    std::cerr << "cxlfw-bench: 3b. " << what << "\n";
    std::size_t const at = rows.size();
    for (auto mode : {base::deferral_mode::targeted, base::deferral_mode::retry_all}) {
        late_row& r = rows.emplace_back();
        r.what = what;
        r.mode = mode;
    }
    std::vector<variant> v{
        {"targeted", [&rows, at, hbs, kind] { return late_once<D>(hbs, kind, rows[at]); }},
        {"retry-all", [&rows, at, hbs, kind] { return late_once<D>(hbs, kind, rows[at + 1]); }}};
    auto s = interleave(v, opt);
    samples.push_back(std::move(s[0]));
    samples.push_back(std::move(s[1]));
    for (std::size_t i = at; i < rows.size(); ++i)
        rows[i].t_before.erase(rows[i].t_before.begin(), rows[i].t_before.begin() + opt.warmup);
}

} // namespace

void run_paths(options const& opt, std::ostream& out) {
    out << "## 2. Probe paths of a Type-2 accelerator (cxl_test)\n\n";
    path_table(false, opt.probe_timing, out);
    path_table(true, opt.probe_timing, out);
    out << "Counts are of the first run; the last column says whether every run counted the same "
           "(attempts, deferrals, wake-ups of the accelerator, its watcher and the host, and the "
           "accelerator's register accesses). \"Watcher\": the child device a "
           "degraded binding leaves, which waits for the missing piece and upgrades the device. "
           "Host attempts: every probe in the host while the accelerator's driver registers and "
           "settles (before the root), and after the root arrives (cxl_acpi, cxl_port, cxl_mem, "
           "the accelerator). Times: median ± half the interquartile range of "
        << opt.probe_timing.reps
        << " rounds, the four drivers round-robin; the ratio column compares the last phase "
           "with mediated+defer.\n\n";
}

void run_late_root(options const& opt, std::ostream& out) {
    unsigned const hbs = opt.late_root_host_bridges;
    std::vector<late_row> rows;
    std::vector<std::vector<seconds>> samples;
    rows.reserve(8);
    using direct_defer = accel<attach::direct, when_absent::defer, false>;
    late_pair<void>("Type-3 memdevs, stock drivers", hbs, late_platform::type3, opt.timing, rows,
                    samples);
    late_pair<direct_defer>("Type-2 accelerators, direct + defer", hbs, late_platform::type2,
                            opt.timing, rows, samples);
    late_pair<accel<attach::mediated, when_absent::defer, false>>(
        "Type-2 accelerators, mediated + defer", hbs, late_platform::type2, opt.timing, rows,
        samples);
    late_pair<direct_defer>("half Type-3, half Type-2 (direct + defer)", hbs, late_platform::mixed,
                            opt.timing, rows, samples);

    out << "### 3b. A generated platform whose CXL root arrives late (" << fmt_count(128ull * hbs)
        << " endpoints)\n\n";
    table t{{"devices", "mode", "waiting", "attempts before the root", "wake-ups before",
             "devices → settled", "/ targeted", "attempts after the root",
             "of which the waiting devices", "wake-ups after", "root arrives → settled",
             "/ targeted"}};
    for (std::size_t i = 0; i < rows.size(); ++i) {
        auto const& r = rows[i];
        bool const targeted = r.mode == base::deferral_mode::targeted;
        t.row({r.what, targeted ? "targeted" : "retry-all", fmt_count(r.waiting),
               fmt_count(r.before.attempts), fmt_count(r.before.wakeups),
               fmt_summary(summarize(r.t_before)),
               targeted ? "1" : fmt_ratio(compare(r.t_before, rows[i - 1].t_before)),
               fmt_count(r.after.attempts), fmt_count(r.waiter_attempts_after),
               fmt_count(r.after.wakeups), fmt_summary(summarize(samples[i])),
               targeted ? "1" : fmt_ratio(compare(samples[i], samples[i - 1]))});
    }
    out << t.markdown() << "\n";
    out << "Phase 1 (\"devices → settled\"): the devices, the accelerators' driver (registered "
           "first, like a module that loads before cxl_pci), the stock drivers, settle; the "
           "accelerators defer on the root, the memdevs fail in cxl_mem. Phase 2: the ACPI root "
           "arrives, settle. Waiting: the deferred accelerators and the memdevs. Attempts and "
           "wake-ups are the host's. Times: median ± half the interquartile range of "
        << opt.timing.reps << " rounds, both modes in every round.\n\n";
}

} // namespace bench
