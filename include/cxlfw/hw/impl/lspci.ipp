// Out-of-line definitions for <cxlfw/hw/lspci.hpp>: PCI addresses as text, the lspci text
// parser (a line-by-line state machine) and the file loader.
#pragma once

#include <cxlfw/hw/lspci.hpp>

#include <array>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <ios>
#include <sstream>
#include <system_error>
#include <utility>

namespace cxlfw::hw {

CXLFW_DECL std::optional<pci_address> pci_address::parse(std::string_view s) {
    pci_address a;
    auto const last_colon = s.rfind(':');
    if (last_colon == std::string_view::npos) return std::nullopt;
    std::string_view head = s.substr(0, last_colon);
    std::string_view const tail = s.substr(last_colon + 1); // DD.F
    if (auto c = head.find(':'); c != std::string_view::npos) {
        auto d = hex_field(head.substr(0, c), 1, 8);
        if (!d) return std::nullopt;
        a.domain = static_cast<std::uint32_t>(*d);
        head = head.substr(c + 1);
    }
    auto const bus = hex_field(head, 2, 2);
    if (tail.size() != 4 || tail[2] != '.') return std::nullopt;
    auto const dev = hex_field(tail.substr(0, 2), 2, 2);
    auto const fn = hex_field(tail.substr(3, 1), 1, 1);
    if (!bus || !dev || !fn || *dev > 0x1F || *fn > 7) return std::nullopt;
    a.bus = static_cast<std::uint8_t>(*bus);
    a.device = static_cast<std::uint8_t>(*dev);
    a.function = static_cast<std::uint8_t>(*fn);
    return a;
}

CXLFW_DECL std::string pci_address::to_string() const {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%04x:%02x:%02x.%x", static_cast<unsigned>(domain),
                  static_cast<unsigned>(bus), static_cast<unsigned>(device),
                  static_cast<unsigned>(function));
    return buf;
}

