// Out-of-line definitions for <cxlfw/emu/platform.hpp>: device memory behind the HPA. An access
// to an address in a CXL window goes where the hardware sends it, level by level, reading only
// registers (the windows of the CEDT, the committed HDM decoders, the links), never the core:
//
//   | level              | what picks the next hop                                          |
//   |--------------------|------------------------------------------------------------------|
//   | window (CFMWS)     | modulo: ((hpa - base) / HBIG) % ways; XOR (2^n ways): bit i of   |
//   |                    | the target is parity(hpa & xormap i) of its CXIMS (CXL 3.1       |
//   |                    | §9.18.1.3-4; Linux cxl_hb_modulo / cxl_hb_xor)                    |
//   | host bridge,       | the committed decoder whose [base, base + size) holds hpa, with  |
//   | switch             | HDM Decoder Enable set; target ((hpa - base) / IG) % IW of its   |
//   |                    | target list; that port's link must be up                         |
//   | device             | its committed decoder holding hpa: DPA = the decoder's DPA base  |
//   |                    | + ((hpa - base) / (IG x IW)) x IG + (hpa - base) % IG            |
//   |                    | (CXL 3.1 §8.2.4.20.13, the device drops the interleave bits)     |
//
// An RCH's window goes to its RCD's own decoders. The memory is sparse: a 4 KiB page of DPA
// exists once written; reads elsewhere are zero. Not modelled: 3/6/12-way XOR windows and
// 3/6/12-way port decoders (an access through them is hpa_not_decoded, saying so), poison,
// and fault rules on memory accesses (they count no register access).
#pragma once

#include <cxlfw/emu/platform.hpp>

#include <cxlfw/emu/detail/regs.hpp>
#include <cxlfw/emu/detail/text.hpp>
#include <cxlfw/spec/component.hpp>
#include <cxlfw/spec/interleave.hpp>

#include <bit>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <ostream>
#include <string>

