// Errors of register access and of the config-space and dump loaders.
#pragma once

#include <cxlfw/result.hpp>

namespace cxlfw::hw {

enum class errc {
    out_of_range = 1, ///< an access outside the bus or window
    misaligned,       ///< an access not aligned to its width
    bad_width,        ///< an access width other than 1, 2, 4 or 8 bytes
    read_only,        ///< a write to a read-only bus (a loaded dump)
    access_fault,     ///< the device did not complete the access (fault injected, device gone)
    // config space (config_space.hpp, config_image.hpp)
    config_image_size,        ///< a config image neither 256 nor 4096 bytes long
    extended_space_absent,    ///< an access at 0x100-0xFFF of a conventional (256-byte) function
    ext_cap_loop,             ///< an extended capability list that returns to a visited entry
    ext_cap_bad_pointer,      ///< a next-capability pointer below 0x100 that is not 0
    ext_cap_not_found,        ///< no extended capability with the ID asked for
    dvsec_not_found,          ///< no DVSEC with the vendor and ID asked for
    dvsec_too_short,          ///< a DVSEC length below what its ID and revision need
    dvsec_past_end,           ///< a DVSEC that runs past the end of config space
    no_cxl_device_dvsec,      ///< no CXL Device DVSEC (vendor 0x1E98, ID 0)
    no_register_locator,      ///< no Register Locator DVSEC (vendor 0x1E98, ID 8)
    unknown_header_layout,    ///< a header type other than 0 (endpoint), 1 (bridge), 2 (CardBus)
    bar_absent,               ///< a BAR indicator past the BARs of this header type
    bar_upper_half,           ///< a BAR indicator naming the upper dword of a 64-bit BAR
    bar_truncated,            ///< a 64-bit BAR in the last BAR slot, with no upper dword
    register_block_in_io_bar, ///< a register block located in an I/O BAR
    address_overflow,         ///< a BAR address plus block offset beyond 2^64
    // lspci text (lspci.hpp)
    lspci_no_device,         ///< text without any device
    lspci_hex_before_header, ///< a hex line before the first device header
    lspci_unrecognised_line, ///< an unindented line that is neither a device header nor hex
    lspci_bad_hex,           ///< a hex line that is not `OFF: b0 ... b15`
    lspci_line_missing,      ///< a hex line whose offset skips past the next expected one
    lspci_line_out_of_order, ///< a hex line whose offset repeats or goes back
    lspci_header_only,       ///< a device dump of 64 bytes (`lspci -x`): too short for CXL
    lspci_truncated_device,  ///< a device dump of neither 256 nor 4096 bytes
};

} // namespace cxlfw::hw

template <>
struct cxlfw::error_enum_traits<cxlfw::hw::errc> {
    using enum hw::errc;
    static constexpr const char* name = "cxlfw.hw";
    static constexpr std::array<error_message<hw::errc>, 29> messages{{
        {out_of_range, "register access outside the bus or window"},
        {misaligned, "register access not aligned to its width"},
        {bad_width, "register access width is not 1, 2, 4 or 8 bytes"},
        {read_only, "write to a read-only register image"},
        {access_fault, "the device did not complete the register access"},
        {config_image_size, "config space image is neither 4096 bytes (PCIe) nor 256 bytes "
                            "(conventional PCI, offsets 0x100-0xFFF then unreadable)"},
        {extended_space_absent, "extended config space (0x100-0xFFF) is absent: a conventional "
                                "256-byte function has no extended capabilities and no DVSECs"},
        {ext_cap_loop, "PCIe extended capability list loops back to a capability already seen"},
        {ext_cap_bad_pointer,
         "PCIe extended capability next pointer is below 0x100 (valid: 0 to end, 0x100-0xFFC)"},
        {ext_cap_not_found, "no PCIe extended capability with this ID"},
        {dvsec_not_found, "no DVSEC with this vendor and ID"},
        {dvsec_too_short, "DVSEC length is smaller than its ID and revision require"},
        {dvsec_past_end, "DVSEC runs past the end of config space (0x1000)"},
        {no_cxl_device_dvsec,
         "no CXL Device DVSEC (vendor 0x1E98, ID 0) in config space: not a CXL device"},
        {no_register_locator, "no Register Locator DVSEC (vendor 0x1E98, ID 8) in config space"},
        {unknown_header_layout,
         "PCI header type is not 0 (endpoint), 1 (bridge) or 2 (CardBus): BARs unknown"},
        {bar_absent, "BAR indicator names a BAR this header type does not have"},
        {bar_upper_half, "BAR indicator names the upper half of a 64-bit BAR"},
        {bar_truncated, "64-bit BAR in the last BAR slot has no upper half"},
        {register_block_in_io_bar, "register block is located in an I/O BAR, not a memory BAR"},
        {address_overflow, "BAR address plus register block offset overflows 64 bits"},
        {lspci_no_device, "lspci text holds no device (no `BB:DD.F description` header line)"},
        {lspci_hex_before_header, "lspci hex line before any device header line"},
        {lspci_unrecognised_line,
         "lspci line is neither a device header, an indented detail line nor a hex line"},
        {lspci_bad_hex, "lspci hex line is not `OFF: b0 b1 ... b15` (16 two-digit hex bytes)"},
        {lspci_line_missing, "lspci hex dump skips an offset: a hex line is missing"},
        {lspci_line_out_of_order, "lspci hex line offset repeats or goes back"},
        {lspci_header_only,
         "lspci dump holds only the 64-byte standard header (lspci -x): too short for CXL; "
         "use lspci -xxx or -xxxx"},
        {lspci_truncated_device,
         "lspci device dump is neither 256 bytes (-xxx) nor 4096 bytes (-xxxx)"},
    }};
};

CXLFW_ERROR_CODE_ENUM(cxlfw::hw, errc);
