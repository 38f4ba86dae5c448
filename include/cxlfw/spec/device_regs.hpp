// The CXL device register block (Register Block ID 3; CXL 2.0 §8.2.8, commands §8.2.9):
// the device capabilities array, device status, memory device status, the mailbox registers,
// mailbox return codes and command opcodes.
//
//   mailbox::return_code_field::get(0x0006'0000'0000) == 6     // busy
//   return_code_name(return_code::busy) == "busy"
#pragma once

#include <cxlfw/spec/bits.hpp>
#include <cxlfw/spec/errc.hpp>
#include <cxlfw/units.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cxlfw::spec {

// --- capabilities array (CXL 2.0 §8.2.8.1, §8.2.8.2) ---------------------------------------

namespace device_regs {
/// Device Capabilities Array Register at +0x00: ID [15:0] = 0, version [23:16], count [47:32].
struct caps_array : reg<std::uint64_t, 0x00> {
    static constexpr bool read_only = true;
};
using array_cap_id = field<caps_array, 15, 0>;
using array_version = field<caps_array, 23, 16>;
using cap_count = field<caps_array, 47, 32>;

/// Capability header n (n = 0 .. count - 1; the spec's n = 1 .. count) at 0x10 + 0x10 n:
/// ID/version, offset of its registers from the start of this block, length.
struct cap_header : reg_array<std::uint32_t, 0x10, 0x10> {
    static constexpr bool read_only = true;
};
struct cap_offset : reg_array<std::uint32_t, 0x14, 0x10> {
    static constexpr bool read_only = true;
};
struct cap_length : reg_array<std::uint32_t, 0x18, 0x10> {
    static constexpr bool read_only = true;
};
using cap_id = field<cap_header, 15, 0>;
using cap_version = field<cap_header, 23, 16>;

inline constexpr std::size_t cap_header_size = 0x10;

constexpr checked<std::uint64_t> encode_caps_array(unsigned count, unsigned version = 1) noexcept {
    if (!cap_count::fits(count) || !array_version::fits(version)) return errc::field_overflow;
    return cap_count::set(array_version::set(0, version), count);
}
} // namespace device_regs

/// Device capability IDs (CXL 2.0 §8.2.8.2.1). IDs >= 0x8000 are vendor specific.
enum class device_cap_id : std::uint16_t {
    device_status = 0x0001,
    primary_mailbox = 0x0002,
    secondary_mailbox = 0x0003, ///< for firmware; Linux drivers/cxl/pci.c uses only the primary
    memdev = 0x4000,            ///< Memory Device status registers
};

constexpr bool is_vendor_device_cap(std::uint16_t id) noexcept {
    return id >= 0x8000;
}

/// One capability header of the array, decoded.
struct device_cap_entry {
    std::uint16_t id = 0;
    std::uint8_t version = 0;
    std::uint32_t offset = 0; ///< from the start of the device register block
    std::uint32_t length = 0;
    friend constexpr bool operator==(device_cap_entry const&, device_cap_entry const&) = default;
};

constexpr device_cap_entry decode_device_cap(std::uint32_t header, std::uint32_t offset,
                                             std::uint32_t length) noexcept {
    return {.id = static_cast<std::uint16_t>(device_regs::cap_id::get(header)),
            .version = static_cast<std::uint8_t>(device_regs::cap_version::get(header)),
            .offset = offset,
            .length = length};
}
/// The header dword of an entry (offset and length are plain 32-bit registers).
constexpr std::uint32_t encode_device_cap_header(device_cap_entry const& e) noexcept {
    return device_regs::cap_version::set(device_regs::cap_id::set(0, e.id), e.version);
}

// --- device status (cap 1) and memory device status (cap 0x4000) ---------------------------

namespace device_status {
/// Event Status (64-bit) at +0x00: which event logs have records (CXL 3.0 §8.2.8.3.1).
struct event_status : reg<std::uint64_t, 0x00> {
    static constexpr bool read_only = true;
};
using informational = field<event_status, 0>;
using warning = field<event_status, 1>;
using failure = field<event_status, 2>;
using fatal = field<event_status, 3>;
} // namespace device_status

namespace memdev {
/// Memory Device Status (64-bit) at +0x00 (CXL 2.0 §8.2.8.5.1.1).
struct status : reg<std::uint64_t, 0x00> {
    static constexpr bool read_only = true;
};
using device_fatal = field<status, 0>;
using fw_halt = field<status, 1>;
using media_status = field<status, 3, 2>;
using mailbox_interface_ready = field<status, 4>;
using reset_needed = field<status, 7, 5>;
} // namespace memdev

