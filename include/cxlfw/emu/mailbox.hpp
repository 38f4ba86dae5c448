// The mailbox command set of an emulated memory device (CXL 2.0 §8.2.9): what each command
// answers, encoded with spec/mailbox.hpp. The doorbell protocol around it is in
// device_regs.hpp.
//
//   | opcode | command                | input                       | output                      |
//   |--------|------------------------|-----------------------------|-----------------------------|
//   | 0x0400 | Get Supported Logs     | none                        | one entry: CEL, its size    |
//   | 0x0401 | Get Log                | 0x18 (UUID, offset, length) | CEL bytes [offset, +length) |
//   | 0x4000 | Identify Memory Device | none                        | 0x43 bytes                  |
//   | 0x4100 | Get Partition Info     | none                        | 0x20 bytes                  |
//   | 0x4200 | Get Health Info        | none                        | 0x12 bytes                  |
//   | other  | —                      | —                           | Unsupported (0x03)          |
//
// Return codes follow QEMU's cxl_process_cci_message and cmd_logs_get_log: an input length
// other than the command's is Invalid Payload Length (0x16); a log UUID other than the CEL's is
// Invalid Log (0x17); a Get Log range past the log or longer than the payload is Invalid Input
// (0x02).
#pragma once

#include <cxlfw/config.hpp>
#include <cxlfw/spec/device_regs.hpp>
#include <cxlfw/spec/mailbox.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace cxlfw::emu {

/// What the command set answers from.
struct memdev_identity {
    std::uint64_t ram = 0;
    std::uint64_t pmem = 0;
    std::uint64_t partition_align = 0;
    std::uint32_t lsa_size = 0;
    std::array<char, 16> fw_revision{};
};

struct command_outcome {
    spec::return_code rc = spec::return_code::success;
    std::size_t output_length = 0;
};

/// The Command Effects Log: every command the device answers, no side effects.
inline constexpr std::array<spec::mbox::cel_entry, 5> command_effects_log{{
    {spec::opcode::get_supported_logs, 0},
    {spec::opcode::get_log, 0},
    {spec::opcode::identify, 0},
    {spec::opcode::get_partition_info, 0},
    {spec::opcode::get_health_info, 0},
}};
inline constexpr std::size_t cel_size = command_effects_log.size() * spec::mbox::cel_entry::size;

/// Executes `opcode` with `input_length` bytes of input at the start of `payload` and writes
/// the output there (Linux cxl_mbox_send_cmd's view of a device; QEMU cxl-mailbox-utils.c).
CXLFW_DECL command_outcome execute_command(memdev_identity const& id, std::uint16_t opcode,
                                           std::span<std::byte> payload, std::size_t input_length);

} // namespace cxlfw::emu

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/emu/impl/mailbox.ipp>
#endif
