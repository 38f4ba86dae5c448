// HDM decoder registers (Linux core/hdm.c): read a decoder as the component left it,
// program and commit one, reset one. Commit follows CXL 2.0 §8.2.5.12.20: decoders commit in
// id order; software polls Committed / Error Not Committed for 20 ms (the spec's 10 ms plus
// Linux's margin), on the virtual clock.
//
//   if (auto ok = core::commit_decoder(dec); !ok) ... ok.error() == errc::commit_timeout
#pragma once

#include <cxlfw/clock.hpp>
#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/objects.hpp>
#include <cxlfw/spec/component.hpp>
#include <cxlfw/spec/interleave.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace cxlfw::core {

/// Linux COMMIT_TIMEOUT_MS, polled once a millisecond.
inline constexpr vtime commit_timeout = std::chrono::milliseconds{20};
inline constexpr vtime commit_poll = std::chrono::milliseconds{1};

/// One decoder's registers, as read.
struct decoder_regs {
    std::uint64_t base = 0;
    std::uint64_t size = 0;
    std::uint64_t targets = 0; ///< target list, or DPA skip
    spec::hdm::decoder_control control{};
    std::uint32_t control_raw = 0;
};

inline fact_result<decoder_regs> read_decoder_regs(hdm_map const& hdm, unsigned n) {
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
    decoder_regs d;
    d.base = h::join64(*bh, *bl);
    d.size = h::join64(*sh, *sl);
    d.targets = h::join64(*th, *tl);
    d.control_raw = *ctl;
    d.control = h::decoder_control::decode(*ctl);
    return d;
}

namespace detail {

inline fact hw_fact(decoder const& d, std::error_code ec, std::string_view what) {
    return fact{ec, d.name() + ": " + std::string{what}};
}

/// Linux setup_hw_decoder(): base, size, target list or DPA skip, then control with Commit.
inline fact_result<void> program_decoder(hdm_map const& hdm, decoder const& d) {
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
inline void clear_decoder_regs(hdm_map const& hdm, unsigned n) {
    namespace h = spec::hdm;
    auto w = hdm.regs.window();
    if (auto ctl = w.read<h::control>(n)) (void)w.write<h::control>(n, h::commit::set(*ctl, 0));
    (void)w.write<h::size_high>(n, 0);
    (void)w.write<h::size_low>(n, 0);
    (void)w.write<h::base_high>(n, 0);
    (void)w.write<h::base_low>(n, 0);
}

/// Linux cxl_port_commit_reap(): commit_end drops past every decoder no longer enabled.
inline void reap_commit_end(port& p) {
    auto& end = port_access::commit_end(p);
    while (end >= 0) {
        decoder* d = p.find_decoder(static_cast<unsigned>(end));
        if (d && d->enabled) break;
        --end;
    }
}

} // namespace detail

/// Linux cxl_decoder_commit(): decoders commit in id order (decoder_busy otherwise); poll
/// for 20 ms of virtual time. A passthrough decoder (no registers) commits at once.
inline fact_result<void> commit_decoder(decoder& d) {
    port& p = d.owner();
    std::lock_guard lk{p.core().mutex()};
    if (d.enabled) return {};
    if (d.passthrough) {
        d.enabled = true;
        return {};
    }
    auto const& hdm = p.hdm();
    if (!hdm) return fact{errc::registers_absent, p.name() + " has no HDM decoder registers"};
    if (p.commit_end() + 1 != static_cast<int>(d.id()))
        return fact{errc::decoder_busy, d.name() + ": out of order commit, expected decoder" +
                                            std::to_string(p.id()) + "." +
                                            std::to_string(p.commit_end() + 1)};
    if (auto ok = detail::program_decoder(*hdm, d); !ok) {
        detail::clear_decoder_regs(*hdm, d.id());
        return ok.error();
    }
    port_access::commit_end(p) = static_cast<int>(d.id());
    auto& clock = p.core().clock();
    auto const fail = [&](fact f) -> fact_result<void> {
        detail::clear_decoder_regs(*hdm, d.id());
        detail::reap_commit_end(p);
        return f;
    };
    for (vtime waited{}; waited < commit_timeout; waited += commit_poll) {
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

/// Linux cxl_decoder_reset(): clear Commit and the range; out-of-order resets are done but
/// leave commit_end where it is, as Linux does.
inline void reset_decoder(decoder& d) {
    port& p = d.owner();
    std::lock_guard lk{p.core().mutex()};
    if (!d.enabled) return;
    d.enabled = false;
    d.locked = false;
    if (d.passthrough) return;
    if (auto const& hdm = p.hdm()) detail::clear_decoder_regs(*hdm, d.id());
    if (p.commit_end() == static_cast<int>(d.id())) detail::reap_commit_end(p);
}

} // namespace cxlfw::core
