// The CEDT parser and builder (CXL 2.0 §9.14.1; ACPICA actbl1.h): QEMU's real table decodes to the
// values in tests/data/SOURCES.md and rebuilds byte for byte; every class of bad input gives its
// own cedt_errc with the subtable index, offset and field.
#include <cxlfw/spec/cedt_builder.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <vector>

using namespace cxlfw::spec;
using namespace cxlfw::literals;
using bytes_t = std::vector<std::byte>;

namespace {

bytes_t qemu_cedt() {
    std::ifstream in(CXLFW_TEST_DATA_DIR "/qemu/CEDT.cxl", std::ios::binary);
    REQUIRE(in);
    std::vector<char> raw{std::istreambuf_iterator<char>(in), {}};
    bytes_t out(raw.size());
    std::transform(raw.begin(), raw.end(), out.begin(),
                   [](char c) { return static_cast<std::byte>(c); });
    REQUIRE(out.size() == 0xB8);
    return out;
}

// Offsets of QEMU's four subtables (SOURCES.md).
constexpr std::size_t chbs0_at = 0x24, chbs1_at = 0x44, cfmws0_at = 0x64, cfmws1_at = 0x8C;

void poke(bytes_t& b, std::size_t off, std::uint64_t v, std::size_t n) {
    REQUIRE(off + n <= b.size());
    for (std::size_t i = 0; i < n; ++i)
        b[off + i] = static_cast<std::byte>((v >> (8 * i)) & 0xFF);
}

/// `b` with a field changed and the checksum made right again, so that only the field is wrong.
bytes_t mutated(bytes_t b, std::size_t off, std::uint64_t v, std::size_t n) {
    poke(b, off, v, n);
    acpi_fix_checksum(b);
    return b;
}

cedt_table parse_ok(bytes_t const& b) {
    auto t = parse_cedt(b);
    REQUIRE(t.has_value());
    return std::move(*t);
}

/// The table's only diagnostic.
cedt_diag only_diag(cedt_table const& t) {
    INFO((t.diagnostics.empty() ? std::string{"none"} : t.diagnostics.front().message()));
    REQUIRE(t.diagnostics.size() == 1);
    return t.diagnostics.front();
}

cedt_diag fatal_diag(bytes_t const& b) {
    cedt_diag d;
    auto t = parse_cedt(b, &d);
    REQUIRE(t.has_error());
    REQUIRE(t.error() == d.code);
    REQUIRE(d.severity == cedt_severity::fatal);
    REQUIRE(d.is_header());
    return d;
}

constexpr chbs qemu_chbs0{.index = 0,
                          .uid = 222,
                          .cxl_version = chbs_version_cxl20,
                          .base = 0x1'0000'0000,
                          .length = 0x10000};
constexpr chbs qemu_chbs1{.index = 1,
                          .uid = 12,
                          .cxl_version = chbs_version_cxl20,
                          .base = 0x1'0001'0000,
                          .length = 0x10000};
constexpr cfmws qemu_cfmws0{.index = 2,
                            .base_hpa = 0x1'1000'0000,
                            .window_size = 4_GiB,
                            .eniw = 0,
                            .arithmetic = interleave_arithmetic::modulo,
                            .hbig = 5,
                            .restrictions = 0x000F,
                            .qtg_id = 0,
                            .targets = {12u}};
constexpr cfmws qemu_cfmws1{.index = 3,
                            .base_hpa = 0x2'1000'0000,
                            .window_size = 4_GiB,
                            .eniw = 1,
                            .arithmetic = interleave_arithmetic::modulo,
                            .hbig = 5,
                            .restrictions = 0x000F,
                            .qtg_id = 0,
                            .targets = {12u, 222u}};

} // namespace

// ---------------------------------------------------------------------------------------
// The real table

TEST_CASE("QEMU's CEDT decodes to the values in SOURCES.md", "[spec][cedt]") {
    auto t = parse_ok(qemu_cedt());
    CHECK(t.header.signature == acpi_id<4>("CEDT"));
    CHECK(t.header.length == 0xB8);
    CHECK(t.header.revision == 1);
    CHECK(t.header.checksum == 0xF1);
    CHECK(t.header.oem_id == acpi_id<6>("BOCHS "));
    CHECK(t.header.oem_table_id == acpi_id<8>("BXPC    "));
    CHECK(t.header.oem_revision == 1);
    CHECK(t.header.creator_id == acpi_id<4>("BXPC"));
    CHECK(t.header.creator_revision == 1);

    REQUIRE(t.chbs_list == std::vector<chbs>{qemu_chbs0, qemu_chbs1});
    REQUIRE(t.cfmws_list == std::vector<cfmws>{qemu_cfmws0, qemu_cfmws1});
    CHECK(t.cxims_list.empty());
    CHECK(t.rdpas_list.empty());
    CHECK(t.diagnostics.empty());
    CHECK_FALSE(t.has_rejections());

    auto const& w0 = t.cfmws_list[0];
    CHECK(w0.ways() == 1);
    CHECK(w0.granularity() == 256); // a 1-way window's HBIG 5 (8 KiB) becomes 256 B
    CHECK(w0.hbig == 5);
    CHECK(w0.allows(cfmws_restrict::type2 | cfmws_restrict::type3 | cfmws_restrict::volatile_ |
                    cfmws_restrict::pmem));
    CHECK_FALSE(w0.allows(cfmws_restrict::fixed));
    CHECK_FALSE(w0.allows(cfmws_restrict::bi));
    auto const& w1 = t.cfmws_list[1];
    CHECK(w1.ways() == 2);
    CHECK(w1.granularity() == 8192);
    CHECK(std::vector<std::uint32_t>(w1.targets.begin(), w1.targets.end()) ==
          std::vector<std::uint32_t>{12, 222});
    CHECK(w1.last() == 0x3'0FFF'FFFF);

    REQUIRE(t.find_chbs(12) != nullptr);
    CHECK(t.find_chbs(12)->base == 0x1'0001'0000);
    CHECK(t.find_chbs(13) == nullptr);
    CHECK(t.xormaps_for(w1).empty());
}

