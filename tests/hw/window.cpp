// Windows read typed registers and fields through any bus and never reach past themselves.
#include <cxlfw/hw/window.hpp>

#include <catch2/catch.hpp>

#include <array>

using namespace cxlfw;

namespace {
struct capability : spec::reg<std::uint16_t, 0x0A> {};
using mem_capable = spec::field<capability, 2>;
using hdm_count = spec::field<capability, 5, 4>;
struct ctrl : spec::reg_array<std::uint32_t, 0x20, 0x20> {};
using commit = spec::field<ctrl, 9>;
} // namespace

TEST_CASE("a window reads and writes registers little-endian at their offsets", "[hw][window]") {
    std::array<std::byte, 0x100> bytes{};
    hw::writable_memory_bus bus{bytes};
    hw::window w{bus, 0x40, 0x80};

    REQUIRE(w.write<capability>(0x001E));
    REQUIRE(std::to_integer<int>(bytes[0x4A]) == 0x1E);
    REQUIRE(std::to_integer<int>(bytes[0x4B]) == 0x00);
    REQUIRE(w.get<mem_capable>().value() == 1);
    REQUIRE(w.get<hdm_count>().value() == 1);

    REQUIRE(w.set<commit>(1, 1));
    REQUIRE(w.read<ctrl>(1).value() == 0x200);
    REQUIRE(std::to_integer<int>(bytes[0x40 + 0x40 + 1]) == 0x02);
}

TEST_CASE("a window refuses accesses outside itself, misaligned or of a bad width",
          "[hw][window]") {
    std::array<std::byte, 0x100> bytes{};
    hw::writable_memory_bus bus{bytes};
    hw::window w{bus, 0x40, 0x20};

    REQUIRE(w.read<ctrl>(0).error() == hw::errc::out_of_range); // 0x20..0x23 is past 0x20
    REQUIRE(w.read_raw(0x1E, 4).error() == hw::errc::misaligned);
    REQUIRE(w.read_raw(0, 3).error() == hw::errc::bad_width);
    REQUIRE(w.sub(0x10, 0x11).error() == hw::errc::out_of_range);
    REQUIRE(w.sub(0x10, 0x10).value().base() == 0x50);
    REQUIRE(w.read_raw(~std::uint64_t{0} - 1, 4).error() == hw::errc::misaligned);
    REQUIRE(w.read_raw(~std::uint64_t{0} - 7, 8).error() == hw::errc::out_of_range);
}

TEST_CASE("a dump is read-only and a bus_ref reaches the same bytes", "[hw][bus]") {
    std::array<std::byte, 8> bytes{std::byte{0x98}, std::byte{0x1E}};
    hw::memory_bus dump{std::span<std::byte const>{bytes}};
    REQUIRE(dump.read(0, 2).value() == 0x1E98);
    REQUIRE(dump.write(0, 2, 0).error() == hw::errc::read_only);

    hw::bus_ref ref{dump};
    REQUIRE(ref.read(0, 2).value() == 0x1E98);
    REQUIRE(ref.read(8, 1).error() == hw::errc::out_of_range);
    REQUIRE(ref.write(0, 1, 0).error() == hw::errc::read_only);
    REQUIRE(hw::window{ref, 0, 8}.read_raw(0, 4).value() == 0x1E98);
}
