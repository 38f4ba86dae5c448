// Section 4: generated platforms of about 1,000, 10,000 and 100,000 endpoints (host bridges x
// 4 root ports x one 32-port switch, windows over 8 host bridges) with the stock drivers:
// describing and building the platform, adding its devices, the drivers and settling, the
// bytes the emulator and the driver stack hold per endpoint (glibc mallinfo2 deltas), probe
// attempts and register accesses per endpoint, and the teardown.
//
// Heap deltas (bytes per endpoint): what emu::build allocates; what populate adds (the host's
// devices); what the drivers and the settle add: the driver stack's objects (memdevs, ports,
// decoders, devres, ...) and emulator state the probes touched (mailbox payload buffers, HDM
// decoder storage, allocated on first use). Where the teardown runs, the host is then
// destroyed and what the platform still holds beyond its build is that touched state.
#include "common.hpp"
#include "sections.hpp"

#include <chrono>
#include <iostream>
#include <ostream>
#include <string>
#include <vector>

namespace bench {
namespace {

struct scale_run {
    std::size_t endpoints = 0, nodes = 0;
    seconds describe = 0, build = 0, populate = 0, settle = 0;
    std::optional<seconds> teardown;
    std::int64_t emu_bytes = 0;      ///< emu::build
    std::int64_t populate_bytes = 0; ///< the host and its devices
    std::int64_t settle_bytes = 0;   ///< the drivers and settling: stack and touched emulator
    std::optional<std::int64_t> touched_bytes; ///< emulator state still there without the host
    base::probe_counters counters;
    std::uint64_t accesses = 0;
};

scale_run scale_once(unsigned host_bridges, std::size_t teardown_max) {
    scale_run s;
    stopwatch describe;
    auto topo = describe.time([&] { return emu::generated_topology(generated(host_bridges)); });
    check(topo, "generating the platform");
    s.describe = describe.elapsed();

    auto const m0 = heap_in_use();
    stopwatch build;
    auto p = build.time([&] { return emu::build(*topo); });
    check(p, "building the platform");
    auto const m1 = heap_in_use();
    s.build = build.elapsed();
    s.emu_bytes = m1 - m0;
    emu::platform& platform = **p;
    s.endpoints = platform.endpoints().size();
    s.nodes = platform.node_count();

    auto ph = std::make_unique<cxlfw::testing::platform_host>(platform);
    stopwatch populate, settle;
    populate.time([&] { check(ph->populate(), "adding the platform's devices"); });
    auto const m2 = heap_in_use();
    settle.time([&] {
        check(ph->register_drivers(), "registering the stock drivers");
        check(ph->host().settle(), "settling");
    });
    auto const m3 = heap_in_use();
    s.populate = populate.elapsed();
    s.settle = settle.elapsed();
    s.populate_bytes = m2 - m1;
    s.settle_bytes = m3 - m2;
    s.counters = ph->host().counters();
    s.accesses = platform.total_accesses();
    auto memdevs = ph->cxl().memdevs();
    require(memdevs.size() == s.endpoints, "not every endpoint has a memdev");
    for (core::memdev* m : memdevs)
        require(m->endpoint() != nullptr, m->name() + " has no endpoint");

    if (s.endpoints <= teardown_max) {
        stopwatch down;
        down.time([&] { check(ph->host().teardown(), "tearing down"); });
        s.teardown = down.elapsed();
        ph.reset();
        s.touched_bytes = heap_in_use() - m1; // the platform alone again
    } else {
        // The teardown of this size would take far longer than everything else together
        // (docs/benchmarks.md: core::detail::detach_ep); leave it to the process exit.
        (void)ph.release();
        (void)p->release();
    }
    return s;
}

std::string per(std::int64_t bytes, std::size_t endpoints) {
    return fmt_count(static_cast<std::uint64_t>(bytes > 0 ? bytes : 0) / endpoints);
}

} // namespace

void run_scaling(options const& opt, std::ostream& out) {
    std::vector<std::vector<scale_run>> runs;
    for (unsigned hbs : opt.scale_host_bridges) {
        std::size_t const endpoints = 128ull * hbs;
        // A size whose teardown is skipped is leaked at the end of its run: run it once.
        unsigned const reps = endpoints <= opt.teardown_max_endpoints ? opt.scale_reps : 1;
        std::cerr << "cxlfw-bench: 4. " << endpoints << " endpoints, " << reps << " run(s)\n";
        auto& v = runs.emplace_back();
        for (unsigned i = 0; i < reps; ++i)
            v.push_back(scale_once(hbs, opt.teardown_max_endpoints));
    }

    out << "## 4. Scaling with the stock drivers\n\n";
    table t{{"endpoints", "nodes", "runs", "describe", "build", "populate", "drivers + settle",
             "per endpoint", "÷ smallest", "probe attempts / endpoint", "accesses / endpoint",
             "teardown"}};
    table m{{"endpoints", "emulator (build)", "host devices (populate)", "drivers + settle",
             "of which the driver stack", "of which emulator state the probes touched"}};
    double first_per_endpoint = 0;
    for (auto const& v : runs) {
        auto pick = [&](auto member) {
            std::vector<double> xs;
            for (auto const& s : v)
                xs.push_back(s.*member);
            return summarize(xs);
        };
        auto const& s = v.front();
        auto const settle = pick(&scale_run::settle), populate = pick(&scale_run::populate);
        double const per_ep = (settle.median + populate.median) / static_cast<double>(s.endpoints);
        if (first_per_endpoint == 0) first_per_endpoint = per_ep;
        std::vector<double> downs;
        for (auto const& x : v)
            if (x.teardown) downs.push_back(*x.teardown);
        t.row(
            {fmt_count(s.endpoints), fmt_count(s.nodes), std::to_string(v.size()),
             fmt_summary(pick(&scale_run::describe)), fmt_summary(pick(&scale_run::build)),
             fmt_summary(populate), fmt_summary(settle), fmt_time(per_ep),
             fmt_fixed(per_ep / first_per_endpoint),
             fmt_fixed(static_cast<double>(s.counters.attempts) / static_cast<double>(s.endpoints)),
             fmt_count(s.accesses / s.endpoints),
             downs.empty() ? "not run" : fmt_summary(summarize(downs))});
        m.row({fmt_count(s.endpoints), per(s.emu_bytes, s.endpoints),
               per(s.populate_bytes, s.endpoints), per(s.settle_bytes, s.endpoints),
               s.touched_bytes ? per(s.settle_bytes - *s.touched_bytes, s.endpoints) : "—",
               s.touched_bytes ? per(*s.touched_bytes, s.endpoints) : "—"});
    }
    out << t.markdown() << "\n" << m.markdown() << "\n";
    out << "Times: median ± half the interquartile range of the runs. \"Per endpoint\": "
           "(populate + drivers + settle) / endpoints; \"÷ smallest\": that, relative to the "
           "smallest platform (1.00 = linear). Probe attempts count every device the host "
           "probes (PCI functions, memdevs, ports). Bytes per endpoint: glibc `mallinfo2()` "
           "deltas of the first run (allocator overhead included); the split of the settle's "
           "bytes needs the teardown. The teardown is timed up to `--teardown-max "
        << fmt_count(opt.teardown_max_endpoints)
        << "` endpoints; larger platforms are run once and left to the process exit.\n\n";
}

} // namespace bench