TEST_CASE("the walker finds QEMU's four subtables at their offsets", "[spec][cedt]") {
    auto b = qemu_cedt();
    struct where {
        std::size_t offset;
        std::uint8_t type;
        std::uint16_t length;
    };
    const where expected[] = {{chbs0_at, cedt_type::chbs, 0x20},
                              {chbs1_at, cedt_type::chbs, 0x20},
                              {cfmws0_at, cedt_type::cfmws, 0x28},
                              {cfmws1_at, cedt_type::cfmws, 0x2C}};
    cedt_walker w{b};
    for (unsigned i = 0; i < 4; ++i) {
        REQUIRE_FALSE(w.done());
        auto s = w.next().value();
        CHECK(s.index == i);
        CHECK(s.offset == expected[i].offset);
        CHECK(s.type == expected[i].type);
        CHECK(s.length == expected[i].length);
        CHECK(s.bytes.size() == s.length);
    }
    REQUIRE(w.done());
}

TEST_CASE("QEMU's CEDT rebuilt from its decoded fields is the same bytes", "[spec][cedt]") {
    auto original = qemu_cedt();
    auto t = parse_ok(original);
    cedt_builder b{t.header};
    for (auto const& c : t.chbs_list)
        b.add(c);
    for (auto const& w : t.cfmws_list)
        b.add(w);
    CHECK(b.subtable_count() == 4);
    REQUIRE(b.bytes() == original);
}

TEST_CASE("every subtable type survives build -> parse", "[spec][cedt][builder]") {
    const chbs rch{.index = 0,
                   .uid = 5,
                   .cxl_version = chbs_version_cxl11,
                   .base = 0xFED0'0000,
                   .length = chbs_rcrb_length};
    const chbs vh{.index = 1,
                  .uid = 6,
                  .cxl_version = chbs_version_cxl20,
                  .base = 0xFE00'0000,
                  .length = chbs_chbcr_length};
    const cfmws xor4{.index = 2,
                     .base_hpa = 0x40'0000'0000,
                     .window_size = 64_GiB,
                     .eniw = 2,
                     .arithmetic = interleave_arithmetic::xormap,
                     .hbig = 0,
                     .restrictions = cfmws_restrict::type3 | cfmws_restrict::volatile_ |
                                     cfmws_restrict::fixed | cfmws_restrict::bi,
                     .qtg_id = 3,
                     .targets = {5u, 6u, 7u, 8u}};
    const cxims maps{.index = 3, .hbig = 0, .xormaps = {0x2020900, 0x4041200, 0x1010400}};
    const rdpas port{.index = 4,
                     .segment = 1,
                     .bdf = (0x3A << 8) | (2 << 3) | 1,
                     .address = 0xFE10'0000,
                     .protocol = rdpas_protocol_cachemem};
    const cfmws mod12{.index = 5,
                      .base_hpa = 0x80'0000'0000,
                      .window_size = 12_GiB,
                      .eniw = 10,
                      .hbig = 6,
                      .targets = {1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u, 10u, 11u, 12u}};

    auto header = cedt_builder::default_header();
    header.revision = 2;
    header.oem_id = acpi_id<6>("TEST");
    auto bytes =
        cedt_builder{header}.add(rch).add(vh).add(xor4).add(maps).add(port).add(mod12).bytes();
    REQUIRE(acpi_checksum(bytes) == 0);
    auto t = parse_ok(bytes);
    CHECK(t.header.revision == 2);
    CHECK(t.header.oem_id == acpi_id<6>("TEST  "));
    CHECK(t.header.length == bytes.size());
    CHECK(t.chbs_list == std::vector<chbs>{rch, vh});
    CHECK(t.cfmws_list == std::vector<cfmws>{xor4, mod12});
    CHECK(t.cxims_list == std::vector<cxims>{maps});
    CHECK(t.rdpas_list == std::vector<rdpas>{port});
    CHECK(t.rdpas_list[0].bus() == 0x3A);
    CHECK(t.rdpas_list[0].device() == 2);
    CHECK(t.rdpas_list[0].function() == 1);
    CHECK(t.xormaps_for(t.cfmws_list[0]) == xormap_list{0x2020900, 0x4041200});
    CHECK(t.cfmws_list[1].ways() == 12);
    CHECK(t.cfmws_list[1].granularity() == 16384);
    // An RCH next to a VH host bridge is noted, as Linux logs it; nothing is rejected.
    auto d = only_diag(t);
    CHECK(d.code == cedt_errc::mixed_chbs_versions);
    CHECK(d.severity == cedt_severity::note);
    CHECK(d.index == 1);
    CHECK(d.related == 0);
    CHECK_FALSE(t.has_rejections());
}

namespace {
// A CEDT with one CFMWS, assembled and decoded entirely at compile time.
constexpr auto compile_time_window() {
    std::array<std::byte, acpi_header_size + 0x28> b{};
    auto put = [&](std::size_t off, std::uint64_t v, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i)
            b[off + i] = static_cast<std::byte>((v >> (8 * i)) & 0xFF);
    };
    put(0, 0x54444543, 4); // "CEDT"
    put(4, b.size(), 4);
    put(8, 1, 1);
    put(36 + 0, cedt_type::cfmws, 1);
    put(36 + 2, 0x28, 2);
    put(36 + 0x08, 0x10'0000'0000, 8);
    put(36 + 0x10, 1_GiB, 8);
    put(36 + 0x1C, 2, 4);
    put(36 + 0x24, 77, 4);
    acpi_fix_checksum(b);
    auto header = decode_cedt_header(b);
    cedt_walker walk{std::span<const std::byte>{b}.first(header->length)};
    return decode_cfmws(walk.next().value()).value();
}
} // namespace

TEST_CASE("header, walk and subtable decoding run at compile time", "[spec][cedt]") {
    constexpr cfmws w = compile_time_window();
    STATIC_REQUIRE(w.base_hpa == 0x10'0000'0000);
    STATIC_REQUIRE(w.window_size == 1_GiB);
    STATIC_REQUIRE(w.ways() == 1);
    STATIC_REQUIRE(w.granularity() == 256);
    STATIC_REQUIRE(w.hbig == 2);
    STATIC_REQUIRE(w.targets == cfmws_targets{77u});
}