CXLFW_DECL std::optional<std::uint32_t>
pci_address::hex_field(std::string_view s, std::size_t min_digits, std::size_t max_digits) {
    if (s.size() < min_digits || s.size() > max_digits) return std::nullopt;
    std::uint32_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

CXLFW_DECL std::string lspci_diagnostic::message() const {
    std::string m = "line " + std::to_string(line) + ": " + make_error_code(code).message();
    if (!detail.empty()) m += " (" + detail + ")";
    return m;
}

namespace detail {

class lspci_parser {
public:
    explicit lspci_parser(lspci_diagnostic* diag) : diag_{diag} {}

    result<std::vector<lspci_device>> run(std::string_view text) {
        std::size_t line_no = 0;
        std::size_t pos = 0;
        while (pos <= text.size()) {
            auto const nl = text.find('\n', pos);
            auto const end = nl == std::string_view::npos ? text.size() : nl;
            std::string_view line = text.substr(pos, end - pos);
            pos = end + 1;
            rest_ = pos <= text.size() ? text.substr(pos) : std::string_view{};
            ++line_no;
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (auto ok = take(line, line_no); !ok) return ok.error();
        }
        if (auto ok = finish(); !ok) return ok.error();
        if (devices_.empty())
            return fail(errc::lspci_no_device, line_no, "no `BB:DD.F description` line found");
        return std::move(devices_);
    }

private:
    struct pending {
        pci_address address;
        std::string description;
        std::size_t line = 0;
        std::size_t last_hex_line = 0;
        std::vector<std::byte> bytes;
    };

    static bool is_space(char c) noexcept { return c == ' ' || c == '\t'; }
    static int hex_digit(char c) noexcept {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
    static std::string hex(std::uint64_t v) {
        char buf[24];
        std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
        return buf;
    }

    /// `OFF:` starts a hex line: a short offset (bad hex is reported as such) or a long one
    /// of hex digits. Other `word:` lines (`pcilib: ...` warnings) are not hex lines.
    static bool is_hex_token(std::string_view token) noexcept {
        if (token.back() != ':') return false;
        std::string_view const off = token.substr(0, token.size() - 1);
        if (off.size() <= 4) return true;
        for (char c : off)
            if (hex_digit(c) < 0) return false;
        return true;
    }

    std::error_code fail(errc code, std::size_t line, std::string detail) {
        if (diag_) *diag_ = {code, line, std::move(detail)};
        return code;
    }

    status take(std::string_view line, std::size_t line_no) {
        std::size_t first = 0;
        while (first < line.size() && is_space(line[first]))
            ++first;
        if (first == line.size()) return {}; // blank
        if (first > 0) {                     // -v/-vvv detail line
            if (!cur_)
                return fail(errc::lspci_unrecognised_line, line_no,
                            "indented line before any device header");
            return {};
        }
        auto const token_end = line.find_first_of(" \t");
        std::string_view const token = line.substr(0, token_end);
        if (is_hex_token(token)) return hex_line(line, token, line_no);
        if (auto addr = pci_address::parse(token)) {
            if (auto ok = finish(); !ok) return ok;
            std::string_view rest =
                token_end == std::string_view::npos ? std::string_view{} : line.substr(token_end);
            while (!rest.empty() && is_space(rest.front()))
                rest.remove_prefix(1);
            while (!rest.empty() && is_space(rest.back()))
                rest.remove_suffix(1);
            cur_ = pending{*addr, std::string{rest}, line_no, 0, {}};
            cur_->bytes.reserve(spec::pci::config_size);
            return {};
        }
        return fail(errc::lspci_unrecognised_line, line_no,
                    "`" + std::string{token.substr(0, 32)} +
                        "` is neither a [DDDD:]BB:DD.F address nor a hex offset");
    }

    status hex_line(std::string_view line, std::string_view token, std::size_t line_no) {
        if (!cur_)
            return fail(errc::lspci_hex_before_header, line_no,
                        "hex offset `" + std::string{token.substr(0, 32)} +
                            "` before any `BB:DD.F` header");
        std::string_view const off_text = token.substr(0, token.size() - 1);
        std::uint64_t offset = 0;
        if (off_text.empty() || off_text.size() > 4)
            return fail(errc::lspci_bad_hex, line_no, "offset is not 1-4 hex digits");
        for (char c : off_text) {
            int const d = hex_digit(c);
            if (d < 0) return fail(errc::lspci_bad_hex, line_no, "offset is not hex");
            offset = offset * 16 + static_cast<unsigned>(d);
        }
        std::size_t const expected = cur_->bytes.size();
        if (offset < expected)
            return fail(errc::lspci_line_out_of_order, line_no,
                        "expected offset " + hex(expected) + ", found " + hex(offset) +
                            (offset + 16 == expected ? " again" : ""));
        if (expected >= spec::pci::config_size)
            return fail(errc::lspci_bad_hex, line_no,
                        "offset " + hex(offset) + " is past the 4096-byte config space");
        if (offset > expected) {
            // A line that turns up later is out of order; one that never does is missing.
            if (appears_later(expected))
                return fail(errc::lspci_line_out_of_order, line_no,
                            "offset " + hex(offset) + " comes before " + hex(expected));
            return fail(errc::lspci_line_missing, line_no,
                        "expected offset " + hex(expected) + ", found " + hex(offset));
        }
        std::string_view rest = line.substr(token.size());
        std::array<std::byte, 16> row{};
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (rest.size() < 3 || rest[0] != ' ')
                return fail(errc::lspci_bad_hex, line_no,
                            "byte " + std::to_string(i) + " is missing (16 per line)");
            int const hi = hex_digit(rest[1]);
            int const lo = hex_digit(rest[2]);
            if (hi < 0 || lo < 0 || (rest.size() > 3 && !is_space(rest[3])))
                return fail(errc::lspci_bad_hex, line_no,
                            "byte " + std::to_string(i) + " `" + std::string{rest.substr(1, 2)} +
                                "` is not two hex digits");
            row[i] = static_cast<std::byte>(hi * 16 + lo);
            rest.remove_prefix(3);
        }
        for (char c : rest)
            if (!is_space(c)) return fail(errc::lspci_bad_hex, line_no, "text after the 16th byte");
        cur_->bytes.insert(cur_->bytes.end(), row.begin(), row.end());
        cur_->last_hex_line = line_no;
        return {};
    }

    /// Whether a hex line for `offset` follows in the current device's remaining lines.
    bool appears_later(std::size_t offset) const {
        std::string_view text = rest_;
        while (!text.empty()) {
            auto const nl = text.find('\n');
            std::string_view line = text.substr(0, nl);
            text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
            if (line.empty() || is_space(line.front()) || line.front() == '\r') continue;
            std::string_view const token = line.substr(0, line.find_first_of(" \t"));
            if (token.back() != ':' || token.size() > 5) return false; // the next device
            std::size_t v = 0;
            for (char c : token.substr(0, token.size() - 1)) {
                int const d = hex_digit(c);
                if (d < 0) return false;
                v = v * 16 + static_cast<unsigned>(d);
            }
            if (v == offset) return true;
        }
        return false;
    }

    status finish() {
        if (!cur_) return {};
        pending p = std::move(*cur_);
        cur_.reset();
        std::size_t const n = p.bytes.size();
        std::string const who = "device " + p.address.to_string() + " (header line " +
                                std::to_string(p.line) + ") has " + std::to_string(n) + " bytes";
        if (n == 64) return fail(errc::lspci_header_only, p.line, who + ": 0x40-0xFFF missing");
        if (n != spec::pci::config_size && n != spec::pci::conventional_config_size)
            return fail(errc::lspci_truncated_device, p.line,
                        n == 0 ? who + ": no hex dump (run lspci with -xxx or -xxxx)"
                               : who + ", last hex line " + std::to_string(p.last_hex_line));
        auto image = config_image::from_bytes(p.bytes);
        if (!image) return image.error(); // cannot happen: the size was checked above
        auto const id = [&](std::size_t i) {
            return static_cast<std::uint16_t>(std::to_integer<unsigned>(p.bytes[i]) |
                                              (std::to_integer<unsigned>(p.bytes[i + 1]) << 8));
        };
        devices_.push_back(lspci_device{.address = p.address,
                                        .description = std::move(p.description),
                                        .vendor_id = id(0),
                                        .device_id = id(2),
                                        .line = p.line,
                                        .config = std::move(*image)});
        return {};
    }

    lspci_diagnostic* diag_;
    std::string_view rest_; ///< the text after the current line
    std::optional<pending> cur_;
    std::vector<lspci_device> devices_;
};

} // namespace detail

CXLFW_DECL result<std::vector<lspci_device>> parse_lspci(std::string_view text,
                                                         lspci_diagnostic* diag) {
    return detail::lspci_parser{diag}.run(text);
}

CXLFW_DECL result<std::vector<lspci_device>> load_lspci(std::string const& path,
                                                        lspci_diagnostic* diag) {
    std::ifstream in{path, std::ios::binary};
    if (!in) return std::make_error_code(std::errc::no_such_file_or_directory);
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return std::make_error_code(std::errc::io_error);
    return parse_lspci(text.str(), diag);
}

} // namespace cxlfw::hw
