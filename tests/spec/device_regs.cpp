// Device registers (CXL 2.0 §8.2.8): capabilities array, device and memdev status, mailbox
// registers, return codes and opcodes.
#include <cxlfw/spec/device_regs.hpp>

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace cxlfw::literals;
using namespace cxlfw::spec;

TEST_CASE("device capabilities array and its 16-byte headers", "[spec][device]") {
    STATIC_REQUIRE(device_regs::cap_count::mask == 0x0000'FFFF'0000'0000);
    STATIC_REQUIRE(device_regs::array_version::mask == 0x00FF'0000);
    STATIC_REQUIRE(device_regs::cap_header::offset_of(0) == 0x10);
    STATIC_REQUIRE(device_regs::cap_offset::offset_of(0) == 0x14);
    STATIC_REQUIRE(device_regs::cap_length::offset_of(0) == 0x18);
    STATIC_REQUIRE(device_regs::cap_header::offset_of(2) == 0x30);
    REQUIRE(device_regs::encode_caps_array(3).value() == 0x0000'0003'0001'0000);
    REQUIRE(device_regs::cap_count::get(device_regs::encode_caps_array(3).value()) == 3);
    REQUIRE(device_regs::encode_caps_array(0x10000).error() == errc::field_overflow);

    constexpr device_cap_entry mbox{.id = 2, .version = 1, .offset = 0x88, .length = 0x820};
    STATIC_REQUIRE(encode_device_cap_header(mbox) == 0x0001'0002);
    STATIC_REQUIRE(decode_device_cap(0x0001'0002, 0x88, 0x820) == mbox);
    STATIC_REQUIRE(static_cast<unsigned>(device_cap_id::memdev) == 0x4000);
    STATIC_REQUIRE(static_cast<unsigned>(device_cap_id::secondary_mailbox) == 3);
    STATIC_REQUIRE(is_vendor_device_cap(0x8000));
    STATIC_REQUIRE(!is_vendor_device_cap(0x4000));
}

TEST_CASE("device status and memory device status", "[spec][device]") {
    STATIC_REQUIRE(device_status::fatal::mask == 0x8);
    STATIC_REQUIRE(memdev::media_status::mask == 0x0C);
    STATIC_REQUIRE(memdev::mailbox_interface_ready::mask == 0x10);
    STATIC_REQUIRE(memdev::reset_needed::mask == 0xE0);
    // Media ready, mailbox ready: what a healthy Type 3 device reports.
    constexpr auto ok = memdev_status::decode(0x14);
    STATIC_REQUIRE(ok.media == media_status::ready);
    STATIC_REQUIRE(ok.mailbox_ready);
    STATIC_REQUIRE(!ok.device_fatal);
    STATIC_REQUIRE(ok.reset == reset_needed::none);
    constexpr auto bad = memdev_status::decode(0x8B); // fatal, fw halt, error, CXL reset
    STATIC_REQUIRE(bad.device_fatal);
    STATIC_REQUIRE(bad.fw_halt);
    STATIC_REQUIRE(bad.media == media_status::error);
    STATIC_REQUIRE(bad.reset == reset_needed::cxl);
    for (std::uint64_t v = 0; v < 0x100; ++v)
        REQUIRE(memdev_status::decode(v).encode().value() == v);
    REQUIRE(memdev_status{.reset = static_cast<reset_needed>(8)}.encode().error() ==
            errc::field_overflow);
}

TEST_CASE("mailbox registers and fields", "[spec][device][mailbox]") {
    STATIC_REQUIRE(mailbox::capabilities::offset == 0x00);
    STATIC_REQUIRE(mailbox::control::offset == 0x04);
    STATIC_REQUIRE(mailbox::command::offset == 0x08);
    STATIC_REQUIRE(mailbox::status::offset == 0x10);
    STATIC_REQUIRE(mailbox::background_status::offset == 0x18);
    STATIC_REQUIRE(mailbox::payload_offset == 0x20);
    STATIC_REQUIRE(mailbox::payload_size_log2::mask == 0x1F);
    STATIC_REQUIRE(mailbox::irq_message_number::mask == 0x780);
    STATIC_REQUIRE(mailbox::doorbell::mask == 0x1);
    STATIC_REQUIRE(mailbox::opcode_field::mask == 0xFFFF);
    STATIC_REQUIRE(mailbox::payload_length::mask == 0x1F'FFFF'0000);
    STATIC_REQUIRE(mailbox::return_code_field::mask == 0x0000'FFFF'0000'0000);
    STATIC_REQUIRE(mailbox::vendor_status::mask == 0xFFFF'0000'0000'0000);
    STATIC_REQUIRE(mailbox::background_percent_complete::mask == 0x7F'0000);
    REQUIRE(encode_command(opcode::identify, 0).value() == 0x4000);
    REQUIRE(encode_command(opcode::get_log, 0x18).value() == 0x18'0401);
    REQUIRE(encode_command(opcode::get_log, 1_MiB).value() == 0x10'0000'0401);
    REQUIRE(encode_command(opcode::get_log, 2_MiB).error() == errc::field_overflow);
}

TEST_CASE("mailbox payload size: at least 256 bytes, clamped to 1 MiB (Linux)",
          "[spec][device][mailbox]") {
    REQUIRE(mailbox::payload_size(8).value() == 256);
    REQUIRE(mailbox::payload_size(11).value() == 2048); // QEMU's 2 KiB
    REQUIRE(mailbox::payload_size(20).value() == 1_MiB);
    REQUIRE(mailbox::payload_size(31).value() == 1_MiB);
    REQUIRE(mailbox::payload_size(0x60 | 11).value() == 2048); // interrupt bits do not count
    REQUIRE(mailbox::payload_size(7).error() == errc::mailbox_payload_too_small);
    REQUIRE(mailbox::payload_size(0).error() == errc::mailbox_payload_too_small);
    STATIC_REQUIRE(mailbox::registers_length(2048) == 0x820);
}

TEST_CASE("every return code 0x00-0x1E has its own name", "[spec][device][mailbox]") {
    std::set<std::string_view> names;
    for (unsigned rc = 0; rc <= max_return_code; ++rc) {
        auto name = return_code_name(static_cast<return_code>(rc));
        REQUIRE(name != "unknown return code");
        names.insert(name);
    }
    REQUIRE(names.size() == max_return_code + 1u);
    REQUIRE(return_code_name(static_cast<return_code>(0x1F)) == "unknown return code");
    STATIC_REQUIRE(static_cast<unsigned>(return_code::busy) == 0x06);
    STATIC_REQUIRE(static_cast<unsigned>(return_code::invalid_payload_length) == 0x16);
    STATIC_REQUIRE(static_cast<unsigned>(return_code::invalid_extent_list) == 0x1E);
    REQUIRE(return_code_name(return_code::media_disabled) == "media disabled");
    REQUIRE(mailbox::return_code_field::get(0x0006'0000'0000) == 6);
}

TEST_CASE("opcodes carry the command set in [15:8]", "[spec][device][mailbox]") {
    STATIC_REQUIRE(static_cast<unsigned>(opcode::get_supported_logs) == 0x0400);
    STATIC_REQUIRE(static_cast<unsigned>(opcode::get_log) == 0x0401);
    STATIC_REQUIRE(static_cast<unsigned>(opcode::identify) == 0x4000);
    STATIC_REQUIRE(static_cast<unsigned>(opcode::get_partition_info) == 0x4100);
    STATIC_REQUIRE(static_cast<unsigned>(opcode::set_partition_info) == 0x4101);
    STATIC_REQUIRE(static_cast<unsigned>(opcode::get_health_info) == 0x4200);
    STATIC_REQUIRE(static_cast<unsigned>(opcode::get_scan_media_results) == 0x4305);
    STATIC_REQUIRE(static_cast<unsigned>(opcode::passphrase_secure_erase) == 0x4505);
    REQUIRE(opcode_name(opcode::identify) == "Identify Memory Device");
    REQUIRE(opcode_name(static_cast<opcode>(0x4106)) == "unknown opcode");
}
