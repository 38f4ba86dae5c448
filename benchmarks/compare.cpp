// Section 1: composed drivers against their hand-written baselines (benchmarks/baseline/).
// The stock Type-3 driver cxl_pci (a composition) against cxl_pci_hand, and the sfc-like
// Type-2 NIC efx_cxl (examples/drivers/efx_cxl.hpp) against efx_hand, each
//   - brought up: the devices, the drivers, settle (Type-3: the whole cxl_test platform;
//     Type-2: the NIC's driver registered on a settled platform, its probe attaching the
//     endpoint and committing a 256 MiB region);
//   - one probe on its own: host.bind() of one device on a settled platform (its unbind and
//     the settle after it are outside the measurement).
// Every repetition checks that both make the same register accesses (per node and region) and
// leave the same CXL state (core::dump).

#include "baseline/cxl_pci_hand.hpp"
#include "baseline/efx_hand.hpp"
#include "common.hpp"
#include "drivers/efx_cxl.hpp"
#include "sections.hpp"

#include <iostream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace bench {
namespace {

using namespace cxlfw::literals;

constexpr char const* accel_name = "0000:17:00.0"; // cxl_test's Type-2 accelerator
constexpr char const* type3_name = "0000:04:00.0"; // a Type-3 memdev below a switch

emu::topology cxl_test() {
    return emu::cxl_test_topology({.type2_window = true});
}

/// What one variant's measured run left, to compare with the other variant's.
struct footprint {
    std::vector<emu::access_counts> accesses;
    std::string dump;
    base::probe_counters counters;
    bool operator==(footprint const&) const = default;
};

/// Both variants' footprints of every round must equal the first round's baseline footprint.
struct agreement {
    std::optional<footprint> first;
    bool same = true;
    void see(footprint f) {
        if (!first)
            first = std::move(f);
        else
            same = same && f == *first;
    }
};

bool has_region(rig& r, std::string const& pci, std::uint64_t size) {
    for (core::memdev* m : r.cxl().memdevs())
        if (m->parent() && m->parent()->name() == pci && m->endpoint()) {
            for (core::region* reg : r.cxl().regions())
                if (reg->size() == size && reg->state() == core::region_state::committed)
                    return true;
        }
    return false;
}

// --- the four measurements ---------------------------------------------------------------

/// cxl_test from nothing: populate, register the four drivers, settle.
seconds type3_bringup(bool composed, agreement& agree) {
    rig r{cxl_test()};
    r.platform->clear_counts();
    auto const before = r.host().counters();
    stopwatch sw;
    sw.time([&] {
        r.populate();
        if (composed) {
            check(r.ph->register_drivers(), "registering the stock drivers");
        } else {
            r.register_stock_but_pci();
            check(r.host().register_driver(std::make_unique<baseline::cxl_pci_hand>()),
                  "registering cxl_pci_hand");
        }
        r.settle();
    });
    require(r.device(type3_name).is_bound(), "the Type-3 device did not bind");
    require(r.cxl().memdevs().size() == 11, "cxl_test has 11 Type-3 memdevs");
    for (core::memdev* m : r.cxl().memdevs())
        require(m->endpoint() != nullptr, m->name() + " has no endpoint");
    agree.see({r.accesses(), core::dump(r.cxl()), r.host().counters() - before});
    return sw.elapsed();
}

/// The NIC's driver on a settled cxl_test: register, settle (probe, attach, 256 MiB region).
/// The first composed driver on a host also registers the "cxlfw" bus and its upgrade watcher
/// driver; `upgrade_bus_first` does that before the measurement.
seconds type2_bringup(bool composed, agreement& agree, bool upgrade_bus_first) {
    rig r{cxl_test()};
    r.populate();
    check(r.ph->register_drivers(), "registering the stock drivers");
    r.settle();
    if (composed && upgrade_bus_first)
        check(cxlfw::policy::detail::ensure_upgrade_support(r.host()), "the upgrade bus");
    r.platform->clear_counts();
    auto const before = r.host().counters();
    stopwatch sw;
    sw.time([&] {
        if (composed)
            check(cxlfw::register_driver<examples::efx_cxl>(r.host()), "registering efx_cxl");
        else
            check(r.host().register_driver(std::make_unique<baseline::efx_hand>()),
                  "registering efx_hand");
        r.settle();
    });
    require(r.device(accel_name).is_bound(), "the accelerator did not bind");
    require(has_region(r, accel_name, 256_MiB), "the accelerator has no committed region");
    agree.see({r.accesses(), core::dump(r.cxl()), r.host().counters() - before});
    return sw.elapsed();
}

/// A settled platform on which one device is unbound and bound again, repeatedly.
struct rebind_rig {
    rig r{cxl_test()};
    base::device* dev = nullptr;
    base::driver* drv = nullptr;

