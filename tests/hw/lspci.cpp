// lspci -xxx / -xxxx text: the real pciutils dumps parse, and every class of bad text (made by
// editing a copy of the real file) gets its own error naming the line.
//
// cap-dvsec-cxl layout: device A header on line 1, -vvv lines, hex 00..ff0 on lines 98-353,
// a blank line, device B header on line 355 and hex on lines 356-611 (no -vvv lines).
#include <cxlfw/hw/config_space.hpp>
#include <cxlfw/hw/lspci.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace hw = cxlfw::hw;

namespace {
std::string read_text(char const* name) {
    std::ifstream in{std::string{CXLFW_TEST_DATA_DIR} + "/pciutils/" + name, std::ios::binary};
    std::ostringstream s;
    s << in.rdbuf();
    REQUIRE_FALSE(s.str().empty());
    return s.str();
}

std::vector<std::string> split(std::string const& text) {
    std::vector<std::string> lines;
    std::istringstream in{text};
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

std::string join(std::vector<std::string> const& lines) {
    std::string text;
    for (auto const& l : lines)
        text += l + "\n";
    return text;
}

/// Parses `text`, expecting failure; returns the diagnostic.
hw::lspci_diagnostic parse_fails(std::string const& text) {
    hw::lspci_diagnostic diag;
    auto r = hw::parse_lspci(text, &diag);
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error() == diag.code);
    return diag;
}
} // namespace

TEST_CASE("both real pciutils dumps parse", "[hw][lspci]") {
    auto devices = hw::parse_lspci(read_text("cap-dvsec-cxl")).value();
    REQUIRE(devices.size() == 2);
    REQUIRE(devices[0].address.to_string() == "0000:6b:00.0");
    REQUIRE(devices[0].description == "Unassigned class [ff00]: Intel Corporation Device 0d93");
    REQUIRE(devices[0].line == 1);
    REQUIRE(devices[0].config.extended());
    REQUIRE(devices[1].address.to_string() == "0000:7f:00.0");
    REQUIRE(devices[1].vendor_id == 0x10EE);
    REQUIRE(devices[1].device_id == 0xC084);
    REQUIRE(devices[1].config.size() == 4096);
    REQUIRE(std::to_integer<int>(devices[1].config.bytes()[0xFFF]) == 0);

    auto doe = hw::parse_lspci(read_text("cap-doe")).value();
    REQUIRE(doe.size() == 1);
    REQUIRE(doe[0].vendor_id == 0x8086);
    REQUIRE(doe[0].device_id == 0x0D93);
    REQUIRE(doe[0].description == "Class 0502: Device 8086:0d93 (rev 01) (prog-if 10)");
}

TEST_CASE("the -vvv lines make no difference, nor CRLF line ends", "[hw][lspci]") {
    auto const text = read_text("cap-dvsec-cxl");
    std::vector<std::string> plain;
    for (auto const& l : split(text))
        if (l.empty() || (l[0] != ' ' && l[0] != '\t')) plain.push_back(l);
    auto const a = hw::parse_lspci(text).value();
    auto const b = hw::parse_lspci(join(plain)).value();
    std::string crlf;
    for (auto const& l : split(text))
        crlf += l + "\r\n";
    auto const c = hw::parse_lspci(crlf).value();
    REQUIRE(b.size() == 2);
    REQUIRE(c.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        REQUIRE(std::ranges::equal(a[i].config.bytes(), b[i].config.bytes()));
        REQUIRE(std::ranges::equal(a[i].config.bytes(), c[i].config.bytes()));
        REQUIRE(a[i].description == c[i].description);
    }
}

