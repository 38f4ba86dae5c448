// Out-of-line definitions for <cxlfw/emu/build.hpp>: the builder that checks a topology and
// lays out the platform (structure, buses, addresses, windows, the CEDT), and build() itself.
#pragma once

#include <cxlfw/emu/build.hpp>

#include <cxlfw/emu/detail/firmware.hpp>
#include <cxlfw/emu/detail/text.hpp>
#include <cxlfw/emu/profiles.hpp>
#include <cxlfw/spec/cedt.hpp>
#include <cxlfw/spec/cedt_builder.hpp>
#include <cxlfw/spec/interleave.hpp>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

namespace cxlfw::emu {

CXLFW_DECL std::string build_diagnostic::message() const {
    std::string m = code.message();
    if (element != none) m = "element " + std::to_string(element) + ": " + m;
    if (window != none) m = "window " + std::to_string(window) + ": " + m;
    if (!detail.empty()) m += " (" + detail + ")";
    return m;
}

namespace detail {

struct platform_builder {
    using element_id = topology::element_id;

    topology const& t;
    build_diagnostic* diag;
    std::unique_ptr<platform> p{new platform{}};
    std::uint32_t ordinal = 0;
    std::vector<function_profile const*> rp_profiles{}, usp_profiles{}, dsp_profiles{};
    std::vector<node_id> node_of{}; ///< by element id

    std::error_code fail(errc e, std::uint32_t element, std::string detail,
                         std::uint32_t window = build_diagnostic::none) {
        if (diag) *diag = {make_error_code(e), element, window, std::move(detail)};
        return make_error_code(e);
    }

    // --- 1. the shape of the hierarchy -------------------------------------------------------

    std::error_code check_structure() {
        auto const els = t.elements();
        std::vector<std::uint32_t> uids;
        for (element_id i = 0; i < els.size(); ++i) {
            auto const& e = els[i];
            auto const parent_kind = [&]() -> std::optional<element_kind> {
                if (e.parent == topology::none || e.parent >= i) return std::nullopt;
                return els[e.parent].kind;
            }();
            auto const parent_is_rch = [&] {
                return parent_kind == element_kind::host_bridge &&
                       t.host_bridge(e.parent).chbs_version == 0;
            };
            std::string const what = std::string{element_kind_name(e.kind)};
            switch (e.kind) {
            case element_kind::host_bridge: {
                auto const& hb = t.host_bridge(i);
                if (e.parent != topology::none)
                    return fail(errc::invalid_parent, i, "a host bridge has no parent");
                if (hb.chbs_version > 1)
                    return fail(errc::invalid_device_spec, i,
                                "CHBS version " + std::to_string(hb.chbs_version) +
                                    " (valid: 0 RCH, 1 VH)");
                if (std::find(uids.begin(), uids.end(), hb.uid) != uids.end())
                    return fail(errc::duplicate_uid, i, "_UID " + std::to_string(hb.uid));
                uids.push_back(hb.uid);
                if (auto ok = check_hdm(hb.hdm); !ok)
                    return fail(errc::invalid_hdm_spec, i, "host bridge HDM decoders");
                if (hb.chbs_version == 1 && e.children.size() > 32)
                    return fail(errc::too_many_functions, i,
                                std::to_string(e.children.size()) + " root ports");
                if (hb.chbs_version == 0 && e.children.size() > 1)
                    return fail(errc::port_occupied, i, "an RCH has one RCD");
                break;
            }
            case element_kind::root_port:
                if (parent_kind != element_kind::host_bridge || parent_is_rch())
                    return fail(errc::invalid_parent, i, "a root port belongs to a VH host bridge");
                if (e.children.size() > 1)
                    return fail(errc::port_occupied, i, "one device or switch per root port");
                break;
            case element_kind::upstream_port: {
                if (parent_kind != element_kind::root_port &&
                    parent_kind != element_kind::downstream_port)
                    return fail(errc::invalid_parent, i,
                                "a switch sits below a root port or downstream port");
                auto const& s = t.switch_of(i);
                if (s.downstream_ports == 0)
                    return fail(errc::invalid_device_spec, i, "a switch without downstream ports");
                if (s.downstream_ports > 32)
                    return fail(errc::too_many_functions, i,
                                std::to_string(s.downstream_ports) + " downstream ports");
                if (auto ok = check_hdm(s.hdm); !ok)
                    return fail(errc::invalid_hdm_spec, i, "switch HDM decoders");
                break;
            }
            case element_kind::downstream_port:
                if (parent_kind != element_kind::upstream_port)
                    return fail(errc::invalid_parent, i, what);
                if (e.children.size() > 1)
                    return fail(errc::port_occupied, i, "one device or switch per downstream port");
                break;
            case element_kind::endpoint: {
                bool const rcd = parent_is_rch();
                if (!rcd && parent_kind != element_kind::root_port &&
                    parent_kind != element_kind::downstream_port)
                    return fail(errc::invalid_parent, i,
                                "a device sits below a root port, a downstream port or an RCH");
                if (!e.children.empty())
                    return fail(errc::invalid_parent, i, "nothing sits below a device");
                if (auto ok = check_endpoint_spec(t.endpoint(i), rcd); !ok)
                    return fail(static_cast<errc>(ok.error().value()), i,
                                rcd ? "RCD description" : "device description");
                break;
            }
            }
        }
        return {};
    }

