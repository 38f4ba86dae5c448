// An sfc-like NIC (Linux drivers/net/ethernet/sfc, efx_cxl_init): a Type-2 device with one
// HDM decoder whose 256 MiB of device memory hold PIO buffers. It attaches its own endpoint
// and keeps working as a plain PCIe NIC when CXL is not there; when the missing piece
// arrives later it is upgraded (Linux has no such path: sfc stays on PCIe PIO).
#pragma once

#include <cxlfw/policy/policy.hpp>

#include <string>

namespace examples {

using namespace cxlfw::policy;
using namespace cxlfw::literals;

struct efx_cxl
    : cxlfw::driver<efx_cxl, type2<cap::hdm<1>, cap::ras>, attach::direct, when_absent::degrade> {
    static constexpr std::string_view name = "sfc_cxl";
    static constexpr cxlfw::pci_id ids[] = {{0x1924, 0x0b03}};

    /// The endpoint is attached: map 256 MiB for the PIO buffers.
    cxlfw::status on_cxl(cxlfw::cxl_ready<efx_cxl>& cxl) {
        auto range = cxl.map_region(256_MiB);
        if (!range) return range.error();
        pio = *range;
        return {};
    }

    /// No CXL (yet): PIO through the PCIe BAR, as sfc does when CXL setup fails.
    void on_pcie_only(std::error_code why) {
        pio = {};
        pcie_only_reason = why.message();
    }

    cxlfw::core::hpa_range pio{}; ///< where the PIO buffers live, when on CXL
    std::string pcie_only_reason; ///< why it runs PCIe-only, when it does
};

} // namespace examples
