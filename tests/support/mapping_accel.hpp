// The sfc-like Type-2 driver the reliability tests and the stateful fuzz target load on
// cxl_test's accelerator: maps 256 MiB in on_cxl (core::probe_mem through map_region) and
// degrades to PCIe without CXL. Its name says the attach, so both can be registered at once.
#pragma once

#include <cxlfw/policy/policy.hpp>
#include <cxlfw/units.hpp>

#include <string_view>
#include <system_error>
#include <type_traits>

namespace cxlfw_test {

template <class Attach>
struct mapping_accel
    : cxlfw::driver<mapping_accel<Attach>, cxlfw::policy::type2<cxlfw::policy::cap::hdm<1>>, Attach,
                    cxlfw::policy::when_absent::degrade> {
    static constexpr std::string_view name = std::is_same_v<Attach, cxlfw::policy::attach::direct>
                                                 ? "mapping_accel_direct"
                                                 : "mapping_accel_mediated";
    static constexpr cxlfw::pci_id ids[] = {{0x1924, 0x0b03}};
    cxlfw::status on_cxl(cxlfw::cxl_ready<mapping_accel>& cxl) {
        using namespace cxlfw::literals;
        auto r = cxl.map_region(256_MiB);
        if (!r) return r.error();
        return {};
    }
    void on_pcie_only(std::error_code) {}
};

} // namespace cxlfw_test
