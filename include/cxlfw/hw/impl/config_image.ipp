// Out-of-line definitions for <cxlfw/hw/config_image.hpp>: building an image from bytes and
// loading one from a file.
#pragma once

#include <cxlfw/hw/config_image.hpp>

#include <fstream>
#include <ios>
#include <system_error>
#include <utility>

namespace cxlfw::hw {

CXLFW_DECL result<config_image> config_image::from_bytes(std::span<const std::byte> bytes) {
    if (bytes.size() != spec::pci::config_size &&
        bytes.size() != spec::pci::conventional_config_size)
        return errc::config_image_size;
    return config_image{std::vector<std::byte>(bytes.begin(), bytes.end())};
}

CXLFW_DECL result<config_image> config_image::load(std::string const& path) {
    std::ifstream in{path, std::ios::binary};
    if (!in) return std::make_error_code(std::errc::no_such_file_or_directory);
    // One byte more than the largest valid image is enough to tell "too long".
    std::vector<std::byte> bytes(spec::pci::config_size + 1);
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (in.bad()) return std::make_error_code(std::errc::io_error);
    bytes.resize(static_cast<std::size_t>(in.gcount()));
    return from_bytes(bytes);
}

CXLFW_DECL config_image::config_image(std::vector<std::byte> bytes) noexcept
    : bytes_{std::move(bytes)} {}
CXLFW_DECL config_image::config_image(config_image const&) = default;
CXLFW_DECL config_image::config_image(config_image&&) noexcept = default;
CXLFW_DECL config_image& config_image::operator=(config_image const&) = default;
CXLFW_DECL config_image& config_image::operator=(config_image&&) noexcept = default;
CXLFW_DECL config_image::~config_image() = default;

} // namespace cxlfw::hw
