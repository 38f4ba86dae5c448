// Out-of-line definitions for <cxlfw/drivers/cxl_acpi.hpp>: the ACPI root driver's probe.
#pragma once

#include <cxlfw/drivers/cxl_acpi.hpp>

#include <cxlfw/base/host.hpp>
#include <cxlfw/core/bus.hpp>
#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/port.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/core/regs.hpp>
#include <cxlfw/spec/cedt.hpp>

#include <algorithm>
#include <optional>
#include <string>

namespace cxlfw::drivers {

namespace detail {

/// The block a CHBS names, read before the host bridge becomes a dport. What its version says
/// (an RCH's RCRB: Linux __devm_cxl_add_dport -> __rcrb_to_component; a VH host bridge's
/// CHBCR: a component register block, Linux cxl_probe_component_regs): nothing. Something else
/// (a CHBS flipped between RCH and VH): registers_absent. Nothing answering (a failed read, all
/// ones, an address no block decodes): that read's fact. The detail says what the CHBS claims.
CXLFW_DECL core::fact_result<void> check_chbs(acpi_host_bridge const& hb, spec::chbs const& c) {
    auto const claim = [&c](core::fact f) {
        bool const silent = f.code != errc::registers_absent;
        f.detail = "its CHBS (CEDT subtable " + std::to_string(c.index) + ") says " +
                   (c.is_rcrb() ? "CXL 1.1, an RCH's RCRB at " : "CXL 2.0+, a CHBCR at ") +
                   core::detail::hex(c.base) + ", but " +
                   (silent ? "nothing answers there: " : "") + f.detail;
        return f;
    };
    if (c.is_rcrb()) {
        auto comp = core::rcrb_component(hb.system_bus(), c.base, core::rcrb_port::downstream);
        if (!comp) return claim(comp.error());
        return {};
    }
    auto ok = core::check_component_block({hb.system_bus(), c.base, c.length});
    if (!ok) return claim(ok.error());
    return {};
}

} // namespace detail

CXLFW_DECL base::probe_outcome cxl_acpi::probe(base::device& dev) {
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
        std::string const who = hb->name() + " (UID " + std::to_string(hb->uid()) + ")";
        auto const* chbs = table->find_chbs(hb->uid());
        if (!chbs) {
            // Linux add_host_bridge_dport: "No CHBS found" / "CHBS invalid for Host Bridge".
            auto const skipped = std::find_if(table->diagnostics.begin(), table->diagnostics.end(),
                                              [&](spec::cedt_diag const& d) {
                                                  return d.type == spec::cedt_type::chbs &&
                                                         d.uid == hb->uid() &&
                                                         d.severity == spec::cedt_severity::skipped;
                                              });
            cxl.note("cxl_acpi: " + who +
                     (skipped == table->diagnostics.end()
                          ? " has no CHBS"
                          : "'s CHBS (CEDT subtable " + std::to_string(skipped->index) +
                                ") was skipped") +
                     ": not a CXL host bridge");
            continue;
        }
        if (auto ok = detail::check_chbs(*hb, *chbs); !ok) {
            // Nothing answering may be a fault that passes: fail, so that a rebind tries
            // again (Linux: -ENXIO from add_host_bridge_dport fails cxl_acpi_probe). A block
            // of the wrong kind is the table's mistake: only this host bridge is lost.
            if (ok.error().code != errc::registers_absent)
                return base::failed(ok.error().code, who + ": " + ok.error().detail);
            cxl.note("cxl_acpi: " + who + ": " + ok.error().detail + ": host bridge skipped");
            continue;
        }
        auto dp =
            core::add_dport(**root, *hb, hb->uid(), {.rch = chbs->is_rcrb(), .rcrb = chbs->base});
        if (!dp) {
            cxl.note("cxl_acpi: " + hb->name() + ": " + dp.error().message());
            continue;
        }
        if (!chbs->is_rcrb()) bridges.push_back({hb, *dp, *chbs});
    }
    for (auto const& w : table->cfmws_list) {
        auto d =
            core::add_root_decoder(**root, core::root_decoder_desc::from(w, table->xormaps_for(w)));
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

} // namespace cxlfw::drivers
