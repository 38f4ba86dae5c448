// Out-of-line definitions for <cxlfw/core/detail/region.hpp>: paths, the HPA search, the
// setup and reset of the decoders above a region's endpoints, and killing a decoder's region.
#pragma once

#include <cxlfw/core/detail/region.hpp>

#include <cxlfw/base/host.hpp>
#include <cxlfw/base/pci.hpp>
#include <cxlfw/core/detail/port_access.hpp>
#include <cxlfw/core/hdm.hpp>
#include <cxlfw/core/region.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/core/regs.hpp>
#include <cxlfw/spec/cedt.hpp>
#include <cxlfw/spec/interleave.hpp>
#include <cxlfw/spec/interleave_math.hpp>

#include <algorithm>
#include <bit>
#include <map>
#include <mutex>
#include <utility>

namespace cxlfw::core::detail {

CXLFW_DECL std::string range_text(std::uint64_t base, std::uint64_t size) {
    std::string s{"["};
    s += hex(base);
    s += '-';
    s += hex(base + size - 1);
    s += ']';
    return s;
}

CXLFW_DECL std::vector<port*> path_of(port& ep) {
    std::vector<port*> out;
    for (port* p = &ep; p && p->kind() != port_kind::root; p = p->parent_port())
        out.push_back(p);
    return out;
}

CXLFW_DECL dport* root_dport_of(port& ep) {
    port* top = &ep;
    while (top->parent_port() && top->parent_port()->kind() != port_kind::root)
        top = top->parent_port();
    if (!top->parent_port()) return nullptr;
    return top->parent_dport();
}

/// Ways the root decoder splits on with power-of-two address bits (3/6/12 count as 1/2/4).
CXLFW_DECL unsigned root_pow2_ways(decoder const& root) {
    return std::has_single_bit(root.ways) ? root.ways : root.ways / 3;
}

CXLFW_DECL unsigned root_target_index(region const& r, unsigned pos) {
    decoder const& root = r.root();
    if (root.ways <= 1) return 0;
    if (root.arithmetic == spec::interleave_arithmetic::xormap && std::has_single_bit(root.ways)) {
        std::uint64_t const hpa = root.base + std::uint64_t{pos} * r.granularity();
        auto needed = spec::xormaps_needed(root.ways);
        unsigned n = 0;
        for (unsigned i = 0; needed && i < *needed && i < root.xormaps.size(); ++i)
            n |= static_cast<unsigned>(std::popcount(hpa & root.xormaps[i]) & 1) << i;
        return n % root.ways;
    }
    return pos % root.ways;
}

CXLFW_DECL std::vector<busy_range> busy_mmio(cxl_core& core, decoder const& root) {
    std::uint64_t const lo = root.base, hi = root.base + root.size; // [lo, hi)
    std::vector<busy_range> out;
    auto const add = [&](std::uint64_t base, std::uint64_t size, std::string what) {
        if (size && base < hi && lo < base + size) out.push_back({base, size, std::move(what)});
    };
    for (base::device* d : core.host().devices())
        if (auto const* pdev = dynamic_cast<base::pci_device const*>(d))
            for (unsigned i = 0; i < base::pci_device::bar_count; ++i)
                if (auto bar = pdev->bar(i))
                    add(bar->base, bar->size, "BAR" + std::to_string(i) + " of " + pdev->name());
    for (port* p : core.ports())
        if (p->kind() == port_kind::host_bridge && p->component())
            add(p->component()->offset, p->component()->size, "the CHBCR of " + p->uport());
    if (port* r = core.root())
        for (auto const& dp : r->dports())
            if (dp->rch) add(dp->rcrb, spec::chbs_rcrb_length, "the RCRB of " + dp->dev);
    std::sort(out.begin(), out.end(),
              [](busy_range const& a, busy_range const& b) { return a.base < b.base; });
    auto const seen = core.messages();
    for (auto const& b : out) {
        std::string text = root.name() + " (CFMWS subtable " + str(root.window) + ", " +
                           range_text(lo, hi - lo) + ") overlaps " + b.what + " " +
                           range_text(b.base, b.size) + ": no region is placed on that MMIO";
        if (std::find(seen.begin(), seen.end(), text) == seen.end()) core.note(std::move(text));
    }
    return out;
}

/// What a root decoder's HPA holds: its regions and the MMIO it covers, by address.
CXLFW_DECL std::vector<std::pair<std::uint64_t, std::uint64_t>>
used_hpa(cxl_core& core, decoder const& root, region const* except) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> used;
    for (auto* r : core.regions())
        if (&r->root() == &root && r->size() && r != except)
            used.emplace_back(r->base(), r->size());
    for (auto const& b : busy_mmio(core, root))
        used.emplace_back(b.base, b.size);
    // What firmware committed and no region holds (a set that did not assemble, a locked
    // region torn down): the hardware decodes it, so no new region may take it. (A decoder
    // this core committed and could not reset is retried before its port is used again:
    // retry_owed_resets.)
    for (port* p : core.ports())
        for (auto const& d : p->decoders())
            if (d->kind() != decoder_kind::root && d->enabled && !d->region &&
                (d->auto_committed || d->locked) && !d->passthrough && d->size &&
                d->base < root.base + root.size && root.base < d->base + d->size)
                used.emplace_back(d->base, d->size);
    std::sort(used.begin(), used.end());
    return used;
}