enum class media_status : std::uint8_t { not_ready = 0, ready = 1, error = 2, disabled = 3 };
/// Values 5-7 are reserved and kept as they are.
enum class reset_needed : std::uint8_t { none = 0, cold = 1, warm = 2, hot = 3, cxl = 4 };

/// The memory device status register, decoded.
struct memdev_status {
    bool device_fatal = false;
    bool fw_halt = false;
    spec::media_status media = spec::media_status::not_ready;
    bool mailbox_ready = false;
    spec::reset_needed reset = spec::reset_needed::none;

    static constexpr memdev_status decode(std::uint64_t v) noexcept {
        namespace f = memdev;
        return {.device_fatal = f::device_fatal::get(v) != 0,
                .fw_halt = f::fw_halt::get(v) != 0,
                .media = static_cast<spec::media_status>(f::media_status::get(v)),
                .mailbox_ready = f::mailbox_interface_ready::get(v) != 0,
                .reset = static_cast<spec::reset_needed>(f::reset_needed::get(v))};
    }
    constexpr checked<std::uint64_t> encode() const noexcept {
        namespace f = memdev;
        if (!f::reset_needed::fits(static_cast<unsigned>(reset)) ||
            !f::media_status::fits(static_cast<unsigned>(media)))
            return errc::field_overflow;
        std::uint64_t v = f::device_fatal::set(0, device_fatal);
        v = f::fw_halt::set(v, fw_halt);
        v = f::media_status::set(v, static_cast<std::uint64_t>(media));
        v = f::mailbox_interface_ready::set(v, mailbox_ready);
        return f::reset_needed::set(v, static_cast<std::uint64_t>(reset));
    }
    friend constexpr bool operator==(memdev_status const&, memdev_status const&) = default;
};

// --- mailbox registers (offsets from the mailbox capability; CXL 2.0 §8.2.8.4) -------------

namespace mailbox {
struct capabilities : reg<std::uint32_t, 0x00> {
    static constexpr bool read_only = true;
};
using payload_size_log2 = field<capabilities, 4, 0>;
using doorbell_irq_capable = field<capabilities, 5>;
using background_irq_capable = field<capabilities, 6>;
using irq_message_number = field<capabilities, 10, 7>;

struct control : reg<std::uint32_t, 0x04> {};
using doorbell = field<control, 0>;
using doorbell_irq_enable = field<control, 1>;
using background_irq_enable = field<control, 2>;

struct command : reg<std::uint64_t, 0x08> {};
using opcode_field = field<command, 15, 0>; ///< command set [15:8] : command [7:0]
/// 21 bits [36:16] as Linux drivers/cxl/cxl.h defines it; QEMU include/hw/cxl/cxl_device.h has
/// 20 bits [35:16].
using payload_length = field<command, 36, 16>;

struct status : reg<std::uint64_t, 0x10> {
    static constexpr bool read_only = true;
};
using background_operation = field<status, 0>;
using return_code_field = field<status, 47, 32>;
using vendor_status = field<status, 63, 48>;

struct background_status : reg<std::uint64_t, 0x18> {
    static constexpr bool read_only = true;
};
using background_opcode = field<background_status, 15, 0>;
using background_percent_complete = field<background_status, 22, 16>;
using background_return_code = field<background_status, 47, 32>;
using background_vendor_status = field<background_status, 63, 48>;

/// The payload registers start at +0x20 and are 2^payload_size_log2 bytes long.
inline constexpr std::size_t payload_offset = 0x20;
/// Linux refuses a mailbox below 256 bytes and uses at most 1 MiB of a larger one
/// (CXL 2.0 §8.2.8.4.3; drivers/cxl/pci.c cxl_pci_setup_mailbox()).
inline constexpr std::size_t min_payload_size = 256;
inline constexpr std::size_t max_payload_size = 1_MiB;

/// The payload size Linux uses for a capabilities register value (drivers/cxl/pci.c
/// cxl_pci_setup_mailbox()).
constexpr checked<std::size_t> payload_size(std::uint32_t capabilities_value) noexcept {
    auto const log2 = payload_size_log2::get(capabilities_value);
    if (log2 < 8) return errc::mailbox_payload_too_small;
    if (log2 >= 20) return max_payload_size;
    return std::size_t{1} << log2;
}

/// The mailbox capability's length for a payload of `payload_bytes`.
constexpr std::size_t registers_length(std::size_t payload_bytes) noexcept {
    return payload_offset + payload_bytes;
}
} // namespace mailbox

