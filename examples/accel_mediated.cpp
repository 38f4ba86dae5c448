// A Type-2 accelerator in the Linux 7.0 style (examples/drivers/cxl_accel.hpp): mediated
// attach through cxl_mem, deferring while the CXL root is missing.
#include "drivers/cxl_accel.hpp"
#include "drivers/demo.hpp"

#include <cstdio>

using examples::cxl_accel;

int main() {
    std::printf("%s: %s\n", std::string{cxl_accel::name}.c_str(), cxl_accel::describe().c_str());

    auto t = examples::demo_topology();
    t.acpi_root_present = false;
    auto m = examples::boot(t);
    examples::check(m->load<cxl_accel>(), "loading cxl_accel");
    auto* dev = m->find_pci(0x1e98, 0x0002);
    if (!dev) examples::die("no 1e98:0002 device");
    std::string const accel = dev->name();
    std::printf("  no CXL root yet: %s\n", m->describe(accel).c_str());
    bool ok = m->host().info(*dev).state == cxlfw::base::device_state::deferred;

    examples::check(m->platform().add_acpi_root(), "adding the ACPI root");
    examples::check(m->host().settle(), "settling");
    std::printf("  root arrived:    %s\n", m->describe(accel).c_str());
    auto* d = cxlfw::driver_of<cxl_accel>(*dev);
    if (d) std::printf("  device memory:   %s\n", examples::text(d->device_memory).c_str());
    auto c = m->host().counters();
    std::printf("  probe attempts %llu, deferrals %llu\n",
                static_cast<unsigned long long>(c.attempts),
                static_cast<unsigned long long>(c.deferrals));
    return ok && d && d->device_memory.size ? 0 : 1;
}