    // --- 2. nodes, buses, addresses ----------------------------------------------------------

    struct bus_range {
        std::uint16_t segment;
        unsigned lo;
        unsigned hi; // inclusive
    };
    std::vector<bus_range> buses{};
    std::uint16_t auto_segment = 0;

    unsigned bridges_below(element_id id) const {
        unsigned n = 0;
        for (auto c : t.at(id).children) {
            auto const k = t.at(c).kind;
            if (k == element_kind::root_port || k == element_kind::upstream_port ||
                k == element_kind::downstream_port)
                ++n;
            n += bridges_below(c);
        }
        return n;
    }

    unsigned next_free(std::uint16_t segment) const {
        unsigned next = 0;
        for (auto const& b : buses)
            if (b.segment == segment) next = std::max(next, b.hi + 1);
        return next;
    }

    std::error_code assign_buses(element_id hb_el, std::uint16_t& segment, std::uint8_t& bus) {
        auto const& hb = t.host_bridge(hb_el);
        unsigned const need = 1 + bridges_below(hb_el);
        if (need > 256)
            return fail(errc::bus_numbers_exhausted, hb_el, std::to_string(need) + " buses needed");
        unsigned seg = 0, lo = 0;
        if (hb.bus) {
            seg = hb.segment.value_or(0);
            lo = *hb.bus;
        } else if (hb.segment) {
            seg = *hb.segment;
            lo = next_free(static_cast<std::uint16_t>(seg));
        } else {
            seg = auto_segment;
            lo = next_free(static_cast<std::uint16_t>(seg));
            while (lo + need > 256) {
                if (seg == 0xFFFF)
                    return fail(errc::bus_numbers_exhausted, hb_el, "no PCI segment left");
                lo = next_free(static_cast<std::uint16_t>(++seg));
            }
            auto_segment = static_cast<std::uint16_t>(seg);
        }
        if (lo + need > 256)
            return fail(errc::bus_numbers_exhausted, hb_el,
                        "buses " + std::to_string(lo) + " + " + std::to_string(need) +
                            " run past 255");
        unsigned const hi = lo + need - 1;
        for (auto const& b : buses)
            if (b.segment == seg && lo <= b.hi && b.lo <= hi)
                return fail(errc::bus_number_conflict, hb_el,
                            "segment " + std::to_string(seg) + " buses " + std::to_string(lo) +
                                "-" + std::to_string(hi));
        buses.push_back({static_cast<std::uint16_t>(seg), lo, hi});
        segment = static_cast<std::uint16_t>(seg);
        bus = static_cast<std::uint8_t>(lo);
        return {};
    }

    node& new_node(node_kind kind) {
        auto const id = node_id{static_cast<std::uint32_t>(p->nodes_.size())};
        return p->nodes_.emplace_back(node_key{}, p.get(), id, kind);
    }

    std::error_code allocate(std::uint64_t size, std::uint64_t& at, element_id el) {
        at = p->allocate_mmio(size);
        if (!at) return fail(errc::mmio_exhausted, el, "needs " + hex(size) + " more bytes");
        return {};
    }