TEST_CASE("device headers with a domain, and 256-byte (-xxx) dumps", "[hw][lspci]") {
    auto lines = split(read_text("cap-dvsec-cxl"));
    // Keep device B's first 16 lines only (256 bytes) and give it a domain.
    std::vector<std::string> text{"0001:7f:1f.7 CXL: test device"};
    text.insert(text.end(), lines.begin() + 355, lines.begin() + 371);
    auto devices = hw::parse_lspci(join(text)).value();
    REQUIRE(devices.size() == 1);
    REQUIRE(devices[0].address == hw::pci_address{1, 0x7f, 0x1f, 7});
    REQUIRE(devices[0].address.to_string() == "0001:7f:1f.7");
    REQUIRE_FALSE(devices[0].config.extended());
    REQUIRE(hw::read_cxl_device_dvsec(devices[0].config).error() ==
            hw::errc::extended_space_absent);
    REQUIRE(hw::pci_address::parse("10000:00:00.0").value().domain == 0x10000); // VMD domain
    REQUIRE_FALSE(hw::pci_address::parse("7f:20.0").has_value()); // device 0x20 > 0x1f
    REQUIRE_FALSE(hw::pci_address::parse("7f:00.8").has_value());
    REQUIRE_FALSE(hw::pci_address::parse("7f:00").has_value());
}

TEST_CASE("a hex line with bad hex is lspci_bad_hex at that line", "[hw][lspci][bad-input]") {
    auto lines = split(read_text("cap-dvsec-cxl"));
    auto bad = lines;
    bad[356 - 1] = "00: ee 10 84 c0 02 00 10 00 70 10 02 05 10 00 zz 00";
    auto diag = parse_fails(join(bad));
    REQUIRE(diag.code == hw::errc::lspci_bad_hex);
    REQUIRE(diag.line == 356);
    REQUIRE_THAT(diag.message(), Catch::StartsWith("line 356: "));
    REQUIRE_THAT(diag.message(), Catch::Contains("byte 14 `zz`"));

    for (std::string const line : {"00: ee 10 84 c0 02 00 10 00 70 10 02 05 10 00 00",       // 15
                                   "00: ee 10 84 c0 02 00 10 00 70 10 02 05 10 00 00 00 11", // 17
                                   "00: ee 10 84 c0 02 00 10 00 70 10 02 05 10 00 00 0",
                                   "00: ee 10 84 c0 02 00 10 00 70 10 02 05 10 00 00 000",
                                   "00:  ee 10 84 c0 02 00 10 00 70 10 02 05 10 00 00 00",
                                   "0g: ee 10 84 c0 02 00 10 00 70 10 02 05 10 00 00 00",
                                   "12345: ee 10 84 c0 02 00 10 00 70 10 02 05 10 00 00 00"}) {
        bad = lines;
        bad[356 - 1] = line;
        auto d = parse_fails(join(bad));
        INFO(line);
        REQUIRE(d.code == hw::errc::lspci_bad_hex);
        REQUIRE(d.line == 356);
    }
}

TEST_CASE("a missing hex line is lspci_line_missing at the line after the gap",
          "[hw][lspci][bad-input]") {
    auto lines = split(read_text("cap-dvsec-cxl"));
    lines.erase(lines.begin() + (400 - 1)); // device B's line for 0x2c0
    auto diag = parse_fails(join(lines));
    REQUIRE(diag.code == hw::errc::lspci_line_missing);
    REQUIRE(diag.line == 400);
    REQUIRE_THAT(diag.message(), Catch::Contains("expected offset 0x2c0, found 0x2d0"));
}

TEST_CASE("a repeated or out-of-order hex line is lspci_line_out_of_order",
          "[hw][lspci][bad-input]") {
    auto lines = split(read_text("cap-dvsec-cxl"));
    auto dup = lines;
    dup.insert(dup.begin() + (120 - 1), dup[119 - 1]); // line 119 again
    auto diag = parse_fails(join(dup));
    REQUIRE(diag.code == hw::errc::lspci_line_out_of_order);
    REQUIRE(diag.line == 120);
    REQUIRE_THAT(diag.message(), Catch::Contains("again"));

    auto swapped = lines;
    std::swap(swapped[400 - 1], swapped[401 - 1]); // 0x2d0 before 0x2c0
    diag = parse_fails(join(swapped));
    REQUIRE(diag.code == hw::errc::lspci_line_out_of_order);
    REQUIRE(diag.line == 400);
    REQUIRE_THAT(diag.message(), Catch::Contains("comes before 0x2c0"));
}