CXLFW_DECL std::optional<std::uint64_t> find_free_hpa(cxl_core& core, decoder const& root,
                                                      std::uint64_t size, std::uint64_t align,
                                                      region const* except) {
    std::uint64_t const end = root.base + root.size;
    std::uint64_t at = (root.base + align - 1) / align * align;
    for (auto const& [b, s] : used_hpa(core, root, except)) {
        if (at + size <= b) break;
        at = std::max(at, (b + s + align - 1) / align * align);
    }
    if (at < root.base || at + size > end || at + size < at) return std::nullopt;
    return at;
}

CXLFW_DECL std::uint64_t largest_free_hpa(cxl_core& core, decoder const& root) {
    std::uint64_t at = root.base, best = 0;
    for (auto const& [b, s] : used_hpa(core, root, nullptr)) {
        if (b > at) best = std::max(best, b - at);
        at = std::max(at, b + s);
    }
    if (root.base + root.size > at) best = std::max(best, root.base + root.size - at);
    return best;
}

/// Positions of the region whose endpoint sits below `p`, with the dport of `p` each uses.
CXLFW_DECL std::map<unsigned, dport*> positions_through(region const& r, port const& p) {
    std::map<unsigned, dport*> out;
    for (unsigned pos = 0; pos < r.targets().size(); ++pos) {
        decoder* t = r.targets()[pos];
        if (!t) continue;
        port* child = &t->owner();
        for (port* q = child->parent_port(); q; child = q, q = q->parent_port())
            if (q == &p) {
                out[pos] = child->parent_dport();
                break;
            }
    }
    return out;
}

CXLFW_DECL bool region_uses_port(region const& r, port const& p) {
    for (auto* t : r.targets())
        if (t)
            for (port* q = &t->owner(); q && q->kind() != port_kind::root; q = q->parent_port())
                if (q == &p) return true;
    return false;
}

CXLFW_DECL void release_port_decoder(region& r, port& p) {
    if (region_uses_port(r, p)) return;
    auto& rd = port_access::region_decoders(p);
    auto it = rd.find(&r);
    if (it == rd.end()) return;
    decoder* d = it->second;
    rd.erase(it);
    if (d->region == &r) d->region = nullptr;
    if (d->kind() != decoder_kind::endpoint && !d->enabled) {
        d->base = d->size = 0;
        d->targets.clear();
    }
}

CXLFW_DECL void decode_reset(region& r, unsigned count) {
    for (unsigned i = count; i-- > 0;) {
        decoder* t = r.targets()[i];
        if (!t) continue;
        auto path = path_of(t->owner());
        for (auto it = path.rbegin(); it != path.rend(); ++it) {
            auto& rd = port_access::region_decoders(**it);
            // A decoder that does not reset stays enabled (in use) in the core; the region
            // goes on being torn down (Linux cxl_region_decode_reset() carries on too).
            if (auto d = rd.find(&r); d != rd.end()) (void)reset_decoder(*d->second);
        }
    }
}

