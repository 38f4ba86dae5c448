// What every example does first: an emulated platform, a host on its clock, the platform's
// devices and the stock drivers (cxl_acpi, cxl_port, cxl_mem, cxl_pci), settled.
#pragma once

#include <cxlfw/cxlfw.hpp>
#include <cxlfw/drivers/platform.hpp>
#include <cxlfw/emu/emu.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace examples {

class machine {
public:
    explicit machine(cxlfw::emu::topology const& topology) {
        cxlfw::emu::build_diagnostic why;
        auto p = cxlfw::emu::build(topology, &why);
        if (!p) die("cannot build the platform: " + why.message());
        platform_ = std::move(*p);
        glue_ = std::make_unique<cxlfw::drivers::platform_host>(*platform_);
        check(glue_->populate(), "adding the platform's devices");
        check(glue_->register_drivers(), "registering the stock drivers");
        check(host().settle(), "settling");
    }

    cxlfw::base::host& host() { return glue_->host(); }
    cxlfw::emu::platform& platform() { return *platform_; }
    cxlfw::base::device& device(std::string const& name) {
        auto* d = host().find_device(name);
        if (!d) die("no device " + name);
        return *d;
    }

    template <class D>
    void load() {
        check(cxlfw::register_driver<D>(host()), "registering " + std::string{D::name});
        check(host().settle(), "settling");
    }

    /// One line: the device's state, and for a composed driver its mode and reason.
    std::string describe(std::string const& name) {
        auto info = host().info(device(name));
        std::string s = name + ": " + std::string{cxlfw::base::to_string(info.state)};
        if (info.state == cxlfw::base::device_state::deferred && info.waiting_on)
            s += " on " + cxlfw::base::to_string(*info.waiting_on) + " (" + info.reason + ")";
        if (info.state == cxlfw::base::device_state::failed)
            s += " (" + info.error.message() + ": " + info.message + ")";
        if (auto st = cxlfw::status_of(device(name))) {
            s += ", " + std::string{cxlfw::to_string(st->mode)};
            if (!st->reason.empty()) s += " (" + st->reason + ")";
        }
        return s;
    }

    [[noreturn]] static void die(std::string const& why) {
        std::fprintf(stderr, "example: %s\n", why.c_str());
        std::exit(1);
    }
    template <class R>
    static void check(R const& r, std::string const& what) {
        if (!r) die(what + ": " + r.error().message());
    }

private:
    std::unique_ptr<cxlfw::emu::platform> platform_;
    std::unique_ptr<cxlfw::drivers::platform_host> glue_;
};

/// The demo platform: Linux cxl_test's mock topology with its Type-2 accelerator (sfc-like ids,
/// for efx_cxl) and a 512 MiB device-memory window on its host bridge (UID 2), plus what makes
/// every example driver find a device: a Type-1 cache device (1e98:0001) on a new root port
/// of that host bridge, and a second Type-2 accelerator (1e98:0002, for cxl_accel) on a host
/// bridge of its own (UID 4) with its own 512 MiB device-memory window, so that which
/// accelerator probes first changes nothing.
inline cxlfw::emu::topology demo_topology() {
    namespace r = cxlfw::spec::cfmws_restrict;
    auto t = cxlfw::emu::cxl_test_topology({.type2_window = true});
    for (auto hb : t.host_bridge_elements())
        if (t.host_bridge(hb).uid == 2)
            t.add_endpoint(t.add_root_port(hb), cxlfw::emu::endpoint_spec::type1_device());
    auto accel = cxlfw::emu::endpoint_spec::type2_device(512ull << 20);
    accel.ids = {0x1e98, 0x0002};
    t.add_endpoint(t.add_root_port(t.add_host_bridge({.uid = 4})), accel);
    t.add_window({.size = 512ull << 20, .targets = {4}, .restrictions = r::type2 | r::volatile_});
    return t;
}

/// The name of the first PCI device with these ids ("" if none).
inline std::string find_pci(cxlfw::base::host& h, std::uint16_t vendor, std::uint16_t device) {
    for (auto* d : h.devices())
        if (auto* p = dynamic_cast<cxlfw::base::pci_device*>(d);
            p && p->vendor() == vendor && p->device_id() == device)
            return p->name();
    return {};
}

/// "0x2_2000_0000+256 MiB"-style text for an HPA range.
inline std::string text(cxlfw::core::hpa_range const& r) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "HPA 0x%llx-0x%llx (%llu MiB)",
                  static_cast<unsigned long long>(r.start),
                  static_cast<unsigned long long>(r.start + r.size - 1),
                  static_cast<unsigned long long>(r.size >> 20));
    return buf;
}

} // namespace examples