    std::error_code add_bar(node& n, element_id el) {
        auto const& c = n.profile_->config;
        if (!c.has_bar) return {};
        if (auto ec = allocate(c.bar_size, n.bar_, el)) return ec;
        p->ranges_.push_back({n.bar_, c.bar_size, &n, platform::block::bar0});
        return {};
    }

    template <class Make>
    static function_profile const* cached(std::vector<function_profile const*>& cache,
                                          std::size_t key, platform& pl, Make&& make) {
        if (cache.size() <= key) cache.resize(key + 1, nullptr);
        if (!cache[key]) {
            pl.profiles_.push_back(std::make_unique<function_profile>(make()));
            cache[key] = pl.profiles_.back().get();
        }
        return cache[key];
    }

    /// Creates `el` (and its subtree) below `parent`, on bus `bus` at device `dev`.
    std::error_code create(element_id el, node& parent, std::uint8_t bus, std::uint8_t dev,
                           std::uint8_t port_number, unsigned& next_bus) {
        auto const& e = t.at(el);
        auto const spec_index = e.spec;
        switch (e.kind) {
        case element_kind::root_port:
        case element_kind::downstream_port:
        case element_kind::upstream_port: {
            function_profile const* prof = nullptr;
            node_kind kind = node_kind::root_port;
            if (e.kind == element_kind::root_port) {
                prof = cached(rp_profiles, spec_index, *p, [&] {
                    return make_port_profile(node_kind::root_port, t.port(el).ids, t.port(el).ras);
                });
            } else if (e.kind == element_kind::downstream_port) {
                kind = node_kind::downstream_port;
                prof = cached(dsp_profiles, spec_index, *p, [&] {
                    auto const& s = t.switch_of(el);
                    return make_port_profile(node_kind::downstream_port, s.downstream_ids, s.ras);
                });
            } else {
                kind = node_kind::upstream_port;
                prof = cached(usp_profiles, spec_index, *p, [&] {
                    auto const& s = t.switch_of(el);
                    return make_upstream_port_profile(s, s.downstream_ports);
                });
            }
            node& n = new_node(kind);
            p->attach(n, &parent, prof, parent.segment_, bus, static_cast<std::uint8_t>(dev << 3));
            node_of[el] = n.id_;
            n.port_number_ = port_number;
            if (auto ec = add_bar(n, el)) return ec;
            n.secondary_ = static_cast<std::uint8_t>(next_bus++);
            std::uint8_t i = 0;
            for (auto c : e.children) {
                bool const dsp = t.at(c).kind == element_kind::downstream_port;
                if (auto ec = create(c, n, n.secondary_, dsp ? i : 0, dsp ? i : 0, next_bus))
                    return ec;
                ++i;
            }
            n.subordinate_ = static_cast<std::uint8_t>(next_bus - 1);
            return {};
        }
        case element_kind::endpoint: {
            bool const rcd = parent.kind_ == node_kind::host_bridge;
            auto const& s = t.endpoint(el);
            node& n = new_node(rcd ? node_kind::rcd : node_kind::endpoint);
            p->attach(n, &parent, p->endpoint_profile(s, rcd), parent.segment_, bus, 0);
            node_of[el] = n.id_;
            n.type_ = s.type;
            n.serial_ = e.serial ? *e.serial : ++ordinal;
            if (auto ec = add_bar(n, el)) return ec;
            if (rcd && n.profile_->component) {
                if (auto ec = allocate(spec::component::block_size, n.aux_, el)) return ec;
                p->ranges_.push_back(
                    {n.aux_, spec::component::block_size, &n, platform::block::component});
            }
            return {};
        }
        case element_kind::host_bridge:
            break;
        }
        return fail(errc::invalid_parent, el, "a host bridge below another element");
    }

