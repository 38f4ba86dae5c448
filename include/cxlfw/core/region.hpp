// Regions (Linux core/region.c): HPA from a root decoder, interleaved over endpoint decoders by
// position, decoded by one decoder on every port of every path.
//
// Setup order (Linux sysfs order): create on a root decoder -> granularity -> ways -> size
// (HPA allocated) -> a target per position -> commit. The rules, each its own fact:
//
//   | rule                                                                   | fact               |
//   |------------------------------------------------------------------------|--------------------|
//   | the window allows the type: Type-3 RAM/PMEM, or device memory (Type-2) | window_restricted  |
//   | ways valid (1,2,4,8,16,3,6,12), a power-of-two multiple of the root's  | invalid_interleave |
//   | granularity 256 B-16 KiB; equal to the root's when the root            | invalid_interleave |
//   | interleaves                                                            |                    |
//   | size a non-zero multiple of 256 MiB x ways; free HPA in the window     | invalid_size,      |
//   |                                                                        | no_capacity        |
//   | granularity, ways and size fixed once sized; targets after sizing      | region_busy,       |
//   |                                                                        | region_not_ready   |
//   | a target is an endpoint decoder below one of the root's host bridges   | invalid_target     |
//   | the root routes that position to that host bridge; a position once; a  | invalid_position   |
//   | memdev once                                                            |                    |
//   | decoder mode and type are the region's; its DPA x ways = region size   | mode_mismatch,     |
//   |                                                                        | invalid_size       |
//   | the decoder has DPA and no region                                      | dpa_unallocated,   |
//   |                                                                        | decoder_busy       |
//   | regions attach to a port in increasing HPA order                       | hpa_order          |
//   | a free decoder on every port                                           | decoder_busy       |
//   | switch decoders: power-of-two target counts within the Target Count,   | invalid_interleave |
//   | a granularity they can decode                                          |                    |
//   | every position through a port routes to one dport, consistently        | invalid_position   |
//   | (Linux cxl_calc_interleave_pos; an unbalanced interleave fails here)   |                    |
//   | commit in decoder order; Committed within 20 ms                        | decoder_busy,      |
//   |                                                                        | commit_timeout,    |
//   |                                                                        | commit_failed      |
//
// A decoder at a port with `A` ways of interleave above it (the root's ways, power-of-two part,
// times the target counts of the ports in between) decodes at granularity g * A and sends
// position p to its target (p / A) % n; that is what commit programs and what the position
// rule checks.
//
//   auto r = core::create_region(root_decoder, core::partition_mode::ram).value();
//   core::set_granularity(*r, 4096); core::set_ways(*r, 2); core::set_size(*r, 512_MiB);
//   core::attach_target(*r, ep0_decoder, 0); core::attach_target(*r, ep1_decoder, 1);
//   core::commit_region(*r);
//   core::dpa_to_hpa(*r, ep0_decoder, dpa);  core::hpa_to_dpa(*r, hpa);
#pragma once

#include <cxlfw/core/dpa.hpp>
#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/hdm.hpp>
#include <cxlfw/core/objects.hpp>
#include <cxlfw/spec/cedt.hpp>
#include <cxlfw/spec/interleave.hpp>
#include <cxlfw/spec/interleave_math.hpp>
#include <cxlfw/units.hpp>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace cxlfw::core {