// ---------------------------------------------------------------------------------------
// Header: the whole parse fails

TEST_CASE("a CEDT shorter than the ACPI header is rejected", "[spec][cedt][bad]") {
    auto b = qemu_cedt();
    b.resize(35);
    auto d = fatal_diag(b);
    CHECK(d.code == cedt_errc::table_too_short);
    CHECK(d.field == "data size");
    CHECK(d.value == 35);
    CHECK(d.expected == 36);
    CHECK(fatal_diag({}).code == cedt_errc::table_too_short);
}

TEST_CASE("a table that is not a CEDT is rejected", "[spec][cedt][bad]") {
    auto d = fatal_diag(mutated(qemu_cedt(), 0, 0x54414D53, 4)); // "SMAT"
    CHECK(d.code == cedt_errc::wrong_signature);
    CHECK(d.field == "signature");
    CHECK(d.field_offset == 0);
    CHECK(d.value == 0x54414D53);
}

TEST_CASE("a CEDT whose length is larger than the data is rejected", "[spec][cedt][bad]") {
    auto d = fatal_diag(mutated(qemu_cedt(), 4, 0xB9, 4));
    CHECK(d.code == cedt_errc::length_exceeds_data);
    CHECK(d.field == "length");
    CHECK(d.field_offset == 4);
    CHECK(d.value == 0xB9);
    CHECK(d.expected == 0xB8);
    // Cut data: the header still says 0xB8.
    auto b = qemu_cedt();
    b.resize(0x90);
    CHECK(fatal_diag(b).code == cedt_errc::length_exceeds_data);
}

TEST_CASE("a CEDT whose length is smaller than its header is rejected", "[spec][cedt][bad]") {
    auto d = fatal_diag(mutated(qemu_cedt(), 4, 0x23, 4));
    CHECK(d.code == cedt_errc::length_below_header);
    CHECK(d.field == "length");
    CHECK(d.field_offset == 4);
    CHECK(d.value == 0x23);
    CHECK(d.expected == 36);
    CHECK(fatal_diag(mutated(qemu_cedt(), 4, 0, 4)).code == cedt_errc::length_below_header);
}

TEST_CASE("a CEDT with a wrong checksum is rejected", "[spec][cedt][bad]") {
    auto b = qemu_cedt();
    poke(b, cfmws1_at + 0x22, 1, 2); // QTG ID 0 -> 1, checksum left alone
    auto d = fatal_diag(b);
    CHECK(d.code == cedt_errc::checksum_mismatch);
    CHECK(d.field == "checksum");
    CHECK(d.field_offset == 9);
    CHECK(d.value == 0xF1);
    CHECK(d.expected == 0xF0); // the byte that would make the sum 0
    CHECK(d.message() == "CEDT header: field checksum: 0xf1 does not make the bytes sum to 0 "
                         "(0xf0 would); table rejected");
    auto r = parse_cedt(b);
    REQUIRE(r.has_error());
    CHECK(std::string(r.error().category().name()) == "cxlfw.cedt");
    CHECK(r.error() == cedt_errc::checksum_mismatch);
}

TEST_CASE("bytes after the table's length are ignored and noted", "[spec][cedt]") {
    auto b = qemu_cedt();
    b.resize(0xC0, std::byte{0xAA});
    auto t = parse_ok(b);
    CHECK(t.cfmws_list.size() == 2);
    auto d = only_diag(t);
    CHECK(d.code == cedt_errc::trailing_data);
    CHECK(d.severity == cedt_severity::note);
    CHECK(d.is_header());
    CHECK(d.value == 0xB8);
    CHECK(d.expected == 0xC0);
}

// ---------------------------------------------------------------------------------------
// Walk: the rest of the table is lost, what came before stays

TEST_CASE("a subtable shorter than its type needs ends the walk", "[spec][cedt][bad]") {
    // Window 0 (subtable 2) claims 0x20 bytes, less than a CFMWS's 0x24.
    auto t = parse_ok(mutated(qemu_cedt(), cfmws0_at + 2, 0x20, 2));
    auto d = only_diag(t);
    CHECK(d.code == cedt_errc::subtable_too_short);
    CHECK(d.severity == cedt_severity::walk_ended);
    CHECK(d.index == 2);
    CHECK(d.offset == cfmws0_at);
    CHECK(d.field == "header.length");
    CHECK(d.field_offset == cfmws0_at + 2);
    CHECK(d.value == 0x20);
    CHECK(d.expected == 0x24);
    CHECK(d.message() == "CEDT subtable 2 (CFMWS) at 0x64: field header.length: 0x20 is shorter "
                         "than the 0x24 bytes a CFMWS needs; this and later subtables not "
                         "parsed");
    CHECK(t.chbs_list.size() == 2); // before it: kept
    CHECK(t.cfmws_list.empty());    // it and after it: lost
    CHECK(t.has_rejections());

    // A length of 0 would loop forever; of 2 it cuts into the header; both end the walk.
    CHECK(only_diag(parse_ok(mutated(qemu_cedt(), chbs1_at + 2, 0, 2))).code ==
          cedt_errc::subtable_too_short);
    auto unknown = mutated(qemu_cedt(), chbs1_at, 0x7F, 1);
    poke(unknown, chbs1_at + 2, 2, 2);
    acpi_fix_checksum(unknown);
    auto u = only_diag(parse_ok(unknown));
    CHECK(u.code == cedt_errc::subtable_too_short);
    CHECK(u.index == 1);
    CHECK(u.expected == 4);
    // CHBS and CXIMS have their own minimums.
    CHECK(only_diag(parse_ok(mutated(qemu_cedt(), chbs0_at + 2, 0x1C, 2))).expected == 0x20);
    std::byte cxims_body[2]{};
    auto c = only_diag(parse_ok(cedt_builder{}.add_raw(cedt_type::cxims, 6, cxims_body).bytes()));
    CHECK(c.code == cedt_errc::subtable_too_short);
    CHECK(c.expected == 8);
}

