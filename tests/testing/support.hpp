// Helpers for the testing layer's tests: cxl_test with its Type-2 window, the invariant
// checker as a test assertion, the probe paths the sweeps visit access by access, a snapshot of
// the state that must come back, and the recovery an operator would do.
#pragma once

#include <cxlfw/core/dpa.hpp>
#include <cxlfw/core/dump.hpp>
#include <cxlfw/core/region.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/emu/platform.hpp>
#include <cxlfw/emu/topologies.hpp>
#include <cxlfw/policy/policy.hpp>
#include <cxlfw/testing/check.hpp>
#include <cxlfw/testing/fault_points.hpp>
#include <cxlfw/testing/machine.hpp>
#include <cxlfw/units.hpp>

#include "../support/mapping_accel.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cxlfw::testing::test_support {

inline constexpr std::string_view accel = "0000:17:00.0"; // cxl_test's Type-2 device

/// The sfc-like Type-2 driver (tests/support/mapping_accel.hpp).
using cxlfw_test::mapping_accel;

/// cxl_test with a DEVMEM window for its accelerator (and, as Linux's, its firmware region);
/// settled unless told otherwise.
inline std::unique_ptr<machine> boot_cxl_test(bool settle = true, bool auto_region = true) {
    machine_options o;
    o.settle = settle;
    auto m = machine::boot(
        emu::cxl_test_topology({.type2_window = true, .auto_region = auto_region}), o);
    REQUIRE(m);
    return std::move(*m);
}

/// The invariant checker finds nothing (docs/reliability.md).
inline void require_clean(machine& m, std::string const& when = {}) {
    auto bad = invariant_violations(m);
    INFO(when << ":\n" << join(bad));
    REQUIRE(bad.empty());
}

// --- probe paths -------------------------------------------------------------------------------

/// A path the sweeps visit access by access: how to get to its start (not recorded), the path
/// itself, and the PCI function it is about.
struct probe_path {
    std::string name;
    bool settled_boot = true; ///< false: the path is the stock drivers' boot itself
    std::function<void(machine&)> setup;
    std::function<void(machine&)> run;
    std::string device;
    /// After the recovery, for a path that ends with less than it started with (a teardown):
    /// what brings the state back, so that a leftover (a reset still owed) shows.
    std::function<void(machine&)> again = {};
};

inline std::unique_ptr<machine> boot(probe_path const& p) {
    auto m = boot_cxl_test(p.settled_boot);
    if (p.setup) p.setup(*m);
    return m;
}

/// The accesses the path makes, in order, each named (deterministic: the platform is).
inline std::vector<fault_point> points_of(probe_path const& p) {
    auto m = boot(p);
    return record_fault_points(*m, p.run);
}

/// The accesses a sweep visits: in CI every 5th, or fewer on a long path (about 60 in all),
/// and the first and the last; CXLFW_EXHAUSTIVE=1 every one.
inline std::vector<std::uint64_t> visit(std::uint64_t n) {
    std::uint64_t const stride =
        std::getenv("CXLFW_EXHAUSTIVE") ? 1 : std::max<std::uint64_t>(5, n / 60);
    std::vector<std::uint64_t> ks;
    for (std::uint64_t k = 1; k <= n; k += stride)
        ks.push_back(k);
    if (ks.empty() || ks.back() != n) ks.push_back(n);
    return ks;
}

inline probe_path direct_path() {
    return {"Type-2 direct + map_region",
            true,
            {},
            [](machine& m) { (void)m.load<mapping_accel<policy::attach::direct>>(); },
            std::string{accel}};
}
inline probe_path mediated_path() {
    return {"Type-2 mediated + map_region",
            true,
            {},
            [](machine& m) { (void)m.load<mapping_accel<policy::attach::mediated>>(); },
            std::string{accel}};
}
inline probe_path type3_path() {
    // The first Type-3 device below a switch: cxl_pci, cxl_port and cxl_mem at boot.
    return {"Type-3 boot (cxl_pci, cxl_port, cxl_mem)",
            false,
            {},
            [](machine& m) { (void)m.host().settle(); },
            "0000:0d:00.0"};
}

/// The same boot, with the RCD (cxl_test's device below the RCH, host bridge UID 3) as the
/// device the removals aim at: its link is the RCH's, it has no switch above it.
inline probe_path rcd_path() {
    auto p = type3_path();
    p.name = "RCD boot (cxl_pci, cxl_mem through the RCRB)";
    auto m = boot_cxl_test(false);
    auto const rcds = m->platform().of_kind(emu::node_kind::rcd);
    REQUIRE(rcds.size() == 1);
    p.device = m->platform().at(rcds.front()).name();
    return p;
}

/// The Type-2 accelerator bound (direct attach, a committed region), then unbound: the
/// teardown (region reset and delete, endpoint and memdev released) is the path.
inline probe_path teardown_path() {
    return {"Type-2 teardown (unbind: region reset and delete)",
            true,
            [](machine& m) {
                REQUIRE(m.load<mapping_accel<policy::attach::direct>>());
                REQUIRE(cxlfw::status_of(*m.find(accel))->mode == cxl_mode::cxl);
            },
            [](machine& m) {
                if (base::device* d = m.find(accel)) (void)m.host().unbind(*d);
                (void)m.host().settle();
            },
            std::string{accel},
            [](machine& m) { // bound again: the same region on the same decoders
                base::device* d = m.find(accel);
                REQUIRE(d);
                if (!d->is_bound()) REQUIRE(m.host().attach(*d).is_bound());
                REQUIRE(m.host().settle());
            }};
}

