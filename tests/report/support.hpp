// Helpers for the report tests: the reference topologies brought up with the stock drivers
// (in any driver order and arrival seed), a committed 2-way region on each, JSON lookups and
// golden files.
#pragma once

#include "../support/golden.hpp"

#include <cxlfw/core/core.hpp>
#include <cxlfw/drivers/drivers.hpp>
#include <cxlfw/emu/emu.hpp>
#include <cxlfw/report/cxl_list.hpp>
#include <cxlfw/testing/machine.hpp>
#include <cxlfw/units.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <vector>

namespace cxlfw::report::test_support {

using namespace cxlfw::literals;
using report::json;

enum class which { cxl_test, qemu };

/// cxl_test without its firmware region: the tests that name "the region" name the one they
/// create (the golden outputs, topology_of(), show cxl_test as it boots, with it).
inline emu::topology bare_cxl_test() {
    return emu::cxl_test_topology({.auto_region = false});
}

inline emu::topology topology_of(which w) {
    return w == which::cxl_test ? emu::cxl_test_topology() : emu::qemu_q35_topology();
}

/// A PCI driver whose probe waits for an event nobody signals.
class deferring_driver final : public base::pci_driver {
public:
    explicit deferring_driver(std::vector<base::pci_id> ids)
        : pci_driver{"test_defer", std::move(ids)} {}
    base::probe_outcome probe(base::device&) override {
        return base::deferred(base::dep_key::event("test:never"), "waits for a test event");
    }
};

/// The stock drivers without cxl_acpi: no CXL root, so no memdev attaches.
inline constexpr std::array rootless_drivers{
    drivers::stock_driver::port, drivers::stock_driver::mem, drivers::stock_driver::pci};

/// testing::machine booted with `o`, its pieces at hand.
struct booted {
    std::unique_ptr<cxlfw::testing::machine> m;
    emu::platform* p;
    cxlfw::testing::platform_host* ph;

    explicit booted(emu::topology const& t, cxlfw::testing::machine_options const& o)
        : m{boot(t, o)}, p{&m->platform()}, ph{&m->glue()} {}

private:
    static std::unique_ptr<cxlfw::testing::machine> boot(emu::topology const& t,
                                                         cxlfw::testing::machine_options const& o) {
        std::string why;
        auto m = cxlfw::testing::machine::boot(t, o, &why);
        INFO(why);
        REQUIRE(m);
        return std::move(*m);
    }
};

/// A platform and a host with its devices added; no driver registered, nothing settled.
struct rig : booted {
    explicit rig(emu::topology const& t) : booted{t, {.stock = {}, .settle = false}} {}
};

/// A platform and a host with the stock drivers, settled.
struct bed : booted {
    explicit bed(emu::topology const& t, std::optional<std::uint64_t> seed = std::nullopt,
                 std::array<drivers::stock_driver, 4> order = drivers::all_stock_drivers,
                 bool drivers_first = false)
        : booted{t,
                 {.seed = seed,
                  .stock = {order.begin(), order.end()},
                  .drivers_first = drivers_first}} {}

