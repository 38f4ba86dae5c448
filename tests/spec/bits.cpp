// Register field definitions: masks, extraction and insertion at the edges of a register.
#include <cxlfw/spec/bits.hpp>

#include <catch2/catch.hpp>

using namespace cxlfw::spec;

namespace {
struct cap16 : reg<std::uint16_t, 0x0A> {};
struct wide64 : reg<std::uint64_t, 0x08> {};
using hdm_count = field<cap16, 5, 4>;
using mem_capable = field<cap16, 2>;
using whole = field<wide64, 63, 0>;
using top = field<wide64, 63, 48>;
} // namespace

TEST_CASE("fields extract and insert exactly their bits", "[spec][bits]") {
    STATIC_REQUIRE(hdm_count::mask == 0x30);
    STATIC_REQUIRE(hdm_count::max == 3);
    STATIC_REQUIRE(mem_capable::get(0x001E) == 1);
    STATIC_REQUIRE(hdm_count::get(0x001E) == 1);
    REQUIRE(hdm_count::set(0xFFFF, 0) == 0xFFCF);
    REQUIRE(hdm_count::set(0x0000, 7) == 0x0030); // bits above the field are dropped
    REQUIRE_FALSE(hdm_count::fits(4));
    STATIC_REQUIRE(whole::mask == ~std::uint64_t{0});
    STATIC_REQUIRE(top::get(0xABCD'0000'0000'0000) == 0xABCD);
    STATIC_REQUIRE(cap16::offset == 0x0A && cap16::width == 2);
}

TEST_CASE("register arrays place element n at base + n * stride", "[spec][bits]") {
    using decoder_ctrl = reg_array<std::uint32_t, 0x20, 0x20>;
    STATIC_REQUIRE(decoder_ctrl::offset_of(0) == 0x20);
    STATIC_REQUIRE(decoder_ctrl::offset_of(3) == 0x80);
}
