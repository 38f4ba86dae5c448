// Config images: exactly 4096 or 256 bytes, read-only, loaded from bytes or a binary file.
#include "support.hpp"

#include <cxlfw/hw/config_image.hpp>
#include <cxlfw/hw/config_space.hpp>
#include <cxlfw/hw/lspci.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <vector>

#include <unistd.h>

namespace hw = cxlfw::hw;

using cxlfw::hw::test_support::device_b;

namespace {

/// A file in the temporary directory, removed at scope exit.
struct temp_file {
    std::filesystem::path path;
    explicit temp_file(std::string const& name, std::vector<std::byte> const& bytes)
        : path{std::filesystem::temp_directory_path() / (name + "." + std::to_string(::getpid()))} {
        std::ofstream out{path, std::ios::binary};
        out.write(reinterpret_cast<char const*>(bytes.data()),
                  static_cast<std::streamsize>(bytes.size()));
    }
    ~temp_file() { std::filesystem::remove(path); }
};
} // namespace

TEST_CASE("a config image is 4096 or 256 bytes; any other size is config_image_size",
          "[hw][config-image][bad-input]") {
    auto b = device_b();
    REQUIRE(hw::config_image::from_bytes(b).value().extended());
    std::vector<std::byte> conventional(b.begin(), b.begin() + 256);
    auto small = hw::config_image::from_bytes(conventional).value();
    REQUIRE_FALSE(small.extended());
    REQUIRE_THAT(std::string{small.coverage()}, Catch::Contains("0x100-0xFFF"));
    for (std::size_t n : {0u, 64u, 255u, 257u, 4095u, 4097u, 8192u}) {
        std::vector<std::byte> wrong(n);
        auto r = hw::config_image::from_bytes(wrong);
        REQUIRE(r.error() == hw::errc::config_image_size);
        REQUIRE_THAT(r.error().message(), Catch::Contains("4096"));
        REQUIRE_THAT(r.error().message(), Catch::Contains("0x100-0xFFF"));
    }
}

TEST_CASE("a config image is a read-only bus with checked accesses", "[hw][config-image]") {
    auto cfg = hw::config_image::from_bytes(device_b()).value();
    REQUIRE(cfg.read(0, 4).value() == 0xC084'10EE);
    REQUIRE(cfg.read(0x500, 2).value() == 0x0023);
    REQUIRE(cfg.write(0x04, 2, 0x6).error() == hw::errc::read_only);
    REQUIRE(cfg.read(0x501, 2).error() == hw::errc::misaligned);
    REQUIRE(cfg.read(0, 3).error() == hw::errc::bad_width);
    REQUIRE(cfg.read(0xFFC, 8).error() == hw::errc::misaligned);
    REQUIRE(cfg.read(0x1000, 1).error() == hw::errc::out_of_range);
}

TEST_CASE("config images load from binary files", "[hw][config-image]") {
    auto const b = device_b();
    temp_file full{"cxlfw-regs-config-full.bin", b};
    auto cfg = hw::config_image::load(full.path).value();
    REQUIRE(hw::read_cxl_device_dvsec(cfg).value().location.offset == 0x500);

    temp_file odd{"cxlfw-regs-config-odd.bin", std::vector<std::byte>(b.begin(), b.begin() + 300)};
    REQUIRE(hw::config_image::load(odd.path).error() == hw::errc::config_image_size);
    auto longer = b;
    longer.push_back(std::byte{0});
    temp_file too_long{"cxlfw-regs-config-long.bin", longer};
    REQUIRE(hw::config_image::load(too_long.path).error() == hw::errc::config_image_size);
    REQUIRE(hw::config_image::load("/nonexistent/cxlfw/config").error() ==
            std::errc::no_such_file_or_directory);
}
