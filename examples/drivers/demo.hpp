// What the example programs share: the demo platform, a machine booted on it (or a clear exit
// when it cannot boot), and HPA ranges as text. The machine itself is the library's
// (<cxlfw/testing/machine.hpp>), so nothing here is a harness to copy.
#pragma once

#include <cxlfw/core/registry.hpp>
#include <cxlfw/emu/platform.hpp>
#include <cxlfw/emu/topologies.hpp>
#include <cxlfw/testing/machine.hpp>
#include <cxlfw/testing/platform.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace examples {

[[noreturn]] inline void die(std::string const& why) {
    std::fprintf(stderr, "example: %s\n", why.c_str());
    std::exit(1);
}

/// Stops the example with `what` and the error when `r` holds one.
template <class R>
void check(R const& r, std::string const& what) {
    if (!r) die(what + ": " + r.error().message());
}

/// The machine of `t`, booted with the stock drivers and settled; exits when it cannot boot.
inline std::unique_ptr<cxlfw::testing::machine> boot(cxlfw::emu::topology const& t) {
    std::string why;
    auto m = cxlfw::testing::machine::boot(t, {}, &why);
    if (!m) die("cannot boot the platform: " + why);
    return std::move(*m);
}

/// The demo platform: Linux cxl_test's mock topology with its Type-2 accelerator (sfc-like ids,
/// for efx_cxl) and a 512 MiB device-memory window on its host bridge (UID 2), plus what makes
/// every example driver find a device: a Type-1 cache device (1e98:0001) on a new root port
/// of that host bridge, and a second Type-2 accelerator (1e98:0002, for cxl_accel) on a host
/// bridge of its own (UID 4) with its own 512 MiB device-memory window, so that which
/// accelerator probes first changes nothing. Like cxl_test, it boots with the region firmware
/// committed on host bridge 0 unless `auto_region` is false.
inline cxlfw::emu::topology demo_topology(bool auto_region = true) {
    namespace r = cxlfw::spec::cfmws_restrict;
    auto t = cxlfw::emu::cxl_test_topology({.type2_window = true, .auto_region = auto_region});
    for (auto hb : t.host_bridge_elements())
        if (t.host_bridge(hb).uid == 2)
            t.add_endpoint(t.add_root_port(hb), cxlfw::emu::endpoint_spec::type1_device());
    auto accel = cxlfw::emu::endpoint_spec::type2_device(512ull << 20);
    accel.ids = {0x1e98, 0x0002};
    t.add_endpoint(t.add_root_port(t.add_host_bridge({.uid = 4})), accel);
    t.add_window({.size = 512ull << 20, .targets = {4}, .restrictions = r::type2 | r::volatile_});
    return t;
}

/// "HPA 0x2_2000_0000-0x2_2fff_ffff (256 MiB)"-style text for an HPA range.
inline std::string text(cxlfw::core::hpa_range const& r) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "HPA 0x%llx-0x%llx (%llu MiB)",
                  static_cast<unsigned long long>(r.start),
                  static_cast<unsigned long long>(r.start + r.size - 1),
                  static_cast<unsigned long long>(r.size >> 20));
    return buf;
}

} // namespace examples