TEST_CASE("a device dump of the wrong length is truncated, or header-only for lspci -x",
          "[hw][lspci][bad-input]") {
    auto lines = split(read_text("cap-dvsec-cxl"));
    // Device A loses its last line: 4080 bytes, reported at its header line.
    auto cut = lines;
    cut.erase(cut.begin() + (353 - 1));
    auto diag = parse_fails(join(cut));
    REQUIRE(diag.code == hw::errc::lspci_truncated_device);
    REQUIRE(diag.line == 1);
    REQUIRE_THAT(diag.message(), Catch::Contains("4080 bytes"));

    // Device B (the last one) stops at 0x800.
    cut = lines;
    cut.resize(356 - 1 + 128);
    diag = parse_fails(join(cut));
    REQUIRE(diag.code == hw::errc::lspci_truncated_device);
    REQUIRE(diag.line == 355);

    // lspci -x: 64 bytes.
    std::vector<std::string> x(lines.begin() + (355 - 1), lines.begin() + (355 - 1) + 5);
    diag = parse_fails(join(x));
    REQUIRE(diag.code == hw::errc::lspci_header_only);
    REQUIRE_THAT(diag.message(), Catch::Contains("too short for CXL"));

    // lspci -vvv without -x: no bytes at all.
    std::vector<std::string> none(lines.begin(), lines.begin() + 97);
    diag = parse_fails(join(none));
    REQUIRE(diag.code == hw::errc::lspci_truncated_device);
    REQUIRE_THAT(diag.message(), Catch::Contains("no hex dump"));
}

TEST_CASE("hex before any device header is lspci_hex_before_header", "[hw][lspci][bad-input]") {
    auto lines = split(read_text("cap-dvsec-cxl"));
    std::vector<std::string> headless(lines.begin() + (356 - 1), lines.end());
    auto diag = parse_fails(join(headless));
    REQUIRE(diag.code == hw::errc::lspci_hex_before_header);
    REQUIRE(diag.line == 1);
}

TEST_CASE("empty text, or text without a device, is lspci_no_device", "[hw][lspci][bad-input]") {
    REQUIRE(parse_fails("").code == hw::errc::lspci_no_device);
    REQUIRE(parse_fails("\n\n   \n\t\n").code == hw::errc::lspci_no_device);
    REQUIRE(hw::load_lspci("/nonexistent/cxlfw/lspci").error() ==
            std::errc::no_such_file_or_directory);
}

TEST_CASE("an unindented line that is neither header nor hex is lspci_unrecognised_line",
          "[hw][lspci][bad-input]") {
    auto lines = split(read_text("cap-dvsec-cxl"));
    auto bad = lines;
    bad.insert(bad.begin() + (200 - 1), "pcilib: sysfs_read_vpd: read failed");
    auto diag = parse_fails(join(bad));
    REQUIRE(diag.code == hw::errc::lspci_unrecognised_line);
    REQUIRE(diag.line == 200);
    diag = parse_fails("\tCapabilities: [40] MSI-X\n" + join(lines));
    REQUIRE(diag.code == hw::errc::lspci_unrecognised_line);
    REQUIRE(diag.line == 1);
}

TEST_CASE("every hw error has its own message", "[hw][errc]") {
    using traits = cxlfw::error_enum_traits<hw::errc>;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < traits::messages.size(); ++i) {
        REQUIRE(static_cast<std::size_t>(traits::messages[i].first) == i + 1);
        seen.insert(make_error_code(traits::messages[i].first).message());
    }
    REQUIRE(seen.size() == traits::messages.size());
}
