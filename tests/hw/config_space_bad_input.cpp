// Every class of bad config space gets its own error, made by mutating a copy of real data
// (device B of pciutils cap-dvsec-cxl): capability loops, bad pointers, DVSECs too short or
// past the end, bad BARs and Register Locator entries, images of the wrong size.
#include "support.hpp"

#include <cxlfw/hw/config_image.hpp>
#include <cxlfw/hw/config_space.hpp>
#include <cxlfw/hw/lspci.hpp>

#include <catch2/catch.hpp>

#include <vector>

namespace hw = cxlfw::hw;
namespace spec = cxlfw::spec;

using cxlfw::hw::test_support::device_b;

namespace {

std::uint32_t get32(std::vector<std::byte> const& b, std::size_t at) {
    std::uint32_t v = 0;
    for (unsigned i = 0; i < 4; ++i)
        v |= std::uint32_t{std::to_integer<std::uint8_t>(b[at + i])} << (8 * i);
    return v;
}
void put32(std::vector<std::byte>& b, std::size_t at, std::uint32_t v) {
    for (unsigned i = 0; i < 4; ++i)
        b[at + i] = static_cast<std::byte>(v >> (8 * i));
}
/// Rewrites the next pointer of the extended capability header at `at`.
void set_next(std::vector<std::byte>& b, std::size_t at, std::uint32_t next) {
    put32(b, at, spec::pci::ext_cap_next::set(get32(b, at), next));
}
/// Rewrites the length in DVSEC header 1 of the DVSEC at `at`.
void set_dvsec_length(std::vector<std::byte>& b, std::size_t at, std::uint32_t len) {
    put32(b, at + 4, spec::dvsec::length::set(get32(b, at + 4), len));
}
hw::config_image image(std::vector<std::byte> const& b) {
    return hw::config_image::from_bytes(b).value();
}
} // namespace

TEST_CASE("a capability chain that loops back is ext_cap_loop, at the offending capability",
          "[hw][config][bad-input]") {
    auto b = device_b();
    set_next(b, 0x590, 0x500); // GPF points back to the CXL Device DVSEC
    hw::config_diagnostic diag;
    auto cfg = image(b);
    REQUIRE(hw::list_ext_caps(cfg, &diag).error() == hw::errc::ext_cap_loop);
    REQUIRE(diag.offset == 0x590);
    REQUIRE_THAT(diag.message(), Catch::Contains("points back to 0x500"));
    // A lookup that is satisfied before the loop still succeeds, as on Linux.
    REQUIRE(hw::find_dvsec(cfg, spec::dvsec_id::register_locator).has_value());
    REQUIRE(hw::find_dvsec(cfg, spec::dvsec_id::mld).error() == hw::errc::ext_cap_loop);

    auto self = device_b();
    set_next(self, 0x100, 0x100); // the first capability points to itself
    REQUIRE(hw::list_ext_caps(image(self)).error() == hw::errc::ext_cap_loop);
}

TEST_CASE("a next pointer below 0x100 is ext_cap_bad_pointer", "[hw][config][bad-input]") {
    auto b = device_b();
    set_next(b, 0x540, 0x0F0);
    hw::config_diagnostic diag;
    REQUIRE(hw::read_register_locator(image(b), &diag).error() == hw::errc::ext_cap_bad_pointer);
    REQUIRE(diag.offset == 0x540);
    REQUIRE_THAT(diag.message(), Catch::Contains("points to 0xF0"));
    set_next(b, 0x540, 0x004);
    REQUIRE(hw::list_ext_caps(image(b)).error() == hw::errc::ext_cap_bad_pointer);
}

TEST_CASE("reserved low bits of a next pointer are masked, as PCIe and Linux require",
          "[hw][config][bad-input]") {
    // A next pointer can never be misaligned or above 0xFFC once bits [1:0] are masked.
    auto b = device_b();
    set_next(b, 0x500, 0x543);
    set_next(b, 0x560, 0x591);
    auto caps = hw::list_ext_caps(image(b)).value();
    REQUIRE(caps.size() == 9);
    REQUIRE(caps[5].next == 0x540);
    REQUIRE(hw::read_register_locator(image(b)).value().blocks.size() == 2);
    set_next(b, 0x590, 0xFFF); // -> 0xFFC: an all-zero header there ends the list
    caps = hw::list_ext_caps(image(b)).value();
    REQUIRE(caps.back() == hw::ext_cap{0xFFC, 0, 0, 0});
}

