// Out-of-line definitions for <cxlfw/core/hdm.hpp>: reading, programming, committing and
// resetting HDM decoders, and enumerating a port's decoders (the port driver's probe).
#pragma once

#include <cxlfw/core/hdm.hpp>

#include <cxlfw/base/device.hpp>
#include <cxlfw/core/detail/dpa.hpp>
#include <cxlfw/core/detail/port_access.hpp>
#include <cxlfw/core/detail/region.hpp>
#include <cxlfw/core/port.hpp>
#include <cxlfw/core/region.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/core/regs.hpp>
#include <cxlfw/spec/interleave.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cxlfw::core {

CXLFW_DECL fact_result<decoder_regs> read_decoder_regs(hdm_map const& hdm, unsigned n) {
    namespace h = spec::hdm;
    auto w = hdm.regs.window();
    auto bl = w.read<h::base_low>(n);
    auto bh = w.read<h::base_high>(n);
    auto sl = w.read<h::size_low>(n);
    auto sh = w.read<h::size_high>(n);
    auto ctl = w.read<h::control>(n);
    auto tl = w.read<h::target_list_low>(n);
    auto th = w.read<h::target_list_high>(n);
    for (auto const* r : {&bl, &bh, &sl, &sh, &ctl, &tl, &th})
        if (!*r) return fact{r->error(), "reading HDM decoder " + std::to_string(n)};
    // Committed and Error Not Committed at once, reserved bits set: no decoder reads so. It is
    // a component that stopped answering (Linux PCI_POSSIBLE_ERROR), not a decoder state.
    if (*ctl == 0xFFFF'FFFFu)
        return fact{hw::errc::access_fault,
                    "HDM decoder " + std::to_string(n) + " Control reads all ones"};
    decoder_regs d;
    d.base = h::join64(*bh, *bl);
    d.size = h::join64(*sh, *sl);
    d.targets = h::join64(*th, *tl);
    d.control_raw = *ctl;
    d.control = h::decoder_control::decode(*ctl);
    return d;
}

namespace detail {

CXLFW_DECL fact hw_fact(decoder const& d, std::error_code ec, std::string_view what) {
    return fact{ec, d.name() + ": " + std::string{what}};
}

/// Linux setup_hw_decoder(): base, size, target list or DPA skip, then control with Commit.
CXLFW_DECL fact_result<void> program_decoder(hdm_map const& hdm, decoder const& d) {
    namespace h = spec::hdm;
    auto w = hdm.regs.window();
    auto const n = d.id();
    auto eiw = spec::ways_to_eiw(d.ways);
    auto eig = spec::granularity_to_eig(d.granularity);
    if (!eiw || !eig)
        return fact{errc::invalid_interleave, d.name() + ": " + std::to_string(d.ways) +
                                                  " ways at " + std::to_string(d.granularity) +
                                                  " B cannot be encoded"};
    auto base = h::encode_address(d.base);
    auto size = h::encode_address(d.size);
    if (!base || !size)
        return fact{errc::invalid_size, d.name() + ": base or size not 256 MiB aligned"};
    std::uint64_t list = 0;
    if (d.kind() == decoder_kind::endpoint) {
        list = d.dpa ? d.dpa->skip : 0;
    } else {
        std::vector<std::uint8_t> ids;
        for (auto t : d.targets)
            ids.push_back(static_cast<std::uint8_t>(t));
        auto l = h::encode_target_list(ids);
        if (!l) return fact{errc::invalid_interleave, d.name() + ": more than 8 targets"};
        list = *l;
    }
    auto ctl = w.read<h::control>(n);
    if (!ctl) return hw_fact(d, ctl.error(), "reading control");
    // Read-modify-write (as Linux cxl_decoder_commit) of a value that cannot be real would
    // commit with whatever it holds (Lock-On-Commit included).
    if (*ctl == 0xFFFF'FFFFu) return hw_fact(d, hw::errc::access_fault, "control reads all ones");
    std::uint32_t c = *ctl;
    c = h::ig::set(c, *eig);
    c = h::iw::set(c, *eiw);
    c = h::target_type::set(c, static_cast<std::uint32_t>(d.type));
    c = h::commit::set(c, 1);
    auto const lst = h::split(list);
    status writes[] = {
        w.write<h::base_high>(n, base->high),      w.write<h::base_low>(n, base->low),
        w.write<h::size_high>(n, size->high),      w.write<h::size_low>(n, size->low),
        w.write<h::target_list_high>(n, lst.high), w.write<h::target_list_low>(n, lst.low)};
    for (auto const& s : writes)
        if (!s) return hw_fact(d, s.error(), "programming");
    if (auto s = w.write<h::control>(n, c); !s) return hw_fact(d, s.error(), "writing control");
    return {};
}

/// Clear Commit and zero base and size (Linux cxl_decoder_reset's register part).
/// Linux cxl_decoder_reset()'s register part: Commit cleared, then base and size zeroed. Every
/// access is checked and the Committed bit read back: a reset that did not happen is a fact
/// (the caller keeps the decoder in use), never a decoder the core believes free.
CXLFW_DECL fact_result<void> clear_decoder_regs(hdm_map const& hdm, unsigned n,
                                                std::string const& name) {
    namespace h = spec::hdm;
    auto w = hdm.regs.window();
    auto failed = [&](std::error_code ec, char const* what) {
        return fact{errc::reset_failed, name + ": " + what + ": " + ec.message()};
    };
    auto ctl = w.read<h::control>(n);
    if (!ctl) return failed(ctl.error(), "reading Control");
    if (auto ok = w.write<h::control>(n, h::commit::set(*ctl, 0)); !ok)
        return failed(ok.error(), "clearing Commit");
    if (auto ok = w.write<h::size_high>(n, 0); !ok) return failed(ok.error(), "clearing Size High");
    if (auto ok = w.write<h::size_low>(n, 0); !ok) return failed(ok.error(), "clearing Size Low");
    if (auto ok = w.write<h::base_high>(n, 0); !ok) return failed(ok.error(), "clearing Base High");
    if (auto ok = w.write<h::base_low>(n, 0); !ok) return failed(ok.error(), "clearing Base Low");
    auto after = read_decoder_regs(hdm, n);
    if (!after)
        return fact{errc::reset_failed, name + ": reading it back: " + after.error().detail};
    if (after->control.committed)
        return fact{errc::reset_failed,
                    name + ": still Committed after Commit was cleared" +
                        std::string{after->control.lock_on_commit ? " (Lock-On-Commit)" : ""}};
    return {};
}

/// Linux cxl_port_commit_reap(): commit_end drops past every decoder no longer enabled.
CXLFW_DECL void reap_commit_end(port& p) {
    auto& end = port_access::commit_end(p);
    while (end >= 0) {
        decoder* d = p.find_decoder(static_cast<unsigned>(end));
        if (d && d->enabled) break;
        --end;
    }
}

} // namespace detail

CXLFW_DECL fact_result<void> commit_decoder(decoder& d) {
    port& p = d.owner();
    std::lock_guard lk{p.core().mutex()};
    if (d.enabled) return {};
    if (d.passthrough) {
        d.enabled = true;
        return {};
    }
    if (!p.hdm()) return fact{errc::registers_absent, p.name() + " has no HDM decoder registers"};
    // A copy: the port may lose its driver (and its register map) between two accesses of this
    // commit; what was programmed must still be cleared through it.
    std::optional<hdm_map> const hdm = p.hdm();
    if (p.commit_end() + 1 != static_cast<int>(d.id()))
        return fact{errc::decoder_busy, d.name() + ": out of order commit, expected decoder" +
                                            std::to_string(p.id()) + "." +
                                            std::to_string(p.commit_end() + 1)};
    if (auto ok = detail::program_decoder(*hdm, d); !ok) {
        (void)detail::clear_decoder_regs(*hdm, d.id(), d.name()); // best effort; not committed
        return ok.error();
    }
    port_access::commit_end(p) = static_cast<int>(d.id());
    auto& clock = p.core().clock();
    auto const fail = [&](fact f) -> fact_result<void> {
        if (auto undone = detail::clear_decoder_regs(*hdm, d.id(), d.name()); !undone) {
            // The hardware may still commit it: keep it in use, and say both.
            d.enabled = true;
            d.reset_owed = true;
            return fact{f.code, f.detail + "; " + undone.error().message()};
        }
        detail::reap_commit_end(p);
        return f;
    };
    for (vtime waited{}; waited < commit_timeout; waited += commit_poll) {
        if (!p.live() || !p.hdm())
            return fail(fact{errc::commit_failed,
                             d.name() + ": its port went away while it was committed"});
        auto r = read_decoder_regs(*hdm, d.id());
        if (!r) return fail(r.error());
        if (r->control.error_not_committed)
            return fail(fact{errc::commit_failed, d.name() + ": Error Not Committed"});
        if (r->control.committed) {
            d.enabled = true;
            d.locked = r->control.lock_on_commit;
            return {};
        }
        clock.advance(commit_poll);
    }
    return fail(fact{errc::commit_timeout,
                     d.name() + ": neither Committed nor Error Not Committed after 20 ms"});
}

CXLFW_DECL fact_result<void> reset_decoder(decoder& d) {
    port& p = d.owner();
    std::lock_guard lk{p.core().mutex()};
    // A commit still in flight (commit_end reached it, Committed not yet seen) is reset too:
    // the hardware may complete it after the core gave up on it.
    bool const in_flight = p.commit_end() >= static_cast<int>(d.id());
    if (!d.enabled && !in_flight) return {};
    // Lock-On-Commit: the component keeps the decoder read-only until it is reset itself;
    // writes would be dropped. Refused before any access, and it stays in use.
    if (d.enabled && d.locked)
        return fact{errc::decoder_locked, d.name() +
                                              ": committed with Lock-On-Commit; only a reset of " +
                                              p.uport() + " clears it"};
    if (!d.passthrough) {
        auto const& hdm = p.hdm();
        if (!hdm) {
            d.enabled = true; // as the hardware may have it
            d.reset_owed = true;
            return fact{errc::reset_failed,
                        d.name() + ": its port's HDM registers are no longer mapped"};
        }
        if (auto ok = detail::clear_decoder_regs(*hdm, d.id(), d.name()); !ok) {
            d.enabled = true; // as the hardware may have it
            d.reset_owed = true;
            return ok.error();
        }
    }
    d.enabled = false;
    d.locked = false;
    d.reset_owed = false;
    if (p.commit_end() == static_cast<int>(d.id())) detail::reap_commit_end(p);
    return {};
}

CXLFW_DECL void retry_owed_resets(port& p) {
    std::lock_guard lk{p.core().mutex()};
    // A copy: a reset makes register accesses, and a removal between two of them may end the
    // port's driver and clear its list (the decoders stay allocated while a hook runs).
    std::vector<decoder*> decs;
    for (auto const& d : p.decoders())
        decs.push_back(d.get());
    for (decoder* d : decs) {
        if (!d->reset_owed || !d->enabled || d->region) continue;
        auto ok = reset_decoder(*d);
        p.core().note(d->name() + ": the reset it was owed " +
                      (ok ? std::string{"is done"} : "failed again: " + ok.error().message()));
    }
}

// --- HDM decoder enumeration: the port driver's probe ------------------------------------------

namespace detail {

/// What names a port's registers across its unregistration: an endpoint's PCI function (its
/// memdev and port get new names when they come back), else its uport.
CXLFW_DECL std::string hardware_of(port const& p) {
    if (memdev const* md = p.endpoint_memdev(); md && md->parent()) return md->parent()->name();
    return p.uport();
}

/// A port driver's binding ends: its decoders go, and the regions they held lose them.
CXLFW_DECL void release_decoders(port& p) {
    std::lock_guard lk{p.core().mutex()};
    auto& decs = port_access::decoders(p);
    for (auto it = decs.rbegin(); it != decs.rend(); ++it) {
        decoder& d = **it;
        if (d.kind() == decoder_kind::endpoint) {
            kill_region(d);
            dpa_release(d);
        } else if (region* r = d.region) {
            // Positions below this port have no path any more.
            for (unsigned pos = 0; pos < r->targets().size(); ++pos)
                if (decoder* t = r->targets()[pos])
                    for (port* q = &t->owner(); q; q = q->parent_port())
                        if (q == &p) {
                            (void)detach_target(*r, pos);
                            break;
                        }
        }
    }
    // A reset that failed is owed to the hardware, which keeps the decoder committed: the
    // next enumeration of the same port retries it (enumerate_decoders).
    for (auto& d : decs)
        if (d->reset_owed && d->enabled)
            port_access::owed_resets(p.core()).insert({hardware_of(p), d->id()});
    // A running hook (a region being committed when the port's driver went) may hold them:
    // retired, destroyed when no hook runs.
    for (auto& d : decs)
        p.core().host().retire(std::shared_ptr<decoder const>{std::move(d)});
    decs.clear();
    port_access::hdm(p).reset();
    port_access::commit_end(p) = -1;
    port_access::hdm_end(p) = -1;
}

} // namespace detail

CXLFW_DECL fact_result<void> enumerate_decoders(port& p) {
    namespace h = spec::hdm;
    std::lock_guard lk{p.core().mutex()};
    if (p.kind() == port_kind::root)
        return fact{errc::invalid_target, "root0's decoders come from the CEDT"};
    auto& decs = port_access::decoders(p);
    decs.clear();
    port_access::commit_end(p) = -1;
    port_access::hdm_end(p) = -1;
    std::optional<hdm_map> hdm;
    if (auto const& comp = p.component()) {
        auto map = probe_component_regs(*comp);
        if (!map) return map.error();
        if (map->hdm) {
            auto raw = map->hdm->window().read<h::capability>();
            if (!raw) return fact{raw.error(), p.name() + ": reading the HDM capability"};
            auto cap = h::decoder_capability::decode(*raw);
            if (!cap)
                return fact{errc::hdm_invalid, p.name() + ": HDM capability " + detail::hex(*raw)};
            hdm = hdm_map{*map->hdm, *cap};
        }
    }
    port_access::hdm(p) = hdm;
    std::string const pid = std::to_string(p.id());
    bool const endpoint = p.kind() == port_kind::endpoint;
    if (!hdm) {
        if (endpoint || p.dports().size() > 1)
            return fact{errc::registers_absent,
                        p.name() + " has no HDM decoder capability" +
                            (endpoint ? " (DVSEC range emulation is not modelled)" : "")};
        // One dport: a passthrough decoder (Linux devm_cxl_add_passthrough_decoder).
        auto d =
            std::make_unique<decoder>(decoder_kind::switch_decoder, p, 0, "decoder" + pid + ".0");
        d->passthrough = true;
        d->max_targets = 1;
        decs.push_back(std::move(d));
        return {};
    }
    // Linux devm_cxl_enable_hdm(): HDM Decoder Enable set. A failed access here is a fact:
    // a port "bound" with decoding off would commit regions nothing decodes.
    auto w = hdm->regs.window();
    auto g = w.read<h::global_control>();
    if (!g) return fact{g.error(), p.name() + ": reading HDM Decoder Global Control"};
    if (auto ok = w.write<h::global_control>(h::hdm_decoder_enable::set(*g, 1)); !ok)
        return fact{ok.error(), p.name() + ": setting HDM Decoder Enable"};
    memdev* md = endpoint ? p.endpoint_memdev() : nullptr;
    if (endpoint && !md) return fact{errc::endpoint_absent, p.name() + " has no memdev"};
    std::uint64_t dpa_base = 0;
    for (unsigned n = 0; n < hdm->cap.decoder_count; ++n) {
        auto regs = read_decoder_regs(*hdm, n);
        if (!regs) return regs.error();
        auto d = std::make_unique<decoder>(endpoint ? decoder_kind::endpoint
                                                    : decoder_kind::switch_decoder,
                                           p, n, "decoder" + pid + "." + std::to_string(n));
        decoder& dec = *d;
        decs.push_back(std::move(d));
        dec.max_targets = endpoint ? 0 : hdm->cap.target_count;
        auto const& c = regs->control;
        // Committed by this core, whose reset failed when the port last went: not firmware
        // state to take over but the core's own leftover, reset now that it answers again.
        auto& owed = port_access::owed_resets(p.core());
        bool retried = false;
        std::pair<std::string, unsigned> const key{detail::hardware_of(p), n};
        if (c.committed && !c.lock_on_commit && owed.count(key)) {
            auto ok = detail::clear_decoder_regs(*hdm, n, dec.name());
            if (ok) owed.erase(key);
            p.core().note(dec.name() + ": the reset owed since its port last went " +
                          (ok ? std::string{"is done"} : "failed again: " + ok.error().message()));
            retried = ok.has_value();
            if (!ok) dec.reset_owed = true;
        }
        if (!c.committed || retried) {
            dec.type = endpoint && md->desc().type == memdev_type::type2
                           ? target_type::device_coherent
                           : target_type::host_only_coherent;
            continue;
        }
        std::string const at = dec.name() + ": ";
        if (static_cast<int>(n) != p.commit_end() + 1)
            return fact{errc::hdm_invalid, at + "committed out of order"};
        std::uint64_t const base = h::address(static_cast<std::uint32_t>(regs->base >> 32),
                                              static_cast<std::uint32_t>(regs->base));
        std::uint64_t const size = h::address(static_cast<std::uint32_t>(regs->size >> 32),
                                              static_cast<std::uint32_t>(regs->size));
        if (size == 0) return fact{errc::hdm_invalid, at + "committed with zero size"};
        auto ways = spec::eiw_to_ways(c.iw);
        auto gran = spec::eig_to_granularity(c.ig);
        if (!ways || !gran) return fact{errc::hdm_invalid, at + "invalid IW or IG"};
        dec.base = base;
        dec.size = size;
        dec.ways = *ways;
        dec.granularity = *gran;
        dec.type = c.target_type;
        dec.enabled = true;
        dec.locked = c.lock_on_commit;
        dec.auto_committed = true;
        port_access::commit_end(p) = static_cast<int>(n);
        if (!endpoint) {
            for (unsigned i = 0; i < dec.ways && i < h::max_targets; ++i)
                dec.targets.push_back(
                    static_cast<std::uint32_t>((regs->targets >> (8 * i)) & 0xFF));
            continue;
        }
        if (size % dec.ways)
            return fact{errc::hdm_invalid, at + "size " + detail::hex(size) +
                                               " does not divide by " + std::to_string(dec.ways)};
        std::uint64_t const skip = regs->targets & ~std::uint64_t{0xFFF'FFFF};
        std::uint64_t const dpa_size = size / dec.ways;
        if (auto ok = detail::dpa_reserve(dec, dpa_base + skip, dpa_size, skip); !ok)
            return ok.error();
        dpa_base += skip + dpa_size;
    }
    return {};
}

CXLFW_DECL fact_result<void> probe_port(port& p) {
    std::lock_guard lk{p.core().mutex()};
    base::devm_add_action(p, "cxl_port:decoders", [&p] { detail::release_decoders(p); });
    // Released first: the ports below go before this port's decoders do.
    base::devm_add_action(p, "cxl_port:children", [&p] { unregister_children(p); });
    auto ok = enumerate_decoders(p);
    p.set_last_fact(ok ? std::nullopt : std::optional<fact>{ok.error()});
    // Linux cxl_endpoint_port_probe() -> discover_region(): each decoder firmware committed
    // joins its region (assembled once every position is there). What does not assemble is
    // a core message and stays as firmware left it; the port binds all the same.
    if (ok && p.kind() == port_kind::endpoint) {
        std::vector<decoder*> found;
        for (auto const& d : p.decoders())
            if (d->auto_committed && d->enabled) found.push_back(d.get());
        for (decoder* d : found)
            (void)detail::add_to_region(*d);
    }
    return ok;
}

} // namespace cxlfw::core