    std::error_code create_host_bridge(element_id el) {
        auto const& s = t.host_bridge(el);
        auto const& e = t.at(el);
        node& n = new_node(node_kind::host_bridge);
        node_of[el] = n.id_;
        if (auto ec = assign_buses(el, n.segment_, n.bus_)) return ec;
        p->profiles_.push_back(std::make_unique<function_profile>(
            make_host_bridge_profile(s, static_cast<unsigned>(e.children.size()))));
        p->attach(n, nullptr, p->profiles_.back().get(), n.segment_, n.bus_, 0);
        char name[16];
        std::snprintf(name, sizeof name, "pci%04x:%02x", static_cast<unsigned>(n.segment_),
                      static_cast<unsigned>(n.bus_));
        n.name_ = name;
        n.uid_ = s.uid;
        n.chbs_version_ = s.chbs_version;
        std::uint64_t const len =
            s.chbs_version == 1 ? spec::chbs_chbcr_length : spec::chbs_rcrb_length;
        if (s.chbs_base) {
            n.chbs_base_ = *s.chbs_base;
            if (n.chbs_base_ == 0 || n.chbs_base_ % len != 0)
                return fail(errc::invalid_device_spec, el,
                            "CHBS base " + hex(n.chbs_base_) + " must be non-zero and aligned");
        } else if (auto ec = allocate(len, n.chbs_base_, el)) {
            return ec;
        }
        p->ranges_.push_back(
            {n.chbs_base_, len, &n,
             s.chbs_version == 1 ? platform::block::chbcr : platform::block::rcrb});
        if (s.chbs_version == 0) {
            if (auto ec = allocate(spec::component::block_size, n.aux_, el)) return ec;
            p->ranges_.push_back(
                {n.aux_, spec::component::block_size, &n, platform::block::component});
        }
        unsigned next_bus = n.bus_ + 1u;
        std::uint8_t i = 0;
        for (auto c : e.children) {
            // Root ports at devices 0, 1, ... of the root bus; an RCD at device 0.
            if (auto ec = create(c, n, n.bus_, i, i, next_bus)) return ec;
            ++i;
        }
        n.secondary_ = n.bus_;
        n.subordinate_ = static_cast<std::uint8_t>(next_bus - 1);
        return {};
    }

    // --- 3. windows, overlaps and the CEDT ---------------------------------------------------

    std::error_code windows(std::vector<spec::cfmws>& out) {
        std::uint64_t next = t.window_base;
        auto const wins = t.windows();
        for (std::uint32_t i = 0; i < wins.size(); ++i) {
            auto const& w = wins[i];
            auto const bad = [&](std::string d) {
                return fail(errc::invalid_window, build_diagnostic::none, std::move(d), i);
            };
            auto const eiw = spec::ways_to_eiw(static_cast<unsigned>(w.targets.size()));
            if (!eiw || w.targets.size() > spec::cfmws_max_targets)
                return bad(std::to_string(w.targets.size()) + " targets is not a valid ways");
            auto const eig = spec::granularity_to_eig(w.granularity);
            if (!eig) return bad("granularity " + std::to_string(w.granularity));
            if (w.size == 0 || !is_aligned(w.size, hdm_alignment))
                return bad("size " + hex(w.size) + " is not a non-zero multiple of 256 MiB");
            for (auto uid : w.targets) {
                auto const hbs = t.host_bridge_elements();
                bool const known = std::any_of(hbs.begin(), hbs.end(), [&](element_id h) {
                    return t.host_bridge(h).uid == uid;
                });
                if (!known)
                    return fail(errc::unknown_window_target, build_diagnostic::none,
                                "UID " + std::to_string(uid), i);
            }
            // Target n is the host bridge of interleave way n (CXL 3.1 §9.18.1.3); one host
            // bridge at two ways is no interleave its decoders or the region math can follow.
            for (std::size_t j = 1; j < w.targets.size(); ++j)
                for (std::size_t k = 0; k < j; ++k)
                    if (w.targets[j] == w.targets[k])
                        return fail(errc::duplicate_window_target, build_diagnostic::none,
                                    "UID " + std::to_string(w.targets[j]) + " at targets " +
                                        std::to_string(k) + " and " + std::to_string(j),
                                    i);
            std::uint64_t base = 0;
            if (w.base) {
                base = *w.base;
                if (!is_aligned(base, hdm_alignment)) return bad("base " + hex(base));
            } else {
                base = (next + hdm_alignment - 1) & ~(hdm_alignment - 1);
                next = base + w.size;
            }
            if (base + w.size < base) return bad("base + size overflows");
            spec::cfmws c;
            c.base_hpa = base;
            c.window_size = w.size;
            c.eniw = static_cast<std::uint8_t>(*eiw);
            c.arithmetic = w.arithmetic;
            c.hbig = *eig;
            c.restrictions = w.restrictions;
            c.qtg_id = w.qtg_id;
            for (auto uid : w.targets)
                c.targets.push_back(uid);
            out.push_back(c);
        }
        return {};
    }

