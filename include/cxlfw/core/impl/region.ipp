// Out-of-line definitions for <cxlfw/core/region.hpp>: creation and interleave, targets, commit
// and reset, translation, and the Type-2 helper (shared steps: core/detail/region.hpp).
#pragma once

#include <cxlfw/core/region.hpp>

#include <cxlfw/base/device.hpp>
#include <cxlfw/core/detail/port_access.hpp>
#include <cxlfw/core/detail/region.hpp>
#include <cxlfw/core/dpa.hpp>
#include <cxlfw/core/hdm.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/spec/cedt.hpp>
#include <cxlfw/spec/interleave.hpp>
#include <cxlfw/units.hpp>

#include <algorithm>
#include <bit>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

namespace cxlfw::core {

// --- creation and the interleave parameters ------------------------------------------------------

namespace detail {
/// create_region, naming the region after the reservation made for `key` (a device).
CXLFW_DECL fact_result<region*> create_region_for(decoder& root, partition_mode mode,
                                                  target_type type, std::string const& key) {
    cxl_core& core = root.owner().core();
    std::lock_guard lk{core.mutex()};
    if (root.kind() != decoder_kind::root)
        return fact{errc::invalid_target, root.name() + " is not a root decoder"};
    namespace w = spec::cfmws_restrict;
    std::uint16_t need = type == target_type::host_only_coherent ? w::type3 : w::type2;
    if (mode == partition_mode::ram)
        need |= w::volatile_;
    else if (mode == partition_mode::pmem)
        need |= w::pmem;
    else
        return fact{errc::mode_mismatch, "a region is RAM or PMEM"};
    if (!root.allows(need))
        return fact{errc::window_restricted, root.name() + " does not allow " +
                                                 std::string{to_string(type)} + " " +
                                                 std::string{to_string(mode)} + " (restrictions " +
                                                 detail::hex(root.restrictions) + ")"};
    unsigned const id = port_access::alloc_region_id(core, key);
    auto r = std::make_unique<region>(id, root, mode, type);
    region* raw = r.get();
    port_access::regions(core).emplace(id, std::move(r));
    return raw;
}
} // namespace detail

CXLFW_DECL fact_result<region*> create_region(decoder& root, partition_mode mode,
                                              target_type type) {
    return detail::create_region_for(root, mode, type, {});
}

CXLFW_DECL fact_result<void> set_granularity(region& r, unsigned granularity) {
    std::lock_guard lk{r.root().owner().core().mutex()};
    if (!spec::valid_granularity(granularity))
        return fact{errc::invalid_interleave,
                    detail::str(granularity) + " B is not a granularity (256 B << 0..6)"};
    decoder const& root = r.root();
    if (root.ways > 1 && granularity != root.granularity)
        return fact{errc::invalid_interleave, r.name() + ": " + root.name() + " interleaves " +
                                                  detail::str(root.ways) + " ways at " +
                                                  detail::str(root.granularity) +
                                                  " B; the region's granularity must be the same"};
    if (r.state() >= region_state::sized)
        return fact{errc::region_busy, r.name() + " already has its HPA"};
    port_access::granularity(r) = granularity;
    return {};
}

CXLFW_DECL fact_result<void> set_ways(region& r, unsigned ways) {
    std::lock_guard lk{r.root().owner().core().mutex()};
    if (!spec::valid_ways(ways))
        return fact{errc::invalid_interleave,
                    detail::str(ways) + " is not an interleave (1, 2, 4, 8, 16, 3, 6, 12)"};
    unsigned const rw = r.root().ways;
    if (ways % rw != 0 || !std::has_single_bit(ways / rw))
        return fact{errc::invalid_interleave, r.name() + ": " + detail::str(ways) +
                                                  " ways is not a power-of-two multiple of " +
                                                  r.root().name() + "'s " + detail::str(rw)};
    if (r.state() >= region_state::sized)
        return fact{errc::region_busy, r.name() + " already has its HPA"};
    port_access::ways(r) = ways;
    port_access::targets(r).assign(ways, nullptr);
    return {};
}

CXLFW_DECL fact_result<void> set_size(region& r, std::uint64_t size) {
    cxl_core& core = r.root().owner().core();
    std::lock_guard lk{core.mutex()};
    if (size == 0) {
        if (r.state() >= region_state::active || port_access::nr_targets(r) > 0)
            return fact{errc::region_busy, r.name() + " has targets"};
        port_access::base(r) = port_access::size(r) = 0;
        port_access::state(r) = region_state::idle;
        return {};
    }
    if (r.size() == size) return {};
    if (r.size() || r.state() >= region_state::sized)
        return fact{errc::region_busy, r.name() + ": free the HPA (size 0) before resizing"};
    if (!r.ways() || !r.granularity())
        return fact{errc::region_not_ready,
                    r.name() + ": set granularity and ways before the size"};
    std::uint64_t const unit = hdm_alignment * r.ways();
    if (size % unit != 0)
        return fact{errc::invalid_size, r.name() + ": " + detail::hex(size) +
                                            " is not a multiple of 256 MiB x " +
                                            detail::str(r.ways()) + " ways"};
    auto at = detail::find_free_hpa(core, r.root(), size, unit);
    if (!at)
        return fact{errc::no_capacity,
                    r.root().name() + " has no free " + detail::hex(size) + " (largest free " +
                        detail::hex(detail::largest_free_hpa(core, r.root())) + ")"};
    port_access::base(r) = *at;
    port_access::size(r) = size;
    port_access::state(r) = region_state::sized;
    return {};
}

// --- targets -----------------------------------------------------------------------------------

namespace detail {

/// Linux cxl_region_attach(), for a target software programs (`firmware` false: the decoders
/// on the path are free ones, committed later) or one firmware committed (true: the endpoint
/// decoder is committed already, and each port's decoder is the committed one that maps the
/// region's range, Linux match_switch_decoder_by_range()).
CXLFW_DECL fact_result<void> attach(region& r, decoder& ep, unsigned pos, bool firmware) {
    cxl_core& core = r.root().owner().core();
    std::lock_guard lk{core.mutex()};
    if (ep.kind() != decoder_kind::endpoint)
        return fact{errc::invalid_target, ep.name() + " is not an endpoint decoder"};
    if (ep.mode != r.mode())
        return fact{errc::mode_mismatch, ep.name() + " is " + std::string{to_string(ep.mode)} +
                                             ", " + r.name() + " is " +
                                             std::string{to_string(r.mode())}};
    if (r.state() > region_state::sized)
        return fact{errc::region_busy, r.name() + " already has all its targets"};
    if (r.state() < region_state::sized)
        return fact{errc::region_not_ready, r.name() + ": set the size before the targets"};
    if (pos >= r.ways())
        return fact{errc::invalid_position,
                    "position " + str(pos) + " out of range for " + str(r.ways()) + " ways"};
    if (r.targets()[pos] == &ep) return {};
    if (r.targets()[pos])
        return fact{errc::invalid_position,
                    "position " + str(pos) + " already holds " + r.targets()[pos]->name()};
    memdev* md = ep.owner().endpoint_memdev();
    for (auto* t : r.targets())
        if (t && t->owner().endpoint_memdev() == md)
            return fact{errc::invalid_position, (md ? md->name() : ep.owner().name()) +
                                                    " is already in " + r.name() + " through " +
                                                    t->name()};
    dport* hb = detail::root_dport_of(ep.owner());
    decoder& root = r.root();
    if (!hb || hb->owner != &root.owner() ||
        std::find(root.targets.begin(), root.targets.end(), hb->port_id) == root.targets.end())
        return fact{errc::invalid_target,
                    ep.name() + " is not below a host bridge of " + root.name()};
    unsigned const t = detail::root_target_index(r, pos);
    if (t >= root.targets.size() || root.targets[t] != hb->port_id)
        return fact{errc::invalid_position, ep.name() + ": " + root.name() + " routes position " +
                                                str(pos) + " to host bridge " +
                                                str(t < root.targets.size() ? root.targets[t] : 0) +
                                                ", not " + hb->dev};
    if (ep.type != r.type())
        return fact{errc::mode_mismatch, ep.name() + " is " + std::string{to_string(ep.type)} +
                                             ", " + r.name() + " is " +
                                             std::string{to_string(r.type())}};
    if (!ep.dpa) return fact{errc::dpa_unallocated, ep.name() + " has no DPA allocation"};
    if (ep.region) return fact{errc::decoder_busy, ep.name() + " is in " + ep.region->name()};
    if (ep.enabled != firmware)
        return fact{errc::decoder_busy,
                    ep.name() + (firmware ? " is not committed" : " is committed")};
    if (ep.dpa->size * r.ways() != r.size())
        return fact{errc::invalid_size, ep.name() + ": DPA " + detail::hex(ep.dpa->size) + " x " +
                                            str(r.ways()) + " ways != region size " +
                                            detail::hex(r.size())};
    if (auto const& hdm = ep.owner().hdm();
        hdm && !spec::hdm::supports_interleave(hdm->cap, r.ways(), r.granularity()))
        return fact{errc::invalid_interleave, ep.name() + " cannot decode " + str(r.ways()) +
                                                  " ways at " + str(r.granularity()) + " B"};

    // Linux cxl_port_attach_region() on every port of the path.
    auto path = detail::path_of(ep.owner());
    std::vector<port*> added;
    auto undo = [&] {
        for (port* p : added) {
            auto& rd = port_access::region_decoders(*p);
            if (auto it = rd.find(&r); it != rd.end()) {
                if (it->second->region == &r) it->second->region = nullptr;
                rd.erase(it);
            }
        }
    };
    for (port* p : path) {
        auto& rd = port_access::region_decoders(*p);
        if (rd.contains(&r)) continue;
        for (auto const& [other, d] : rd)
            if (other->base() > r.base()) {
                undo();
                return fact{errc::hpa_order, p->name() + ": " + other->name() + " at " +
                                                 detail::hex(other->base()) + " is above " +
                                                 r.name() + " at " + detail::hex(r.base())};
            }
        decoder* d = nullptr;
        if (p == &ep.owner()) {
            d = &ep;
        } else if (firmware) {
            d = committed_decoder(*p, r);
        } else {
            retry_owed_resets(*p); // a decoder whose reset failed earlier may be free again
            for (auto const& c : p->decoders())
                if (!c->region && !c->enabled) {
                    d = c.get();
                    break;
                }
        }
        if (!d) {
            undo();
            if (firmware)
                return fact{errc::hdm_invalid, p->name() + ": no committed decoder maps " +
                                                   r.name() + "'s " +
                                                   range_text(r.base(), r.size())};
            return fact{errc::decoder_busy, p->name() + ": no decoder available"};
        }
        rd.emplace(&r, d);
        d->region = &r;
        added.push_back(p);
    }
    port_access::targets(r)[pos] = &ep;
    ++port_access::nr_targets(r);
    ep.pos = static_cast<int>(pos);
    if (r.state() == region_state::sized && port_access::nr_targets(r) == r.ways()) {
        if (auto ok = detail::setup_targets(r); !ok) {
            detail::teardown_targets(r);
            port_access::targets(r)[pos] = nullptr;
            --port_access::nr_targets(r);
            ep.pos = -1;
            for (port* p : path)
                detail::release_port_decoder(r, *p);
            if (ep.region == &r) ep.region = nullptr;
            return ok.error();
        }
        port_access::state(r) = region_state::active;
    }
    ep.ways = r.ways();
    ep.granularity = r.granularity();
    ep.base = r.base();
    ep.size = r.size();
    return {};
}

} // namespace detail

CXLFW_DECL fact_result<void> attach_target(region& r, decoder& ep, unsigned pos) {
    return detail::attach(r, ep, pos, false);
}

CXLFW_DECL fact_result<void> detach_target(region& r, unsigned pos) {
    base::host::object_hold hold{r.root().owner().core().host()}; // see commit_region
    std::lock_guard lk{r.root().owner().core().mutex()};
    if (pos >= r.targets().size())
        return fact{errc::invalid_position, "position " + detail::str(pos) + " out of range"};
    decoder* ep = r.targets()[pos];
    if (!ep) return {};
    // Committed, or a commit cut short: what the hardware decodes goes first. A locked region
    // keeps decoding (Linux: no hardware reset with CXL_REGION_F_LOCK); its decoders stay in
    // use, without a region, as the hardware has them.
    (void)reset_region(r);
    if (r.locked() && r.state() == region_state::committed)
        port_access::state(r) = region_state::active;
    if (r.state() == region_state::active) {
        detail::teardown_targets(r);
        port_access::state(r) = region_state::sized;
    }
    port_access::targets(r)[pos] = nullptr;
    --port_access::nr_targets(r);
    for (port* p : detail::path_of(ep->owner()))
        detail::release_port_decoder(r, *p);
    ep->region = nullptr;
    ep->pos = -1;
    ep->base = ep->size = 0;
    return {};
}

// --- commit and reset --------------------------------------------------------------------------

CXLFW_DECL fact_result<void> commit_region(region& r) {
    // Called from a hook (map_region) or from outside one (a `cxl` command): either way a
    // removal delivered between two register accesses must not free the region, its
    // decoders or their ports under this frame (base::host::object_hold).
    base::host::object_hold hold{r.root().owner().core().host()};
    std::lock_guard lk{r.root().owner().core().mutex()};
    if (r.state() == region_state::committed) return {};
    if (r.state() < region_state::active)
        return fact{errc::region_not_ready, r.name() + " does not have all its targets"};
    // Each commit is register accesses, and a port may go between two of them (a removal or
    // a link drop delivered then): every step looks the region's decoders up afresh, and a
    // region that lost one stops with a fact instead of committing half a path.
    auto decoder_at = [&r](port& p) -> decoder* {
        auto& rd = port_access::region_decoders(p);
        auto it = rd.find(&r);
        return it == rd.end() ? nullptr : it->second;
    };
    auto lost = [&r](unsigned pos) {
        return fact{errc::commit_failed, r.name() + ": position " + std::to_string(pos) +
                                             " lost its decoders while committing (a port on "
                                             "its path went away)"};
    };
    // What this commit started, newest last: undone in reverse on failure, through the
    // decoders themselves (the region may have lost them meanwhile; they outlive that).
    std::vector<decoder*> started;
    auto undo = [&](fact f) -> fact_result<void> {
        for (auto it = started.rbegin(); it != started.rend(); ++it)
            if (auto ok = reset_decoder(**it); !ok) f.detail += "; " + ok.error().message();
        return f;
    };
    for (unsigned i = 0; i < r.ways(); ++i) {
        decoder* t = r.targets()[i];
        if (!t || r.state() < region_state::active) return undo(lost(i));
        auto path = detail::path_of(t->owner());
        for (std::size_t k = 0; k < path.size(); ++k) {
            decoder* d = path[k]->live() ? decoder_at(*path[k]) : nullptr;
            if (!d) return undo(lost(i));
            bool const was = d->enabled;
            auto ok = commit_decoder(*d);
            if (!was) started.push_back(d);
            if (!ok) return undo(ok.error());
            if (d->region != &r) return undo(lost(i)); // torn down while it committed
        }
    }
    port_access::state(r) = region_state::committed;
    return {};
}

CXLFW_DECL fact_result<void> reset_region(region& r) {
    base::host::object_hold hold{r.root().owner().core().host()}; // see commit_region
    std::lock_guard lk{r.root().owner().core().mutex()};
    if (r.state() < region_state::active) return {};
    // Linux commit_store(0) on a CXL_REGION_F_LOCK region: -EPERM, nothing changes.
    if (r.locked())
        return fact{errc::decoder_locked,
                    r.name() + ": firmware committed it with Lock-On-Commit; it cannot be reset"};
    // Also an active region: a commit cut short (a port went between two of its register
    // accesses) may have committed some decoders already; reset_decoder skips the others.
    detail::decode_reset(r, r.ways());
    if (r.state() == region_state::committed) port_access::state(r) = region_state::active;
    return {};
}

CXLFW_DECL void delete_region(region& r) {
    cxl_core& core = r.root().owner().core();
    base::host::object_hold hold{core.host()}; // see commit_region
    std::lock_guard lk{core.mutex()};
    (void)reset_region(r);
    for (unsigned pos = 0; pos < r.targets().size(); ++pos)
        (void)detach_target(r, pos);
    // A hook may still hold it (the probe that created it): the host keeps it until none runs.
    auto& regions = port_access::regions(core);
    if (auto it = regions.find(r.id()); it != regions.end()) {
        core.host().retire(std::shared_ptr<region const>{std::move(it->second)});
        regions.erase(it);
    }
}

// --- translation -------------------------------------------------------------------------------

CXLFW_DECL spec::interleave_geometry geometry(region const& r, unsigned pos) {
    decoder const& root = r.root();
    spec::interleave_geometry g;
    g.ways = r.ways();
    g.granularity = r.granularity();
    g.position = pos;
    g.base = r.base();
    g.arithmetic = root.arithmetic;
    g.hb_ways = root.ways;
    g.xormaps = root.xormaps;
    return g;
}

CXLFW_DECL fact_result<std::uint64_t> dpa_to_hpa(region const& r, decoder const& ep,
                                                 std::uint64_t dpa) {
    std::lock_guard lk{r.root().owner().core().mutex()};
    if (r.state() != region_state::committed)
        return fact{errc::region_not_ready, r.name() + " is not committed"};
    if (ep.region != &r || ep.pos < 0 || !ep.dpa)
        return fact{errc::invalid_target, ep.name() + " is not a target of " + r.name()};
    if (dpa < ep.dpa->base || dpa - ep.dpa->base >= ep.dpa->size)
        return fact{errc::address_out_of_range, "DPA " + detail::hex(dpa) + " is outside " +
                                                    ep.name() + "'s " + detail::hex(ep.dpa->base) +
                                                    "+" + detail::hex(ep.dpa->size)};
    auto hpa = spec::dpa_to_hpa(geometry(r, static_cast<unsigned>(ep.pos)), dpa - ep.dpa->base);
    if (!hpa) return fact{errc::address_out_of_range, make_error_code(hpa.error()).message()};
    if (*hpa < r.base() || *hpa - r.base() >= r.size())
        return fact{errc::address_out_of_range,
                    "HPA " + detail::hex(*hpa) + " is outside " + r.name()};
    return *hpa;
}

CXLFW_DECL std::ostream& operator<<(std::ostream& os, dpa_location const& l) {
    return os << (l.target ? l.target->name() : std::string{"-"}) << " position " << l.position
              << " DPA " << detail::hex(l.dpa);
}

CXLFW_DECL fact_result<dpa_location> hpa_to_dpa(region const& r, std::uint64_t hpa) {
    std::lock_guard lk{r.root().owner().core().mutex()};
    if (r.state() != region_state::committed)
        return fact{errc::region_not_ready, r.name() + " is not committed"};
    if (hpa < r.base() || hpa - r.base() >= r.size())
        return fact{errc::address_out_of_range,
                    "HPA " + detail::hex(hpa) + " is outside " + r.name()};
    auto at = spec::hpa_to_dpa(geometry(r, 0), hpa);
    if (!at) return fact{errc::address_out_of_range, make_error_code(at.error()).message()};
    decoder* t = r.targets()[at->position];
    return dpa_location{t, at->position, t->dpa->base + at->dpa};
}

// --- the Type-2 helper ------------------------------------------------------------------------

CXLFW_DECL fact_result<hpa_range> attach_region(memdev& md) {
    std::lock_guard lk{md.core().mutex()};
    port* ep = md.endpoint();
    if (!ep) return fact{errc::endpoint_absent, md.name() + " has no endpoint"};
    std::string seen;
    for (auto const& d : ep->decoders()) {
        region const* r = d->region;
        if (r && r->state() == region_state::committed && r->ways() == 1)
            return hpa_range{r->base(), r->size()};
        if (r)
            seen += "; " + d->name() + " is in " + r->name() + " (" +
                    std::string{to_string(r->state())} + ", " + detail::str(r->ways()) + " ways)";
        else if (d->enabled)
            seen += "; " + d->name() + " is committed but in no region";
    }
    return fact{errc::region_absent,
                md.name() + ": no decoder of " + ep->name() +
                    " is in a committed region with one target (firmware committed none, or "
                    "it did not assemble)" +
                    seen};
}

CXLFW_DECL fact_result<hpa_range> probe_mem(memdev& md, std::uint64_t size,
                                            std::optional<target_type> type, base::device* owner) {
    cxl_core& core = md.core();
    std::lock_guard lk{core.mutex()};
    target_type const tt =
        type.value_or(md.desc().type == memdev_type::type2 ? target_type::device_coherent
                                                           : target_type::host_only_coherent);
    port* ep = md.endpoint();
    if (!ep) return fact{errc::endpoint_absent, md.name() + " has no endpoint"};
    retry_owed_resets(*ep);
    decoder* dec = ep->find_decoder(static_cast<unsigned>(ep->hdm_end() + 1));
    if (!dec || dec->region || dec->enabled)
        return fact{errc::decoder_busy, ep->name() + " has no free endpoint decoder"};
    dport* hb = detail::root_dport_of(*ep);
    port* root = core.root();
    if (!hb || !root) return root_absent_fact();
    dec->type = tt;
    if (auto ok = dpa_set_mode(*dec, partition_mode::ram); !ok) return ok.error();
    if (auto ok = dpa_alloc(*dec, size); !ok) return ok.error();
    namespace w = spec::cfmws_restrict;
    std::uint16_t const need =
        (tt == target_type::device_coherent ? w::type2 : w::type3) | w::volatile_;
    decoder* chosen = nullptr;
    bool allowed = false;
    for (auto const& rd : root->decoders()) {
        if (!rd->allows(need) || rd->ways != 1 || rd->targets.empty() ||
            rd->targets[0] != hb->port_id)
            continue;
        allowed = true;
        if (detail::find_free_hpa(core, *rd, size, hdm_alignment)) {
            chosen = rd.get();
            break;
        }
    }
    if (!chosen) {
        (void)dpa_free(*dec);
        if (!allowed)
            return fact{errc::window_restricted, "no root decoder allows " +
                                                     std::string{to_string(tt)} + " RAM over " +
                                                     hb->dev + " in one way"};
        return fact{errc::no_capacity,
                    "no root decoder over " + hb->dev + " has " + detail::hex(size) + " free"};
    }
    auto r = detail::create_region_for(*chosen, partition_mode::ram, tt, md.parent()->name());
    if (!r) {
        (void)dpa_free(*dec);
        return r.error();
    }
    region& reg = **r;
    auto undo = [&](fact f) -> fact_result<hpa_range> {
        delete_region(reg);
        (void)dpa_free(*dec);
        return f;
    };
    if (auto ok = set_granularity(reg, chosen->granularity); !ok) return undo(ok.error());
    if (auto ok = set_ways(reg, 1); !ok) return undo(ok.error());
    if (auto ok = set_size(reg, size); !ok) return undo(ok.error());
    if (auto ok = attach_target(reg, *dec, 0); !ok) return undo(ok.error());
    if (auto ok = commit_region(reg); !ok) return undo(ok.error());
    base::device& own = owner ? *owner : md;
    base::devm_add_action(
        own, "cxl_region:" + reg.name(),
        [&core, id = reg.id(), raw = &reg, ep_name = ep->name(), dec_id = dec->id()] {
            std::lock_guard g{core.mutex()};
            for (region* x : core.regions())
                if (x == raw && x->id() == id) delete_region(*x);
            if (port* e = core.find_port(ep_name))
                if (decoder* d = e->find_decoder(dec_id)) (void)dpa_free(*d);
        });
    return hpa_range{reg.base(), reg.size()};
}

} // namespace cxlfw::core
