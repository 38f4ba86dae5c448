// PCI header, DVSEC headers, the CXL Device DVSEC and the Register Locator: offsets and masks
// against CXL 2.0 §8.1 and pciutils lib/header.h, decoders against real register values, encoders
// round-trip.
#include <cxlfw/spec/dvsec.hpp>
#include <cxlfw/spec/pci.hpp>

#include <catch2/catch.hpp>

using namespace cxlfw::literals;
using namespace cxlfw::spec;

TEST_CASE("PCI header registers sit at their config offsets", "[spec][pci]") {
    STATIC_REQUIRE(pci::vendor_id::offset == 0x00);
    STATIC_REQUIRE(pci::device_id::offset == 0x02);
    STATIC_REQUIRE(pci::class_revision::offset == 0x08);
    STATIC_REQUIRE(pci::header_type::offset == 0x0E);
    // Device B of pciutils cap-dvsec-cxl: bytes 70 10 02 05 at 0x08.
    STATIC_REQUIRE(pci::class_code::get(0x0502'1070) == cxl_memory_class_code);
    STATIC_REQUIRE(pci::revision_id::get(0x0502'1070) == 0x70);
    STATIC_REQUIRE(pci::base_class::get(0x0502'1070) == 0x05);
    STATIC_REQUIRE(pci::prog_if::get(0x0502'1070) == 0x10);
}

TEST_CASE("BAR indicators 0..5 name config offsets 0x10..0x24, others are errors", "[spec][pci]") {
    for (unsigned bir = 0; bir <= 5; ++bir)
        REQUIRE(pci::bar_offset(bir).value() == 0x10 + 4 * bir);
    REQUIRE(pci::bar_offset(6).error() == errc::invalid_bir);
    REQUIRE(pci::bar_offset(7).error() == errc::invalid_bir);
    STATIC_REQUIRE(pci::bar_count(0) == 6);
    STATIC_REQUIRE(pci::bar_count(1) == 2);
    STATIC_REQUIRE(pci::bar_count(0x7F) == 0);
}

TEST_CASE("BAR low dwords decode their kind and encode back", "[spec][pci]") {
    // Device B BAR0 low dword 0xB000000C: 64-bit prefetchable memory.
    constexpr auto b = pci::decode_bar_kind(0xB000'000C);
    STATIC_REQUIRE(!b.io);
    STATIC_REQUIRE(b.is_64bit);
    STATIC_REQUIRE(b.prefetchable);
    STATIC_REQUIRE(pci::decode_bar_kind(0xA401).io);
    STATIC_REQUIRE(!pci::decode_bar_kind(0xA6F0'0000).is_64bit);
    // Memory type 1 and 3 are reserved; Linux treats them as 32-bit.
    STATIC_REQUIRE(!pci::decode_bar_kind(0x6).is_64bit);
    REQUIRE(pci::encode_memory_bar(0x380'B000'0000, true, true).value() == 0xB000'000C);
    REQUIRE(pci::encode_memory_bar(0xA6F0'0000, false, false).value() == 0xA6F0'0000);
    REQUIRE(pci::encode_memory_bar(0x1'0000'0000, false, false).error() == errc::field_overflow);
    REQUIRE(pci::encode_memory_bar(0x1008, true, false).error() == errc::field_overflow);
}

TEST_CASE("extended capability headers: ID, version, next pointer with reserved bits masked",
          "[spec][pci]") {
    // Device B's DVSEC at 0x500: 23 00 01 54 -> ID 0x23, version 1, next 0x540.
    constexpr std::uint32_t h = 0x5401'0023;
    STATIC_REQUIRE(pci::ext_cap_id::get(h) == 0x23);
    STATIC_REQUIRE(pci::ext_cap_version::get(h) == 1);
    STATIC_REQUIRE(pci::ext_cap_next_offset(h) == 0x540);
    STATIC_REQUIRE(pci::ext_cap_next::mask == 0xFFF0'0000);
    // Bits [1:0] of the pointer are reserved: software masks them (PCIe base spec, Linux).
    STATIC_REQUIRE(pci::ext_cap_next_offset(0x5431'0023) == 0x540);
    REQUIRE(pci::encode_ext_cap_header(0x23, 1, 0x540).value() == h);
    REQUIRE(pci::encode_ext_cap_header(0x23, 1, 0).value() == 0x0001'0023);
    REQUIRE(pci::encode_ext_cap_header(0x23, 1, 0x542).error() == errc::field_overflow);
    REQUIRE(pci::encode_ext_cap_header(0x23, 1, 0x80).error() == errc::field_overflow);
    REQUIRE(pci::encode_ext_cap_header(0x23, 16, 0).error() == errc::field_overflow);
}

TEST_CASE("DVSEC headers: vendor 0x1E98, revision, 12-bit length, ID at +8", "[spec][dvsec]") {
    STATIC_REQUIRE(cxl_vendor_id == 0x1E98);
    STATIC_REQUIRE(dvsec::cap_id == 0x0023);
    STATIC_REQUIRE(dvsec::header1::offset == 0x04);
    STATIC_REQUIRE(dvsec::header2::offset == 0x08);
    STATIC_REQUIRE(dvsec::length::mask == 0xFFF0'0000); // cxlpci.h PCI_DVSEC_HEADER1_LENGTH_MASK
    STATIC_REQUIRE(dvsec::revision::mask == 0x000F'0000);
    // Device B: 98 1e 81 03 -> vendor 0x1E98, revision 1, length 0x38.
    STATIC_REQUIRE(dvsec::vendor::get(0x0381'1E98) == 0x1E98);
    STATIC_REQUIRE(dvsec::revision::get(0x0381'1E98) == 1);
    STATIC_REQUIRE(dvsec::length::get(0x0381'1E98) == 0x38);
    REQUIRE(dvsec::encode_header1(cxl_vendor_id, 1, 0x38).value() == 0x0381'1E98);
    REQUIRE(dvsec::encode_header1(cxl_vendor_id, 0, 0x1000).error() == errc::field_overflow);
}

TEST_CASE("each CXL DVSEC ID has its minimum length per revision", "[spec][dvsec]") {
    STATIC_REQUIRE(min_length(dvsec_id::cxl_device, 0) == 0x38);
    STATIC_REQUIRE(min_length(dvsec_id::cxl_device, 1) == 0x38);
    STATIC_REQUIRE(min_length(dvsec_id::cxl_device, 2) == 0x3C);
    STATIC_REQUIRE(min_length(dvsec_id::non_cxl_function_map, 0) == 0x2C);
    STATIC_REQUIRE(min_length(dvsec_id::port_extensions, 0) == 0x28);
    STATIC_REQUIRE(min_length(dvsec_id::gpf_port, 0) == 0x10);
    STATIC_REQUIRE(min_length(dvsec_id::gpf_device, 0) == 0x10);
    STATIC_REQUIRE(min_length(dvsec_id::flex_bus_port, 0) == 0x10);
    STATIC_REQUIRE(min_length(dvsec_id::flex_bus_port, 1) == 0x14);
    STATIC_REQUIRE(min_length(dvsec_id::flex_bus_port, 2) == 0x20);
    STATIC_REQUIRE(min_length(dvsec_id::flex_bus_port, 3) == 0x20);
    STATIC_REQUIRE(min_length(dvsec_id::register_locator, 0) == 0x0C);
    STATIC_REQUIRE(min_length(dvsec_id::mld, 0) == 0x10);
    STATIC_REQUIRE(min_length(dvsec_id::test, 0) == dvsec::header_size);
    STATIC_REQUIRE(min_length(std::uint16_t{0x6}, 0) == dvsec::header_size); // unknown ID
    STATIC_REQUIRE(static_cast<unsigned>(dvsec_id::register_locator) == 8);
    REQUIRE(dvsec_name(dvsec_id::cxl_device) == "CXL Device");
    REQUIRE(dvsec_name(static_cast<dvsec_id>(0x1234)) == "unknown CXL DVSEC");
}

TEST_CASE("CXL Device DVSEC registers sit at their offsets", "[spec][dvsec]") {
    namespace d = cxl_dvsec;
    STATIC_REQUIRE(d::capability::offset == 0x0A);
    STATIC_REQUIRE(d::control::offset == 0x0C);
    STATIC_REQUIRE(d::status::offset == 0x0E);
    STATIC_REQUIRE(d::control2::offset == 0x10);
    STATIC_REQUIRE(d::status2::offset == 0x12);
    STATIC_REQUIRE(d::lock::offset == 0x14);
    STATIC_REQUIRE(d::capability2::offset == 0x16);
    STATIC_REQUIRE(d::range_size_high::offset_of(0) == 0x18);
    STATIC_REQUIRE(d::range_size_low::offset_of(0) == 0x1C);
    STATIC_REQUIRE(d::range_base_high::offset_of(0) == 0x20);
    STATIC_REQUIRE(d::range_base_low::offset_of(0) == 0x24);
    STATIC_REQUIRE(d::range_size_high::offset_of(1) == 0x28);
    STATIC_REQUIRE(d::range_size_low::offset_of(1) == 0x2C);
    STATIC_REQUIRE(d::range_base_high::offset_of(1) == 0x30);
    STATIC_REQUIRE(d::range_base_low::offset_of(1) == 0x34);
    STATIC_REQUIRE(d::capability3::offset == 0x38);
    STATIC_REQUIRE(d::hdm_count::mask == 0x0030);
    STATIC_REQUIRE(d::viral_capable::mask == 0x4000);
    STATIC_REQUIRE(d::mem_enable::mask == 0x0004);
    STATIC_REQUIRE(d::power_management_init_complete::mask == 0x8000);
}

TEST_CASE("capability 0x001E and 0x401E decode as the real devices report them", "[spec][dvsec]") {
    // Device A (Intel 8086:0D93): IO, Mem, HwInit, HDM_Count 1.
    constexpr auto a = cxl_device_capability::decode(0x001E);
    STATIC_REQUIRE(!a.cache_capable);
    STATIC_REQUIRE(a.io_capable);
    STATIC_REQUIRE(a.mem_capable);
    STATIC_REQUIRE(a.mem_hwinit_mode);
    STATIC_REQUIRE(a.hdm_count == 1);
    STATIC_REQUIRE(!a.viral_capable);
    // Device B (Xilinx 10EE:C084): the same plus Viral_Capable.
    constexpr auto b = cxl_device_capability::decode(0x401E);
    STATIC_REQUIRE(b.viral_capable);
    STATIC_REQUIRE(b.hdm_count == 1);
    STATIC_REQUIRE(a.encode().value() == 0x001E);
    STATIC_REQUIRE(b.encode().value() == 0x401E);
    auto too_many = a;
    too_many.hdm_count = 4;
    REQUIRE(too_many.encode().error() == errc::field_overflow);
}

TEST_CASE("capability and control encode and decode every bit pattern back", "[spec][dvsec]") {
    // Every defined bit round-trips; reserved bits (12, 13, 15) are dropped.
    for (std::uint32_t v = 0; v <= 0xFFFF; ++v) {
        auto const raw = static_cast<std::uint16_t>(v);
        REQUIRE(cxl_device_capability::decode(raw).encode().value() == (raw & 0x4FFF));
        REQUIRE(cxl_device_control::decode(raw).encode().value() == (raw & 0x4FFF));
    }
    constexpr auto c = cxl_device_control::decode(0x0006); // device B: IO and Mem enabled
    STATIC_REQUIRE(c.io_enable);
    STATIC_REQUIRE(c.mem_enable);
    STATIC_REQUIRE(!c.cache_enable);
}

TEST_CASE("DVSEC ranges decode size, base and every Size Low field", "[spec][dvsec]") {
    // Device B range 1: size high 4, size low 3 -> 16 GiB, valid and active, base 0.
    constexpr auto r = decode_range(0x4, 0x3, 0, 0);
    STATIC_REQUIRE(r.size == 16_GiB);
    STATIC_REQUIRE(r.base == 0);
    STATIC_REQUIRE(r.info_valid);
    STATIC_REQUIRE(r.active);
    STATIC_REQUIRE(r.present());
    // Device B range 2: size low 2 -> active only, size 0, not present.
    constexpr auto r2 = decode_range(0, 0x2, 0, 0);
    STATIC_REQUIRE(!r2.info_valid);
    STATIC_REQUIRE(r2.active);
    STATIC_REQUIRE(!r2.present());
    // All Size Low fields at once: media 1, class 2, interleave 7, timeout 4, size 0x3000'0000.
    constexpr std::uint32_t lo = 0x3000'0000 | (4u << 13) | (7u << 8) | (2u << 5) | (1u << 2) | 1;
    constexpr auto f = decode_range(0x1, lo, 0x2, 0x9000'0000 | 0x0FFF'FFFF);
    STATIC_REQUIRE(f.size == 0x1'3000'0000);
    STATIC_REQUIRE(f.base == 0x2'9000'0000); // Base Low bits [27:0] are reserved
    STATIC_REQUIRE(f.media_type == range_media_type::non_volatile);
    STATIC_REQUIRE(f.memory_class == range_memory_class::cdat);
    STATIC_REQUIRE(f.desired_interleave == 7);
    STATIC_REQUIRE(f.active_timeout == 4);
    STATIC_REQUIRE(f.info_valid);
    STATIC_REQUIRE(!f.active);
    STATIC_REQUIRE(encode_range(f).value() == cxl_dvsec_range_regs{0x1, lo, 0x2, 0x9000'0000});
    STATIC_REQUIRE(decode_range(encode_range(r).value()) == r);
}

TEST_CASE("DVSEC range encoding refuses unaligned sizes and values too wide", "[spec][dvsec]") {
    cxl_dvsec_range r{.size = 256_MiB + 4096};
    REQUIRE(encode_range(r).error() == errc::not_256mib_aligned);
    r = {.size = 256_MiB, .base = 128_MiB};
    REQUIRE(encode_range(r).error() == errc::not_256mib_aligned);
    r = {.size = 256_MiB, .desired_interleave = 32};
    REQUIRE(encode_range(r).error() == errc::field_overflow);
    r = {.size = 256_MiB, .active_timeout = 8};
    REQUIRE(encode_range(r).error() == errc::field_overflow);
    r = {.size = 256_MiB, .media_type = static_cast<range_media_type>(8)};
    REQUIRE(encode_range(r).error() == errc::field_overflow);
}

TEST_CASE("desired interleave and memory-active timeout codes", "[spec][dvsec]") {
    // Not the HDM eig encoding: 2 is 4 KiB, 3 is 512 B.
    constexpr std::uint32_t bytes[] = {0, 256, 4096, 512, 1024, 2048, 8192, 16384};
    for (unsigned code = 0; code < 8; ++code)
        REQUIRE(desired_interleave_granularity(code).value() == bytes[code]);
    REQUIRE(desired_interleave_granularity(8).error() == errc::reserved_encoding);
    constexpr std::uint32_t seconds[] = {1, 4, 16, 64, 256};
    for (unsigned code = 0; code < 5; ++code)
        REQUIRE(memory_active_timeout_seconds(code).value() == seconds[code]);
    REQUIRE(memory_active_timeout_seconds(5).error() == errc::reserved_encoding);
}

TEST_CASE("Register Locator entries: BIR, block ID, 64 KiB offset, count from length",
          "[spec][dvsec]") {
    namespace rl = register_locator;
    STATIC_REQUIRE(rl::entry_low::offset_of(0) == 0x0C);
    STATIC_REQUIRE(rl::entry_high::offset_of(0) == 0x10);
    STATIC_REQUIRE(rl::entry_low::offset_of(2) == 0x1C);
    STATIC_REQUIRE(rl::bir::mask == 0x7);
    STATIC_REQUIRE(rl::block_id::mask == 0xFF00);
    STATIC_REQUIRE(rl::offset_low::mask == 0xFFFF'0000);
    REQUIRE(rl::entry_count(0x24).value() == 3); // QEMU and device B
    REQUIRE(rl::entry_count(0x0C).value() == 0);
    REQUIRE(rl::entry_count(0x25).error() == errc::invalid_register_locator_length);
    REQUIRE(rl::entry_count(0x0B).error() == errc::invalid_register_locator_length);
    STATIC_REQUIRE(rl::length_for(3) == 0x24);

    // Device B entries: 00 01 00 00 and 00 03 01 00.
    constexpr auto component = decode_register_block(0x0000'0100, 0);
    STATIC_REQUIRE(component == register_block{0, register_block_id::component, 0});
    constexpr auto device = decode_register_block(0x0001'0300, 0);
    STATIC_REQUIRE(device == register_block{0, register_block_id::device, 0x10000});
    // Bits [15:3] below the block ID and the reserved bits never reach the offset.
    STATIC_REQUIRE(decode_register_block(0x0002'04FA, 0x1).offset == 0x1'0002'0000);
    STATIC_REQUIRE(decode_register_block(0x0002'04FA, 0x1).bir == 2);
    STATIC_REQUIRE(static_cast<unsigned>(register_block_id::vendor) == 0xFF);
    REQUIRE(register_block_name(register_block_id::device) == "device (memdev)");
}

TEST_CASE("Register Locator entries encode back and refuse bad BIRs and offsets", "[spec][dvsec]") {
    for (std::uint8_t bir = 0; bir <= 5; ++bir)
        for (auto id : {register_block_id::component, register_block_id::device,
                        register_block_id::cpmu, register_block_id::vendor})
            for (std::uint64_t off : {std::uint64_t{0}, std::uint64_t{0x10000},
                                      std::uint64_t{0xFFFF'0000}, std::uint64_t{0x12'3456'0000}}) {
                register_block const b{bir, id, off};
                auto regs = encode_register_block(b).value();
                REQUIRE(decode_register_block(regs.low, regs.high) == b);
            }
    REQUIRE(encode_register_block({6, register_block_id::device, 0}).error() == errc::invalid_bir);
    REQUIRE(encode_register_block({0, register_block_id::device, 0x8000}).error() ==
            errc::unaligned_register_block);
}

TEST_CASE("the other CXL DVSECs: registers and GPF time scales", "[spec][dvsec]") {
    // Device B's Flex Bus Port DVSEC at 0x540: capability 0x0026 (IO, Mem, 68B flit).
    STATIC_REQUIRE(flex_bus_port::capability::offset == 0x0A);
    STATIC_REQUIRE(flex_bus_port::io_capable::get(0x0026) == 1);
    STATIC_REQUIRE(flex_bus_port::mem_capable::get(0x0026) == 1);
    STATIC_REQUIRE(flex_bus_port::vh_68b_flit_capable::get(0x0026) == 1);
    STATIC_REQUIRE(flex_bus_port::cache_capable::get(0x0026) == 0);
    STATIC_REQUIRE(flex_bus_port::status2::offset == 0x1C);
    // Device B's GPF DVSEC at 0x590: phase 2 duration 03 02 -> base 3, scale 2 (100 us).
    STATIC_REQUIRE(gpf_device::time_base::get(0x0203) == 3);
    STATIC_REQUIRE(gpf_device::time_scale::get(0x0203) == 2);
    REQUIRE(gpf::time_scale_us(2).value() == 100);
    REQUIRE(gpf::time_scale_us(7).value() == 10'000'000);
    REQUIRE(gpf::time_scale_us(8).error() == errc::reserved_encoding);
    STATIC_REQUIRE(gpf_port::phase2_control::offset == 0x0E);
    STATIC_REQUIRE(port_extensions::rcrb_base::offset == 0x20);
    STATIC_REQUIRE(mld::number_of_lds::offset == 0x0A);
    STATIC_REQUIRE(non_cxl_function_map::map::offset_of(7) == 0x28);
}