    /// What a block of the address map is, for a diagnostic.
    static std::string block_name(platform::mmio_range const& r) {
        node const& n = *r.target;
        std::string who{n.name()};
        if (n.kind_ == node_kind::host_bridge) who += " (UID " + std::to_string(n.uid_) + ")";
        switch (r.kind) {
        case platform::block::bar0:
            return "BAR0 of " + who;
        case platform::block::chbcr:
            return "the CHBCR (CHBS base) of " + who;
        case platform::block::rcrb:
            return "the RCRB (CHBS base) of " + who;
        case platform::block::component:
            return "the component registers of " + who;
        }
        return who;
    }

    /// No address may mean two things: every window and every block the platform decodes
    /// (BARs, CHBCRs, RCRBs, component blocks) are disjoint -- a window over a BAR would let a
    /// region be committed over MMIO; two CHBS on one CHBCR would program one host bridge's
    /// decoders through the other's. Then windows stay out of the MMIO window, where BARs and
    /// register blocks (hot-added ones too) are allocated. Names are made only for a failure:
    /// a platform has 10^5 blocks.
    std::error_code check_overlaps(std::vector<spec::cfmws> const& wins) {
        constexpr auto none = build_diagnostic::none;
        struct span_ {
            std::uint64_t lo, hi; // [lo, hi)
            std::uint32_t window;
            platform::mmio_range const* block;
        };
        std::vector<span_> spans;
        spans.reserve(wins.size() + p->ranges_.size());
        for (std::uint32_t i = 0; i < wins.size(); ++i)
            spans.push_back({wins[i].base_hpa, wins[i].base_hpa + wins[i].window_size, i, nullptr});
        for (auto const& r : p->ranges_)
            spans.push_back({r.base, r.base + r.size, none, &r});
        std::sort(spans.begin(), spans.end(), [](span_ const& a, span_ const& b) {
            return a.lo != b.lo ? a.lo < b.lo : a.hi < b.hi;
        });
        auto const name = [](span_ const& s) {
            return (s.block ? block_name(*s.block) : "window " + std::to_string(s.window)) + " " +
                   range_text(s.lo, s.hi);
        };
        std::size_t reach = 0; // the span ending last among those before i
        for (std::size_t i = 1; i < spans.size(); ++i) {
            if (spans[i].lo < spans[reach].hi)
                return fail(errc::address_overlap, none,
                            name(spans[reach]) + " and " + name(spans[i]),
                            spans[i].window != none ? spans[i].window : spans[reach].window);
            if (spans[i].hi > spans[reach].hi) reach = i;
        }
        std::uint64_t const mmio_end = t.mmio_base + t.mmio_size;
        for (std::uint32_t i = 0; i < wins.size(); ++i)
            if (wins[i].base_hpa < mmio_end && t.mmio_base < wins[i].base_hpa + wins[i].window_size)
                return fail(
                    errc::address_overlap, none,
                    "window " + std::to_string(i) + " " +
                        range_text(wins[i].base_hpa, wins[i].base_hpa + wins[i].window_size) +
                        " and the MMIO window " + range_text(t.mmio_base, mmio_end) +
                        ", where BARs and register blocks are allocated",
                    i);
        // So do CHBS bases given in the description: a BAR allocated later (a hot-add) would
        // land on them.
        for (auto hb : t.host_bridge_elements()) {
            auto const& s = t.host_bridge(hb);
            std::uint64_t const len =
                s.chbs_version == 1 ? spec::chbs_chbcr_length : spec::chbs_rcrb_length;
            if (s.chbs_base && *s.chbs_base < mmio_end && t.mmio_base < *s.chbs_base + len)
                return fail(errc::address_overlap, hb,
                            "the CHBS base of UID " + std::to_string(s.uid) + " " +
                                range_text(*s.chbs_base, *s.chbs_base + len) +
                                " and the MMIO window " + range_text(t.mmio_base, mmio_end) +
                                ", where BARs and register blocks are allocated");
        }
        return {};
    }

