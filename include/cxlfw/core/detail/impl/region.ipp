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
        std::string text = root.name() + " (CFMWS subtable " + str(root.window) + ", [" + hex(lo) +
                           "-" + hex(hi - 1) + "]) overlaps " + b.what + " [" + hex(b.base) + "-" +
                           hex(b.base + b.size - 1) + "]: no region is placed on that MMIO";
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
        if (!d->enabled) {
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

} // namespace cxlfw::core::detail