TEST_CASE("an all-ones header at 0x100 means no extended space", "[hw][config][bad-input]") {
    auto b = device_b();
    put32(b, 0x100, 0xFFFF'FFFF);
    REQUIRE(hw::list_ext_caps(image(b)).error() == hw::errc::extended_space_absent);
    put32(b, 0x100, 0);
    REQUIRE(hw::list_ext_caps(image(b)).value().empty()); // zero: no extended capabilities
    REQUIRE(hw::read_cxl_device_dvsec(image(b)).error() == hw::errc::no_cxl_device_dvsec);
}

TEST_CASE("a DVSEC shorter than its ID and revision need is dvsec_too_short",
          "[hw][config][bad-input]") {
    auto b = device_b();
    set_dvsec_length(b, 0x500, 0x30); // CXL Device rev 1 needs 0x38
    hw::config_diagnostic diag;
    REQUIRE(hw::read_cxl_device_dvsec(image(b), &diag).error() == hw::errc::dvsec_too_short);
    REQUIRE(diag.offset == 0x500);
    REQUIRE_THAT(diag.message(), Catch::Contains("needs at least 0x38"));

    auto rev2 = device_b(); // CXL 3.x revision 2 needs Capability3 too: 0x3C
    put32(rev2, 0x504, spec::dvsec::revision::set(get32(rev2, 0x504), 2));
    REQUIRE(hw::read_cxl_device_dvsec(image(rev2)).error() == hw::errc::dvsec_too_short);
    set_dvsec_length(rev2, 0x500, 0x3C);
    REQUIRE(hw::read_cxl_device_dvsec(image(rev2)).value().capability3 == std::uint16_t{0});

    auto rl = device_b();
    set_dvsec_length(rl, 0x560, 0x0B); // below the Register Locator's header and reserved word
    REQUIRE(hw::read_register_locator(image(rl)).error() == hw::errc::dvsec_too_short);

    auto fb = device_b();
    set_dvsec_length(fb, 0x540, 0x10); // Flex Bus rev 1 needs 0x14
    REQUIRE(hw::find_dvsec(image(fb), spec::dvsec_id::flex_bus_port).error() ==
            hw::errc::dvsec_too_short);
    // Other vendors only need the DVSEC header.
    auto other = device_b();
    put32(other, 0x504, spec::dvsec::vendor::set(get32(other, 0x504), 0x10EE));
    set_dvsec_length(other, 0x500, 0x08);
    REQUIRE(hw::find_dvsec(image(other), 0x10EE, 0).error() == hw::errc::dvsec_too_short);
    set_dvsec_length(other, 0x500, 0x0A);
    REQUIRE(hw::find_dvsec(image(other), 0x10EE, 0).has_value());
}

TEST_CASE("a DVSEC that runs past 0x1000 is dvsec_past_end", "[hw][config][bad-input]") {
    auto b = device_b();
    set_dvsec_length(b, 0x590, 0xFFF);
    REQUIRE(hw::find_dvsec(image(b), spec::dvsec_id::gpf_device).error() ==
            hw::errc::dvsec_past_end);
    // A DVSEC header cut off by the end of config space.
    auto cut = device_b();
    set_next(cut, 0x590, 0xFF8);
    put32(cut, 0xFF8, spec::pci::encode_ext_cap_header(0x23, 1, 0).value());
    REQUIRE(hw::list_dvsecs(image(cut)).error() == hw::errc::dvsec_past_end);
    REQUIRE(hw::find_dvsec(image(cut), spec::dvsec_id::mld).error() == hw::errc::dvsec_past_end);
}

TEST_CASE("a Register Locator length that leaves a partial entry is an error",
          "[hw][config][bad-input]") {
    auto b = device_b();
    set_dvsec_length(b, 0x560, 0x28);
    hw::config_diagnostic diag;
    REQUIRE(hw::read_register_locator(image(b), &diag).error() ==
            spec::errc::invalid_register_locator_length);
    REQUIRE(diag.offset == 0x560);
    REQUIRE_THAT(diag.message(), Catch::Contains("length 0x28"));
}

TEST_CASE("Register Locator entries with a BIR above 5 are rejected and reported",
          "[hw][config][bad-input]") {
    auto b = device_b();
    put32(b, 0x56C, 0x0000'0107); // entry 0: component block, BIR 7
    auto rl = hw::read_register_locator(image(b)).value();
    REQUIRE(rl.blocks.size() == 1);
    REQUIRE(rl.blocks[0].id == spec::register_block_id::device);
    REQUIRE(rl.rejected.size() == 1);
    REQUIRE(rl.rejected[0].index == 0);
    REQUIRE(rl.rejected[0].low == 0x0000'0107);
    REQUIRE(rl.rejected[0].why == spec::errc::invalid_bir);
    REQUIRE_FALSE(rl.find(spec::register_block_id::component).has_value());
}

TEST_CASE("BARs: upper halves, truncated 64-bit BARs, I/O BARs, header layouts, overflow",
          "[hw][config][bad-input]") {
    auto b = device_b();
    auto cfg = image(b);
    REQUIRE(hw::bar_address(cfg, 1).error() == hw::errc::bar_upper_half);
    REQUIRE(hw::bar_address(cfg, 6).error() == spec::errc::invalid_bir);
    spec::register_block block{1, spec::register_block_id::device, 0x10000};
    REQUIRE(hw::register_block_address(cfg, block).error() == hw::errc::bar_upper_half);

    auto last = device_b();
    put32(last, 0x24, 0x0000'0004); // BAR 5: 64-bit memory with no BAR 6 for its upper half
    REQUIRE(hw::bar_address(image(last), 5).error() == hw::errc::bar_truncated);

    auto io = device_b();
    put32(io, 0x10, 0x0000'E001); // BAR 0 becomes an I/O BAR
    REQUIRE(hw::read_bar(image(io), 0).value().kind.io);
    REQUIRE(
        hw::register_block_address(image(io), {0, spec::register_block_id::device, 0}).error() ==
        hw::errc::register_block_in_io_bar);

    auto bridge = device_b();
    bridge[0x0E] = std::byte{0x01}; // a type-1 header has BARs 0 and 1 only
    REQUIRE(hw::bar_address(image(bridge), 0).value() == 0x380'B000'0000);
    REQUIRE(hw::bar_address(image(bridge), 2).error() == hw::errc::bar_absent);
    bridge[0x0E] = std::byte{0x85}; // multi-function bit set, layout 5 unknown
    REQUIRE(hw::bar_address(image(bridge), 0).error() == hw::errc::unknown_header_layout);

    auto high = device_b();
    put32(high, 0x14, 0xFFFF'FFFF); // BAR 0 = 0xFFFF_FFFF_B000_0000
    REQUIRE(
        hw::register_block_address(image(high), {0, spec::register_block_id::device, 0x1'0000'0000})
            .error() == hw::errc::address_overflow);
}

TEST_CASE("a 256-byte image has no extended space: every ext-cap access says so",
          "[hw][config][bad-input]") {
    auto b = device_b();
    b.resize(256);
    auto cfg = image(b);
    REQUIRE_FALSE(cfg.extended());
    REQUIRE(hw::read_identity(cfg).value().vendor_id == 0x10EE); // the header still reads
    REQUIRE(cfg.read(0x100, 4).error() == hw::errc::extended_space_absent);
    REQUIRE(cfg.read(0xFFC, 4).error() == hw::errc::extended_space_absent);
    REQUIRE(cfg.read(0xF8, 8).has_value());
    REQUIRE(cfg.read(0x1000, 4).error() == hw::errc::out_of_range);
    hw::config_diagnostic diag;
    REQUIRE(hw::list_ext_caps(cfg, &diag).error() == hw::errc::extended_space_absent);
    REQUIRE_THAT(diag.message(), Catch::Contains("0x100-0xFFF"));
    REQUIRE(hw::read_cxl_device_dvsec(cfg).error() == hw::errc::extended_space_absent);
    REQUIRE(hw::read_register_locator(cfg).error() == hw::errc::extended_space_absent);
}

TEST_CASE("the walk reads at most one header per dword of extended space",
          "[hw][config][bad-input]") {
    // The longest possible list: a header in every dword from 0x100 to 0xFFC, in order.
    std::vector<std::byte> b(4096);
    for (std::uint32_t at = 0x100; at < 0x1000; at += 4)
        put32(b, at,
              spec::pci::encode_ext_cap_header(0x1, 1, at + 4 < 0x1000 ? at + 4 : 0).value());
    REQUIRE(hw::list_ext_caps(image(b)).value().size() == 960);
    put32(b, 0xFFC, spec::pci::encode_ext_cap_header(0x1, 1, 0x100).value());
    REQUIRE(hw::list_ext_caps(image(b)).error() == hw::errc::ext_cap_loop);
}
