// Config-space dumps as `lspci -xxx` (256 bytes) or `lspci -xxxx` (4096 bytes) print them,
// several devices per file, with or without the `-v`/`-vvv` decoded lines in between:
//
//   7f:00.0 CXL: Xilinx Corporation Device c084 (rev 70)      <- header: [DDDD:]BB:DD.F text
//   <tab>Capabilities: [500 v1] Designated Vendor-Specific ...  <- indented lines: skipped
//   00: ee 10 84 c0 02 00 10 00 70 10 02 05 10 00 00 00      <- hex: offset, 16 bytes
//
// Each device becomes a config_image. Anything else (bad hex, a missing, repeated or
// out-of-order hex line, a dump of the wrong length, hex before any header, no device) is an
// error with the line number in an lspci_diagnostic.
#pragma once

#include <cxlfw/config.hpp>
#include <cxlfw/hw/config_image.hpp>
#include <cxlfw/hw/errc.hpp>
#include <cxlfw/result.hpp>

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cxlfw::hw {

/// A PCI function address, `[DDDD:]BB:DD.F`.
struct pci_address {
    std::uint32_t domain = 0;
    std::uint8_t bus = 0;
    std::uint8_t device = 0;   ///< 0..0x1F
    std::uint8_t function = 0; ///< 0..7

    /// Parses `BB:DD.F` or `DDDD:BB:DD.F` (hex; domain up to 8 digits, as VMD domains need).
    static std::optional<pci_address> parse(std::string_view s);

    /// `DDDD:BB:DD.F`, as `lspci -D` prints it.
    std::string to_string() const;

    friend bool operator==(pci_address const&, pci_address const&) = default;
    friend auto operator<=>(pci_address const&, pci_address const&) = default;

private:
    static std::optional<std::uint32_t> hex_field(std::string_view s, std::size_t min_digits,
                                                  std::size_t max_digits);
};

/// One device of an lspci dump.
struct lspci_device {
    pci_address address;
    std::string description; ///< the header line after the address
    std::uint16_t vendor_id = 0;
    std::uint16_t device_id = 0;
    std::size_t line = 0; ///< line number of the header (1-based)
    config_image config;
};

/// Why and where parsing stopped.
struct lspci_diagnostic {
    errc code{};
    std::size_t line = 0; ///< 1-based line number
    std::string detail;

    std::string message() const;
};

/// Parses lspci -xxx / -xxxx text (see the top of this file).
CXLFW_DECL result<std::vector<lspci_device>> parse_lspci(std::string_view text,
                                                         lspci_diagnostic* diag = nullptr);

/// Reads and parses an lspci dump file. File errors come back as std::errc values. A
/// std::filesystem::path converts to the parameter (POSIX), so this header need not include
/// <filesystem>.
CXLFW_DECL result<std::vector<lspci_device>> load_lspci(std::string const& path,
                                                        lspci_diagnostic* diag = nullptr);

} // namespace cxlfw::hw

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/hw/impl/lspci.ipp>
#endif
