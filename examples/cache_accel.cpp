// A Type-1 cache accelerator (examples/drivers/cache_accel.hpp): no device memory, so no
// endpoint; the driver checks the device is cache-capable and nothing more.
#include "drivers/cache_accel.hpp"
#include "drivers/demo.hpp"

#include <cstdio>

using examples::cache_accel;

int main() {
    std::printf("%s: %s\n", std::string{cache_accel::name}.c_str(),
                cache_accel::describe().c_str());
    cxlfw::emu::topology t;
    auto hb = t.add_host_bridge({.uid = 7});
    t.add_endpoint(t.add_root_port(hb), cxlfw::emu::endpoint_spec::type1_device());
    auto m = examples::boot(t);
    examples::check(m->load<cache_accel>(), "loading cache_accel");
    auto const& node = m->platform().at(m->platform().endpoints().front());
    std::string name{node.name()};
    std::printf("  %s\n", m->describe(name).c_str());
    auto* dev = m->find(name);
    return dev && dev->is_bound() ? 0 : 1;
}