/// Mailbox return codes, Status [47:32] (CXL 3.0 §8.2.8.4.5.1; in the order of Linux
/// drivers/cxl/cxlmem.h CMD_CMD_RC_TABLE).
enum class return_code : std::uint16_t {
    success = 0x00,
    background_started = 0x01,
    invalid_input = 0x02,
    unsupported = 0x03,
    internal_error = 0x04,
    retry_required = 0x05,
    busy = 0x06,
    media_disabled = 0x07,
    fw_transfer_in_progress = 0x08,
    fw_transfer_out_of_order = 0x09,
    fw_authentication_failed = 0x0A,
    invalid_fw_slot = 0x0B,
    fw_rolled_back = 0x0C,
    fw_needs_cold_reset = 0x0D,
    invalid_handle = 0x0E,
    invalid_physical_address = 0x0F,
    poison_limit_reached = 0x10,
    permanent_media_failure = 0x11,
    aborted = 0x12,
    invalid_security_state = 0x13,
    incorrect_passphrase = 0x14,
    unsupported_mailbox = 0x15,
    invalid_payload_length = 0x16,
    invalid_log = 0x17,
    interrupted = 0x18,
    unsupported_feature_version = 0x19,
    unsupported_feature_selection = 0x1A,
    feature_transfer_in_progress = 0x1B,
    feature_transfer_out_of_order = 0x1C,
    resources_exhausted = 0x1D,
    invalid_extent_list = 0x1E,
};
inline constexpr std::uint16_t max_return_code = 0x1E;

constexpr std::string_view return_code_name(return_code rc) noexcept {
    switch (rc) {
    case return_code::success:
        return "success";
    case return_code::background_started:
        return "background command started";
    case return_code::invalid_input:
        return "invalid input";
    case return_code::unsupported:
        return "unsupported";
    case return_code::internal_error:
        return "internal error";
    case return_code::retry_required:
        return "retry required";
    case return_code::busy:
        return "busy";
    case return_code::media_disabled:
        return "media disabled";
    case return_code::fw_transfer_in_progress:
        return "FW transfer in progress";
    case return_code::fw_transfer_out_of_order:
        return "FW transfer out of order";
    case return_code::fw_authentication_failed:
        return "FW authentication failed";
    case return_code::invalid_fw_slot:
        return "invalid FW slot";
    case return_code::fw_rolled_back:
        return "FW rolled back";
    case return_code::fw_needs_cold_reset:
        return "FW needs cold reset";
    case return_code::invalid_handle:
        return "invalid event-record handle";
    case return_code::invalid_physical_address:
        return "invalid physical address";
    case return_code::poison_limit_reached:
        return "poison injection limit reached";
    case return_code::permanent_media_failure:
        return "permanent media failure";
    case return_code::aborted:
        return "background command aborted";
    case return_code::invalid_security_state:
        return "invalid security state";
    case return_code::incorrect_passphrase:
        return "incorrect passphrase";
    case return_code::unsupported_mailbox:
        return "unsupported on this mailbox";
    case return_code::invalid_payload_length:
        return "invalid payload length";
    case return_code::invalid_log:
        return "invalid log";
    case return_code::interrupted:
        return "interrupted";
    case return_code::unsupported_feature_version:
        return "unsupported feature version";
    case return_code::unsupported_feature_selection:
        return "unsupported feature selection value";
    case return_code::feature_transfer_in_progress:
        return "feature transfer in progress";
    case return_code::feature_transfer_out_of_order:
        return "feature transfer out of order";
    case return_code::resources_exhausted:
        return "resources exhausted";
    case return_code::invalid_extent_list:
        return "invalid extent list";
    }
    return "unknown return code";
}