/// A 1-way PMEM region (cxl_test's memdevs are persistent only) on the first Type-3 memdev
/// and 1-way window that fit, created, committed and deleted through the core (what `cxl
/// create-region` and `cxl destroy-region` do); a step that fails ends the path, and what was
/// made is deleted, as the user would.
inline probe_path region_path() {
    auto run = [](machine& m) {
        // The objects it names stay valid across the steps, whatever goes meanwhile (as a
        // `cxl` command's references do).
        base::host::object_hold hold{m.host()};
        core::port* root = m.cxl().root();
        if (!root) return;
        for (core::memdev* md : m.cxl().memdevs()) {
            core::decoder* ep = md->endpoint() ? md->endpoint()->find_decoder(0) : nullptr;
            if (ep) (void)core::dpa_free(*ep); // a leftover, as `cxl free-dpa` would
            if (!ep || !core::dpa_set_mode(*ep, core::partition_mode::pmem) ||
                !core::dpa_alloc(*ep, 256_MiB))
                continue;
            bool made = false;
            for (auto const& rd : root->decoders()) {
                auto r = core::create_region(*rd, core::partition_mode::pmem);
                if (!r) continue;
                made = core::set_granularity(**r, 4096) && core::set_ways(**r, 1) &&
                       core::set_size(**r, 256_MiB) && core::attach_target(**r, *ep, 0);
                if (made) (void)core::commit_region(**r);
                core::delete_region(**r);
                if (made) break;
            }
            (void)core::dpa_free(*ep);
            if (made) return;
        }
    };
    // Again after the recovery: a reset the first run still owed must not be in its way.
    return {"Type-3 region create, commit, delete", true, {}, run, "0000:0d:00.0", run};
}

// --- what must come back ---------------------------------------------------------------------------

/// The core's canonical dump and every device's state, driver and CXL mode (by name: devices
/// added again come later in the host's add order).
inline std::string snapshot(machine& m) {
    std::vector<std::string> lines;
    for (base::device* d : m.host().devices()) {
        // A degraded device's watcher comes and goes with the way it got to CXL; its mode is
        // what counts.
        if (d->bus_name() == policy::detail::upgrade_bus_name) continue;
        auto info = m.host().info(*d);
        std::string mode;
        if (auto st = cxlfw::status_of(*d)) mode = " " + std::string{to_string(st->mode)};
        lines.push_back(d->name() + " " + std::string{base::to_string(info.state)} + " " +
                        info.driver + mode + "\n");
    }
    std::sort(lines.begin(), lines.end());
    std::string s = core::dump(m.cxl());
    for (auto const& l : lines)
        s += l;
    return s;
}

/// The lines of `a` not in `b` ("- ") and of `b` not in `a` ("+ "): what a failed snapshot
/// comparison shows.
inline std::string diff_lines(std::string const& a, std::string const& b) {
    auto split = [](std::string const& s) {
        std::vector<std::string> v;
        std::size_t at = 0;
        while (at < s.size()) {
            auto nl = s.find('\n', at);
            if (nl == std::string::npos) nl = s.size();
            v.push_back(s.substr(at, nl - at));
            at = nl + 1;
        }
        std::sort(v.begin(), v.end());
        return v;
    };
    auto const x = split(a), y = split(b);
    std::vector<std::string> only_a, only_b;
    std::set_difference(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(only_a));
    std::set_difference(y.begin(), y.end(), x.begin(), x.end(), std::back_inserter(only_b));
    std::string out;
    for (auto const& l : only_a)
        out += "- " + l + "\n";
    for (auto const& l : only_b)
        out += "+ " + l + "\n";
    return out;
}

/// What an operator does after a fault is gone (Linux: `echo dev > bind`, then a rescan):
/// bind again every device whose probe failed and every composed driver's device left
/// without CXL, until nothing changes.
inline void recover(machine& m) {
    m.platform().faults().clear();
    for (unsigned pass = 0; pass < 4; ++pass) {
        std::vector<std::string> names;
        for (base::device* d : m.host().devices())
            if (d->bus_name() != policy::detail::upgrade_bus_name) names.push_back(d->name());
        bool acted = false;
        for (auto const& name : names) {
            base::device* d = m.find(name); // an earlier bind may have removed it
            if (!d) continue;
            auto const info = m.host().info(*d);
            auto const st = cxlfw::status_of(*d);
            if (info.state == base::device_state::failed) {
                (void)m.host().attach(*d);
                acted = true;
            } else if (info.state == base::device_state::bound && st &&
                       (st->mode == cxl_mode::pcie_only || st->mode == cxl_mode::waiting)) {
                REQUIRE(m.host().unbind(*d));
                if ((d = m.find(name))) (void)m.host().attach(*d);
                acted = true;
            }
        }
        REQUIRE(m.host().rescan("cxl"));
        REQUIRE(m.host().settle());
        if (!acted) return;
    }
}

} // namespace cxlfw::testing::test_support
