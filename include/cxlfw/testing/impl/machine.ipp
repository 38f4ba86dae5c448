// Out-of-line definitions for <cxlfw/testing/machine.hpp>: booting a machine and describing
// its devices.
#pragma once

#include <cxlfw/testing/machine.hpp>

#include <cxlfw/base/pci.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/emu/build.hpp>
#include <cxlfw/emu/platform.hpp>
#include <cxlfw/emu/topology.hpp>
#include <cxlfw/policy/status.hpp>
#include <cxlfw/testing/platform.hpp>

#include <utility>

namespace cxlfw::testing {

CXLFW_DECL machine::machine(std::unique_ptr<emu::platform> p, base::host_options opts)
    : platform_{std::move(p)}, glue_{std::make_unique<platform_host>(*platform_, std::move(opts))} {
}

CXLFW_DECL machine::~machine() {
    glue_.reset(); // the host runs on the platform's clock and buses: it goes first
}

CXLFW_DECL base::host& machine::host() noexcept {
    return glue_->host();
}
CXLFW_DECL core::cxl_core& machine::cxl() noexcept {
    return glue_->cxl();
}
CXLFW_DECL emu::platform& machine::platform() noexcept {
    return *platform_;
}
CXLFW_DECL platform_host& machine::glue() noexcept {
    return *glue_;
}

CXLFW_DECL result<std::unique_ptr<machine>>
machine::boot(emu::topology const& t, machine_options const& o, std::string* why) {
    auto fail = [why](std::string step, std::string detail, std::error_code ec) {
        if (why) *why = std::move(step) + ": " + std::move(detail);
        return ec;
    };
    emu::build_diagnostic diag;
    auto built = emu::build(t, &diag);
    if (!built) return fail("building the platform", diag.message(), built.error());
    std::unique_ptr<machine> m{new machine{std::move(*built), o.host}};
    auto& ph = *m->glue_;
    auto const load = [&]() -> status {
        if (auto ok = ph.register_drivers(o.stock); !ok)
            return fail("registering the stock drivers", ok.error().message(), ok.error());
        return {};
    };
    if (o.drivers_first) {
        if (auto ok = load(); !ok) return ok.error();
        if (o.settle)
            if (auto ok = ph.host().settle(); !ok)
                return fail("settling", ok.error().message(), ok.error());
    }
    if (o.populate)
        if (auto ok = ph.populate(o.seed); !ok)
            return fail("adding the platform's devices", ok.error().message(), ok.error());
    if (!o.drivers_first)
        if (auto ok = load(); !ok) return ok.error();
    if (o.settle)
        if (auto ok = ph.host().settle(); !ok)
            return fail("settling", ok.error().message(), ok.error());
    return m;
}

CXLFW_DECL base::device* machine::find(std::string_view name) const {
    return glue_->host().find_device(name);
}

CXLFW_DECL base::device* machine::find_pci(std::uint16_t vendor, std::uint16_t device) const {
    for (auto* d : glue_->host().devices())
        if (auto* p = dynamic_cast<base::pci_device*>(d);
            p && p->vendor() == vendor && p->device_id() == device)
            return p;
    return nullptr;
}

CXLFW_DECL core::memdev* machine::memdev_of(std::string_view device) const {
    for (auto* m : glue_->cxl().memdevs())
        if (m->parent() && m->parent()->name() == device) return m;
    return nullptr;
}

CXLFW_DECL std::string machine::describe(std::string_view device) const {
    auto* d = find(device);
    if (!d) return std::string{device} + ": no such device";
    auto info = glue_->host().info(*d);
    std::string s = std::string{device} + ": " + std::string{base::to_string(info.state)};
    if (info.state == base::device_state::deferred && info.waiting_on)
        s += " on " + base::to_string(*info.waiting_on) + " (" + info.reason + ")";
    if (info.state == base::device_state::failed) {
        // A message made from a core fact already starts with the code's text: say it once.
        std::string const code = info.error.message();
        bool const said = info.message.rfind(code, 0) == 0;
        s += " (";
        if (!said) s += code + ": ";
        s += info.message;
        s += ')';
    }
    if (auto st = status_of(*d)) {
        s += ", " + std::string{to_string(st->mode)};
        if (!st->reason.empty()) s += " (" + st->reason + ")";
    }
    return s;
}

} // namespace cxlfw::testing
