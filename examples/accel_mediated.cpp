// A Type-2 accelerator in the Linux 7.0 style (examples/drivers/cxl_accel.hpp): mediated
// attach through cxl_mem, deferring while the CXL root is missing.
#include "drivers/cxl_accel.hpp"
#include "drivers/platform.hpp"

#include <cstdio>

using examples::cxl_accel;

int main() {
    std::printf("%s: %s\n", std::string{cxl_accel::name}.c_str(), cxl_accel::describe().c_str());

    auto t = examples::demo_topology();
    t.acpi_root_present = false;
    examples::machine m{t};
    m.load<cxl_accel>();
    std::string const accel = examples::find_pci(m.host(), 0x1e98, 0x0002);
    std::printf("  no CXL root yet: %s\n", m.describe(accel).c_str());
    bool ok = m.host().info(m.device(accel)).state == cxlfw::base::device_state::deferred;

    examples::machine::check(m.platform().add_acpi_root(), "adding the ACPI root");
    examples::machine::check(m.host().settle(), "settling");
    std::printf("  root arrived:    %s\n", m.describe(accel).c_str());
    auto* d = cxlfw::driver_of<cxl_accel>(m.device(accel));
    if (d) std::printf("  device memory:   %s\n", examples::text(d->device_memory).c_str());
    auto c = m.host().counters();
    std::printf("  probe attempts %llu, deferrals %llu\n",
                static_cast<unsigned long long>(c.attempts),
                static_cast<unsigned long long>(c.deferrals));
    return ok && d && d->device_memory.size ? 0 : 1;
}
