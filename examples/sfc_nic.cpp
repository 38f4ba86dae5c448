// The sfc-like NIC (examples/drivers/efx_cxl.hpp) on cxl_test's Type-2 accelerator, twice:
// with the CXL root there at probe time, and with the root arriving later, where the NIC
// first runs PCIe-only and is then upgraded to CXL.
#include "drivers/efx_cxl.hpp"
#include "drivers/platform.hpp"

#include <cstdio>

using examples::efx_cxl;

namespace {

constexpr char const* nic = "0000:17:00.0"; // cxl_test's accelerator

cxlfw::emu::topology topology(bool root_present) {
    auto t = cxlfw::emu::cxl_test_topology({.type2_window = true});
    t.acpi_root_present = root_present;
    return t;
}

void show(examples::machine& m) {
    std::printf("  %s\n", m.describe(nic).c_str());
    if (auto* d = cxlfw::driver_of<efx_cxl>(m.device(nic))) {
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
    examples::machine present{topology(true)};
    present.load<efx_cxl>();
    show(present);
    bool ok = cxlfw::status_of(present.device(nic))->mode == cxlfw::cxl_mode::cxl;

    std::puts("CXL root arriving later:");
    examples::machine later{topology(false)};
    later.load<efx_cxl>();
    show(later);
    ok = ok && cxlfw::status_of(later.device(nic))->mode == cxlfw::cxl_mode::pcie_only;
    examples::machine::check(later.platform().add_acpi_root(), "adding the ACPI root");
    examples::machine::check(later.host().settle(), "settling");
    std::puts("  ... the root arrived:");
    show(later);
    ok = ok && cxlfw::status_of(later.device(nic))->mode == cxlfw::cxl_mode::cxl;
    return ok ? 0 : 1;
}
