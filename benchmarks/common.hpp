// What the sections share: an emulated platform with a host on it, checks that stop the run
// with a message (a benchmark of a broken scenario measures nothing), the emulator's access
// counters per node, heap bytes in use.
#pragma once

#include <cxlfw/cxlfw.hpp>
#include <cxlfw/emu/emu.hpp>
#include <cxlfw/testing/platform.hpp>

#include <cstddef>
#include <cstdint>
#include <malloc.h>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

namespace base = cxlfw::base;
namespace core = cxlfw::core;
namespace emu = cxlfw::emu;
namespace drivers = cxlfw::drivers;

/// Stops the run: the scenario did not reach the state it measures.
inline void require(bool ok, std::string const& what) {
    if (!ok) throw std::runtime_error(what);
}
template <class R>
void check(R const& r, std::string const& what) {
    if (!r) throw std::runtime_error(what + ": " + r.error().message());
}

/// A built platform and a driver-model host on it (not populated yet).
struct rig {
    std::unique_ptr<emu::platform> platform;
    std::unique_ptr<cxlfw::testing::platform_host> ph;

    explicit rig(emu::topology const& t, base::host_options opts = {}) {
        emu::build_diagnostic why;
        auto p = emu::build(t, &why);
        if (!p) throw std::runtime_error("building the platform: " + why.message());
        platform = std::move(*p);
        ph = std::make_unique<cxlfw::testing::platform_host>(*platform, std::move(opts));
    }
    ~rig() { ph.reset(); }
    rig(rig const&) = delete;
    rig& operator=(rig const&) = delete;

    base::host& host() { return ph->host(); }
    core::cxl_core& cxl() { return ph->cxl(); }
    base::device& device(std::string const& name) {
        auto* d = host().find_device(name);
        require(d != nullptr, "no device " + name);
        return *d;
    }
    emu::node_id node(std::string const& name) {
        auto* n = platform->find(name);
        require(n != nullptr, "no node " + name);
        return n->id();
    }
    void populate() { check(ph->populate(), "adding the platform's devices"); }
    /// cxl_acpi, cxl_port and cxl_mem: the stock drivers but cxl_pci.
    void register_stock_but_pci() {
        using drivers::stock_driver;
        static constexpr stock_driver three[] = {stock_driver::acpi, stock_driver::port,
                                                 stock_driver::mem};
        check(ph->register_drivers(three), "registering cxl_acpi, cxl_port, cxl_mem");
    }
    void settle() { check(host().settle(), "settling"); }

    /// Every node's register accesses since the last clear_counts().
    std::vector<emu::access_counts> accesses() const {
        std::vector<emu::access_counts> out;
        for (std::uint32_t i = 0; i < platform->node_count(); ++i)
            out.push_back(platform->counts(emu::node_id{i}));
        return out;
    }
};

inline std::uint64_t total(std::vector<emu::access_counts> const& v) {
    std::uint64_t t = 0;
    for (auto const& c : v)
        t += c.total();
    return t;
}

/// Heap bytes in use (glibc: arenas and mmapped chunks), for deltas.
inline std::int64_t heap_in_use() {
    struct mallinfo2 const mi = mallinfo2();
    return static_cast<std::int64_t>(mi.uordblks + mi.hblkhd);
}

/// The difference of two counter snapshots.
inline base::probe_counters operator-(base::probe_counters a, base::probe_counters const& b) {
    a.attempts -= b.attempts;
    a.binds -= b.binds;
    a.failures -= b.failures;
    a.deferrals -= b.deferrals;
    a.wakeups -= b.wakeups;
    a.timeouts -= b.timeouts;
    a.unbinds -= b.unbinds;
    return a;
}

/// Endpoints of the generated platform `host_bridges x 4 root ports x one 32-port switch`,
/// windows interleaving 8 host bridges (as tests/emu/scale.cpp).
inline emu::generator_spec
generated(unsigned host_bridges,
          emu::endpoint_spec device = emu::endpoint_spec::type3_device(256ull << 20, 0)) {
    return emu::generator_spec{.host_bridges = host_bridges,
                               .root_ports = 4,
                               .switch_depth = 1,
                               .fanout = 32,
                               .device = std::move(device),
                               .window_ways = 8};
}

} // namespace bench
