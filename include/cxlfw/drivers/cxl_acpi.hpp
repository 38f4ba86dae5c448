// The ACPI root driver (Linux drivers/cxl/acpi.c, cxl_acpi) and the ACPI objects it reads:
// the CXL root object ACPI0017 (with the platform's CEDT) and the ACPI0016 host bridges.
//
// Probe (Linux cxl_acpi_probe), for the ACPI0017 device:
//   1. parse the CEDT bytes (spec::parse_cedt); a bad header fails the probe; every skipped
//      subtable (a bad or overlapping window, a bad CHBS) is noted: core::cxl_core::messages();
//   2. root0 (core::add_root), owned by this binding;
//   3. a dport per ACPI0016 host bridge that has a CHBS with its _UID (port id = _UID;
//      CHBS version 0 = an RCH, dport marked rch);
//   4. a root decoder per accepted CFMWS (decoder0.N in table order); a window naming a host
//      bridge that is not a dport is skipped and noted; the driver still binds;
//   5. a port per VH host bridge (uport the host bridge, component registers the CHBCR on
//      the system bus), bound at once if cxl_port is there;
//   6. signal "cxl_root:root0" (core::root_ready_event) and rescan the cxl bus, so memdevs
//      that came first attach now.
#pragma once

#include <cxlfw/base/host.hpp>
#include <cxlfw/base/platform.hpp>
#include <cxlfw/core/bus.hpp>
#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/objects.hpp>
#include <cxlfw/core/port.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/hw/bus.hpp>
#include <cxlfw/spec/cedt.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace cxlfw::drivers {

/// The CXL root object (_HID ACPI0017). Firmware gives it the CEDT's bytes and the system
/// address space its tables point into (CHBCRs, RCRBs).
class acpi_cxl_root final : public base::platform_device {
public:
    acpi_cxl_root(std::string name, std::vector<std::byte> cedt, hw::bus_ref system_bus)
        : platform_device{std::move(name), "ACPI0017"}, cedt_{std::move(cedt)}, system_{
                                                                                    system_bus} {}

    std::span<const std::byte> cedt() const noexcept { return cedt_; }
    hw::bus_ref system_bus() const noexcept { return system_; }

private:
    std::vector<std::byte> cedt_;
    hw::bus_ref system_;
};

/// A CXL host bridge (_HID ACPI0016), named after its root bus ("pci0000:0c"). Root ports
/// and RCDs are its children. `rcrb` is where an RCH's RCRB lies (its CHBS base), which the
/// PCI driver of an RCD reads its component registers through.
class acpi_host_bridge final : public base::platform_device {
public:
    acpi_host_bridge(std::string name, std::uint32_t uid, hw::bus_ref system_bus,
                     std::optional<std::uint64_t> rcrb = std::nullopt)
        : platform_device{std::move(name), "ACPI0016"}, uid_{uid}, system_{system_bus}, rcrb_{
                                                                                            rcrb} {}

    std::uint32_t uid() const noexcept { return uid_; }
    hw::bus_ref system_bus() const noexcept { return system_; }
    std::optional<std::uint64_t> rcrb() const noexcept { return rcrb_; }

private:
    std::uint32_t uid_;
    hw::bus_ref system_;
    std::optional<std::uint64_t> rcrb_;
};

class cxl_acpi final : public base::platform_driver {
public:
    cxl_acpi() : platform_driver{"cxl_acpi", {"ACPI0017"}} {}

    base::probe_outcome probe(base::device& dev) override {
        auto* acpi = dynamic_cast<acpi_cxl_root*>(&dev);
        if (!acpi) return base::failed(base::errc::wrong_device_type, dev.name());
        base::host& h = *dev.host();
        core::cxl_core& cxl = core::attach(h);
        spec::cedt_diag fatal;
        auto table = spec::parse_cedt(acpi->cedt(), &fatal);
        if (!table) return base::failed(table.error(), "CEDT: " + fatal.message());
        for (auto const& d : table->diagnostics)
            if (d.severity != spec::cedt_severity::note) cxl.note("cxl_acpi: " + d.message());

        auto root = core::add_root(cxl, dev);
        if (!root) return base::failed(root.error().code, root.error().message());
        base::devm_add_action(dev, "cxl_acpi:root0", [&cxl] { core::remove_root(cxl); });

        // Host bridges by _UID (the host's device order depends on arrival).
        std::vector<acpi_host_bridge*> hbs;
        for (base::device* d : h.devices())
            if (auto* hb = dynamic_cast<acpi_host_bridge*>(d)) hbs.push_back(hb);
        std::sort(hbs.begin(), hbs.end(), [](auto* a, auto* b) { return a->uid() < b->uid(); });
        struct vh {
            acpi_host_bridge* hb;
            core::dport* dp;
            spec::chbs chbs;
        };
        std::vector<vh> bridges;
        for (auto* hb : hbs) {
            auto const* chbs = table->find_chbs(hb->uid());
            if (!chbs) {
                cxl.note("cxl_acpi: " + hb->name() + " (UID " + std::to_string(hb->uid()) +
                         ") has no CHBS: not a CXL host bridge");
                continue;
            }
            auto dp = core::add_dport(**root, *hb, hb->uid(),
                                      {.rch = chbs->is_rcrb(), .rcrb = chbs->base});
            if (!dp) {
                cxl.note("cxl_acpi: " + hb->name() + ": " + dp.error().message());
                continue;
            }
            if (!chbs->is_rcrb()) bridges.push_back({hb, *dp, *chbs});
        }
        for (auto const& w : table->cfmws_list) {
            auto d = core::add_root_decoder(
                **root, core::root_decoder_desc::from(w, table->xormaps_for(w)));
            if (!d)
                cxl.note("cxl_acpi: CEDT subtable " + std::to_string(w.index) +
                         " (CFMWS) skipped: " + d.error().message());
        }
        for (auto const& b : bridges) {
            core::reg_block chbcr{b.hb->system_bus(), b.chbs.base, b.chbs.length};
            if (auto p = core::add_port(**root, *b.hb, *b.dp, chbcr); !p)
                cxl.note("cxl_acpi: " + b.hb->name() + ": " + p.error().message());
        }
        (void)h.signal(core::root_ready_event);
        (void)h.rescan(core::cxl_bus_name);
        return base::bound();
    }
};

} // namespace cxlfw::drivers
