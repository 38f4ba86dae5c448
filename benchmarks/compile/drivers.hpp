// Compile cost: composed drivers for the one- and nine-driver translation units.
#pragma once

#include <cxlfw/policy/policy.hpp>

namespace bench {

using namespace cxlfw::policy;
using namespace cxlfw::literals;

/// A Type-2 driver: `Traits`, attach strategy `A`, absence policy `P`, on cxl_test's accelerator
/// (different `Id`s make different drivers).
template <int Id, class Traits, class A, class P>
struct accel : cxlfw::driver<accel<Id, Traits, A, P>, Traits, A, P> {
    static constexpr std::string_view name = "bench_accel";
    static constexpr cxlfw::pci_id ids[] = {{0x1924, 0x0b03}};
    cxlfw::status on_cxl(cxlfw::cxl_ready<accel>& cxl) {
        if constexpr (cxlfw::has_v<accel, cap::any_hdm>) {
            auto r = cxl.map_region(256_MiB);
            if (!r) return r.error();
            range = *r;
        }
        return {};
    }
    void on_pcie_only(std::error_code) { range = {}; }
    cxlfw::core::hpa_range range{};
};

} // namespace bench
