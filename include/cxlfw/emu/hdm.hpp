// HDM decoders that behave (CXL 2.0 §8.2.5.12; Linux drivers/cxl/core/hdm.c, QEMU
// hw/mem/cxl_type3.c hdm_decoder_commit()). One hdm_decoders object is the HDM Decoder Capability
// structure of one component: a host bridge's CHBCR, a switch upstream port, an endpoint.
//
// Register behaviour, per decoder:
//   - Base/Size Low keep what software writes, bits [27:0] included: QEMU masks those bits
//     away; we keep them so that a misaligned base or size is caught at commit (Error Not
//     Committed) rather than silently rounded. DPA Skip Low keeps bits [31:28] only.
//   - Base, Size and Target List / DPA Skip are writable only while the decoder is idle
//     (Commit clear); otherwise writes are dropped.
//   - Control's writable bits are 0x13FF (QEMU's mask): Committed [10] and Error Not
//     Committed [11] are the device's.
//   - Commit 0 -> 1 checks the programming (validate() below, one commit_error per rule) and,
//     `decoder_commit` of virtual time later, shows Committed or Error Not Committed. The
//     result is computed lazily when a register is read: no threads, no timers. A
//     never_commit fault keeps it pending forever.
//   - Commit 1 -> 0 de-commits an unlocked decoder. Committed with Lock On Commit makes every
//     register of the decoder read-only until reset().
//   - Global Control's HDM Decoder Enable [1] (and Poison On Decode Error Enable [0]) are
//     plain read/write bits, as in QEMU: committing does not depend on them, and the
//     emulator decodes no memory. Linux sets the bit before using decoders
//     (devm_cxl_enable_hdm); tests can read it back.
#pragma once

#include <cxlfw/clock.hpp>
#include <cxlfw/emu/detail/regs.hpp>
#include <cxlfw/emu/fault.hpp>
#include <cxlfw/emu/types.hpp>
#include <cxlfw/spec/component.hpp>
#include <cxlfw/spec/interleave.hpp>
#include <cxlfw/units.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace cxlfw::emu {

/// Why a commit ended in Error Not Committed. Each is one rule, checked in this order.
enum class commit_error : std::uint8_t {
    none = 0,
    invalid_ig,                ///< IG above 6 (Linux cxl.h eig_to_granularity)
    invalid_iw,                ///< IW outside {0-4, 8-10} (Linux cxl.h eiw_to_ways)
    ways_not_supported,        ///< 3/6/12 or 16 ways without the capability bit, or more ways
                               ///< than the Target Count (host bridge, switch)
    granularity_not_supported, ///< the HPA bits that select a position are not ones the
                               ///< capability's interleave bits [11:8]/[14:12] allow (Linux hdm.c)
    out_of_order,              ///< decoder n committed while decoder n-1 is not (Linux hdm.c)
    base_not_aligned,          ///< Base bits [27:0] not zero
    size_not_aligned,          ///< Size bits [27:0] not zero, or (endpoint) Size not a
                               ///< multiple of 256 MiB x ways
    base_below_previous,       ///< Base below decoder n-1's Base + Size (HPA order)
    dpa_beyond_capacity,       ///< endpoint: DPA base + Skip + Size / ways past the capacity
    invalid_target,            ///< a target list position names no downstream port of this
                               ///< component
};

constexpr std::string_view commit_error_name(commit_error e) noexcept {
    switch (e) {
    case commit_error::none:
        return "none";
    case commit_error::invalid_ig:
        return "invalid IG encoding";
    case commit_error::invalid_iw:
        return "invalid IW encoding";
    case commit_error::ways_not_supported:
        return "interleave ways not allowed by the capability register";
    case commit_error::granularity_not_supported:
        return "interleave granularity not allowed by the capability register";
    case commit_error::out_of_order:
        return "decoder committed before the previous decoder";
    case commit_error::base_not_aligned:
        return "base not 256 MiB aligned";
    case commit_error::size_not_aligned:
        return "size not 256 MiB (x ways) aligned";
    case commit_error::base_below_previous:
        return "base below the previous decoder's end";
    case commit_error::dpa_beyond_capacity:
        return "DPA skip + size beyond the device capacity";
    case commit_error::invalid_target:
        return "target list names a port that is not a downstream port";
    }
    return "unknown";
}

/// What a decoder shows, decoded (tests and reports).
enum class decoder_phase : std::uint8_t { idle, pending, committed, failed };

/// The static part of an HDM structure (shared by every component built from one spec).
struct hdm_profile {
    spec::hdm::decoder_capability cap{};
    std::uint32_t cap_raw = 0;
    bool endpoint = false;          ///< DPA Skip instead of a target list
    std::uint64_t dpa_capacity = 0; ///< endpoints: RAM + PMEM
    unsigned decoders() const noexcept { return cap.decoder_count; }
    std::size_t length() const noexcept { return spec::hdm::structure_length(cap.decoder_count); }
};

/// What an access needs to know from the platform.
struct hdm_context {
    vtime now{};
    vtime commit_delay{};
    fault_hook* faults = nullptr;
    node_id node = no_node;
    /// Port IDs of this component's downstream ports (host bridge: root ports; switch:
    /// downstream ports). Only consulted when a commit is requested.
    std::span<const std::uint8_t> dports{};
};

class hdm_decoders {
public:
    struct decoder {
        std::uint64_t base = 0;    ///< as written, low bits included
        std::uint64_t size = 0;    ///< as written, low bits included
        std::uint64_t targets = 0; ///< target list, or DPA skip (bits [27:0] dropped)
        std::uint32_t control = 0; ///< software-writable bits only
        decoder_phase phase = decoder_phase::idle;
        commit_error error = commit_error::none;
        vtime due{};
    };

    std::uint32_t read32(hdm_profile const& p, hdm_context const& ctx, std::uint64_t off) {
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

    void write32(hdm_profile const& p, hdm_context const& ctx, std::uint64_t off,
                 std::uint32_t value, std::uint32_t mask) {
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

    /// Back to power-on state (conventional reset): every decoder idle and unlocked.
    void reset() noexcept {
        decoders_.reset();
        global_ = 0;
    }

    /// Decoder n as it stands now (resolving a commit that is due).
    decoder state(hdm_profile const& p, hdm_context const& ctx, unsigned n) {
        if (!decoders_ || n >= p.decoders()) return {};
        resolve(ctx, n);
        return decoders_[n];
    }

    /// Whether any register was written since power-on (decoder storage is allocated lazily).
    bool allocated() const noexcept { return decoders_ != nullptr; }

    /// The rules a commit of decoder n is checked against, in order; `none` if it may commit.
    static commit_error validate(hdm_profile const& p, decoder const* all, unsigned n,
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
        if (n > 0 && all[n - 1].phase != decoder_phase::committed)
            return commit_error::out_of_order;
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

private:
    static bool locked(decoder const& d) noexcept {
        return d.phase == decoder_phase::committed && spec::hdm::lock_on_commit::get(d.control);
    }

    void write_control(hdm_profile const& p, hdm_context const& ctx, unsigned n,
                       std::uint32_t next) {
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

    void resolve(hdm_context const& ctx, unsigned n) {
        decoder& d = decoders_[n];
        if (d.phase != decoder_phase::pending || ctx.now < d.due) return;
        if (ctx.faults && ctx.faults->decoder_never_commits(ctx.node, n)) return;
        d.phase = d.error == commit_error::none ? decoder_phase::committed : decoder_phase::failed;
    }

    std::unique_ptr<decoder[]> decoders_;
    std::uint32_t global_ = 0;
};

} // namespace cxlfw::emu
