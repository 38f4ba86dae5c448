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
#include <cxlfw/config.hpp>
#include <cxlfw/emu/devices.hpp>
#include <cxlfw/emu/fault.hpp>
#include <cxlfw/emu/mailbox.hpp>
#include <cxlfw/emu/types.hpp>
#include <cxlfw/spec/device_regs.hpp>

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
    std::uint64_t block_size() const noexcept;

    struct location {
        emu::region region;
        std::uint64_t offset;
    };
    location locate(std::uint64_t off) const noexcept;
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
    device_regs_state() noexcept;
    ~device_regs_state();

    std::uint32_t read32(device_regs_profile const& p, device_context const& ctx,
                         std::uint64_t off);

    void write32(device_regs_profile const& p, device_context const& ctx, std::uint64_t off,
                 std::uint32_t value, std::uint32_t mask);

    /// The memory device status register as the device reports it now.
    std::uint64_t memdev_status(device_regs_profile const& p, device_context const& ctx) const;

    void reset() noexcept;

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

    static std::uint32_t caps_dword(device_regs_profile const& p, std::uint64_t off);

    mailbox_state& mbox();
    std::byte* payload(device_regs_profile const& p);

    /// Completes a command whose time has come: the doorbell clears.
    void settle(device_context const& ctx);

    std::uint32_t read_mailbox(device_regs_profile const& p, device_context const& ctx,
                               std::uint64_t off);

    void write_mailbox(device_regs_profile const& p, device_context const& ctx, std::uint64_t off,
                       std::uint32_t value, std::uint32_t mask);

    void complete(spec::return_code rc, std::size_t output_length);

    void ring(device_regs_profile const& p, device_context const& ctx);

    std::unique_ptr<mailbox_state> mbox_;
};

} // namespace cxlfw::emu

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/emu/impl/device_regs.ipp>
#endif
