// Mailbox payloads (CXL 2.0 §8.2.9; Linux drivers/cxl/cxlmem.h): wire offsets, round trips in
// constant expressions, and a specific error for every payload that is too short or inconsistent.
#include <cxlfw/spec/mailbox.hpp>
#include <cxlfw/spec/uuid.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <set>
#include <string>
#include <vector>

using namespace cxlfw::literals;
using namespace cxlfw::spec;

namespace {
std::uint64_t le(std::span<const std::byte> b, std::size_t at, unsigned n) {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i)
        v |= std::uint64_t{std::to_integer<std::uint8_t>(b[at + i])} << (8 * i);
    return v;
}

constexpr mbox::identify sample_identify() {
    mbox::identify id;
    id.fw_revision = mbox::identify::make_fw_revision("BWFW VERSION 00").value();
    id.total_capacity = 4; // 1 GiB
    id.volatile_capacity = 4;
    id.partition_align = 1;
    id.info_event_log_size = 0x100;
    id.fatal_event_log_size = 0x104;
    id.lsa_size = 0x2'0000;
    id.poison_list_max_mer = 0xAB'CDEF;
    id.inject_poison_limit = 0x1234;
    id.poison_caps = 0x5;
    id.qos_telemetry_caps = 0x1;
    return id;
}
} // namespace

TEST_CASE("UUIDs parse, print and order like their canonical text", "[spec][uuid]") {
    constexpr auto cel = uuid::parse("0da9c0b5-bf41-4b78-8f79-96b1623b3f17");
    STATIC_REQUIRE(cel.has_value());
    STATIC_REQUIRE(cel.value() == cel_log_uuid);
    STATIC_REQUIRE(cel_log_uuid.bytes[0] == 0x0d); // big-endian, as Linux UUID_INIT
    STATIC_REQUIRE(cel_log_uuid.bytes[15] == 0x17);
    REQUIRE(cel_log_uuid.to_string() == "0da9c0b5-bf41-4b78-8f79-96b1623b3f17");
    REQUIRE(vendor_debug_log_uuid.to_string() == "5e1819d9-11a9-400c-811f-d60719403d86");
    REQUIRE(uuid::parse("0DA9C0B5-BF41-4B78-8F79-96B1623B3F17").value() == cel_log_uuid);
    REQUIRE(cel_log_uuid < vendor_debug_log_uuid);
    for (std::string_view bad :
         {"", "0da9c0b5-bf41-4b78-8f79-96b1623b3f1", "0da9c0b5-bf41-4b78-8f79-96b1623b3f177",
          "0da9c0b5xbf41-4b78-8f79-96b1623b3f17", "0da9c0b5-bf41-4b78-8f79-96b1623b3g17",
          "{da9c0b5-bf41-4b78-8f79-96b1623b3f1}"})
        REQUIRE(uuid::parse(bad).error() == errc::invalid_uuid_text);
}

TEST_CASE("capacities convert between 256 MiB units and bytes", "[spec][mailbox]") {
    STATIC_REQUIRE(mbox::capacity_bytes(4).value() == 1_GiB);
    STATIC_REQUIRE(mbox::capacity_units(16_GiB).value() == 64);
    REQUIRE(mbox::capacity_units(256_MiB + 1).error() == errc::not_256mib_aligned);
    REQUIRE(mbox::capacity_bytes(std::uint64_t{1} << 36).error() == errc::capacity_overflow);
    REQUIRE(mbox::capacity_bytes((std::uint64_t{1} << 36) - 1).has_value());
}