    rebind_rig(bool type2, bool composed) {
        r.populate();
        if (type2 || composed)
            check(r.ph->register_drivers(), "registering the stock drivers");
        else {
            r.register_stock_but_pci();
            check(r.host().register_driver(std::make_unique<baseline::cxl_pci_hand>()),
                  "registering cxl_pci_hand");
        }
        if (type2) {
            if (composed)
                check(cxlfw::register_driver<examples::efx_cxl>(r.host()), "registering efx_cxl");
            else
                check(r.host().register_driver(std::make_unique<baseline::efx_hand>()),
                      "registering efx_hand");
        }
        r.settle();
        dev = &r.device(type2 ? accel_name : type3_name);
        drv = r.host().find_driver(type2 ? "sfc_cxl" : "cxl_pci");
        require(drv != nullptr && dev->is_bound(), "the device did not bind");
    }

    /// One probe: unbind and settle (unmeasured), bind (measured), settle (unmeasured).
    seconds once(agreement& agree) {
        check(r.host().unbind(*dev), "unbinding " + dev->name());
        r.settle();
        r.platform->clear_counts();
        auto const before = r.host().counters();
        stopwatch sw;
        auto out = sw.time([&] { return r.host().bind(*dev, *drv); });
        require(out.is_bound(), dev->name() + " did not bind again: " + out.message());
        // The dump is taken after the settle that completes the attach (cxl_mem for Type-3).
        auto accesses = r.accesses();
        auto counters = r.host().counters() - before;
        r.settle();
        agree.see({std::move(accesses), core::dump(r.cxl()), counters});
        return sw.elapsed();
    }
};

struct result_row {
    std::string what;
    std::vector<std::vector<seconds>> samples; // [0] baseline, [1] composed
    agreement agree;
};

void measure(result_row& row, run_options const& opt, std::function<seconds(bool, agreement&)> fn) {
    std::cerr << "cxlfw-bench: 1. " << row.what << "\n";
    std::vector<variant> v{{"hand-written", [&] { return fn(false, row.agree); }},
                           {"composed", [&] { return fn(true, row.agree); }}};
    row.samples = interleave(v, opt);
}

/// Config-space accesses of one reading of the PCIe port type (the composed probe reads it
/// twice; the baselines copy that).
std::uint64_t port_type_read_cost() {
    rig r{cxl_test()};
    r.populate();
    auto* pdev = dynamic_cast<base::pci_device*>(&r.device(type3_name));
    require(pdev != nullptr, "not a PCI device");
    r.platform->clear_counts();
    (void)core::read_pcie_port_type(pdev->config());
    return r.platform->counts(r.node(type3_name)).total();
}

} // namespace

void run_compare(options const& opt, std::ostream& out) {
    std::vector<result_row> rows(5);
    rows[0].what = "Type-3 bring-up: cxl_test, populate + 4 drivers + settle";
    measure(rows[0], opt.probe_timing, type3_bringup);
    rows[1].what = std::string{"Type-3 one probe: bind "} + type3_name;
    {
        rebind_rig hand{false, false}, composed{false, true};
        measure(rows[1], opt.probe_timing,
                [&](bool c, agreement& a) { return (c ? composed : hand).once(a); });
    }
    rows[2].what = "Type-2 bring-up: efx_cxl registered on settled cxl_test + settle";
    measure(rows[2], opt.probe_timing,
            [](bool c, agreement& a) { return type2_bringup(c, a, false); });
    rows[3].what = "the same, the composition's upgrade bus registered beforehand";
    measure(rows[3], opt.probe_timing,
            [](bool c, agreement& a) { return type2_bringup(c, a, true); });
    rows[4].what = std::string{"Type-2 one probe: bind "} + accel_name + " (attach + region)";
    {
        rebind_rig hand{true, false}, composed{true, true};
        measure(rows[4], opt.probe_timing,
                [&](bool c, agreement& a) { return (c ? composed : hand).once(a); });
    }

    out << "## 1. Composed drivers against hand-written ones\n\n";
    table t{{"scenario", "hand-written", "composed", "composed / hand-written", "register accesses",
             "probe attempts", "same accesses and CXL state"}};
    for (auto& r : rows) {
        auto const& f = *r.agree.first;
        t.row({r.what, fmt_summary(summarize(r.samples[0])), fmt_summary(summarize(r.samples[1])),
               fmt_ratio(compare(r.samples[1], r.samples[0])), fmt_count(total(f.accesses)),
               fmt_count(f.counters.attempts), r.agree.same ? "yes" : "**no**"});
    }
    out << t.markdown() << "\n";
    out << "Times: median ± half the interquartile range of " << opt.probe_timing.reps
        << " rounds (after " << opt.probe_timing.warmup
        << " warm-up), both variants in every round, round-robin. Ratio: of the medians, with "
           "the quartiles of the per-round ratios in parentheses. \"Same\": in every round both "
           "variants made the same register accesses per node and region, the same probe "
           "attempts, and left the same `core::dump`. One reading of the PCIe port type costs "
        << port_type_read_cost()
        << " config accesses; the composed Type-3 and Type-2 probes (and so the baselines) read "
           "it twice. The first composed driver registered on a host also registers the \"cxlfw\" "
           "bus and its upgrade watcher driver (compose.hpp, ensure_upgrade_support); the "
           "fourth row does that before the measurement.\n\n";
    for (auto& r : rows)
        require(r.agree.same, r.what + ": the composed and hand-written drivers differ");
}

} // namespace bench
