// Helpers for the testing layer's tests: cxl_test with its Type-2 window, and the invariant
// checker as a test assertion.
#pragma once

#include <cxlfw/emu/topologies.hpp>
#include <cxlfw/testing/check.hpp>
#include <cxlfw/testing/machine.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace cxlfw::testing::test_support {

inline constexpr std::string_view accel = "0000:17:00.0"; // cxl_test's Type-2 device

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