TEST_CASE("Identify Memory Device output: 0x43 bytes at the documented offsets",
          "[spec][mailbox]") {
    STATIC_REQUIRE(mbox::identify::size == 0x43);
    constexpr auto id = sample_identify();
    constexpr auto bytes = id.encode().value();
    STATIC_REQUIRE(mbox::identify::decode(bytes).value() == id); // round trip at compile time
    REQUIRE(le(bytes, 0x10, 8) == 4);
    REQUIRE(le(bytes, 0x18, 8) == 4);
    REQUIRE(le(bytes, 0x28, 8) == 1);
    REQUIRE(le(bytes, 0x30, 2) == 0x100);
    REQUIRE(le(bytes, 0x36, 2) == 0x104);
    REQUIRE(le(bytes, 0x38, 4) == 0x2'0000);
    REQUIRE(le(bytes, 0x3C, 3) == 0xAB'CDEF);
    REQUIRE(le(bytes, 0x3F, 2) == 0x1234);
    REQUIRE(le(bytes, 0x41, 1) == 0x5);
    REQUIRE(le(bytes, 0x42, 1) == 0x1);
    REQUIRE(id.fw_revision_text() == "BWFW VERSION 00");
    REQUIRE(mbox::capacity_bytes(id.total_capacity).value() == 1_GiB);

    REQUIRE(mbox::identify::decode(std::span{bytes}.first(0x42)).error() ==
            errc::payload_too_short);
    std::vector<std::byte> longer(bytes.begin(), bytes.end());
    longer.resize(0x80, std::byte{0xEE}); // later revisions append fields
    REQUIRE(mbox::identify::decode(longer).value() == id);
    auto wide = id;
    wide.poison_list_max_mer = 0x100'0000; // 24 bits on the wire
    REQUIRE(wide.encode().error() == errc::field_overflow);
    std::array<std::byte, 0x42> small{};
    REQUIRE(id.encode_to(small).error() == errc::buffer_too_small);
    REQUIRE(mbox::identify::make_fw_revision("0123456789abcdefX").error() == errc::field_overflow);
}

TEST_CASE("Get/Set Partition Info and Get Health Info payloads", "[spec][mailbox]") {
    constexpr mbox::partition_info pi{
        .active_volatile = 1, .active_persistent = 2, .next_volatile = 3, .next_persistent = 4};
    constexpr auto pib = pi.encode().value();
    STATIC_REQUIRE(pib.size() == 0x20);
    STATIC_REQUIRE(mbox::partition_info::decode(pib).value() == pi);
    REQUIRE(le(pib, 0x18, 8) == 4);
    REQUIRE(mbox::partition_info::decode(std::span{pib}.first(0x1F)).error() ==
            errc::payload_too_short);

    constexpr mbox::set_partition_info spi{.volatile_capacity = 8, .flags = 1};
    constexpr auto spib = spi.encode().value();
    STATIC_REQUIRE(spib.size() == 9);
    STATIC_REQUIRE(mbox::set_partition_info::decode(spib).value() == spi);
    STATIC_REQUIRE(spi.immediate());
    REQUIRE(mbox::set_partition_info::decode(std::span{spib}.first(8)).error() ==
            errc::payload_too_short);

    constexpr mbox::health_info hi{.health_status = 1,
                                   .media_status = 2,
                                   .additional_status = 3,
                                   .life_used = 40,
                                   .device_temperature = 0x1234,
                                   .dirty_shutdown_count = 0xA0B0C0D0,
                                   .corrected_volatile_errors = 7,
                                   .corrected_persistent_errors = 9};
    constexpr auto hib = hi.encode().value();
    STATIC_REQUIRE(hib.size() == 0x12);
    STATIC_REQUIRE(mbox::health_info::decode(hib).value() == hi);
    REQUIRE(le(hib, 0x04, 2) == 0x1234);
    REQUIRE(le(hib, 0x06, 4) == 0xA0B0C0D0);
    REQUIRE(le(hib, 0x0E, 4) == 9);
    REQUIRE(mbox::health_info::decode(std::span{hib}.first(0x11)).error() ==
            errc::payload_too_short);
}

TEST_CASE("Get Log input: UUID, offset, length", "[spec][mailbox]") {
    constexpr mbox::get_log gl{.log = cel_log_uuid, .offset = 0x10, .length = 0x400};
    constexpr auto b = gl.encode().value();
    STATIC_REQUIRE(b.size() == 0x18);
    STATIC_REQUIRE(mbox::get_log::decode(b).value() == gl);
    REQUIRE(std::to_integer<int>(b[0]) == 0x0d);
    REQUIRE(le(b, 0x10, 4) == 0x10);
    REQUIRE(le(b, 0x14, 4) == 0x400);
    REQUIRE(mbox::get_log::decode(std::span{b}.first(0x17)).error() == errc::payload_too_short);
}

TEST_CASE("Get Supported Logs: the count must fit the payload", "[spec][mailbox]") {
    std::array<mbox::log_entry, 2> logs{{{cel_log_uuid, 0x100}, {vendor_debug_log_uuid, 0x40}}};
    std::vector<std::byte> out(mbox::supported_logs::encoded_size(2));
    REQUIRE(out.size() == 8 + 2 * 20);
    REQUIRE(mbox::supported_logs::encode(logs, out).value() == out.size());
    REQUIRE(le(out, 0, 2) == 2);

    auto view = mbox::supported_logs::decode(out).value();
    REQUIRE(view.size() == 2);
    REQUIRE(view[0] == logs[0]);
    REQUIRE(view[1] == logs[1]);
    std::size_t n = 0;
    for (auto e : view.entries)
        REQUIRE(e == logs[n++]);
    REQUIRE(n == 2);

    REQUIRE(mbox::supported_logs::decode(std::span{out}.first(7)).error() ==
            errc::payload_too_short);
    // Count 2, one entry's bytes missing.
    REQUIRE(mbox::supported_logs::decode(std::span{out}.first(8 + 20 + 19)).error() ==
            errc::log_count_mismatch);
    auto lying = out;
    lying[0] = std::byte{0xFF};
    lying[1] = std::byte{0xFF};
    REQUIRE(mbox::supported_logs::decode(lying).error() == errc::log_count_mismatch);
    // Padding after the entries is allowed: a device may return its whole payload.
    out.resize(out.size() + 100);
    REQUIRE(mbox::supported_logs::decode(out).value().size() == 2);
    std::vector<std::byte> small(mbox::supported_logs::encoded_size(2) - 1);
    REQUIRE(mbox::supported_logs::encode(logs, small).error() == errc::buffer_too_small);
}

TEST_CASE("Command Effects Log: whole 4-byte entries", "[spec][mailbox]") {
    std::array<mbox::cel_entry, 3> cel{{{opcode::identify, 0},
                                        {opcode::get_partition_info, 0},
                                        {opcode::set_partition_info, 0x0003}}};
    std::array<std::byte, 12> out{};
    REQUIRE(mbox::command_effects_log::encode(cel, out).value() == 12);
    REQUIRE(le(out, 8, 2) == 0x4101);
    REQUIRE(le(out, 10, 2) == 0x0003);
    auto log = mbox::command_effects_log::decode(out).value();
    REQUIRE(log.size() == 3);
    REQUIRE(log[2] == cel[2]);
    REQUIRE(mbox::command_effects_log::decode(std::span{out}.first(10)).error() ==
            errc::partial_cel_entry);
    REQUIRE(mbox::command_effects_log::decode({}).value().empty());
    REQUIRE(mbox::command_effects_log::encode(cel, std::span{out}.first(11)).error() ==
            errc::buffer_too_small);
}

TEST_CASE("every spec error has its own message", "[spec][errc]") {
    using traits = cxlfw::error_enum_traits<errc>;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < traits::messages.size(); ++i) {
        REQUIRE(static_cast<std::size_t>(traits::messages[i].first) == i + 1); // in order, no gap
        auto m = make_error_code(traits::messages[i].first).message();
        REQUIRE(m.find("cxlfw.spec error") == std::string::npos);
        seen.insert(m);
    }
    REQUIRE(seen.size() == traits::messages.size());
    REQUIRE(make_error_code(errc::invalid_uuid_text).message().find("UUID") != std::string::npos);
}
