// Helpers for the testing layer's tests: cxl_test with its Type-2 window, and the invariant
// checker as a test assertion.
#pragma once

#include <cxlfw/emu/topologies.hpp>
#include <cxlfw/policy/policy.hpp>
#include <cxlfw/testing/check.hpp>
#include <cxlfw/testing/machine.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace cxlfw::testing::test_support {

inline constexpr std::string_view accel = "0000:17:00.0"; // cxl_test's Type-2 device

/// An sfc-like Type-2 driver for the accelerator: maps 256 MiB in on_cxl, degrades without CXL.
template <class Attach>
struct mapping_accel : cxlfw::driver<mapping_accel<Attach>, policy::type2<policy::cap::hdm<1>>,
                                     Attach, policy::when_absent::degrade> {
    static constexpr std::string_view name = "mapping_accel";
    static constexpr cxlfw::pci_id ids[] = {{0x1924, 0x0b03}};
    cxlfw::status on_cxl(cxlfw::cxl_ready<mapping_accel>& cxl) {
        auto r = cxl.map_region(256_MiB);
        if (!r) return r.error();
        return {};
    }
    void on_pcie_only(std::error_code) {}
};

/// cxl_test with a DEVMEM window for its accelerator; settled unless told otherwise.
inline std::unique_ptr<machine> boot_cxl_test(bool settle = true) {
    machine_options o;
    o.settle = settle;
    auto m = machine::boot(emu::cxl_test_topology({.type2_window = true}), o);
    REQUIRE(m);
    return std::move(*m);
}

/// The invariant checker finds nothing (docs/reliability.md).
inline void require_clean(machine& m, std::string const& when = {}) {
    auto bad = invariant_violations(m);
    INFO(when << ":\n" << join(bad));
    REQUIRE(bad.empty());
}

} // namespace cxlfw::testing::test_support