namespace detail {

inline std::string str(std::uint64_t v) {
    return std::to_string(v);
}

/// The ports an endpoint's traffic passes, endpoint first, up to (not including) the root.
inline std::vector<port*> path_of(port& ep) {
    std::vector<port*> out;
    for (port* p = &ep; p && p->kind() != port_kind::root; p = p->parent_port())
        out.push_back(p);
    return out;
}

/// The root's dport (a host bridge) above an endpoint.
inline dport* root_dport_of(port& ep) {
    port* top = &ep;
    while (top->parent_port() && top->parent_port()->kind() != port_kind::root)
        top = top->parent_port();
    if (!top->parent_port()) return nullptr;
    return top->parent_dport();
}

/// Ways the root decoder splits on with power-of-two address bits (3/6/12 count as 1/2/4).
inline unsigned root_pow2_ways(decoder const& root) {
    return std::has_single_bit(root.ways) ? root.ways : root.ways / 3;
}

/// The root decoder's target index for a position (Linux calc_hb: cxl_hb_modulo, cxl_hb_xor).
inline unsigned root_target_index(region const& r, unsigned pos) {
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

/// The free HPA of a root decoder: the lowest `align`ed range of `size` bytes no region uses.
inline std::optional<std::uint64_t> find_free_hpa(cxl_core& core, decoder const& root,
                                                  std::uint64_t size, std::uint64_t align,
                                                  region const* except = nullptr) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> used;
    for (auto* r : core.regions())
        if (&r->root() == &root && r->size() && r != except)
            used.emplace_back(r->base(), r->size());
    std::sort(used.begin(), used.end());
    std::uint64_t const end = root.base + root.size;
    std::uint64_t at = (root.base + align - 1) / align * align;
    for (auto const& [b, s] : used) {
        if (at + size <= b) break;
        at = std::max(at, (b + s + align - 1) / align * align);
    }
    if (at < root.base || at + size > end || at + size < at) return std::nullopt;
    return at;
}

inline std::uint64_t largest_free_hpa(cxl_core& core, decoder const& root) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> used;
    for (auto* r : core.regions())
        if (&r->root() == &root && r->size()) used.emplace_back(r->base(), r->size());
    std::sort(used.begin(), used.end());
    std::uint64_t at = root.base, best = 0;
    for (auto const& [b, s] : used) {
        if (b > at) best = std::max(best, b - at);
        at = std::max(at, b + s);
    }
    if (root.base + root.size > at) best = std::max(best, root.base + root.size - at);
    return best;
}

