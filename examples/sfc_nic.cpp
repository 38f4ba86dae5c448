// The sfc-like NIC (examples/drivers/efx_cxl.hpp) on cxl_test's Type-2 accelerator, twice:
// with the CXL root there at probe time, and with the root arriving later, where the NIC
// first runs PCIe-only and is then upgraded to CXL.
#include "drivers/demo.hpp"
#include "drivers/efx_cxl.hpp"

#include <cstdio>

using examples::efx_cxl;

namespace {

constexpr char const* nic = "0000:17:00.0"; // cxl_test's accelerator

cxlfw::emu::topology topology(bool root_present) {
    auto t = cxlfw::emu::cxl_test_topology({.type2_window = true});
    t.acpi_root_present = root_present;
    return t;
}

void show(cxlfw::testing::machine& m) {
    std::printf("  %s\n", m.describe(nic).c_str());
    if (auto* d = cxlfw::driver_of<efx_cxl>(*m.find(nic))) {
        if (d->pio.size)
            std::printf("  PIO buffers in CXL memory: %s\n", examples::text(d->pio).c_str());
        else
            std::printf("  PIO buffers behind the PCIe BAR (%s)\n", d->pcie_only_reason.c_str());
    }
}

} // namespace

int main() {
    std::printf("%s: %s\n", std::string{efx_cxl::name}.c_str(), efx_cxl::describe().c_str());

    std::puts("CXL root present at probe:");
    auto present = examples::boot(topology(true));
    examples::check(present->load<efx_cxl>(), "loading sfc_cxl");
    show(*present);
    auto mode = [](cxlfw::testing::machine& m) {
        auto* dev = m.find(nic);
        auto st = dev ? cxlfw::status_of(*dev) : std::nullopt;
        return st ? st->mode : cxlfw::cxl_mode::none;
    };
    bool ok = mode(*present) == cxlfw::cxl_mode::cxl;

    std::puts("CXL root arriving later:");
    auto later = examples::boot(topology(false));
    examples::check(later->load<efx_cxl>(), "loading sfc_cxl");
    show(*later);
    ok = ok && mode(*later) == cxlfw::cxl_mode::pcie_only;
    examples::check(later->platform().add_acpi_root(), "adding the ACPI root");
    examples::check(later->host().settle(), "settling");
    std::puts("  ... the root arrived:");
    show(*later);
    ok = ok && mode(*later) == cxlfw::cxl_mode::cxl;
    return ok ? 0 : 1;
}
