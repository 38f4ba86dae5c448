// Component registers and the HDM Decoder Capability structure against CXL 2.0 §8.2.5, §8.2.5.12:
// offsets, masks, the decoder-count table both ways, interleave capabilities, target lists.
#include <cxlfw/spec/component.hpp>

#include <catch2/catch.hpp>

#include <array>

using namespace cxlfw::literals;
using namespace cxlfw::spec;

TEST_CASE("the component block layout and its capability array", "[spec][component]") {
    STATIC_REQUIRE(component::block_size == 0x10000);
    STATIC_REQUIRE(component::cache_mem_offset == 0x1000);
    STATIC_REQUIRE(component::arb_mux_offset == 0xE000);
    STATIC_REQUIRE(component::cap_header::offset_of(0) == 0x04);
    STATIC_REQUIRE(component::cap_header::offset_of(2) == 0x0C);
    STATIC_REQUIRE(component::array_size::mask == 0xFF00'0000);
    STATIC_REQUIRE(component::cap_pointer::mask == 0xFFF0'0000);
    // ID 1, capability version 1, cache/mem version 1, 3 headers follow.
    REQUIRE(component::encode_array_header(3).value() == 0x0311'0001);
    REQUIRE(component::encode_array_header(256).error() == errc::field_overflow);
    // An HDM decoder header, version 1, structure at 0x1000 + 0x200.
    constexpr component_cap_entry hdm{.id = 5, .version = 1, .pointer = 0x200};
    REQUIRE(encode_component_cap(hdm).value() == 0x2001'0005);
    STATIC_REQUIRE(decode_component_cap(0x2001'0005) == hdm);
    REQUIRE(encode_component_cap({.id = 2, .version = 2, .pointer = 0x1000}).error() ==
            errc::field_overflow);
    STATIC_REQUIRE(static_cast<unsigned>(component_cap_id::ras) == 2);
    STATIC_REQUIRE(static_cast<unsigned>(component_cap_id::link) == 4);
    STATIC_REQUIRE(static_cast<unsigned>(component_cap_id::hdm_decoder) == 5);
    STATIC_REQUIRE(static_cast<unsigned>(component_cap_id::ext_security) == 6);
    STATIC_REQUIRE(static_cast<unsigned>(component_cap_id::snoop_filter) == 8);
    STATIC_REQUIRE(static_cast<unsigned>(component_cap_id::bi_route_table) == 0xB);
    STATIC_REQUIRE(static_cast<unsigned>(component_cap_id::bi_decoder) == 0xC);
    REQUIRE(component_cap_name(component_cap_id::hdm_decoder) == "HDM Decoder");
}

TEST_CASE("RAS capability registers and length", "[spec][component]") {
    STATIC_REQUIRE(ras::uncorrectable_status::offset == 0x00);
    STATIC_REQUIRE(ras::correctable_mask::offset == 0x10);
    STATIC_REQUIRE(ras::cap_control::offset == 0x14);
    STATIC_REQUIRE(ras::first_error_pointer::mask == 0x3F);
    STATIC_REQUIRE(ras::header_log::offset_of(0) == 0x18);
    STATIC_REQUIRE(ras::header_log::offset_of(ras::header_log_dwords - 1) + 4 == ras::length);
    STATIC_REQUIRE(ras::length == 0x58);
}

TEST_CASE("decoder n registers are at 0x10 + 0x20n onwards", "[spec][component][hdm]") {
    STATIC_REQUIRE(hdm::capability::offset == 0x00);
    STATIC_REQUIRE(hdm::global_control::offset == 0x04);
    for (std::size_t n = 0; n < hdm::max_decoders; ++n) {
        REQUIRE(hdm::base_low::offset_of(n) == 0x10 + 0x20 * n);
        REQUIRE(hdm::base_high::offset_of(n) == 0x14 + 0x20 * n);
        REQUIRE(hdm::size_low::offset_of(n) == 0x18 + 0x20 * n);
        REQUIRE(hdm::size_high::offset_of(n) == 0x1C + 0x20 * n);
        REQUIRE(hdm::control::offset_of(n) == 0x20 + 0x20 * n);
        REQUIRE(hdm::target_list_low::offset_of(n) == 0x24 + 0x20 * n);
        REQUIRE(hdm::target_list_high::offset_of(n) == 0x28 + 0x20 * n);
        REQUIRE(hdm::dpa_skip_low::offset_of(n) == hdm::target_list_low::offset_of(n));
        // The last register of decoder n ends within the structure for n + 1 decoders.
        REQUIRE(hdm::target_list_high::offset_of(n) + 4 <=
                hdm::structure_length(static_cast<unsigned>(n + 1)));
    }
    STATIC_REQUIRE(hdm::structure_length(1) == 0x30);
    STATIC_REQUIRE(hdm::structure_length(32) == 0x410);
}

TEST_CASE("decoder control fields and the write mask", "[spec][component][hdm]") {
    STATIC_REQUIRE(hdm::ig::mask == 0x000F);
    STATIC_REQUIRE(hdm::iw::mask == 0x00F0);
    STATIC_REQUIRE(hdm::lock_on_commit::mask == 0x0100);
    STATIC_REQUIRE(hdm::commit::mask == 0x0200);
    STATIC_REQUIRE(hdm::committed::mask == 0x0400);
    STATIC_REQUIRE(hdm::error_not_committed::mask == 0x0800);
    STATIC_REQUIRE(hdm::target_type::mask == 0x1000);
    // QEMU's write mask is exactly the software-writable fields.
    STATIC_REQUIRE((hdm::ig::mask | hdm::iw::mask | hdm::lock_on_commit::mask | hdm::commit::mask |
                    hdm::target_type::mask) == hdm::control_write_mask);
    STATIC_REQUIRE(hdm::committed::read_only);
    STATIC_REQUIRE(hdm::error_not_committed::read_only);

    constexpr hdm::decoder_control c{.ig = 5,
                                     .iw = 1,
                                     .lock_on_commit = true,
                                     .commit = true,
                                     .committed = true,
                                     .target_type = hdm::decoder_target_type::host_only_coherent};
    STATIC_REQUIRE(c.encode().value() == 0x1715);
    STATIC_REQUIRE(hdm::decoder_control::decode(0x1715) == c);
    STATIC_REQUIRE(c.enabled());
    STATIC_REQUIRE(c.locked());
    STATIC_REQUIRE(!hdm::decoder_control::decode(0x0100).locked()); // lock without commit
    REQUIRE(hdm::decoder_control{.ig = 16}.encode().error() == errc::field_overflow);
    for (std::uint32_t v = 0; v < 0x2000; ++v)
        REQUIRE(hdm::decoder_control::decode(v).encode().value() == v);
}

TEST_CASE("decoder count codes map to counts both ways (QEMU table)", "[spec][component][hdm]") {
    constexpr unsigned counts[] = {1, 2, 4, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32};
    for (unsigned code = 0; code <= 0xC; ++code) {
        REQUIRE(hdm::decoder_count_from_code(code).value() == counts[code]);
        REQUIRE(hdm::decoder_count_to_code(counts[code]).value() == code);
    }
    REQUIRE(hdm::decoder_count_from_code(0xD).error() == errc::invalid_decoder_count);
    REQUIRE(hdm::decoder_count_from_code(0xF).error() == errc::invalid_decoder_count);
    for (unsigned count : {0u, 3u, 5u, 18u, 22u, 33u})
        REQUIRE(hdm::decoder_count_to_code(count).error() == errc::unencodable_decoder_count);
}

TEST_CASE("Linux's decoder count agrees for codes 0-8 and differs for 9-0xC",
          "[spec][component][hdm]") {
    for (unsigned code = 0; code <= 8; ++code)
        REQUIRE(hdm::linux_decoder_count(code) == hdm::decoder_count_from_code(code).value());
    constexpr unsigned linux_counts[] = {18, 20, 22, 24};
    for (unsigned code = 9; code <= 0xC; ++code) {
        REQUIRE(hdm::linux_decoder_count(code) == linux_counts[code - 9]);
        REQUIRE(hdm::linux_decoder_count(code) != hdm::decoder_count_from_code(code).value());
    }
}

TEST_CASE("the HDM capability register decodes and encodes", "[spec][component][hdm]") {
    STATIC_REQUIRE(hdm::decoder_count_code::mask == 0x000F);
    STATIC_REQUIRE(hdm::target_count::mask == 0x00F0);
    STATIC_REQUIRE(hdm::interleave_11_8::mask == 0x0100);
    STATIC_REQUIRE(hdm::interleave_14_12::mask == 0x0200);
    STATIC_REQUIRE(hdm::poison_on_decode_error_capable::mask == 0x0400);
    STATIC_REQUIRE(hdm::interleave_3_6_12_way::mask == 0x0800);
    STATIC_REQUIRE(hdm::interleave_16_way::mask == 0x1000);
    STATIC_REQUIRE(hdm::hdm_decoder_enable::mask == 0x2);
    STATIC_REQUIRE(hdm::poison_on_decode_error_enable::mask == 0x1);

    // 4 decoders (code 2), 8 targets, both granularity ranges, 3/6/12 and 16 ways.
    constexpr std::uint32_t raw = 0x1982;
    constexpr auto cap = hdm::decoder_capability::decode(raw).value();
    STATIC_REQUIRE(cap.decoder_count == 4);
    STATIC_REQUIRE(cap.target_count == 8);
    STATIC_REQUIRE(cap.interleave_11_8);
    STATIC_REQUIRE(!cap.interleave_14_12);
    STATIC_REQUIRE(cap.interleave_3_6_12_way);
    STATIC_REQUIRE(cap.interleave_16_way);
    STATIC_REQUIRE(!cap.poison_on_decode_error);
    STATIC_REQUIRE(cap.encode().value() == raw);
    REQUIRE(hdm::decoder_capability::decode(0xD).error() == errc::invalid_decoder_count);
    REQUIRE(hdm::decoder_capability{.decoder_count = 3}.encode().error() ==
            errc::unencodable_decoder_count);
    REQUIRE(hdm::decoder_capability{.target_count = 16}.encode().error() == errc::field_overflow);
}

TEST_CASE("interleave ways: 1/2/4/8 always, 3/6/12 and 16 by capability bit",
          "[spec][component][hdm]") {
    hdm::decoder_capability none{};
    for (unsigned w : {1u, 2u, 4u, 8u})
        REQUIRE(hdm::supports_ways(none, w));
    for (unsigned w : {3u, 6u, 12u, 16u, 0u, 5u, 32u})
        REQUIRE_FALSE(hdm::supports_ways(none, w));
    hdm::decoder_capability all{.interleave_3_6_12_way = true, .interleave_16_way = true};
    for (unsigned w : {1u, 2u, 3u, 4u, 6u, 8u, 12u, 16u})
        REQUIRE(hdm::supports_ways(all, w));
}

TEST_CASE("interleave granularity needs the HPA bits it selects on (Linux check_interleave_cap)",
          "[spec][component][hdm]") {
    hdm::decoder_capability low{.interleave_11_8 = true};
    hdm::decoder_capability high{.interleave_14_12 = true};
    hdm::decoder_capability both{.interleave_11_8 = true, .interleave_14_12 = true};
    hdm::decoder_capability full{.interleave_11_8 = true,
                                 .interleave_14_12 = true,
                                 .interleave_3_6_12_way = true,
                                 .interleave_16_way = true};
    // 1 way selects on no bit: any capability, any granularity.
    REQUIRE(hdm::supports_interleave({}, 1, 16384));
    // 2 ways at 256 B select on bit 8; at 4 KiB on bit 12.
    REQUIRE(hdm::supports_interleave(low, 2, 256));
    REQUIRE_FALSE(hdm::supports_interleave(low, 2, 4096));
    REQUIRE(hdm::supports_interleave(high, 2, 4096));
    REQUIRE_FALSE(hdm::supports_interleave(high, 2, 256));
    // 8 ways at 512 B: bits 9-11; at 2 KiB: bits 11-13 span both ranges.
    REQUIRE(hdm::supports_interleave(low, 8, 512));
    REQUIRE_FALSE(hdm::supports_interleave(low, 8, 2048));
    REQUIRE(hdm::supports_interleave(both, 8, 2048));
    // 16 ways at 16 KiB: bits 14-17, beyond what any decoder selects on.
    REQUIRE_FALSE(hdm::supports_interleave(full, 16, 16384));
    REQUIRE(hdm::supports_interleave(full, 16, 256));
    // 3 ways select on no bit; 6 ways at 256 B on bit 8; 12 ways at 2 KiB on bits 11-12.
    REQUIRE(hdm::supports_interleave(full, 3, 16384));
    REQUIRE(hdm::supports_interleave(full, 6, 256));
    REQUIRE_FALSE(hdm::supports_interleave(both, 6, 256)); // no 3/6/12 capability
    REQUIRE(hdm::supports_interleave(full, 12, 2048));
    REQUIRE_FALSE(hdm::supports_interleave({.interleave_11_8 = true, .interleave_3_6_12_way = true},
                                           12, 2048));
    // Invalid granularities are never supported.
    REQUIRE_FALSE(hdm::supports_interleave(full, 2, 384));
}

TEST_CASE("decoder base/size and target lists over High:Low registers", "[spec][component][hdm]") {
    STATIC_REQUIRE(hdm::address(0x1, 0x9FFF'FFFF) == 0x1'9000'0000);
    REQUIRE(hdm::encode_address(0x2'1000'0000).value() == hdm::split64{0x1000'0000, 0x2});
    REQUIRE(hdm::encode_address(0x2'1000'1000).error() == errc::not_256mib_aligned);
    STATIC_REQUIRE(hdm::join64(0xAABB'CCDD, 0x1122'3344) == 0xAABB'CCDD'1122'3344);
    STATIC_REQUIRE(hdm::split(0xAABB'CCDD'1122'3344) == hdm::split64{0x1122'3344, 0xAABB'CCDD});

    constexpr std::array<std::uint8_t, 3> ports{12, 222, 7};
    constexpr auto list = hdm::encode_target_list(ports).value();
    STATIC_REQUIRE(list == 0x07'DE'0C);
    for (unsigned i = 0; i < ports.size(); ++i)
        REQUIRE(hdm::target_at(list, i).value() == ports[i]);
    REQUIRE(hdm::target_at(list, 7).value() == 0);
    REQUIRE(hdm::target_at(list, 8).error() == errc::position_out_of_range);
    REQUIRE(hdm::with_target(list, 7, 0xFF).value() == 0xFF00'0000'0007'DE0C);
    REQUIRE(hdm::with_target(list, 8, 1).error() == errc::position_out_of_range);
    std::array<std::uint8_t, 9> nine{};
    REQUIRE(hdm::encode_target_list(nine).error() == errc::too_many_targets);
}