/// Mailbox command opcodes: command set [15:8], command [7:0] (CXL 2.0 §8.2.9; Linux
/// drivers/cxl/cxlmem.h enum cxl_opcode).
enum class opcode : std::uint16_t {
    get_event_records = 0x0100,
    clear_event_records = 0x0101,
    get_event_interrupt_policy = 0x0102,
    set_event_interrupt_policy = 0x0103,
    get_fw_info = 0x0200,
    transfer_fw = 0x0201,
    activate_fw = 0x0202,
    get_timestamp = 0x0300,
    set_timestamp = 0x0301,
    get_supported_logs = 0x0400,
    get_log = 0x0401,
    get_log_capabilities = 0x0402,
    clear_log = 0x0403,
    get_supported_logs_sub_list = 0x0405,
    get_supported_features = 0x0500,
    get_feature = 0x0501,
    set_feature = 0x0502,
    perform_maintenance = 0x0600,
    identify = 0x4000,
    get_partition_info = 0x4100,
    set_partition_info = 0x4101,
    get_lsa = 0x4102,
    set_lsa = 0x4103,
    get_health_info = 0x4200,
    get_alert_config = 0x4201,
    set_alert_config = 0x4202,
    get_shutdown_state = 0x4203,
    set_shutdown_state = 0x4204,
    get_poison_list = 0x4300,
    inject_poison = 0x4301,
    clear_poison = 0x4302,
    get_scan_media_capabilities = 0x4303,
    scan_media = 0x4304,
    get_scan_media_results = 0x4305,
    sanitize = 0x4400,
    secure_erase = 0x4401,
    get_security_state = 0x4500,
    set_passphrase = 0x4501,
    disable_passphrase = 0x4502,
    unlock = 0x4503,
    freeze_security = 0x4504,
    passphrase_secure_erase = 0x4505,
};

constexpr std::string_view opcode_name(opcode op) noexcept {
    switch (op) {
    case opcode::get_event_records:
        return "Get Event Records";
    case opcode::clear_event_records:
        return "Clear Event Records";
    case opcode::get_event_interrupt_policy:
        return "Get Event Interrupt Policy";
    case opcode::set_event_interrupt_policy:
        return "Set Event Interrupt Policy";
    case opcode::get_fw_info:
        return "Get FW Info";
    case opcode::transfer_fw:
        return "Transfer FW";
    case opcode::activate_fw:
        return "Activate FW";
    case opcode::get_timestamp:
        return "Get Timestamp";
    case opcode::set_timestamp:
        return "Set Timestamp";
    case opcode::get_supported_logs:
        return "Get Supported Logs";
    case opcode::get_log:
        return "Get Log";
    case opcode::get_log_capabilities:
        return "Get Log Capabilities";
    case opcode::clear_log:
        return "Clear Log";
    case opcode::get_supported_logs_sub_list:
        return "Get Supported Logs Sub-List";
    case opcode::get_supported_features:
        return "Get Supported Features";
    case opcode::get_feature:
        return "Get Feature";
    case opcode::set_feature:
        return "Set Feature";
    case opcode::perform_maintenance:
        return "Perform Maintenance";
    case opcode::identify:
        return "Identify Memory Device";
    case opcode::get_partition_info:
        return "Get Partition Info";
    case opcode::set_partition_info:
        return "Set Partition Info";
    case opcode::get_lsa:
        return "Get LSA";
    case opcode::set_lsa:
        return "Set LSA";
    case opcode::get_health_info:
        return "Get Health Info";
    case opcode::get_alert_config:
        return "Get Alert Configuration";
    case opcode::set_alert_config:
        return "Set Alert Configuration";
    case opcode::get_shutdown_state:
        return "Get Shutdown State";
    case opcode::set_shutdown_state:
        return "Set Shutdown State";
    case opcode::get_poison_list:
        return "Get Poison List";
    case opcode::inject_poison:
        return "Inject Poison";
    case opcode::clear_poison:
        return "Clear Poison";
    case opcode::get_scan_media_capabilities:
        return "Get Scan Media Capabilities";
    case opcode::scan_media:
        return "Scan Media";
    case opcode::get_scan_media_results:
        return "Get Scan Media Results";
    case opcode::sanitize:
        return "Sanitize";
    case opcode::secure_erase:
        return "Secure Erase";
    case opcode::get_security_state:
        return "Get Security State";
    case opcode::set_passphrase:
        return "Set Passphrase";
    case opcode::disable_passphrase:
        return "Disable Passphrase";
    case opcode::unlock:
        return "Unlock";
    case opcode::freeze_security:
        return "Freeze Security State";
    case opcode::passphrase_secure_erase:
        return "Passphrase Secure Erase";
    }
    return "unknown opcode";
}

/// The Command register value that starts `op` with `length` payload bytes
/// (CXL 2.0 §8.2.8.4; Linux drivers/cxl/pci.c __cxl_pci_mbox_send_cmd() step 2).
constexpr checked<std::uint64_t> encode_command(opcode op, std::size_t length) noexcept {
    if (!mailbox::payload_length::fits(length)) return errc::field_overflow;
    return mailbox::payload_length::set(
        mailbox::opcode_field::set(0, static_cast<std::uint64_t>(op)), length);
}

} // namespace cxlfw::spec