    core::cxl_core& cxl() { return ph->cxl(); }
    base::host& host() { return ph->host(); }
    emu::node& node(std::string_view name) {
        auto* n = p->find(name);
        REQUIRE(n);
        return *n;
    }
    core::memdev* memdev_of(std::string_view pci) {
        for (auto* m : cxl().memdevs())
            if (m->parent() && m->parent()->name() == pci) return m;
        return nullptr;
    }
    /// The next free endpoint decoder of `md` with `size` bytes of `mode`.
    core::decoder& dpa(core::memdev& md, std::uint64_t size, core::partition_mode mode) {
        REQUIRE(md.endpoint());
        auto* d = md.endpoint()->find_decoder(static_cast<unsigned>(md.endpoint()->hdm_end() + 1));
        REQUIRE(d);
        REQUIRE(core::dpa_set_mode(*d, mode));
        REQUIRE(core::dpa_alloc(*d, size));
        return *d;
    }
};

/// The memdevs of a region's positions (the test's choice, from the topology).
struct region_plan {
    std::string root_decoder; ///< decoder0.N
    core::partition_mode mode{};
    unsigned ways = 0, granularity = 0;
    std::uint64_t size = 0;
    std::vector<std::string> pci; ///< the PCI function at each position
};

/// cxl_test: 1 GiB of RAM over the two interleaved host bridges (UID 0 and 1) through
/// decoder0.1 at 4 KiB, from the first memory device below each.
inline region_plan cxl_test_plan(bed& b) {
    region_plan plan{"decoder0.1", core::partition_mode::ram, 2, 4096, 1_GiB, {}};
    for (std::uint32_t uid : {0u, 1u}) {
        std::string const hb{b.p->host_bridge(uid)->name()};
        std::vector<std::string> below;
        for (auto id : b.p->endpoints()) {
            auto& n = b.p->at(id);
            if (n.type() != emu::device_type::type3) continue;
            for (auto up = n.parent(); up != emu::no_node; up = b.p->at(up).parent())
                if (b.p->at(up).name() == hb) below.emplace_back(n.name());
        }
        REQUIRE_FALSE(below.empty());
        std::sort(below.begin(), below.end());
        plan.pci.push_back(below.front());
    }
    return plan;
}

/// QEMU q35: 512 MiB of PMEM over both host bridges (UIDs 12, 222) at 8 KiB.
inline region_plan qemu_plan(bed&) {
    return {"decoder0.1", core::partition_mode::pmem,      2, 8192,
            512_MiB,      {"0000:0d:00.0", "0000:df:00.0"}};
}

inline region_plan plan_of(which w, bed& b) {
    return w == which::cxl_test ? cxl_test_plan(b) : qemu_plan(b);
}

/// Create, size, fill and commit the planned region.
inline core::region& commit(bed& b, region_plan const& plan) {
    auto* root = b.cxl().find_decoder(plan.root_decoder);
    REQUIRE(root);
    auto r = core::create_region(*root, plan.mode);
    REQUIRE(r);
    REQUIRE(core::set_granularity(**r, plan.granularity));
    REQUIRE(core::set_ways(**r, plan.ways));
    REQUIRE(core::set_size(**r, plan.size));
    for (std::size_t pos = 0; pos < plan.pci.size(); ++pos) {
        auto* md = b.memdev_of(plan.pci[pos]);
        REQUIRE(md);
        auto& d = b.dpa(*md, plan.size / plan.ways, plan.mode);
        REQUIRE(core::attach_target(**r, d, static_cast<unsigned>(pos)));
    }
    REQUIRE(core::commit_region(**r));
    REQUIRE((*r)->state() == core::region_state::committed);
    return **r;
}

/// `cxl list` flags from ndctl's letters: "BPEMDRT", "v", "vv", "i", "I", "H".
inline list_options flags(std::string_view letters) {
    list_options o;
    for (char c : letters) {
        switch (c) {
        case 'B':
            o.buses = true;
            break;
        case 'P':
            o.ports = true;
            break;
        case 'E':
            o.endpoints = true;
            break;
        case 'M':
            o.memdevs = true;
            break;
        case 'D':
            o.decoders = true;
            break;
        case 'R':
            o.regions = true;
            break;
        case 'T':
            o.targets = true;
            break;
        case 'v':
            ++o.verbose;
            break;
        case 'i':
            o.idle = true;
            break;
        case 'I':
            o.partition = true;
            break;
        case 'H':
            o.health = true;
            break;
        default:
            FAIL("unknown flag " << c);
        }
    }
    return o;
}

/// The list, printed and parsed back (what a user of `cxl list` gets).
inline json list(bed& b, std::string_view letters) {
    auto text = list_text(cxl_list(b.cxl(), flags(letters)));
    return json::parse(text);
}

/// The objects of a top-level container {"<kind>": [...]} of a multi-kind listing.
inline json const& container(json const& top, std::string const& kind) {
    for (auto const& c : top)
        if (c.is_object() && c.size() == 1 && c.contains(kind)) return c.at(kind);
    FAIL("no top-level \"" << kind << "\" in " << top.dump());
    static json none;
    return none;
}

/// The object of `arr` whose `key` is `name`.
inline json const& by(json const& arr, std::string const& key, std::string const& name) {
    for (auto const& o : arr)
        if (o.contains(key) && o.at(key) == name) return o;
    FAIL("no " << key << " " << name << " in " << arr.dump());
    static json none;
    return none;
}

/// Every object anywhere in `j` that has `key` (depth first, in order).
inline void collect(json const& j, std::string const& key, std::vector<json>& out) {
    if (j.is_object()) {
        if (j.contains(key)) out.push_back(j);
        for (auto const& [k, v] : j.items())
            collect(v, key, out);
    } else if (j.is_array()) {
        for (auto const& v : j)
            collect(v, key, out);
    }
}
inline std::vector<json> all(json const& j, std::string const& key) {
    std::vector<json> out;
    collect(j, key, out);
    return out;
}

// --- golden files ---------------------------------------------------------------------------

using cxlfw_test::first_difference;
using cxlfw_test::split_lines;

/// Compare `actual` with tests/report/golden/<name> (tests/support/golden.hpp).
inline void check_golden(std::string const& name, std::string const& actual) {
    cxlfw_test::check_golden("report", name, actual);
}

} // namespace cxlfw::report::test_support