CXLFW_DECL void teardown_targets(region& r) {
    for (auto* t : r.targets()) {
        if (!t) continue;
        for (port* p : path_of(t->owner())) {
            if (p->kind() == port_kind::endpoint) continue;
            auto& rd = port_access::region_decoders(*p);
            if (auto d = rd.find(&r); d != rd.end() && !d->second->enabled) {
                d->second->base = d->second->size = 0;
                d->second->targets.clear();
            }
        }
    }
}

CXLFW_DECL fact_result<void> setup_targets(region& r) {
    decoder const& root = r.root();
    // Ports above the endpoints, each with the ways of interleave above it.
    std::map<port*, unsigned> above; // port -> A
    std::vector<port*> order;        // top-down
    for (auto* t : r.targets()) {
        auto path = path_of(t->owner());
        for (auto it = path.rbegin(); it != path.rend(); ++it)
            if ((*it)->kind() != port_kind::endpoint &&
                std::find(order.begin(), order.end(), *it) == order.end())
                order.push_back(*it);
    }
    std::stable_sort(order.begin(), order.end(),
                     [](port* a, port* b) { return a->depth() < b->depth(); });
    std::map<port*, unsigned> ways_at;
    for (port* p : order) {
        unsigned a = root_pow2_ways(root);
        for (port* q = p->parent_port(); q && q->kind() != port_kind::root; q = q->parent_port())
            a *= ways_at.at(q);
        above[p] = a;
        auto through = positions_through(r, *p);
        std::vector<dport*> distinct;
        for (auto const& [pos, dp] : through)
            if (std::find(distinct.begin(), distinct.end(), dp) == distinct.end())
                distinct.push_back(dp);
        auto const n = static_cast<unsigned>(distinct.size());
        decoder* d = port_access::region_decoders(*p).at(&r);
        if (!std::has_single_bit(n))
            return fact{errc::invalid_interleave,
                        p->name() + ": " + str(n) +
                            " targets; switch decoders take power-of-two target counts"};
        unsigned const limit = d->passthrough ? 1u : std::min(d->max_targets, 8u);
        if (n > limit)
            return fact{errc::invalid_interleave, p->name() + ": " + str(n) + " targets overflow " +
                                                      d->name() + "'s " + str(limit)};
        std::uint64_t const ig = std::uint64_t{r.granularity()} * a;
        if (!spec::valid_granularity(ig))
            return fact{errc::invalid_interleave, p->name() + ": decoding " + str(n) +
                                                      " ways below " + str(a) +
                                                      " would need granularity " + str(ig)};
        if (!d->passthrough && p->hdm() && !spec::hdm::supports_interleave(p->hdm()->cap, n, ig))
            return fact{errc::invalid_interleave,
                        d->name() + " cannot decode " + str(n) + " ways at " + str(ig) + " B"};
        std::vector<dport*> slot(n, nullptr);
        for (auto const& [pos, dp] : through) {
            unsigned const t = (pos / a) % n;
            if (slot[t] && slot[t] != dp)
                return fact{errc::invalid_position, p->name() + ": position " + str(pos) +
                                                        " needs target " + str(t) + " to be " +
                                                        dp->dev + ", which is " + slot[t]->dev};
            slot[t] = dp;
        }
        bool even = std::none_of(slot.begin(), slot.end(), [](dport* s) { return !s; });
        for (unsigned t = 0; even && t < n; ++t)
            for (unsigned u = t + 1; u < n; ++u)
                if (slot[t] == slot[u]) even = false;
        if (!even)
            return fact{errc::invalid_position,
                        p->name() + ": the positions below it do not interleave evenly over "
                                    "its dports"};
        ways_at[p] = n;
        if (d->enabled) {
            // Committed by firmware: it must decode what the region needs (Linux
            // cxl_port_setup_targets() for an auto region: "expected iw: ig: ...").
            auto const at = d->name() + " (committed by firmware)";
            if (d->ways != n || d->granularity != ig || d->base != r.base() || d->size != r.size())
                return fact{errc::hdm_invalid,
                            at + ": " + str(d->ways) + " ways at " + str(d->granularity) +
                                " B over [" + hex(d->base) + "-" + hex(d->base + d->size - 1) +
                                "], " + r.name() + " needs " + str(n) + " ways at " + str(ig) +
                                " B over [" + hex(r.base()) + "-" + hex(r.base() + r.size() - 1) +
                                "]"};
            for (unsigned t = 0; t < n && !d->passthrough; ++t)
                if (t >= d->targets.size() || d->targets[t] != slot[t]->port_id)
                    return fact{errc::hdm_invalid, at + ": target " + str(t) + " is not " +
                                                       slot[t]->dev + ", which " + r.name() +
                                                       " routes there"};
        } else {
            d->ways = n;
            d->granularity = static_cast<unsigned>(ig);
            d->base = r.base();
            d->size = r.size();
            d->type = r.type();
            d->targets.clear();
            for (auto* s : slot)
                d->targets.push_back(s->port_id);
        }
    }
    return {};
}