TEST_CASE("a subtable running past the end of the table ends the walk", "[spec][cedt][bad]") {
    auto t = parse_ok(mutated(qemu_cedt(), cfmws1_at + 2, 0x30, 2));
    auto d = only_diag(t);
    CHECK(d.code == cedt_errc::subtable_past_end);
    CHECK(d.severity == cedt_severity::walk_ended);
    CHECK(d.index == 3);
    CHECK(d.offset == cfmws1_at);
    CHECK(d.value == 0x30);
    CHECK(d.expected == 0xB8);
    REQUIRE(t.cfmws_list == std::vector<cfmws>{qemu_cfmws0});

    // Two stray bytes after the last subtable: not even a subtable header fits.
    auto b = qemu_cedt();
    b.push_back(std::byte{1});
    b.push_back(std::byte{0});
    poke(b, 4, b.size(), 4);
    acpi_fix_checksum(b);
    auto stray = parse_ok(b);
    auto s = only_diag(stray);
    CHECK(s.code == cedt_errc::subtable_past_end);
    CHECK(s.index == 4);
    CHECK(s.offset == 0xB8);
    CHECK(s.field == "header");
    CHECK(stray.cfmws_list.size() == 2);
}

TEST_CASE("an unknown subtable type is skipped and reported; the walk goes on", "[spec][cedt]") {
    std::byte body[8]{std::byte{1}};
    auto t = parse_ok(cedt_builder{}.add_raw(9, 12, body).add(qemu_cfmws0).bytes());
    auto d = only_diag(t);
    CHECK(d.code == cedt_errc::unknown_subtable_type);
    CHECK(d.severity == cedt_severity::skipped);
    CHECK(d.index == 0);
    CHECK(d.value == 9);
    CHECK(d.message() == "CEDT subtable 0 (type 0x9) at 0x24: field header.type: 0x9 is not a "
                         "known CEDT subtable type; subtable skipped");
    REQUIRE(t.cfmws_list.size() == 1);
    CHECK(t.cfmws_list[0].index == 1);
    CHECK(t.has_rejections());
}

// ---------------------------------------------------------------------------------------
// CFMWS: the window is skipped, the rest stays

namespace {
/// Parses QEMU's table with window 1 changed; checks that exactly window 1 was skipped for
/// `code` at `field`, and returns the diagnostic.
cedt_diag window1_rejected(bytes_t const& b, cedt_errc code, std::string_view field,
                           std::size_t field_off) {
    auto t = parse_ok(b);
    auto d = only_diag(t);
    INFO(d.message());
    CHECK(d.code == code);
    CHECK(d.severity == cedt_severity::skipped);
    CHECK(d.index == 3);
    CHECK(d.type == cedt_type::cfmws);
    CHECK(d.offset == cfmws1_at);
    CHECK(d.field == field);
    CHECK(d.field_offset == cfmws1_at + field_off);
    CHECK(t.cfmws_list == std::vector<cfmws>{qemu_cfmws0});
    CHECK(t.chbs_list.size() == 2);
    return d;
}
} // namespace

TEST_CASE("a window with an unknown interleave arithmetic is skipped", "[spec][cedt][bad]") {
    auto d = window1_rejected(mutated(qemu_cedt(), cfmws1_at + 0x19, 2, 1),
                              cedt_errc::invalid_arithmetic, "interleave_arithmetic", 0x19);
    CHECK(d.value == 2);
}

TEST_CASE("a window whose base or size is not 256 MiB aligned is skipped", "[spec][cedt][bad]") {
    auto d = window1_rejected(mutated(qemu_cedt(), cfmws1_at + 0x08, 0x1'1000'0001, 8),
                              cedt_errc::base_not_aligned, "base_hpa", 0x08);
    CHECK(d.value == 0x1'1000'0001);
    CHECK(d.message() == "CEDT subtable 3 (CFMWS) at 0x8c: field base_hpa: 0x110000001 is not "
                         "256 MiB aligned; window skipped");
    auto s = window1_rejected(mutated(qemu_cedt(), cfmws1_at + 0x10, 4_GiB + 128_MiB, 8),
                              cedt_errc::size_not_aligned, "window_size", 0x10);
    CHECK(s.value == 4_GiB + 128_MiB);
}

TEST_CASE("a window of size 0 is skipped", "[spec][cedt][bad]") {
    window1_rejected(mutated(qemu_cedt(), cfmws1_at + 0x10, 0, 8), cedt_errc::window_size_zero,
                     "window_size", 0x10);
}

