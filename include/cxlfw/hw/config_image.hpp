// An owning, read-only image of one function's config space, loaded from bytes or a file:
// 4096 bytes (PCIe, extended space readable) or 256 bytes (a conventional function, or a dump
// taken without extended access). It is an access bus, so everything in config_space.hpp reads
// it exactly as it reads an emulated device or real hardware.
//
//   auto cfg = hw::config_image::from_bytes(bytes);          // result<config_image>
//   auto dv  = hw::read_cxl_device_dvsec(*cfg);              // config_space.hpp
#pragma once

#include <cxlfw/config.hpp>
#include <cxlfw/hw/bus.hpp>
#include <cxlfw/hw/errc.hpp>
#include <cxlfw/result.hpp>
#include <cxlfw/spec/pci.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cxlfw::hw {

class config_image {
public:
    /// Copies `bytes`; exactly 4096 or 256 bytes, else `config_image_size`.
    static result<config_image> from_bytes(std::span<const std::byte> bytes);

    /// Reads a binary config-space file (`/sys/bus/pci/devices/*/config`, `lspci -b`-style
    /// dumps). File errors come back as std::errc values. A std::filesystem::path converts to
    /// the parameter (POSIX), so this header need not include <filesystem>.
    static result<config_image> load(std::string const& path);

    config_image(config_image const&);
    config_image(config_image&&) noexcept;
    config_image& operator=(config_image const&);
    config_image& operator=(config_image&&) noexcept;
    ~config_image();

    /// Whether 0x100-0xFFF (extended capabilities, every DVSEC) is readable.
    bool extended() const noexcept { return bytes_.size() == spec::pci::config_size; }
    std::uint64_t size() const noexcept { return bytes_.size(); }
    std::span<const std::byte> bytes() const noexcept { return bytes_; }

    /// What the image covers, for a diagnostic or a report.
    std::string_view coverage() const noexcept {
        return extended() ? "PCIe config space, 0x000-0xFFF"
                          : "conventional config space only, 0x000-0x0FF: 0x100-0xFFF "
                            "(extended capabilities, DVSECs) unreadable";
    }

    /// Accesses within 0x000-0xFFF; on a 256-byte image, any byte at or above 0x100 is
    /// `extended_space_absent` rather than a plain out-of-range.
    result<std::uint64_t> read(std::uint64_t offset, unsigned width) const noexcept {
        if (auto ok = check_access(offset, width, spec::pci::config_size); !ok) return ok.error();
        if (offset + width > bytes_.size()) return errc::extended_space_absent;
        return detail::load_le(bytes_.data() + offset, width);
    }
    status write(std::uint64_t offset, unsigned width, std::uint64_t) const noexcept {
        if (auto ok = check_access(offset, width, spec::pci::config_size); !ok) return ok.error();
        return errc::read_only;
    }

private:
    explicit config_image(std::vector<std::byte> bytes) noexcept;

    std::vector<std::byte> bytes_;
};

static_assert(access_bus<config_image>);
static_assert(access_bus<config_image const>);

} // namespace cxlfw::hw

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/hw/impl/config_image.ipp>
#endif