    void emit_cedt(std::vector<spec::cfmws> const& wins) {
        spec::cedt_builder b{t.cedt_header};
        std::vector<node const*> hbs;
        for (auto const& n : p->nodes_)
            if (n.kind_ == node_kind::host_bridge) hbs.push_back(&n);
        std::vector<node const*> ordered;
        for (auto uid : t.chbs_order)
            for (auto const* h : hbs)
                if (h->uid_ == uid && std::find(ordered.begin(), ordered.end(), h) == ordered.end())
                    ordered.push_back(h);
        for (auto const* h : hbs)
            if (std::find(ordered.begin(), ordered.end(), h) == ordered.end()) ordered.push_back(h);
        for (auto const* h : ordered)
            b.add(spec::chbs{.uid = h->uid_,
                             .cxl_version = h->chbs_version_,
                             .base = h->chbs_base_,
                             .length = h->chbs_version_ == 1 ? spec::chbs_chbcr_length
                                                             : spec::chbs_rcrb_length});
        for (auto const& w : wins)
            b.add(w);
        for (auto const& x : t.cxims())
            b.add(x);
        p->cedt_ = b.bytes();
    }

    /// What firmware committed (topology::commit_decoder), checked, then in the registers.
    std::error_code firmware(std::vector<spec::cfmws> const& wins) {
        if (t.firmware().empty()) return {};
        auto node_at = [this](element_id el) -> node* {
            if (el >= node_of.size() || node_of[el] == no_node) return nullptr;
            return &p->nodes_[index_of(node_of[el])];
        };
        firmware_view view{[&](element_id el) -> hdm_profile const* {
                               node* n = node_at(el);
                               if (!n || !n->profile_ || !n->profile_->component ||
                                   !n->profile_->component->hdm)
                                   return nullptr;
                               return &*n->profile_->component->hdm;
                           },
                           [&](element_id el) -> std::uint8_t {
                               node* n = node_at(el);
                               return n ? n->port_number_ : 0;
                           }};
        std::vector<firmware_preset> presets;
        if (auto ec = check_firmware(t, wins, view, presets, diag)) return ec;
        for (auto const& f : presets) {
            node& n = *node_at(f.element);
            n.comp_.hdm().preset(*n.profile_->component->hdm, f.id, f.regs);
        }
        return {};
    }

    result<std::unique_ptr<platform>> run() {
        if (auto ec = check_structure()) return ec;
        node_of.assign(t.elements().size(), no_node);
        p->timing_ = t.timing;
        p->mmio_next_ = t.mmio_base;
        p->mmio_end_ = t.mmio_base + t.mmio_size;
        if (p->mmio_end_ < p->mmio_next_)
            return fail(errc::mmio_exhausted, build_diagnostic::none, "MMIO window wraps");
        node& root = new_node(node_kind::cxl_root);
        root.name_ = "ACPI0017:00";
        root.present_ = t.acpi_root_present;
        for (auto hb : t.host_bridge_elements()) {
            if (t.at(hb).kind != element_kind::host_bridge)
                return fail(errc::invalid_parent, hb, "only host bridges have no parent");
            if (auto ec = create_host_bridge(hb)) return ec;
        }
        p->next_serial_ = ordinal + 1;
        std::sort(p->ranges_.begin(), p->ranges_.end(),
                  [](platform::mmio_range const& a, platform::mmio_range const& b) {
                      return a.base < b.base;
                  });
        std::vector<spec::cfmws> wins;
        if (auto ec = windows(wins)) return ec;
        if (auto ec = check_overlaps(wins)) return ec;
        if (auto ec = firmware(wins)) return ec;
        emit_cedt(wins);
        p->windows_ = wins;
        p->cxims_.assign(t.cxims().begin(), t.cxims().end());
        return std::move(p);
    }
};

} // namespace detail

CXLFW_DECL result<std::unique_ptr<platform>> build(topology const& t, build_diagnostic* diag) {
    return detail::platform_builder{t, diag}.run();
}

} // namespace cxlfw::emu
