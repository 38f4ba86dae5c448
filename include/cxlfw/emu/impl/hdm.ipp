// Out-of-line definitions for <cxlfw/emu/hdm.hpp>: decoder registers, commit and its rules,
// and the lazy resolution of a pending commit.
#pragma once

#include <cxlfw/emu/hdm.hpp>

#include <cxlfw/emu/detail/regs.hpp>
#include <cxlfw/spec/interleave.hpp>
#include <cxlfw/units.hpp>

#include <algorithm>

namespace cxlfw::emu {

CXLFW_DECL hdm_decoders::hdm_decoders() noexcept = default;

CXLFW_DECL hdm_decoders::~hdm_decoders() = default;

CXLFW_DECL std::uint32_t hdm_decoders::read32(hdm_profile const& p, hdm_context const& ctx,
                                              std::uint64_t off) {
    namespace h = spec::hdm;
    if (off == h::capability::offset) return p.cap_raw;
    if (off == h::global_control::offset) return global_;
    if (off < h::base_low::offset_of(0) || off >= p.length()) return 0;
    auto const n = static_cast<unsigned>((off - h::base_low::base) / h::base_low::stride);
    auto const reg = (off - h::base_low::base) % h::base_low::stride + h::base_low::base;
    if (!decoders_) return 0; // never written: every register reads its reset value, 0
    resolve(ctx, n);
    decoder const& d = decoders_[n];
    switch (reg) {
    case h::base_low::base:
        return static_cast<std::uint32_t>(d.base);
    case h::base_high::base:
        return static_cast<std::uint32_t>(d.base >> 32);
    case h::size_low::base:
        return static_cast<std::uint32_t>(d.size);
    case h::size_high::base:
        return static_cast<std::uint32_t>(d.size >> 32);
    case h::control::base: {
        std::uint32_t v = d.control;
        v = h::committed::set(v, d.phase == decoder_phase::committed);
        return h::error_not_committed::set(v, d.phase == decoder_phase::failed);
    }
    case h::target_list_low::base:
        return static_cast<std::uint32_t>(d.targets);
    case h::target_list_high::base:
        return static_cast<std::uint32_t>(d.targets >> 32);
    default:
        return 0;
    }
}

CXLFW_DECL void hdm_decoders::write32(hdm_profile const& p, hdm_context const& ctx,
                                      std::uint64_t off, std::uint32_t value, std::uint32_t mask) {
    namespace h = spec::hdm;
    if (off == h::global_control::offset) {
        constexpr std::uint32_t writable =
            h::poison_on_decode_error_enable::mask | h::hdm_decoder_enable::mask;
        global_ = detail::merge(global_, value, mask & writable);
        return;
    }
    if (off < h::base_low::offset_of(0) || off >= p.length()) return;
    auto const n = static_cast<unsigned>((off - h::base_low::base) / h::base_low::stride);
    auto const reg = (off - h::base_low::base) % h::base_low::stride + h::base_low::base;
    if (!decoders_) decoders_ = std::make_unique<decoder[]>(p.decoders());
    resolve(ctx, n);
    decoder& d = decoders_[n];
    if (locked(d)) return; // Lock On Commit: read-only until reset
    auto const set_half = [&](std::uint64_t& v, bool high, std::uint32_t keep) {
        auto const shift = high ? 32u : 0u;
        auto const old = static_cast<std::uint32_t>(v >> shift);
        auto const nv = detail::merge(old, value, mask) & keep;
        v = (v & ~(std::uint64_t{0xFFFF'FFFF} << shift)) | (std::uint64_t{nv} << shift);
    };
    bool const idle = d.phase == decoder_phase::idle;
    switch (reg) {
    case h::base_low::base:
    case h::base_high::base:
        if (idle) set_half(d.base, reg == h::base_high::base, 0xFFFF'FFFF);
        return;
    case h::size_low::base:
    case h::size_high::base:
        if (idle) set_half(d.size, reg == h::size_high::base, 0xFFFF'FFFF);
        return;
    case h::target_list_low::base:
    case h::target_list_high::base:
        if (idle)
            set_half(d.targets, reg == h::target_list_high::base,
                     p.endpoint && reg == h::target_list_low::base ? h::low_address_mask
                                                                   : 0xFFFF'FFFF);
        return;
    case h::control::base:
        write_control(p, ctx, n, detail::merge(d.control, value, mask & h::control_write_mask));
        return;
    default:
        return;
    }
}

CXLFW_DECL void hdm_decoders::reset() noexcept {
    decoders_.reset();
    global_ = 0;
}

CXLFW_DECL void hdm_decoders::preset(hdm_profile const& p, unsigned n, decoder const& d) {
    if (n >= p.decoders()) return;
    if (!decoders_) decoders_ = std::make_unique<decoder[]>(p.decoders());
    decoders_[n] = d;
    decoders_[n].control &= spec::hdm::control_write_mask;
    decoders_[n].phase = decoder_phase::committed;
    decoders_[n].error = commit_error::none;
    global_ = spec::hdm::hdm_decoder_enable::set(global_, 1);
}

CXLFW_DECL hdm_decoders::decoder hdm_decoders::state(hdm_profile const& p, hdm_context const& ctx,
                                                     unsigned n) {
    if (!decoders_ || n >= p.decoders()) return {};
    resolve(ctx, n);
    return decoders_[n];
}

CXLFW_DECL commit_error hdm_decoders::validate(hdm_profile const& p, decoder const* all, unsigned n,
                                               std::span<const std::uint8_t> dports) {
    namespace h = spec::hdm;
    decoder const& d = all[n];
    auto const gran = spec::eig_to_granularity(h::ig::get(d.control));
    if (!gran) return commit_error::invalid_ig;
    auto const ways = spec::eiw_to_ways(h::iw::get(d.control));
    if (!ways) return commit_error::invalid_iw;
    if (!h::supports_ways(p.cap, *ways) ||
        (!p.endpoint && *ways > std::max(1u, p.cap.target_count)))
        return commit_error::ways_not_supported;
    if (!h::supports_interleave(p.cap, *ways, *gran))
        return commit_error::granularity_not_supported;
    if (n > 0 && all[n - 1].phase != decoder_phase::committed) return commit_error::out_of_order;
    if (!is_aligned(d.base, hdm_alignment)) return commit_error::base_not_aligned;
    if (!is_aligned(d.size, hdm_alignment) ||
        (p.endpoint && !is_aligned(d.size, hdm_alignment * *ways)))
        return commit_error::size_not_aligned;
    if (n > 0 && d.base < all[n - 1].base + all[n - 1].size)
        return commit_error::base_below_previous;
    if (p.endpoint) {
        // Decoder n's DPA range starts where decoder n-1's ends (Linux
        // drivers/cxl/core/hdm.c init_hdm_decoder()).
        std::uint64_t dpa = 0;
        for (unsigned k = 0; k <= n; ++k) {
            auto const w = spec::eiw_to_ways(h::iw::get(all[k].control));
            dpa += all[k].targets + all[k].size / (w ? *w : 1);
        }
        if (dpa > p.dpa_capacity) return commit_error::dpa_beyond_capacity;
    } else {
        for (unsigned pos = 0; pos < *ways; ++pos) {
            auto const id = static_cast<std::uint8_t>(d.targets >> (8 * pos));
            if (std::find(dports.begin(), dports.end(), id) == dports.end())
                return commit_error::invalid_target;
        }
    }
    return commit_error::none;
}

CXLFW_DECL void hdm_decoders::write_control(hdm_profile const& p, hdm_context const& ctx,
                                            unsigned n, std::uint32_t next) {
    namespace h = spec::hdm;
    decoder& d = decoders_[n];
    bool const was = h::commit::get(d.control) != 0;
    bool const now = h::commit::get(next) != 0;
    if (was && now) return; // committed, pending or failed: only clearing Commit counts
    d.control = next;
    if (was && !now) { // de-commit (QEMU hdm_decoder_uncommit)
        d.phase = decoder_phase::idle;
        d.error = commit_error::none;
        return;
    }
    if (!was && now) {
        d.error = validate(p, decoders_.get(), n, ctx.dports);
        d.phase = decoder_phase::pending;
        d.due = ctx.now + ctx.commit_delay;
        resolve(ctx, n);
    }
}

CXLFW_DECL void hdm_decoders::resolve(hdm_context const& ctx, unsigned n) {
    decoder& d = decoders_[n];
    if (d.phase != decoder_phase::pending || ctx.now < d.due) return;
    if (ctx.faults && ctx.faults->decoder_never_commits(ctx.node, n)) return;
    d.phase = d.error == commit_error::none ? decoder_phase::committed : decoder_phase::failed;
}

} // namespace cxlfw::emu