CXLFW_DECL void kill_region(decoder& ep) {
    std::lock_guard lk{ep.owner().core().mutex()};
    if (!ep.region || ep.pos < 0) return;
    (void)detach_target(*ep.region, static_cast<unsigned>(ep.pos));
}

// --- auto-assembly -------------------------------------------------------------------------------

CXLFW_DECL decoder* committed_decoder(port& p, region const& r) {
    for (auto const& d : p.decoders())
        if (d->enabled && (!d->region || d->region == &r) && d->base == r.base() &&
            d->size == r.size())
            return d.get();
    return nullptr;
}

/// The position the committed decoders route to `ep` in `r`: the one position whose decode
/// at the root and at every port on the path (p / A) % n, A the ways above, n the port's
/// ways) reaches `ep`'s dport (Linux cxl_calc_interleave_pos() gives the same for
/// power-of-two ways).
CXLFW_DECL fact_result<unsigned> firmware_position(region const& r, decoder& ep) {
    decoder const& root = r.root();
    auto path = path_of(ep.owner()); // endpoint first
    dport* hb = root_dport_of(ep.owner());
    auto const hb_index = static_cast<unsigned>(
        std::find(root.targets.begin(), root.targets.end(), hb ? hb->port_id : ~0u) -
        root.targets.begin());
    if (!hb || hb_index >= root.targets.size())
        return fact{errc::hdm_invalid,
                    ep.name() + ": " + root.name() + " does not route to its host bridge"};
    // Top down: each port's committed decoder, its ways and the index of the dport below.
    struct level {
        unsigned ways, index;
    };
    std::vector<level> levels;
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
        port& p = **it;
        if (p.kind() == port_kind::endpoint) break;
        decoder* d = committed_decoder(p, r);
        if (!d)
            return fact{errc::hdm_invalid, p.name() + ": no committed decoder maps " +
                                               range_text(r.base(), r.size()) + " for " +
                                               ep.name()};
        port* below = *(it + 1);
        dport* dp = below->parent_dport();
        unsigned const ways = d->passthrough ? 1u : d->ways;
        auto const idx = static_cast<unsigned>(
            std::find(d->targets.begin(), d->targets.end(), dp ? dp->port_id : ~0u) -
            d->targets.begin());
        if (!d->passthrough && (idx >= ways || idx >= d->targets.size()))
            return fact{errc::hdm_invalid, d->name() + " does not target " +
                                               (dp ? dp->dev : below->name()) + " for " +
                                               ep.name()};
        levels.push_back({ways, d->passthrough ? 0u : idx});
    }
    std::optional<unsigned> found;
    for (unsigned pos = 0; pos < r.ways(); ++pos) {
        if (root_target_index(r, pos) != hb_index) continue;
        unsigned a = root_pow2_ways(root);
        bool routes = true;
        for (auto const& l : levels) {
            if ((pos / a) % l.ways != l.index) routes = false;
            a *= l.ways;
        }
        if (!routes) continue;
        if (found)
            return fact{errc::hdm_invalid, ep.name() + ": positions " + str(*found) + " and " +
                                               str(pos) + " both route to it in " + r.name()};
        found = pos;
    }
    if (!found)
        return fact{errc::hdm_invalid, ep.name() + ": no position of " + r.name() + " (" +
                                           str(r.ways()) + " ways) routes to it"};
    return *found;
}

