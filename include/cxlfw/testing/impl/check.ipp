// Out-of-line definitions for <cxlfw/testing/check.hpp>: the invariant checker.
#pragma once

#include <cxlfw/testing/check.hpp>

#include <cxlfw/base/host.hpp>
#include <cxlfw/core/objects.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/emu/platform.hpp>
#include <cxlfw/policy/status.hpp>
#include <cxlfw/testing/machine.hpp>

#include <sstream>

namespace cxlfw::testing {

namespace detail {

/// The emulator node whose HDM decoders a port's decoders are: the host bridge, the switch's
/// upstream port, or (endpoint) the memdev's PCI function.
inline emu::node* hdm_node(machine& m, core::port const& p) {
    std::string name = p.uport();
    if (p.kind() == core::port_kind::endpoint) {
        core::memdev* md = p.endpoint_memdev();
        if (!md || !md->parent()) return nullptr;
        name = md->parent()->name();
    }
    return m.platform().find(name);
}

inline std::string hex(std::uint64_t v) {
    std::ostringstream os;
    os << "0x" << std::hex << v;
    return os.str();
}

inline void check_decoders(machine& m, core::port const& p, std::vector<std::string>& out) {
    if (p.kind() == core::port_kind::root || !p.hdm()) return;
    emu::node* n = hdm_node(m, p);
    if (!n || !m.platform().reachable(n->id())) return; // nothing to compare with
    for (auto const& d : p.decoders()) {
        if (d->passthrough) continue;
        auto hw = m.platform().decoder(n->id(), d->id());
        bool const committed = hw.phase == emu::decoder_phase::committed;
        // A reset that could not be done: the core cannot know whether the hardware holds
        // it, so it keeps it in use (never hands it out) until a retry succeeds. Only a free
        // decoder that the hardware still decodes with would be a lie.
        if (d->reset_owed) {
            if (!d->enabled)
                out.push_back(d->name() + ": a reset is owed, yet the core has it free");
            continue;
        }
        if (committed != d->enabled) {
            out.push_back(d->name() + ": the core has it " + (d->enabled ? "enabled" : "free") +
                          ", the hardware " + (committed ? "committed" : "not committed"));
            continue;
        }
        if (!committed) continue;
        // The registers keep the low bits of the Base/Size Low registers as written.
        constexpr std::uint64_t mask = ~std::uint64_t{0x0FFFFFFF};
        if ((hw.base & mask) != d->base || (hw.size & mask) != d->size)
            out.push_back(d->name() + ": the core decodes " + hex(d->base) + "+" + hex(d->size) +
                          ", the hardware " + hex(hw.base & mask) + "+" + hex(hw.size & mask));
    }
}

} // namespace detail

CXLFW_DECL std::vector<std::string> invariant_violations(machine& m) {
    std::vector<std::string> out;
    core::cxl_core& cxl = m.cxl();
    base::host& h = m.host();
    std::lock_guard lk{cxl.mutex()};
    for (core::memdev* md : cxl.memdevs()) {
        bool const live_ep = md->endpoint() && md->endpoint()->live();
        if (md->is_bound() && !live_ep)
            out.push_back(md->name() + ": bound to " + std::string{core::mem_driver_name} +
                          " without an endpoint");
    }
    for (base::device* d : h.devices()) {
        auto info = h.info(*d);
        if (info.state != base::device_state::bound && info.state != base::device_state::probing &&
            info.state != base::device_state::unbinding && info.resources != 0)
            out.push_back(d->name() + ": " + std::string{base::to_string(info.state)} +
                          " but holds " + std::to_string(info.resources) + " resources");
        auto st = status_of(*d);
        if (!st || st->mode != cxl_mode::cxl) continue;
        core::memdev* md = st->memdev.empty() ? nullptr : cxl.find_memdev(st->memdev);
        if (!md)
            out.push_back(d->name() + ": in CXL mode without a memdev");
        else if (!md->endpoint() || !md->endpoint()->live())
            out.push_back(d->name() + ": in CXL mode, but " + md->name() + " has no endpoint");
    }
    for (core::port* p : cxl.ports())
        detail::check_decoders(m, *p, out);
    for (core::region* r : cxl.regions()) {
        if (r->state() != core::region_state::committed) continue;
        for (core::decoder* t : r->targets()) {
            if (!t)
                out.push_back(r->name() + ": committed with an empty position");
            else if (t->region != r || !t->enabled)
                out.push_back(r->name() + ": target " + t->name() +
                              (t->region != r ? " does not name it" : " is not enabled"));
        }
    }
    return out;
}

CXLFW_DECL std::string join(std::vector<std::string> const& lines) {
    std::string s;
    for (auto const& l : lines)
        s += l + "\n";
    return s;
}

} // namespace cxlfw::testing
