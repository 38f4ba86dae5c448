// A UUID as CXL payloads carry it (log UUIDs of Get Supported Logs / Get Log): 16 bytes in the
// order of the canonical text, i.e. Linux's big-endian uuid_t (UUID_INIT), not a GUID.
//
//   constexpr auto cel = uuid::literal("0da9c0b5-bf41-4b78-8f79-96b1623b3f17");
//   cel.bytes[0] == 0x0d;  cel.text() spells it back
#pragma once

#include <cxlfw/spec/errc.hpp>

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace cxlfw::spec {

struct uuid {
    std::array<std::uint8_t, 16> bytes{};

    static constexpr std::size_t text_size = 36;

    /// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (hex digits of either case).
    static constexpr checked<uuid> parse(std::string_view text) noexcept {
        uuid u;
        if (!parse_into(text, u)) return errc::invalid_uuid_text;
        return u;
    }
    /// A UUID written in the source: invalid text does not compile.
    static consteval uuid literal(std::string_view text) {
        uuid u;
        if (!parse_into(text, u)) throw "cxlfw: invalid UUID literal";
        return u;
    }

    /// The canonical lower-case text form.
    constexpr std::array<char, text_size> text() const noexcept {
        constexpr char digits[] = "0123456789abcdef";
        std::array<char, text_size> out{};
        std::size_t pos = 0;
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            if (is_dash_position(pos)) out[pos++] = '-';
            out[pos++] = digits[bytes[i] >> 4];
            out[pos++] = digits[bytes[i] & 0xF];
        }
        return out;
    }
    std::string to_string() const {
        auto const t = text();
        return std::string(t.data(), t.size());
    }

    friend constexpr bool operator==(uuid const&, uuid const&) = default;
    friend constexpr auto operator<=>(uuid const&, uuid const&) = default;

private:
    static constexpr bool parse_into(std::string_view text, uuid& u) noexcept {
        if (text.size() != text_size) return false;
        std::size_t byte = 0;
        for (std::size_t i = 0; i < text.size();) {
            if (is_dash_position(i)) {
                if (text[i] != '-') return false;
                ++i;
                continue;
            }
            int const hi = hex_value(text[i]);
            int const lo = hex_value(text[i + 1]);
            if (hi < 0 || lo < 0) return false;
            u.bytes[byte++] = static_cast<std::uint8_t>(hi * 16 + lo);
            i += 2;
        }
        return true;
    }
    static constexpr bool is_dash_position(std::size_t i) noexcept {
        return i == 8 || i == 13 || i == 18 || i == 23;
    }
    static constexpr int hex_value(char c) noexcept {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
};

} // namespace cxlfw::spec