CXLFW_DECL fact_result<region*> add_to_region(decoder& ep) {
    cxl_core& core = ep.owner().core();
    std::lock_guard lk{core.mutex()};
    auto const range = range_text(ep.base, ep.size);
    auto fail = [&](fact f) -> fact_result<region*> {
        core.note(ep.name() + " " + range +
                  " (committed by firmware) is not assembled: " + f.message());
        return f;
    };
    if (ep.region) return ep.region;
    if (!ep.dpa || ep.mode == partition_mode::none)
        return fail(fact{errc::dpa_unallocated, ep.name() + " has no DPA in a partition"});
    port* root = core.root();
    decoder* rd = nullptr;
    if (root)
        for (auto const& d : root->decoders())
            if (ep.base >= d->base && ep.base + ep.size <= d->base + d->size) rd = d.get();
    if (!rd) return fail(fact{errc::invalid_target, "no root decoder's window holds it"});
    // Linux cxl_find_region_by_range(), else construct_region().
    region* r = nullptr;
    for (region* x : core.regions())
        if (&x->root() == rd && x->base() == ep.base && x->size() == ep.size) r = x;
    if (r && !r->auto_assembled())
        return fail(fact{errc::decoder_busy, r->name() + " holds that range"});
    bool made = false;
    if (!r) {
        for (auto const& [b, s] : used_hpa(core, *rd, nullptr)) {
            bool const mine = b == ep.base && s == ep.size; // its own decoders
            if (!mine && b < ep.base + ep.size && ep.base < b + s)
                return fail(
                    fact{errc::no_capacity, range_text(b, s) + " of " + rd->name() + " is in use"});
        }
        auto made_r =
            create_region_for(*rd, ep.mode, ep.type, cxl_core::firmware_region_key(ep.base));
        if (!made_r) return fail(made_r.error());
        r = *made_r;
        made = true;
        port_access::ways(*r) = ep.ways;
        port_access::granularity(*r) = ep.granularity;
        port_access::base(*r) = ep.base;
        port_access::size(*r) = ep.size;
        port_access::targets(*r).assign(ep.ways, nullptr);
        port_access::state(*r) = region_state::sized;
        port_access::auto_assembled(*r) = true;
    }
    auto undo = [&](fact f) {
        if (made && port_access::nr_targets(*r) == 0) delete_region(*r);
        return fail(std::move(f));
    };
    if (r->ways() != ep.ways || r->granularity() != ep.granularity)
        return undo(fact{errc::hdm_invalid, ep.name() + ": " + str(ep.ways) + " ways at " +
                                                str(ep.granularity) + " B, " + r->name() + " has " +
                                                str(r->ways()) + " at " + str(r->granularity()) +
                                                " B"});
    auto pos = firmware_position(*r, ep);
    if (!pos) return undo(pos.error());
    if (auto ok = attach(*r, ep, *pos, true); !ok) return undo(ok.error());
    if (r->state() == region_state::active) {
        // Every position is there: Linux cxl_region_attach() sets CXL_CONFIG_COMMIT for an
        // auto region. Its decoders are committed, so the commit writes nothing.
        bool locked = false;
        for (auto* t : r->targets())
            for (port* p : path_of(t->owner()))
                if (auto it = port_access::region_decoders(*p).find(r);
                    it != port_access::region_decoders(*p).end() && it->second->locked)
                    locked = true;
        port_access::locked(*r) = locked;
        if (auto ok = commit_region(*r); !ok) return fail(ok.error());
    }
    return r;
}

} // namespace cxlfw::core::detail