TEST_CASE("a window running past 2^64 is skipped", "[spec][cedt][bad]") {
    auto b = mutated(qemu_cedt(), cfmws1_at + 0x08, 0xFFFF'FFFF'F000'0000, 8);
    auto d = window1_rejected(b, cedt_errc::window_end_overflow, "window_size", 0x10);
    CHECK(d.expected == 0xFFFF'FFFF'F000'0000);
    // Ending exactly at 2^64 - 1 is fine.
    auto edge = mutated(b, cfmws1_at + 0x10, 256_MiB, 8);
    auto t = parse_ok(edge);
    CHECK(t.diagnostics.empty());
    CHECK(t.cfmws_list.back().last() == ~std::uint64_t{0});
}

TEST_CASE("a window with an invalid ENIW is skipped", "[spec][cedt][bad]") {
    for (std::uint64_t eniw : {5u, 7u, 11u, 255u}) {
        CAPTURE(eniw);
        auto d = window1_rejected(mutated(qemu_cedt(), cfmws1_at + 0x18, eniw, 1),
                                  cedt_errc::invalid_eniw, "eniw", 0x18);
        CHECK(d.value == eniw);
    }
}

TEST_CASE("a window whose length holds fewer targets than its ways is skipped",
          "[spec][cedt][bad]") {
    // Window 1 says 4 ways (ENIW 2) but its 0x2C bytes hold two targets.
    auto d = window1_rejected(mutated(qemu_cedt(), cfmws1_at + 0x18, 2, 1),
                              cedt_errc::target_count_mismatch, "header.length", 2);
    CHECK(d.value == 0x2C);
    CHECK(d.expected == 0x34);
    CHECK(d.related == 4);
    // The builder writes what it is given: 3 ways (ENIW 8) with two targets.
    cfmws short_list = qemu_cfmws1;
    short_list.eniw = 8;
    auto t = parse_ok(cedt_builder{}.add(short_list).bytes());
    CHECK(only_diag(t).code == cedt_errc::target_count_mismatch);
    CHECK(t.cfmws_list.empty());
}

TEST_CASE("a window longer than its targets need is kept, and noted", "[spec][cedt]") {
    // Window 1 with ENIW 0: one target, but 0x2C bytes.
    auto t = parse_ok(mutated(qemu_cedt(), cfmws1_at + 0x18, 0, 1));
    auto d = only_diag(t);
    CHECK(d.code == cedt_errc::subtable_longer_than_needed);
    CHECK(d.severity == cedt_severity::note);
    CHECK(d.index == 3);
    CHECK(d.value == 0x2C);
    CHECK(d.expected == 0x28);
    REQUIRE(t.cfmws_list.size() == 2);
    CHECK(t.cfmws_list[1].targets == cfmws_targets{12u});
    CHECK_FALSE(t.has_rejections());
}

TEST_CASE("a window with an invalid HBIG is skipped, even a 1-way one", "[spec][cedt][bad]") {
    auto d = window1_rejected(mutated(qemu_cedt(), cfmws1_at + 0x1C, 7, 4), cedt_errc::invalid_hbig,
                              "hbig", 0x1C);
    CHECK(d.value == 7);
    // Linux checks HBIG before replacing a 1-way window's granularity.
    auto t = parse_ok(mutated(qemu_cedt(), cfmws0_at + 0x1C, 0x100, 4));
    auto w0 = only_diag(t);
    CHECK(w0.code == cedt_errc::invalid_hbig);
    CHECK(w0.index == 2);
    CHECK(t.cfmws_list == std::vector<cfmws>{qemu_cfmws1});
}

TEST_CASE("a window overlapping an earlier accepted window is skipped", "[spec][cedt][bad]") {
    auto d = window1_rejected(mutated(qemu_cedt(), cfmws1_at + 0x08, 0x1'8000'0000, 8),
                              cedt_errc::window_overlap, "base_hpa", 0x08);
    CHECK(d.related == 2);
    CHECK(d.message() == "CEDT subtable 3 (CFMWS) at 0x8c: field base_hpa: 0x180000000 starts a "
                         "window that overlaps the window of subtable 2; window skipped");
    // Sharing only window 0's last 256 MiB is overlapping; starting right after it is not.
    auto last = window1_rejected(mutated(qemu_cedt(), cfmws1_at + 0x08, 0x2'0000'0000, 8),
                                 cedt_errc::window_overlap, "base_hpa", 0x08);
    CHECK(last.related == 2);
    auto adjacent = parse_ok(mutated(qemu_cedt(), cfmws1_at + 0x08, 0x1'1000'0000 + 4_GiB, 8));
    CHECK(adjacent.cfmws_list.size() == 2);
    CHECK(adjacent.diagnostics.empty());
    // Only accepted windows count: a rejected window cannot shadow a later one.
    auto shadow = mutated(qemu_cedt(), cfmws0_at + 0x19, 9, 1); // window 0 skipped
    poke(shadow, cfmws1_at + 0x08, 0x1'1000'0000, 8);           // window 1 where window 0 was
    acpi_fix_checksum(shadow);
    auto s = parse_ok(shadow);
    CHECK(only_diag(s).code == cedt_errc::invalid_arithmetic);
    REQUIRE(s.cfmws_list.size() == 1);
    CHECK(s.cfmws_list[0].index == 3);
}

TEST_CASE("a window listing one host bridge at two ways is skipped",
          "[spec][cedt][bad][topology]") {
    // QEMU's window 1 interleaves UIDs 12 and 222; make both targets 12.
    auto d = window1_rejected(mutated(qemu_cedt(), cfmws1_at + 0x24 + 4, 12, 4),
                              cedt_errc::duplicate_window_target, "interleave_targets", 0x28);
    CHECK(d.value == 12);
    CHECK(d.related == 0);
    CHECK(d.expected == 0x2'1000'0000);
    CHECK(d.message() == "CEDT subtable 3 (CFMWS) at 0x8c: field interleave_targets: 0xc (host "
                         "bridge UID 12) at target 1 repeats target 0 of the window at "
                         "0x210000000 (one host bridge at two interleave ways); window skipped");
    // Any two positions: a 4-way window naming UID 2 at targets 1 and 3.
    cedt_builder b;
    b.add(cfmws{.base_hpa = 16_GiB, .window_size = 4_GiB, .eniw = 2, .targets = {1u, 2u, 3u, 2u}});
    auto t = parse_ok(b.bytes());
    auto four = only_diag(t);
    CHECK(four.code == cedt_errc::duplicate_window_target);
    CHECK(four.value == 2);
    CHECK(four.related == 1);
    CHECK(four.field_offset == acpi_header_size + 0x24 + 12);
    CHECK(t.cfmws_list.empty());
}

// ---------------------------------------------------------------------------------------
// XOR windows and their CXIMS

namespace {
cfmws xor_window(std::uint8_t eniw, std::uint32_t hbig) {
    cfmws w{.base_hpa = 0x40'0000'0000,
            .window_size = 48_GiB,
            .eniw = eniw,
            .arithmetic = interleave_arithmetic::xormap,
            .hbig = hbig};
    for (unsigned i = 0; i < eiw_to_ways(eniw).value(); ++i)
        w.targets.push_back(100 + i);
    return w;
}
} // namespace

TEST_CASE("an XOR window without a CXIMS of its granularity is skipped", "[spec][cedt][bad]") {
    auto t = parse_ok(cedt_builder{}.add(xor_window(1, 0)).bytes());
    auto d = only_diag(t);
    CHECK(d.code == cedt_errc::missing_cxims);
    CHECK(d.index == 0);
    CHECK(d.offset == acpi_header_size);
    CHECK(d.field == "hbig");
    CHECK(d.field_offset == acpi_header_size + 0x1C);
    CHECK(d.related == 2);
    CHECK(d.expected == 1);
    CHECK(t.cfmws_list.empty());
    // A CXIMS for another granularity does not serve it.
    auto other = parse_ok(
        cedt_builder{}.add(xor_window(1, 0)).add(cxims{.hbig = 1, .xormaps = {0x100u}}).bytes());
    CHECK(only_diag(other).code == cedt_errc::missing_cxims);
    CHECK(other.cxims_list.size() == 1);
}

TEST_CASE("an XOR window whose CXIMS has too few XORMAPs is skipped", "[spec][cedt][bad]") {
    // 8 ways need three maps; the CXIMS has two.
    auto t = parse_ok(cedt_builder{}
                          .add(cxims{.hbig = 3, .xormaps = {0x800u, 0x1000u}})
                          .add(xor_window(3, 3))
                          .bytes());
    auto d = only_diag(t);
    CHECK(d.code == cedt_errc::cxims_too_few_xormaps);
    CHECK(d.index == 1);
    CHECK(d.type == cedt_type::cfmws);
    CHECK(d.offset == acpi_header_size + 0x18); // after the 0x18-byte CXIMS
    CHECK(d.field == "hbig");
    CHECK(d.value == 3);
    CHECK(d.related == 0); // the CXIMS's subtable index
    CHECK(d.expected == 3);
    CHECK(t.cfmws_list.empty());
    // The first CXIMS of the granularity decides, as in Linux's walk.
    auto first = parse_ok(cedt_builder{}
                              .add(cxims{.hbig = 3, .xormaps = {0x800u}})
                              .add(cxims{.hbig = 3, .xormaps = {0x800u, 0x1000u, 0x2000u}})
                              .add(xor_window(3, 3))
                              .bytes());
    CHECK(only_diag(first).code == cedt_errc::cxims_too_few_xormaps);
}

TEST_CASE("XOR windows with a matching CXIMS, or with 1 or 3 ways, are accepted", "[spec][cedt]") {
    // The CXIMS may come after the window; 12 ways need two maps; 3 and 1 ways none.
    const cxims maps{.hbig = 2, .xormaps = {0x2020400, 0x4040800, 0x8081000}};
    auto w12 = xor_window(10, 2);
    auto w3 = xor_window(8, 6);
    w3.base_hpa = 0x80'0000'0000;
    auto w1 = xor_window(0, 6);
    w1.base_hpa = 0x100'0000'0000;
    auto t = parse_ok(cedt_builder{}.add(w12).add(w3).add(w1).add(maps).bytes());
    CHECK(t.diagnostics.empty());
    REQUIRE(t.cfmws_list.size() == 3);
    CHECK(t.xormaps_for(t.cfmws_list[0]) == xormap_list{0x2020400, 0x4040800});
    CHECK(t.xormaps_for(t.cfmws_list[1]).empty());
    CHECK(t.xormaps_for(t.cfmws_list[2]).empty());
    // The geometry the maps feed works with the interleave math.
    interleave_geometry g{.ways = 12,
                          .granularity = t.cfmws_list[0].granularity(),
                          .position = 7,
                          .base = t.cfmws_list[0].base_hpa,
                          .arithmetic = interleave_arithmetic::xormap,
                          .hb_ways = 12,
                          .xormaps = t.xormaps_for(t.cfmws_list[0])};
    auto hpa = dpa_to_hpa(g, 0x12345).value();
    CHECK(hpa_to_dpa(g, hpa).value() == dpa_position{0x12345, 7});
}

// ---------------------------------------------------------------------------------------
// CXIMS

TEST_CASE("a CXIMS with an invalid HBIG is skipped", "[spec][cedt][bad]") {
    auto t = parse_ok(cedt_builder{}.add(cxims{.hbig = 9, .xormaps = {0x100u}}).bytes());
    auto d = only_diag(t);
    CHECK(d.code == cedt_errc::invalid_hbig);
    CHECK(d.type == cedt_type::cxims);
    CHECK(d.field == "hbig");
    CHECK(d.field_offset == acpi_header_size + 6);
    CHECK(d.message() == "CEDT subtable 0 (CXIMS) at 0x24: field hbig: 0x9 is not a granularity "
                         "code (0-6); CXIMS skipped");
    CHECK(t.cxims_list.empty());
}

TEST_CASE("a CXIMS shorter than its XORMAP count is skipped", "[spec][cedt][bad]") {
    // Says 3 maps, holds 2.
    bytes_t body(4 + 16);
    body[2] = std::byte{0}; // hbig
    body[3] = std::byte{3}; // nr_xormaps
    body[4] = std::byte{1};
    body[12] = std::byte{2};
    auto t = parse_ok(cedt_builder{}.add_raw(cedt_type::cxims, 0x18, body).bytes());
    auto d = only_diag(t);
    CHECK(d.code == cedt_errc::xormap_count_mismatch);
    CHECK(d.index == 0);
    CHECK(d.type == cedt_type::cxims);
    CHECK(d.field == "header.length");
    CHECK(d.field_offset == acpi_header_size + 2);
    CHECK(d.value == 0x18);
    CHECK(d.expected == 0x20);
    CHECK(d.related == 3);
    CHECK(t.cxims_list.empty());
}

TEST_CASE("a CXIMS with a zero XORMAP is skipped", "[spec][cedt][bad]") {
    auto t = parse_ok(cedt_builder{}.add(cxims{.hbig = 0, .xormaps = {0x100u, 0u}}).bytes());
    auto d = only_diag(t);
    CHECK(d.code == cedt_errc::xormap_zero);
    CHECK(d.related == 1);
    CHECK(d.field == "xormap_list");
    CHECK(d.field_offset == acpi_header_size + 8 + 8);
}

// ---------------------------------------------------------------------------------------
// CHBS

TEST_CASE("a CHBS whose register length does not match its version is skipped",
          "[spec][cedt][bad]") {
    // QEMU's host bridge 12 (subtable 1, CXL 2.0) with an RCRB-sized block.
    auto t = parse_ok(mutated(qemu_cedt(), chbs1_at + 0x18, chbs_rcrb_length, 8));
    auto d = only_diag(t);
    CHECK(d.code == cedt_errc::chbs_length_mismatch);
    CHECK(d.severity == cedt_severity::skipped);
    CHECK(d.index == 1);
    CHECK(d.offset == chbs1_at);
    CHECK(d.field == "length");
    CHECK(d.field_offset == chbs1_at + 0x18);
    CHECK(d.value == 0x2000);
    CHECK(d.expected == 0x10000);
    CHECK(d.uid == 12u);
    CHECK(d.message() == "CEDT subtable 1 (CHBS, UID 12) at 0x44: field length: 0x2000 is not "
                         "0x10000, the length CXL version 1 requires; host bridge skipped");
    CHECK(t.chbs_list == std::vector<chbs>{qemu_chbs0});
    CHECK(t.cfmws_list.size() == 2); // windows name UIDs; host bridges are matched later
    // And an RCH (version 0) with a CHBCR-sized block.
    auto rch = mutated(qemu_cedt(), chbs1_at + 0x08, chbs_version_cxl11, 4);
    auto r = only_diag(parse_ok(rch));
    CHECK(r.code == cedt_errc::chbs_length_mismatch);
    CHECK(r.expected == 0x2000);
}

TEST_CASE("a CHBS with an unknown CXL version is skipped", "[spec][cedt][bad]") {
    auto d = only_diag(parse_ok(mutated(qemu_cedt(), chbs0_at + 0x08, 2, 4)));
    CHECK(d.code == cedt_errc::chbs_unknown_version);
    CHECK(d.index == 0);
    CHECK(d.offset == chbs0_at);
    CHECK(d.field_offset == chbs0_at + 0x08);
    CHECK(d.field == "cxl_version");
    CHECK(d.value == 2);
}

TEST_CASE("a CHBS with base 0 is skipped", "[spec][cedt][bad]") {
    auto t = parse_ok(mutated(qemu_cedt(), chbs0_at + 0x10, 0, 8));
    auto d = only_diag(t);
    CHECK(d.code == cedt_errc::chbs_base_zero);
    CHECK(d.index == 0);
    CHECK(d.field == "base");
    CHECK(d.field_offset == chbs0_at + 0x10);
    CHECK(t.chbs_list == std::vector<chbs>{qemu_chbs1});
}

TEST_CASE("a CHBS repeating an accepted UID is skipped; the first one counts",
          "[spec][cedt][bad]") {
    auto t = parse_ok(mutated(qemu_cedt(), chbs1_at + 0x04, 222, 4));
    auto d = only_diag(t);
    CHECK(d.code == cedt_errc::duplicate_chbs_uid);
    CHECK(d.index == 1);
    CHECK(d.offset == chbs1_at);
    CHECK(d.field_offset == chbs1_at + 0x04);
    CHECK(d.field == "uid");
    CHECK(d.value == 222);
    CHECK(d.related == 0);
    CHECK(t.chbs_list == std::vector<chbs>{qemu_chbs0});
    // A rejected CHBS does not claim its UID: base 0 first, then a good one with the UID.
    auto b = mutated(qemu_cedt(), chbs0_at + 0x10, 0, 8);
    poke(b, chbs1_at + 0x04, 222, 4);
    acpi_fix_checksum(b);
    auto t2 = parse_ok(b);
    CHECK(only_diag(t2).code == cedt_errc::chbs_base_zero);
    REQUIRE(t2.chbs_list.size() == 1);
    CHECK(t2.chbs_list[0].index == 1);
    CHECK(t2.find_chbs(222) == &t2.chbs_list[0]);
}

TEST_CASE("a CHBS whose register block overlaps an accepted one's is skipped; the first one "
          "counts",
          "[spec][cedt][bad][topology]") {
    // QEMU's host bridge 12 (subtable 1) moved onto 222's CHBCR (subtable 0).
    auto t = parse_ok(mutated(qemu_cedt(), chbs1_at + 0x10, qemu_chbs0.base, 8));
    auto d = only_diag(t);
    CHECK(d.code == cedt_errc::chbs_register_overlap);
    CHECK(d.severity == cedt_severity::skipped);
    CHECK(d.index == 1);
    CHECK(d.field == "base");
    CHECK(d.field_offset == chbs1_at + 0x10);
    CHECK(d.value == qemu_chbs0.base);
    CHECK(d.uid == 12u);
    CHECK(d.related == 0);
    CHECK(d.expected == 222);
    CHECK(d.message() == "CEDT subtable 1 (CHBS, UID 12) at 0x44: field base: 0x100000000 puts "
                         "its register block on that of subtable 0 (UID 222): two host bridges "
                         "cannot share registers (the first one keeps them); host bridge skipped");
    CHECK(t.chbs_list == std::vector<chbs>{qemu_chbs0});
    CHECK(t.find_chbs(12) == nullptr);
    // Any shared byte counts: 32 KiB into the other block, or an RCRB inside it.
    auto half = parse_ok(mutated(qemu_cedt(), chbs1_at + 0x10, qemu_chbs0.base + 32_KiB, 8));
    CHECK(only_diag(half).code == cedt_errc::chbs_register_overlap);
    cedt_builder b;
    b.add(qemu_chbs0);
    b.add(chbs{.uid = 7,
               .cxl_version = chbs_version_cxl11,
               .base = qemu_chbs0.base + 60_KiB,
               .length = chbs_rcrb_length});
    CHECK(parse_ok(b.bytes()).diagnostics.front().code == cedt_errc::chbs_register_overlap);
    // Adjacent blocks (QEMU's own two) share nothing.
    CHECK(parse_ok(qemu_cedt()).diagnostics.empty());
}

TEST_CASE("a CHBS longer than 0x20 bytes is kept, and noted", "[spec][cedt]") {
    bytes_t body(0x24 - 4);
    body[0] = std::byte{9};               // uid
    body[4] = std::byte{1};               // CXL 2.0
    body[0x10 - 4 + 3] = std::byte{0xFE}; // base 0xFE000000
    body[0x18 - 4 + 2] = std::byte{1};    // length 0x10000
    auto t = parse_ok(cedt_builder{}.add_raw(cedt_type::chbs, 0x24, body).bytes());
    auto d = only_diag(t);
    CHECK(d.code == cedt_errc::subtable_longer_than_needed);
    CHECK(d.expected == 0x20);
    REQUIRE(t.chbs_list.size() == 1);
    CHECK(t.chbs_list[0].uid == 9);
    CHECK(t.chbs_list[0].base == 0xFE00'0000);
}

// ---------------------------------------------------------------------------------------
// RDPAS

TEST_CASE("an RDPAS that is not the CXL r4.0 layout is reported, not parsed", "[spec][cedt]") {
    // The CXL r3.0 layout ACPICA used before 2024: 17 bytes, packed.
    bytes_t body(13);
    auto t = parse_ok(cedt_builder{}.add_raw(cedt_type::rdpas, 17, body).add(qemu_cfmws0).bytes());
    auto d = only_diag(t);
    CHECK(d.code == cedt_errc::rdpas_unknown_layout);
    CHECK(d.severity == cedt_severity::skipped);
    CHECK(d.index == 0);
    CHECK(d.offset == acpi_header_size);
    CHECK(d.field == "header.length");
    CHECK(d.value == 17);
    CHECK(d.expected == 0x14);
    CHECK(t.rdpas_list.empty());
    CHECK(t.cfmws_list.size() == 1); // the walk went on
}

TEST_CASE("an RDPAS with an unknown protocol is skipped", "[spec][cedt][bad]") {
    auto t = parse_ok(cedt_builder{}.add(rdpas{.bdf = 0x100, .protocol = 2}).bytes());
    auto d = only_diag(t);
    CHECK(d.code == cedt_errc::rdpas_invalid_protocol);
    CHECK(d.index == 0);
    CHECK(d.field == "protocol");
    CHECK(d.field_offset == acpi_header_size + 0x10);
    CHECK(t.rdpas_list.empty());
}

// ---------------------------------------------------------------------------------------
// Reporting

TEST_CASE("several problems in one table are each reported, in table order", "[spec][cedt]") {
    auto b = mutated(qemu_cedt(), cfmws1_at + 0x10, 0, 8); // window 1: size 0
    poke(b, chbs0_at + 0x10, 0, 8);                        // CHBS 0: base 0
    poke(b, cfmws0_at + 0x19, 1, 1);                       // window 0: XOR, 1 way: fine
    acpi_fix_checksum(b);
    auto t = parse_ok(b);
    REQUIRE(t.diagnostics.size() == 2);
    CHECK(t.diagnostics[0].code == cedt_errc::chbs_base_zero);
    CHECK(t.diagnostics[0].index == 0);
    CHECK(t.diagnostics[1].code == cedt_errc::window_size_zero);
    CHECK(t.diagnostics[1].index == 3);
    REQUIRE(t.cfmws_list.size() == 1);
    CHECK(t.cfmws_list[0].arithmetic == interleave_arithmetic::xormap);
}

TEST_CASE("decoder errors carry the diagnostic and convert to an error_code",
          "[spec][cedt][errc]") {
    auto b = mutated(qemu_cedt(), cfmws1_at + 0x08, 0x1'1000'0001, 8);
    cedt_walker w{b};
    for (int i = 0; i < 3; ++i)
        REQUIRE(w.next().has_value());
    auto sub = w.next().value();
    auto r = decode_cfmws(sub);
    REQUIRE(r.has_error());
    CHECK(r.error().code == cedt_errc::base_not_aligned);
    CHECK(r.error().error() == cedt_errc::base_not_aligned);
    CHECK(r.error().error().message() == "CFMWS: base HPA is not 256 MiB aligned");
    REQUIRE_THROWS_AS(r.value(), std::system_error);
    // A decoder handed the wrong type or a short view refuses rather than reading past it.
    CHECK(decode_chbs(sub).error().code == cedt_errc::subtable_too_short);
    CHECK(decode_rdpas(sub).error().code == cedt_errc::subtable_too_short);
    // Every code has a message of its own.
    for (int v = 1; v <= static_cast<int>(cedt_errc::trailing_data); ++v) {
        auto text = make_error_code(static_cast<cedt_errc>(v)).message();
        CAPTURE(v, text);
        CHECK(text.find("cxlfw.cedt error") == std::string::npos);
    }
}

TEST_CASE("acpi_fix_checksum makes any table sum to 0", "[spec][cedt]") {
    auto b = qemu_cedt();
    poke(b, 0x50, 0x1234, 2);
    CHECK(acpi_checksum(b) != 0);
    acpi_fix_checksum(b);
    CHECK(acpi_checksum(b) == 0);
    STATIC_REQUIRE(acpi_id<6>("AB") == std::array<char, 6>{'A', 'B', ' ', ' ', ' ', ' '});
    STATIC_REQUIRE(acpi_id<4>("TOOLONG") == std::array<char, 4>{'T', 'O', 'O', 'L'});
}

TEST_CASE("the committed fuzz seeds parse as their names say", "[spec][cedt][fuzz]") {
    auto load = [](std::string const& name) {
        std::ifstream in(std::string{CXLFW_TEST_DATA_DIR "/../fuzz/seeds/cedt/"} + name,
                         std::ios::binary);
        REQUIRE(in);
        std::vector<char> raw{std::istreambuf_iterator<char>(in), {}};
        bytes_t out(raw.size());
        std::transform(raw.begin(), raw.end(), out.begin(),
                       [](char c) { return static_cast<std::byte>(c); });
        return parse_ok(out);
    };
    auto x = load("xor.cedt");
    CHECK(x.diagnostics.empty());
    CHECK(x.chbs_list.size() == 4);
    REQUIRE(x.cfmws_list.size() == 2);
    CHECK(x.xormaps_for(x.cfmws_list[0]).size() == 2);
    CHECK(x.cxims_list.size() == 1);
    CHECK(x.rdpas_list.size() == 1);
    auto r = load("rch.cedt");
    CHECK(r.diagnostics.empty());
    REQUIRE(r.chbs_list.size() == 1);
    CHECK(r.chbs_list[0].is_rcrb());
    auto bad = load("rejections.cedt");
    std::vector<cedt_errc> codes;
    for (auto const& d : bad.diagnostics)
        codes.push_back(d.code);
    CHECK(codes == std::vector<cedt_errc>{cedt_errc::duplicate_chbs_uid, cedt_errc::window_overlap,
                                          cedt_errc::missing_cxims,
                                          cedt_errc::unknown_subtable_type,
                                          cedt_errc::rdpas_unknown_layout});
}