namespace cxlfw::emu {

CXLFW_DECL std::ostream& operator<<(std::ostream& os, platform::hpa_decode const& d) {
    return os << "node " << index_of(d.device) << " decoder " << d.decoder << " DPA "
              << detail::hex(d.dpa);
}

CXLFW_DECL spec::cfmws const* platform::window_of(std::uint64_t hpa) const noexcept {
    for (auto const& w : windows_)
        if (hpa >= w.base_hpa && hpa - w.base_hpa < w.window_size) return &w;
    return nullptr;
}

CXLFW_DECL result<platform::hpa_decode> platform::decode_hpa(std::uint64_t hpa, std::string* why) {
    std::lock_guard lock{mutex_};
    return decode_locked(hpa, why);
}

CXLFW_DECL result<platform::hpa_decode> platform::decode_locked(std::uint64_t hpa,
                                                                std::string* why) {
    namespace h = spec::hdm;
    // Text only for a failure someone asked about: every memory access decodes here.
    auto const at = [hpa] { return "HPA " + detail::hex(hpa) + ": "; };
    auto fail = [&](std::string text) -> result<hpa_decode> {
        if (why) *why = at() + text;
        return errc::hpa_not_decoded;
    };
    spec::cfmws const* w = window_of(hpa);
    if (!w) return fail("in no CXL window");
    auto const ways = static_cast<unsigned>(w->targets.size());
    auto const hbig = spec::eig_to_granularity(w->hbig);
    if (!hbig || ways == 0) return fail("its window cannot be decoded");
    unsigned index = 0;
    if (ways > 1 && w->arithmetic == spec::interleave_arithmetic::xormap) {
        if (!std::has_single_bit(ways))
            return fail(std::to_string(ways) + "-way XOR windows are not decoded (not modelled)");
        spec::cxims const* x = nullptr;
        for (auto const& c : cxims_)
            if (c.hbig == w->hbig) x = &c;
        auto const needed = static_cast<unsigned>(std::countr_zero(ways));
        if (!x || x->xormaps.size() < needed)
            return fail("its XOR window has no CXIMS with enough maps for HBIG " +
                        std::to_string(*hbig));
        for (unsigned i = 0; i < needed; ++i)
            index |= static_cast<unsigned>(std::popcount(hpa & x->xormaps[i]) & 1) << i;
    } else {
        index = static_cast<unsigned>(((hpa - w->base_hpa) / *hbig) % ways);
    }
    std::uint32_t const uid = w->targets[index];
    node* hb = nullptr; // host_bridge() takes the mutex this runs under
    for (auto& n : nodes_)
        if (n.kind_ == node_kind::host_bridge && n.uid_ == uid && n.present()) hb = &n;
    if (!hb || !hb->present())
        return fail("its window sends it to host bridge UID " + std::to_string(uid) +
                    ", which is not there");

    // Which committed decoder of `n` claims hpa (its index, its registers in `out`), or a
    // failure naming `n`.
    auto claim = [&](node& n, hdm_decoders::decoder& out) -> result<unsigned> {
        if (!n.profile_ || !n.profile_->component || !n.profile_->component->hdm) {
            if (why) *why = at() + std::string{n.name()} + " has no HDM decoders";
            return errc::hpa_not_decoded;
        }
        if (!n.comp_.hdm().decoding()) {
            if (why) *why = at() + std::string{n.name()} + " has HDM Decoder Enable off";
            return errc::hpa_not_decoded;
        }
        auto const& p = *n.profile_->component->hdm;
        auto const ctx = hdm_ctx(n, {});
        for (unsigned k = 0; k < p.decoders(); ++k) {
            out = n.comp_.hdm().state(p, ctx, k);
            if (out.phase == decoder_phase::committed && hpa >= out.base &&
                hpa - out.base < out.size)
                return k;
        }
        if (why)
            *why = at() + "no committed HDM decoder of " + std::string{n.name()} + " claims it";
        return errc::hpa_not_decoded;
    };

    node* cur = hb;
    if (hb->chbs_version_ == 0) { // an RCH: its RCD decodes with its own decoders
        cur = nullptr;
        for (auto c : hb->children_)
            if (nodes_[index_of(c)].present()) cur = &nodes_[index_of(c)];
        if (!cur) return fail("no RCD below RCH " + std::string{hb->name()});
        if (!hb->link_up()) return fail("the link of RCH " + std::string{hb->name()} + " is down");
    }
    while (cur->kind_ == node_kind::host_bridge || cur->kind_ == node_kind::upstream_port) {
        hdm_decoders::decoder d{};
        if (auto k = claim(*cur, d); !k) return k.error();
        auto const n = spec::eiw_to_ways(h::iw::get(d.control));
        auto const ig = spec::eig_to_granularity(h::ig::get(d.control));
        if (!n || !ig)
            return fail(std::string{cur->name()} + " holds a decoder it cannot have committed");
        if (!std::has_single_bit(*n))
            return fail(std::string{cur->name()} + " interleaves " + std::to_string(*n) +
                        " ways (not modelled)");
        unsigned const t = static_cast<unsigned>(((hpa - d.base) / *ig) % *n);
        auto const id = static_cast<std::uint8_t>(d.targets >> (8 * t));
        node* port = nullptr;
        for (auto c : cur->children_) {
            node& x = nodes_[index_of(c)];
            if ((x.kind_ == node_kind::root_port || x.kind_ == node_kind::downstream_port) &&
                x.port_number_ == id && x.present())
                port = &x;
        }
        if (!port)
            return fail(std::string{cur->name()} + " sends it to port " + std::to_string(id) +
                        ", which it does not have");
        if (!port->link_up())
            return fail("the link below " + std::string{port->name()} + " is down");
        node* below = nullptr;
        for (auto c : port->children_)
            if (nodes_[index_of(c)].present()) below = &nodes_[index_of(c)];
        if (!below) return fail("nothing is below " + std::string{port->name()});
        cur = below;
    }
    if (cur->kind_ != node_kind::endpoint && cur->kind_ != node_kind::rcd)
        return fail("it reaches " + std::string{cur->name()} + ", which is no device");
    hdm_decoders::decoder d{};
    auto claimed = claim(*cur, d);
    if (!claimed) return claimed.error();
    unsigned const k = *claimed;
    auto const n = spec::eiw_to_ways(h::iw::get(d.control));
    auto const ig = spec::eig_to_granularity(h::ig::get(d.control));
    if (!n || !ig)
        return fail(std::string{cur->name()} + " holds a decoder it cannot have committed");
    // The DPA where decoder k starts: every earlier decoder's skip and share, then its skip.
    auto const& p = *cur->profile_->component->hdm;
    auto const ctx = hdm_ctx(*cur, {});
    std::uint64_t dpa = 0;
    for (unsigned j = 0; j <= k; ++j) {
        auto const e = cur->comp_.hdm().state(p, ctx, j);
        auto const ew = spec::eiw_to_ways(h::iw::get(e.control));
        dpa += e.targets + (j < k ? e.size / (ew ? *ew : 1) : 0); // DPA Skip, share
    }
    std::uint64_t const off = hpa - d.base;
    dpa += off / (std::uint64_t{*ig} * *n) * *ig + off % *ig;
    return hpa_decode{cur->id_, k, dpa};
}

CXLFW_DECL result<std::uint64_t> platform::memory_access(std::uint64_t hpa, unsigned width,
                                                         std::optional<std::uint64_t> value) {
    auto to = decode_locked(hpa, nullptr);
    if (!to) return to.error();
    node& dev = nodes_[index_of(to->device)];
    std::uint64_t const page = to->dpa / 4096, in = to->dpa % 4096;
    if (in + width > 4096) return errc::hpa_not_decoded; // an access across two granules
    auto it = dev.memory_.find(page);
    if (!value) {
        if (it == dev.memory_.end()) return std::uint64_t{0};
        std::uint64_t v = 0;
        for (unsigned i = 0; i < width; ++i) // little endian, as the bus is
            v |= std::uint64_t(std::to_integer<std::uint8_t>((*it->second)[in + i])) << (8 * i);
        return v;
    }
    if (it == dev.memory_.end())
        it = dev.memory_.emplace(page, std::make_unique<std::array<std::byte, 4096>>()).first;
    for (unsigned i = 0; i < width; ++i)
        (*it->second)[in + i] = std::byte(static_cast<std::uint8_t>(*value >> (8 * i)));
    return std::uint64_t{0};
}

CXLFW_DECL std::uint64_t platform::memory_at(node_id id, std::uint64_t dpa) const {
    std::lock_guard lock{mutex_};
    if (index_of(id) >= nodes_.size()) return 0;
    auto const& mem = nodes_[index_of(id)].memory_;
    std::uint64_t v = 0;
    for (unsigned i = 0; i < 8; ++i) {
        auto it = mem.find((dpa + i) / 4096);
        if (it != mem.end())
            v |= std::uint64_t(std::to_integer<std::uint8_t>((*it->second)[(dpa + i) % 4096]))
                 << (8 * i);
    }
    return v;
}

CXLFW_DECL std::uint64_t platform::memory_allocated(node_id id) const {
    std::lock_guard lock{mutex_};
    if (index_of(id) >= nodes_.size()) return 0;
    return nodes_[index_of(id)].memory_.size() * 4096;
}

} // namespace cxlfw::emu
