// Out-of-line definitions for <cxlfw/emu/device_regs.hpp>: the block's layout, the capability
// headers, memory device status and the mailbox doorbell protocol.
#pragma once

#include <cxlfw/emu/device_regs.hpp>

#include <cxlfw/emu/detail/regs.hpp>
#include <cxlfw/units.hpp>

#include <algorithm>
#include <bit>
#include <iterator>

namespace cxlfw::emu {

CXLFW_DECL std::uint64_t device_regs_profile::block_size() const noexcept {
    return std::bit_ceil(std::max<std::uint64_t>(64_KiB, memdev_offset() + memdev_length));
}

CXLFW_DECL device_regs_profile::location
device_regs_profile::locate(std::uint64_t off) const noexcept {
    if (off >= status_offset && off < status_offset + status_length)
        return {region::device_status, off - status_offset};
    if (off >= mailbox_offset && off < memdev_offset())
        return {region::mailbox, off - mailbox_offset};
    if (off >= memdev_offset() && off < memdev_offset() + memdev_length)
        return {region::memdev, off - memdev_offset()};
    return {region::device_caps, off};
}

CXLFW_DECL device_regs_state::device_regs_state() noexcept = default;

CXLFW_DECL device_regs_state::~device_regs_state() = default;

CXLFW_DECL std::uint32_t device_regs_state::read32(device_regs_profile const& p,
                                                   device_context const& ctx, std::uint64_t off) {
    auto const at = p.locate(off);
    switch (at.region) {
    case region::device_caps:
        return caps_dword(p, off);
    case region::device_status:
        return 0; // no event log has records
    case region::memdev: {
        auto const v = memdev_status(p, ctx);
        return static_cast<std::uint32_t>(at.offset == 0 ? v : v >> 32);
    }
    case region::mailbox:
        return read_mailbox(p, ctx, at.offset);
    default:
        return 0;
    }
}

CXLFW_DECL void device_regs_state::write32(device_regs_profile const& p, device_context const& ctx,
                                           std::uint64_t off, std::uint32_t value,
                                           std::uint32_t mask) {
    auto const at = p.locate(off);
    if (at.region == region::mailbox) write_mailbox(p, ctx, at.offset, value, mask);
}

CXLFW_DECL std::uint64_t device_regs_state::memdev_status(device_regs_profile const& p,
                                                          device_context const& ctx) const {
    spec::memdev_status s;
    bool const media = elapsed(p.ready.memory_active, ctx.powered_at, ctx.now) &&
                       !(ctx.faults && ctx.faults->media_never_ready(ctx.node));
    s.media = media ? spec::media_status::ready : spec::media_status::not_ready;
    s.mailbox_ready = elapsed(p.ready.mailbox_ready, ctx.powered_at, ctx.now);
    return s.encode().value();
}

CXLFW_DECL void device_regs_state::reset() noexcept {
    mbox_.reset();
}

CXLFW_DECL std::uint32_t device_regs_state::caps_dword(device_regs_profile const& p,
                                                       std::uint64_t off) {
    namespace d = spec::device_regs;
    if (off < d::cap_header::base) {
        auto const v = d::encode_caps_array(3).value();
        return off == 0   ? static_cast<std::uint32_t>(v)
               : off == 4 ? static_cast<std::uint32_t>(v >> 32)
                          : 0;
    }
    struct cap {
        spec::device_cap_id id;
        std::uint8_t version;
        std::uint64_t offset;
        std::uint64_t length;
    };
    cap const caps[] = {
        {spec::device_cap_id::device_status, 2, p.status_offset, p.status_length},
        {spec::device_cap_id::primary_mailbox, 1, p.mailbox_offset, p.mailbox_length()},
        {spec::device_cap_id::memdev, 1, p.memdev_offset(), p.memdev_length}};
    for (std::size_t i = 0; i < std::size(caps); ++i) {
        auto const& c = caps[i];
        if (off == d::cap_header::offset_of(i))
            return spec::encode_device_cap_header(
                {static_cast<std::uint16_t>(c.id), c.version, 0, 0});
        if (off == d::cap_offset::offset_of(i)) return static_cast<std::uint32_t>(c.offset);
        if (off == d::cap_length::offset_of(i)) return static_cast<std::uint32_t>(c.length);
    }
    return 0;
}

CXLFW_DECL device_regs_state::mailbox_state& device_regs_state::mbox() {
    if (!mbox_) mbox_ = std::make_unique<mailbox_state>();
    return *mbox_;
}

CXLFW_DECL std::byte* device_regs_state::payload(device_regs_profile const& p) {
    auto& m = mbox();
    if (!m.payload) m.payload = std::make_unique<std::byte[]>(p.payload_size());
    return m.payload.get();
}

CXLFW_DECL void device_regs_state::settle(device_context const& ctx) {
    if (mbox_ && mbox_->in_flight && ctx.now >= mbox_->done_at) mbox_->in_flight = false;
}

CXLFW_DECL std::uint32_t device_regs_state::read_mailbox(device_regs_profile const& p,
                                                         device_context const& ctx,
                                                         std::uint64_t off) {
    namespace m = spec::mailbox;
    settle(ctx);
    if (off == m::capabilities::offset)
        return m::payload_size_log2::set(0, static_cast<std::uint32_t>(p.payload_log2));
    if (off >= m::payload_offset) {
        if (!mbox_ || !mbox_->payload) return 0;
        std::byte const* at = mbox_->payload.get() + (off - m::payload_offset);
        std::uint32_t v = 0;
        for (unsigned i = 0; i < 4; ++i)
            v |= std::uint32_t{std::to_integer<std::uint8_t>(at[i])} << (8 * i);
        return v;
    }
    if (!mbox_) return 0;
    auto const half = [&](std::uint64_t v, std::uint64_t base) {
        return static_cast<std::uint32_t>(off == base ? v : v >> 32);
    };
    switch (off) {
    case m::control::offset:
        return m::doorbell::set(0, mbox_->in_flight);
    case m::command::offset:
    case m::command::offset + 4:
        return half(mbox_->command, m::command::offset);
    case m::status::offset:
    case m::status::offset + 4:
        return half(mbox_->status, m::status::offset);
    default:
        return 0; // background command status: no background commands
    }
}

CXLFW_DECL void device_regs_state::write_mailbox(device_regs_profile const& p,
                                                 device_context const& ctx, std::uint64_t off,
                                                 std::uint32_t value, std::uint32_t mask) {
    namespace m = spec::mailbox;
    settle(ctx);
    bool const busy = mbox_ && mbox_->in_flight;
    if (off >= m::payload_offset) {
        if (busy) return;
        std::byte* at = payload(p) + (off - m::payload_offset);
        for (unsigned i = 0; i < 4; ++i)
            if ((mask >> (8 * i)) & 0xFF)
                at[i] = static_cast<std::byte>(static_cast<std::uint8_t>(value >> (8 * i)));
        return;
    }
    if (off == m::command::offset || off == m::command::offset + 4) {
        if (busy) return;
        auto& c = mbox().command;
        unsigned const shift = off == m::command::offset ? 0 : 32;
        auto const old = static_cast<std::uint32_t>(c >> shift);
        c = (c & ~(std::uint64_t{0xFFFF'FFFF} << shift)) |
            (std::uint64_t{detail::merge(old, value, mask)} << shift);
        return;
    }
    if (off == m::control::offset && (mask & m::doorbell::mask) && m::doorbell::get(value & mask))
        ring(p, ctx);
}

CXLFW_DECL void device_regs_state::complete(spec::return_code rc, std::size_t output_length) {
    namespace m = spec::mailbox;
    auto& mb = mbox();
    mb.status = m::return_code_field::set(0, static_cast<std::uint64_t>(rc));
    mb.command = m::payload_length::set(
        mb.command, rc == spec::return_code::success ? std::uint64_t{output_length} : 0);
}

CXLFW_DECL void device_regs_state::ring(device_regs_profile const& p, device_context const& ctx) {
    namespace m = spec::mailbox;
    auto& mb = mbox();
    if (mb.in_flight) { // doorbell while busy
        complete(spec::return_code::busy, 0);
        return;
    }
    if (!elapsed(p.ready.mailbox_ready, ctx.powered_at, ctx.now)) {
        complete(spec::return_code::retry_required, 0);
        return;
    }
    mb.in_flight = true;
    mb.done_at = ctx.now + ctx.command_latency;
    auto const opcode = static_cast<std::uint16_t>(m::opcode_field::get(mb.command));
    std::size_t const in_len = m::payload_length::get(mb.command);
    access const a{ctx.node, region::mailbox, access_kind::command, opcode, 0};
    if (ctx.counts) ctx.counts->count(a);
    if (ctx.total) ++*ctx.total;
    if (in_len > p.payload_size()) {
        complete(spec::return_code::invalid_payload_length, 0);
    } else if (auto rc = ctx.faults ? ctx.faults->command_fault(a) : std::nullopt) {
        complete(*rc, 0);
    } else {
        auto const out =
            execute_command(p.identity, opcode, {payload(p), p.payload_size()}, in_len);
        complete(out.rc, out.output_length);
    }
    settle(ctx); // a zero latency completes at once
}

} // namespace cxlfw::emu
