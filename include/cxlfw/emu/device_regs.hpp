// The CXL device register block (Register Block ID 3; CXL 2.0 §8.2.8) of a memory device:
// capabilities array, device status, primary mailbox, memory device status. QEMU's layout:
//
//   | offset                | contents                                        | region        |
//   |-----------------------|-------------------------------------------------|---------------|
//   | 0x00                  | capabilities array: 3 capabilities              | device_caps   |
//   | 0x10 / 0x20 / 0x30    | headers: status (ID 1, v2), mailbox (ID 2, v1), | device_caps   |
//   |                       | memdev (ID 0x4000, v1)                          |               |
//   | 0x80                  | device status (event status), 8 bytes           | device_status |
//   | 0x88                  | mailbox: registers 0x20 bytes, then payload     | mailbox       |
//   | 0x88 + 0x20 + payload | memory device status, 8 bytes                   | memdev        |
//
// The doorbell protocol, as Linux drivers/cxl/pci.c __cxl_pci_mbox_send_cmd() drives it:
//   - Command and payload are writable while the doorbell is clear; writes while it is set
//     are dropped (the device owns them).
//   - Setting the doorbell executes the command (mailbox.hpp); the doorbell reads set for
//     `mailbox_command` of virtual time, then clear; Status [47:32] holds the return code and
//     Command [36:16] the output length (0 unless the command succeeded).
//   - An input length above the payload size completes with Invalid Payload Length (0x16).
//   - Ringing the doorbell while it is still set (Linux checks it is clear first) is a
//     protocol violation: the command in flight completes with Busy (0x06) and no output.
//   - Ringing it before Mailbox Interface Ready completes at once with Retry Required (0x05).
//   - A fault rule for the opcode completes it with the rule's return code, no output.
// The payload buffer is allocated on first use.
//
// Memory device status: Mailbox Interface Ready after readiness.mailbox_ready; Media Status
// "ready" after readiness.memory_active (the same moment DVSEC Memory_Active sets), unless a
// keep_media_not_ready fault holds it at "not ready".
#pragma once

#include <cxlfw/clock.hpp>
#include <cxlfw/emu/detail/regs.hpp>
#include <cxlfw/emu/devices.hpp>
#include <cxlfw/emu/fault.hpp>
#include <cxlfw/emu/mailbox.hpp>
#include <cxlfw/emu/types.hpp>
#include <cxlfw/spec/device_regs.hpp>
#include <cxlfw/units.hpp>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

namespace cxlfw::emu {

/// Whether `delay` (from power-on) has passed at `now`; an empty delay never passes.
constexpr bool elapsed(std::optional<vtime> delay, vtime powered_at, vtime now) noexcept {
    return delay && now >= powered_at + *delay;
}

struct device_regs_profile {
    static constexpr std::uint64_t status_offset = 0x80;
    static constexpr std::uint64_t status_length = 0x08;
    static constexpr std::uint64_t mailbox_offset = 0x88;
    static constexpr std::uint64_t memdev_length = 0x08;

    unsigned payload_log2 = 11;
    memdev_identity identity{};
    readiness ready{};

    std::uint64_t payload_size() const noexcept { return std::uint64_t{1} << payload_log2; }
    std::uint64_t mailbox_length() const noexcept {
        return spec::mailbox::registers_length(payload_size());
    }
    std::uint64_t memdev_offset() const noexcept { return mailbox_offset + mailbox_length(); }
    /// The block rounded up to a power of two, at least 64 KiB (register blocks are 64 KiB
    /// aligned).
    std::uint64_t block_size() const noexcept {
        return std::bit_ceil(std::max<std::uint64_t>(64_KiB, memdev_offset() + memdev_length));
    }

    struct location {
        emu::region region;
        std::uint64_t offset;
    };
    location locate(std::uint64_t off) const noexcept {
        if (off >= status_offset && off < status_offset + status_length)
            return {region::device_status, off - status_offset};
        if (off >= mailbox_offset && off < memdev_offset())
            return {region::mailbox, off - mailbox_offset};
        if (off >= memdev_offset() && off < memdev_offset() + memdev_length)
            return {region::memdev, off - memdev_offset()};
        return {region::device_caps, off};
    }
};

/// What an access needs from the platform.
struct device_context {
    vtime now{};
    vtime powered_at{};
    vtime command_latency{};
    fault_hook* faults = nullptr;
    access_counts* counts = nullptr;
    std::uint64_t* total = nullptr; ///< the platform's access total
    node_id node = no_node;
};

class device_regs_state {
public:
    std::uint32_t read32(device_regs_profile const& p, device_context const& ctx,
                         std::uint64_t off) {
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

    void write32(device_regs_profile const& p, device_context const& ctx, std::uint64_t off,
                 std::uint32_t value, std::uint32_t mask) {
        auto const at = p.locate(off);
        if (at.region == region::mailbox) write_mailbox(p, ctx, at.offset, value, mask);
    }

    /// The memory device status register as the device reports it now.
    std::uint64_t memdev_status(device_regs_profile const& p, device_context const& ctx) const {
        spec::memdev_status s;
        bool const media = elapsed(p.ready.memory_active, ctx.powered_at, ctx.now) &&
                           !(ctx.faults && ctx.faults->media_never_ready(ctx.node));
        s.media = media ? spec::media_status::ready : spec::media_status::not_ready;
        s.mailbox_ready = elapsed(p.ready.mailbox_ready, ctx.powered_at, ctx.now);
        return s.encode().value();
    }

    void reset() noexcept { mbox_.reset(); }

    /// Whether the mailbox was used since power-on (its state is allocated lazily).
    bool mailbox_allocated() const noexcept { return mbox_ != nullptr; }
    bool payload_allocated() const noexcept { return mbox_ && mbox_->payload; }

private:
    struct mailbox_state {
        std::uint64_t command = 0;
        std::uint64_t status = 0;
        vtime done_at{};
        bool in_flight = false;
        std::unique_ptr<std::byte[]> payload;
    };

    static std::uint32_t caps_dword(device_regs_profile const& p, std::uint64_t off) {
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

    mailbox_state& mbox() {
        if (!mbox_) mbox_ = std::make_unique<mailbox_state>();
        return *mbox_;
    }
    std::byte* payload(device_regs_profile const& p) {
        auto& m = mbox();
        if (!m.payload) m.payload = std::make_unique<std::byte[]>(p.payload_size());
        return m.payload.get();
    }

    /// Completes a command whose time has come: the doorbell clears.
    void settle(device_context const& ctx) {
        if (mbox_ && mbox_->in_flight && ctx.now >= mbox_->done_at) mbox_->in_flight = false;
    }

    std::uint32_t read_mailbox(device_regs_profile const& p, device_context const& ctx,
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

    void write_mailbox(device_regs_profile const& p, device_context const& ctx, std::uint64_t off,
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
        if (off == m::control::offset && (mask & m::doorbell::mask) &&
            m::doorbell::get(value & mask))
            ring(p, ctx);
    }

    void complete(spec::return_code rc, std::size_t output_length) {
        namespace m = spec::mailbox;
        auto& mb = mbox();
        mb.status = m::return_code_field::set(0, static_cast<std::uint64_t>(rc));
        mb.command = m::payload_length::set(
            mb.command, rc == spec::return_code::success ? std::uint64_t{output_length} : 0);
    }

    void ring(device_regs_profile const& p, device_context const& ctx) {
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

    std::unique_ptr<mailbox_state> mbox_;
};

} // namespace cxlfw::emu
