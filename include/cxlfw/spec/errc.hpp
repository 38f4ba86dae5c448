// Errors of the spec layer's encoders and decoders (values that the CXL and ACPI
// specifications do not allow). Parsers of whole tables have their own enums beside them.
#pragma once

#include <cxlfw/result.hpp>

namespace cxlfw::spec {

enum class errc {
    invalid_eiw = 1,         ///< an encoded interleave-ways value outside {0-4, 8-10}
    invalid_ways,            ///< a ways count outside {1, 2, 4, 8, 16, 3, 6, 12}
    invalid_eig,             ///< an encoded granularity above 6
    invalid_granularity,     ///< a granularity that is not 256 B << 0..6
    invalid_decoder_count,   ///< an HDM Decoder Count code above 0xC
    position_out_of_range,   ///< an interleave position >= ways
    address_not_in_position, ///< an HPA offset that another position decodes
    missing_xormap,          ///< XOR arithmetic without the maps its ways need
    invalid_xormap,          ///< an XOR map of zero
    offset_out_of_range,     ///< an address beyond what the geometry can express
    invalid_arithmetic,      ///< an interleave arithmetic other than 0 (modulo) or 1 (XOR)
    // Register encodings (dvsec.hpp, pci.hpp, component.hpp, device_regs.hpp)
    field_overflow,                  ///< a value too wide for its register field
    reserved_encoding,               ///< a field value the specification reserves
    not_256mib_aligned,              ///< a base, size or capacity not a multiple of 256 MiB
    invalid_bir,                     ///< a BAR indicator above 5
    unaligned_register_block,        ///< a register block offset not 64 KiB aligned
    invalid_register_locator_length, ///< a Register Locator length other than 0x0C + 8 * n
    unencodable_decoder_count,       ///< a decoder count that no Decoder Count code encodes
    too_many_targets,                ///< more than 8 positions in an HDM decoder target list
    mailbox_payload_too_small,       ///< a mailbox payload size below 256 bytes
    // Mailbox payloads (mailbox.hpp)
    payload_too_short,  ///< a mailbox payload shorter than its command's layout
    log_count_mismatch, ///< a Get Supported Logs count that needs more bytes than sent
    partial_cel_entry,  ///< a Command Effects Log whose size is not a multiple of 4
    buffer_too_small,   ///< an encoder's output buffer shorter than the payload
    capacity_overflow,  ///< a capacity in 256 MiB units too large for a 64-bit byte count
    invalid_uuid_text,  ///< UUID text not of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx
};

} // namespace cxlfw::spec

template <>
struct cxlfw::error_enum_traits<cxlfw::spec::errc> {
    using enum spec::errc;
    static constexpr const char* name = "cxlfw.spec";
    static constexpr std::array<error_message<spec::errc>, 26> messages{{
        {invalid_eiw, "invalid encoded interleave ways (valid: 0-4, 8-10)"},
        {invalid_ways, "invalid interleave ways (valid: 1, 2, 4, 8, 16, 3, 6, 12)"},
        {invalid_eig, "invalid encoded interleave granularity (valid: 0-6)"},
        {invalid_granularity,
         "invalid interleave granularity (valid: 256 B << 0..6, up to 16 KiB)"},
        {invalid_decoder_count, "invalid HDM decoder count code (valid: 0x0-0xC)"},
        {position_out_of_range, "interleave position is not below the number of ways"},
        {address_not_in_position, "address is decoded by a different interleave position"},
        {missing_xormap, "XOR interleave needs more XOR maps for these ways"},
        {invalid_xormap, "an XOR map of zero selects no address bit"},
        {offset_out_of_range, "address offset out of range for this geometry"},
        {invalid_arithmetic, "invalid interleave arithmetic (valid: 0 modulo, 1 XOR)"},
        {field_overflow, "value does not fit its register field"},
        {reserved_encoding, "register field holds an encoding the specification reserves"},
        {not_256mib_aligned, "base, size or capacity is not a multiple of 256 MiB"},
        {invalid_bir, "invalid BAR indicator (valid: 0-5, config offsets 0x10-0x24)"},
        {unaligned_register_block, "register block offset is not 64 KiB aligned"},
        {invalid_register_locator_length,
         "Register Locator DVSEC length is not 0x0C + 8 * entries"},
        {unencodable_decoder_count,
         "no HDM Decoder Count code encodes this count (valid: 1, 2, 4, 6, 8, 10, 12, 14, 16, "
         "20, 24, 28, 32)"},
        {too_many_targets, "an HDM decoder target list holds at most 8 positions"},
        {mailbox_payload_too_small, "mailbox payload size is below the 256-byte minimum"},
        {payload_too_short, "mailbox payload is shorter than its command's layout"},
        {log_count_mismatch, "Get Supported Logs entry count needs more bytes than the payload"},
        {partial_cel_entry, "Command Effects Log size is not a multiple of its 4-byte entries"},
        {buffer_too_small, "output buffer is shorter than the encoded payload"},
        {capacity_overflow, "capacity in 256 MiB units overflows a 64-bit byte count"},
        {invalid_uuid_text, "UUID text is not xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex digits)"},
    }};
};

CXLFW_ERROR_CODE_ENUM(cxlfw::spec, errc);

namespace cxlfw::spec {
/// What the spec layer's constexpr encoders and decoders return.
template <class T>
using checked = cxlfw::checked<T, errc>;
} // namespace cxlfw::spec