/// Positions of the region whose endpoint sits below `p`, with the dport of `p` each uses.
inline std::map<unsigned, dport*> positions_through(region const& r, port const& p) {
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

inline bool region_uses_port(region const& r, port const& p) {
    for (auto* t : r.targets())
        if (t)
            for (port* q = &t->owner(); q && q->kind() != port_kind::root; q = q->parent_port())
                if (q == &p) return true;
    return false;
}

/// Drop the region's hold on a port's decoder once no position passes the port.
inline void release_port_decoder(region& r, port& p) {
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

/// Linux cxl_region_decode_reset(count): positions count-1 .. 0, each path top down.
inline void decode_reset(region& r, unsigned count) {
    for (unsigned i = count; i-- > 0;) {
        decoder* t = r.targets()[i];
        if (!t) continue;
        auto path = path_of(t->owner());
        for (auto it = path.rbegin(); it != path.rend(); ++it) {
            auto& rd = port_access::region_decoders(**it);
            if (auto d = rd.find(&r); d != rd.end()) reset_decoder(*d->second);
        }
    }
}

/// Linux cxl_region_teardown_targets(): decoders above the endpoints forget the setup.
inline void teardown_targets(region& r) {
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

/// Linux cxl_region_setup_targets() + cxl_port_setup_targets(), once every position is set.
inline fact_result<void> setup_targets(region& r) {
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

} // namespace detail

// --- creation and the interleave parameters ------------------------------------------------------

namespace detail {
/// create_region, naming the region after the reservation made for `key` (a device).
inline fact_result<region*> create_region_for(decoder& root, partition_mode mode, target_type type,
                                              std::string const& key) {
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

/// Linux create_{ram,pmem}_region / the kernel API for Type-2 regions: a region on `root`.
inline fact_result<region*> create_region(decoder& root, partition_mode mode,
                                          target_type type = target_type::host_only_coherent) {
    return detail::create_region_for(root, mode, type, {});
}

/// Linux interleave_granularity_store().
inline fact_result<void> set_granularity(region& r, unsigned granularity) {
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

/// Linux interleave_ways_store().
inline fact_result<void> set_ways(region& r, unsigned ways) {
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

/// Linux size_store() -> alloc_hpa() (0 frees: free_hpa()).
inline fact_result<void> set_size(region& r, std::uint64_t size) {
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

/// Linux cxl_region_attach(): the endpoint decoder `ep` at position `pos`.
inline fact_result<void> attach_target(region& r, decoder& ep, unsigned pos) {
    cxl_core& core = r.root().owner().core();
    std::lock_guard lk{core.mutex()};
    using detail::str;
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
    if (ep.enabled) return fact{errc::decoder_busy, ep.name() + " is committed"};
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
        } else {
            for (auto const& c : p->decoders())
                if (!c->region && !c->enabled) {
                    d = c.get();
                    break;
                }
        }
        if (!d) {
            undo();
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

/// Linux cxl_region_detach(): the target at `pos` leaves (a committed region is reset).
inline fact_result<void> detach_target(region& r, unsigned pos) {
    std::lock_guard lk{r.root().owner().core().mutex()};
    if (pos >= r.targets().size())
        return fact{errc::invalid_position, "position " + detail::str(pos) + " out of range"};
    decoder* ep = r.targets()[pos];
    if (!ep) return {};
    if (r.state() == region_state::committed) {
        detail::decode_reset(r, r.ways());
        port_access::state(r) = region_state::active;
    }
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

/// Linux cxl_decoder_kill_region(): an endpoint decoder is going away.
inline void kill_region(decoder& ep) {
    std::lock_guard lk{ep.owner().core().mutex()};
    if (!ep.region || ep.pos < 0) return;
    (void)detach_target(*ep.region, static_cast<unsigned>(ep.pos));
}

// --- commit and reset --------------------------------------------------------------------------

/// Linux cxl_region_decode_commit(): each position's path bottom-up; a failure resets what
/// was committed.
inline fact_result<void> commit_region(region& r) {
    std::lock_guard lk{r.root().owner().core().mutex()};
    if (r.state() == region_state::committed) return {};
    if (r.state() < region_state::active)
        return fact{errc::region_not_ready, r.name() + " does not have all its targets"};
    for (unsigned i = 0; i < r.ways(); ++i) {
        auto path = detail::path_of(r.targets()[i]->owner());
        for (std::size_t k = 0; k < path.size(); ++k) {
            decoder* d = port_access::region_decoders(*path[k]).at(&r);
            if (auto ok = commit_decoder(*d); !ok) {
                for (std::size_t j = path.size(); j-- > 0;)
                    reset_decoder(*port_access::region_decoders(*path[j]).at(&r));
                detail::decode_reset(r, i);
                return ok.error();
            }
        }
    }
    port_access::state(r) = region_state::committed;
    return {};
}

/// Linux commit_store(0): reset every decoder, in the reverse of the commit order.
inline fact_result<void> reset_region(region& r) {
    std::lock_guard lk{r.root().owner().core().mutex()};
    if (r.state() != region_state::committed) return {};
    detail::decode_reset(r, r.ways());
    port_access::state(r) = region_state::active;
    return {};
}

/// Linux delete_region_store(): reset, detach every target, free the HPA, forget it.
inline void delete_region(region& r) {
    cxl_core& core = r.root().owner().core();
    std::lock_guard lk{core.mutex()};
    (void)reset_region(r);
    for (unsigned pos = 0; pos < r.targets().size(); ++pos)
        (void)detach_target(r, pos);
    port_access::regions(core).erase(r.id());
}

// --- translation -------------------------------------------------------------------------------

/// The interleave geometry of position `pos` (spec/interleave_math.hpp).
inline spec::interleave_geometry geometry(region const& r, unsigned pos) {
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

/// Where a memdev's DPA (device address) appears in a committed region.
inline fact_result<std::uint64_t> dpa_to_hpa(region const& r, decoder const& ep,
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

/// What decodes an HPA of a committed region: the target, its position, and the DPA.
struct dpa_location {
    decoder* target = nullptr;
    unsigned position = 0;
    std::uint64_t dpa = 0;
    friend std::ostream& operator<<(std::ostream& os, dpa_location const& l) {
        return os << (l.target ? l.target->name() : std::string{"-"}) << " position " << l.position
                  << " DPA " << detail::hex(l.dpa);
    }
};

inline fact_result<dpa_location> hpa_to_dpa(region const& r, std::uint64_t hpa) {
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

/// Linux 7.x devm_cxl_probe_mem()-like: `size` bytes of the memdev's memory mapped in a
/// committed 1-way region. Allocates DPA on the next endpoint decoder, picks the first root
/// decoder (by id) that allows `type` RAM over the endpoint's host bridge with room, and
/// creates, attaches and commits the region. Facts: endpoint_absent, decoder_busy, the DPA
/// facts, window_restricted (no window allows it there), no_capacity (none has room), the
/// commit facts. The region is deleted, and the DPA freed, when `owner`'s binding ends
/// (default: the memdev's).
inline fact_result<hpa_range> probe_mem(memdev& md, std::uint64_t size,
                                        std::optional<target_type> type = std::nullopt,
                                        base::device* owner = nullptr) {
    cxl_core& core = md.core();
    std::lock_guard lk{core.mutex()};
    target_type const tt =
        type.value_or(md.desc().type == memdev_type::type2 ? target_type::device_coherent
                                                           : target_type::host_only_coherent);
    port* ep = md.endpoint();
    if (!ep) return fact{errc::endpoint_absent, md.name() + " has no endpoint"};
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
