// The CEDT (CXL Early Discovery Table, CXL 2.0 §9.14.1): its layout, the structures it holds,
// the rules Linux cxl_acpi and cxlfw check, and the parser. cedt_builder.hpp builds tables back
// into bytes (for the emulator's firmware and for tests).
//
// What is constexpr and what allocates:
//   - constexpr, no allocation: the ACPI header (decode_cedt_header, acpi_checksum), the
//     subtable walk (cedt_walker yields cedt_subtable views into the bytes), the per-subtable
//     decoders with their rules (decode_chbs, decode_cfmws, decode_cxims, decode_rdpas), and
//     the pieces of the cross-subtable rules (window_xormaps, windows_overlap).
//   - parse_cedt assembles a cedt_table in std::vectors: the cross-subtable rules (a CXIMS for
//     each XOR window, overlapping windows, duplicate CHBS UIDs, CHBS register blocks that
//     overlap) need every subtable at hand.
//     It and the diagnostics' message text are defined in impl/cedt.ipp.
//
// A bad CHBS, CFMWS, CXIMS or RDPAS is skipped and reported; the rest of the table stays
// usable (Linux: "never fail cxl_acpi load for a single window failure"). A subtable that
// cannot be located ends the walk; what came before it stays usable. Header problems fail
// the parse. Every finding is a cedt_diag: a cedt_errc, the subtable index and offset, the
// field, and a message():
//   CEDT subtable 3 (CFMWS) at 0x8c: field base_hpa: 0x110000001 is not 256 MiB aligned;
//   window skipped
//
// The header stays whole past 600 lines: the walker, the four decoders and the cross-subtable
// rules are constexpr (they must be in a header) and each is one rule table of the spec.
#pragma once

#include <cxlfw/config.hpp>
#include <cxlfw/result.hpp>
#include <cxlfw/spec/bounded_list.hpp>
#include <cxlfw/spec/cedt_errc.hpp>
#include <cxlfw/spec/interleave.hpp>
#include <cxlfw/spec/interleave_math.hpp>
#include <cxlfw/units.hpp>

#include <gsl/assert>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace cxlfw::spec {

// ---------------------------------------------------------------------------------------
// Layout constants (CXL 3.0 §9.17.1; ACPICA actbl1.h)

inline constexpr std::size_t acpi_header_size = 36;
inline constexpr std::size_t cedt_subtable_header_size = 4; // type (1), reserved (1), length (2)

namespace cedt_type {
inline constexpr std::uint8_t chbs = 0;  ///< CXL Host Bridge Structure
inline constexpr std::uint8_t cfmws = 1; ///< CXL Fixed Memory Window Structure
inline constexpr std::uint8_t cxims = 2; ///< CXL XOR Interleave Math Structure
inline constexpr std::uint8_t rdpas = 3; ///< RCEC Downstream Port Association Structure
} // namespace cedt_type

inline constexpr std::uint16_t chbs_length = 0x20;
inline constexpr std::uint16_t cfmws_fixed_length = 0x24; ///< plus 4 bytes per target
inline constexpr std::uint16_t cxims_fixed_length = 0x08; ///< plus 8 bytes per XORMAP
inline constexpr std::uint16_t rdpas_length = 0x14;       ///< the CXL r4.0 layout

inline constexpr std::uint32_t chbs_version_cxl11 = 0; ///< base is an RCRB (RCH)
inline constexpr std::uint32_t chbs_version_cxl20 = 1; ///< base is the CHBCR component block
inline constexpr std::uint64_t chbs_rcrb_length = 0x2000;
inline constexpr std::uint64_t chbs_chbcr_length = 0x10000;

inline constexpr unsigned cfmws_max_targets = 16;

/// CFMWS Window Restrictions bits (ACPICA 2025+ names in brackets).
namespace cfmws_restrict {
inline constexpr std::uint16_t type2 = 1u << 0;     ///< [DEVMEM] device-coherent (Type 2)
inline constexpr std::uint16_t type3 = 1u << 1;     ///< [HOSTONLYMEM] host-only-coherent (Type 3)
inline constexpr std::uint16_t volatile_ = 1u << 2; ///< volatile memory
inline constexpr std::uint16_t pmem = 1u << 3;      ///< persistent memory
inline constexpr std::uint16_t fixed = 1u << 4;     ///< fixed device configuration (locked)
inline constexpr std::uint16_t bi = 1u << 5;        ///< back-invalidate
} // namespace cfmws_restrict

/// RDPAS protocol values.
inline constexpr std::uint8_t rdpas_protocol_io = 0;
inline constexpr std::uint8_t rdpas_protocol_cachemem = 1;

// ---------------------------------------------------------------------------------------
// Decoded structures. The parser fills `index` (the subtable's position in the table); the
// builder ignores it. Fields keep the table's raw codes; accessors decode them.

struct acpi_table_header {
    std::array<char, 4> signature{'C', 'E', 'D', 'T'};
    std::uint32_t length = 0;
    std::uint8_t revision = 1;
    std::uint8_t checksum = 0;
    std::array<char, 6> oem_id{};
    std::array<char, 8> oem_table_id{};
    std::uint32_t oem_revision = 0;
    std::array<char, 4> creator_id{};
    std::uint32_t creator_revision = 0;
    friend constexpr bool operator==(acpi_table_header const&, acpi_table_header const&) = default;
};

/// An ACPI id field from text: padded with spaces, cut to N characters.
template <std::size_t N>
constexpr std::array<char, N> acpi_id(std::string_view text) noexcept {
    std::array<char, N> id{};
    for (std::size_t i = 0; i < N; ++i)
        id[i] = i < text.size() ? text[i] : ' ';
    return id;
}

struct chbs {
    unsigned index = 0;
    std::uint32_t uid = 0;         ///< the host bridge's _UID
    std::uint32_t cxl_version = 0; ///< chbs_version_cxl11 (RCRB) or chbs_version_cxl20 (CHBCR)
    std::uint64_t base = 0;        ///< register block base
    std::uint64_t length = 0;      ///< register block length
    constexpr bool is_rcrb() const noexcept { return cxl_version == chbs_version_cxl11; }
    friend constexpr bool operator==(chbs const&, chbs const&) = default;
};

using cfmws_targets = bounded_list<std::uint32_t, cfmws_max_targets>;

struct cfmws {
    unsigned index = 0;
    std::uint64_t base_hpa = 0;
    std::uint64_t window_size = 0;
    std::uint8_t eniw = 0; ///< encoded interleave ways
    interleave_arithmetic arithmetic = interleave_arithmetic::modulo;
    std::uint32_t hbig = 0;         ///< host bridge interleave granularity, encoded (raw)
    std::uint16_t restrictions = 0; ///< cfmws_restrict bits
    std::uint16_t qtg_id = 0;       ///< becomes the root decoder's QoS class
    cfmws_targets targets{};        ///< host bridge UIDs, one per way

    /// Interleave ways (0 for an invalid ENIW, which no accepted window has).
    constexpr unsigned ways() const noexcept {
        auto w = eiw_to_ways(eniw);
        return w ? *w : 0;
    }
    /// Bytes per interleave chunk: 256 for a 1-way window whatever its HBIG (Linux advertises
    /// the minimum so any region granularity fits); 0 for an invalid HBIG.
    constexpr unsigned granularity() const noexcept {
        if (ways() == 1) return min_granularity;
        auto g = eig_to_granularity(hbig);
        return g ? *g : 0;
    }
    constexpr std::uint64_t last() const noexcept { return base_hpa + window_size - 1; }
    constexpr bool allows(std::uint16_t restrict_bits) const noexcept {
        return (restrictions & restrict_bits) == restrict_bits;
    }
    friend constexpr bool operator==(cfmws const&, cfmws const&) = default;
};

/// A CXIMS lists at most 255 XORMAPs (its count is one byte).
using cxims_xormaps = bounded_list<std::uint64_t, 255>;

struct cxims {
    unsigned index = 0;
    std::uint8_t hbig = 0; ///< the granularity (encoded) of the windows this CXIMS serves
    cxims_xormaps xormaps{};
    constexpr unsigned granularity() const noexcept {
        auto g = eig_to_granularity(hbig);
        return g ? *g : 0;
    }
    friend constexpr bool operator==(cxims const&, cxims const&) = default;
};

/// RDPAS in the CXL r4.0 layout (segment, BDF, address, protocol, reserved 3).
struct rdpas {
    unsigned index = 0;
    std::uint16_t segment = 0;
    std::uint16_t bdf = 0; ///< bus [15:8], device [7:3], function [2:0] of the RCEC
    std::uint64_t address = 0;
    std::uint8_t protocol = rdpas_protocol_io;
    constexpr unsigned bus() const noexcept { return bdf >> 8; }
    constexpr unsigned device() const noexcept { return (bdf >> 3) & 0x1F; }
    constexpr unsigned function() const noexcept { return bdf & 0x7; }
    friend constexpr bool operator==(rdpas const&, rdpas const&) = default;
};

// ---------------------------------------------------------------------------------------
// Diagnostics

enum class cedt_severity : std::uint8_t {
    note,       ///< nothing lost (extra length, mixed host bridge kinds, trailing bytes)
    skipped,    ///< this subtable is not used; the rest of the table is
    walk_ended, ///< this subtable and every later one cannot be located
    fatal,      ///< the table as a whole is unusable (a header problem)
};

struct cedt_diag {
    static constexpr unsigned header_index = ~0u;

    cedt_errc code{};
    cedt_severity severity = cedt_severity::note;
    unsigned index = header_index;      ///< subtable index, or header_index for the ACPI header
    std::uint8_t type = 0;              ///< subtable type
    std::size_t offset = 0;             ///< subtable start, from the start of the table
    std::size_t field_offset = 0;       ///< the field, from the start of the table
    std::string_view field{};           ///< field name, as ACPICA names it ("base_hpa")
    std::uint64_t value = 0;            ///< the field's value
    std::uint64_t expected = 0;         ///< what the rule wanted, where it names a number
    unsigned related = 0;               ///< the other subtable (or count) the rule names, if any
    std::optional<std::uint32_t> uid{}; ///< a CHBS's host bridge, once its UID is read

    constexpr bool is_header() const noexcept { return index == header_index; }
    std::error_code error() const noexcept { return make_error_code(code); }
    std::string message() const;
    friend constexpr bool operator==(cedt_diag const&, cedt_diag const&) = default;
};

/// What `.value()` throws on a cedt_checked error: the code, with the message.
[[noreturn]] CXLFW_DECL void throw_exception_from_error(cedt_diag const& d,
                                                        boost::source_location const&);

/// A decoder's outcome: the value, or the diagnostic that says why not.
template <class T>
using cedt_checked = boost::system::result<T, cedt_diag>;

constexpr std::string_view cedt_type_name(std::uint8_t type) noexcept {
    switch (type) {
    case cedt_type::chbs:
        return "CHBS";
    case cedt_type::cfmws:
        return "CFMWS";
    case cedt_type::cxims:
        return "CXIMS";
    case cedt_type::rdpas:
        return "RDPAS";
    default:
        return {};
    }
}

/// The smallest length a subtable of `type` can have (its header for types not known here;
/// an RDPAS of another length is reported as an unknown layout, not as too short).
constexpr std::uint16_t cedt_min_length(std::uint8_t type) noexcept {
    switch (type) {
    case cedt_type::chbs:
        return chbs_length;
    case cedt_type::cfmws:
        return cfmws_fixed_length;
    case cedt_type::cxims:
        return cxims_fixed_length;
    default:
        return cedt_subtable_header_size;
    }
}

// ---------------------------------------------------------------------------------------
// Bytes

namespace detail::cedt {

constexpr std::uint64_t load_le(std::span<const std::byte> b, std::size_t off,
                                std::size_t n) noexcept {
    Expects(off <= b.size() && n <= b.size() - off && n <= 8);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i)
        v |= std::uint64_t{std::to_integer<std::uint8_t>(b[off + i])} << (8 * i);
    return v;
}

} // namespace detail::cedt

/// The sum of the bytes, mod 256 (0 for a table with a correct checksum).
constexpr std::uint8_t acpi_checksum(std::span<const std::byte> table) noexcept {
    unsigned sum = 0;
    for (auto b : table)
        sum += std::to_integer<unsigned>(b);
    return static_cast<std::uint8_t>(sum & 0xFF);
}

/// Rewrites the checksum byte (offset 9) so that the table sums to 0; no-op when the table
/// is too short to have one.
constexpr void acpi_fix_checksum(std::span<std::byte> table) noexcept {
    if (table.size() < 10) return;
    table[9] = std::byte{0};
    table[9] = static_cast<std::byte>((0x100 - acpi_checksum(table)) & 0xFF);
}

// ---------------------------------------------------------------------------------------
// Header

namespace detail::cedt {

constexpr cedt_diag header_diag(cedt_errc code, cedt_severity sev, std::string_view field,
                                std::size_t field_offset, std::uint64_t value,
                                std::uint64_t expected = 0) noexcept {
    cedt_diag d;
    d.code = code;
    d.severity = sev;
    d.field = field;
    d.field_offset = field_offset;
    d.value = value;
    d.expected = expected;
    return d;
}

template <std::size_t N>
constexpr std::array<char, N> load_chars(std::span<const std::byte> b, std::size_t off) noexcept {
    std::array<char, N> a{};
    for (std::size_t i = 0; i < N; ++i)
        a[i] = static_cast<char>(std::to_integer<std::uint8_t>(b[off + i]));
    return a;
}

} // namespace detail::cedt

/// The ACPI header of a CEDT, checked: enough bytes, signature, length within the data and
/// not below the header, checksum over `length` bytes.
constexpr cedt_checked<acpi_table_header>
decode_cedt_header(std::span<const std::byte> data) noexcept {
    using enum cedt_errc;
    constexpr auto fatal = cedt_severity::fatal;
    if (data.size() < acpi_header_size)
        return detail::cedt::header_diag(table_too_short, fatal, "data size", 0, data.size(),
                                         acpi_header_size);
    acpi_table_header h;
    h.signature = detail::cedt::load_chars<4>(data, 0);
    if (h.signature != std::array<char, 4>{'C', 'E', 'D', 'T'})
        return detail::cedt::header_diag(wrong_signature, fatal, "signature", 0,
                                         detail::cedt::load_le(data, 0, 4), 0x54444543);
    h.length = static_cast<std::uint32_t>(detail::cedt::load_le(data, 4, 4));
    if (h.length > data.size())
        return detail::cedt::header_diag(length_exceeds_data, fatal, "length", 4, h.length,
                                         data.size());
    if (h.length < acpi_header_size)
        return detail::cedt::header_diag(length_below_header, fatal, "length", 4, h.length,
                                         acpi_header_size);
    h.revision = static_cast<std::uint8_t>(detail::cedt::load_le(data, 8, 1));
    h.checksum = static_cast<std::uint8_t>(detail::cedt::load_le(data, 9, 1));
    if (auto sum = acpi_checksum(data.first(h.length)); sum != 0)
        return detail::cedt::header_diag(checksum_mismatch, fatal, "checksum", 9, h.checksum,
                                         static_cast<std::uint8_t>(h.checksum - sum));
    h.oem_id = detail::cedt::load_chars<6>(data, 10);
    h.oem_table_id = detail::cedt::load_chars<8>(data, 16);
    h.oem_revision = static_cast<std::uint32_t>(detail::cedt::load_le(data, 24, 4));
    h.creator_id = detail::cedt::load_chars<4>(data, 28);
    h.creator_revision = static_cast<std::uint32_t>(detail::cedt::load_le(data, 32, 4));
    return h;
}

// ---------------------------------------------------------------------------------------
// Subtable walk

/// One subtable: where it is and its bytes (header included, exactly `length` of them).
struct cedt_subtable {
    unsigned index = 0;
    std::size_t offset = 0; ///< from the start of the table
    std::uint8_t type = 0;
    std::uint16_t length = 0;
    std::span<const std::byte> bytes{};

    constexpr std::uint64_t load(std::size_t off, std::size_t n) const noexcept {
        return detail::cedt::load_le(bytes, off, n);
    }
};

namespace detail::cedt {

constexpr cedt_diag subtable_diag(cedt_subtable const& s, cedt_errc code, cedt_severity sev,
                                  std::string_view field, std::size_t field_off,
                                  std::uint64_t value, std::uint64_t expected = 0,
                                  unsigned related = 0) noexcept {
    cedt_diag d;
    d.code = code;
    d.severity = sev;
    d.index = s.index;
    d.type = s.type;
    d.offset = s.offset;
    d.field_offset = s.offset + field_off;
    d.field = field;
    d.value = value;
    d.expected = expected;
    d.related = related;
    return d;
}

} // namespace detail::cedt

/// Steps through the subtables of a table (its first `length` bytes, header included), without
/// allocating. A subtable shorter than its type needs, or one running past the end, ends the
/// walk: next() returns that diagnostic and done() becomes true.
///
///   for (cedt_walker w{table}; !w.done();) {
///       auto s = w.next();
///       if (!s) { report(s.error()); break; }
///       ...
///   }
class cedt_walker {
public:
    constexpr explicit cedt_walker(std::span<const std::byte> table) noexcept
        : table_(table), offset_(acpi_header_size) {}

    constexpr bool done() const noexcept { return offset_ >= table_.size(); }

    constexpr cedt_checked<cedt_subtable> next() noexcept {
        using enum cedt_errc;
        constexpr auto ended = cedt_severity::walk_ended;
        Expects(!done());
        cedt_subtable s;
        s.index = index_;
        s.offset = offset_;
        const std::size_t remaining = table_.size() - offset_;
        if (remaining < cedt_subtable_header_size) {
            offset_ = table_.size();
            s.type = static_cast<std::uint8_t>(detail::cedt::load_le(table_, s.offset, 1));
            return detail::cedt::subtable_diag(s, subtable_past_end, ended, "header", 0,
                                               cedt_subtable_header_size, table_.size());
        }
        s.type = static_cast<std::uint8_t>(detail::cedt::load_le(table_, offset_, 1));
        s.length = static_cast<std::uint16_t>(detail::cedt::load_le(table_, offset_ + 2, 2));
        if (s.length < cedt_min_length(s.type)) {
            offset_ = table_.size();
            return detail::cedt::subtable_diag(s, subtable_too_short, ended, "header.length", 2,
                                               s.length, cedt_min_length(s.type));
        }
        if (s.length > remaining) {
            offset_ = table_.size();
            return detail::cedt::subtable_diag(s, subtable_past_end, ended, "header.length", 2,
                                               s.length, table_.size());
        }
        s.bytes = table_.subspan(offset_, s.length);
        offset_ += s.length;
        ++index_;
        return s;
    }

private:
    std::span<const std::byte> table_;
    std::size_t offset_;
    unsigned index_ = 0;
};

// ---------------------------------------------------------------------------------------
// Per-subtable decoders and their rules. Each returns the structure or the diagnostic of the
// first rule it breaks; `note`, when given, receives a note (extra length) for an accepted
// subtable and is left alone otherwise.

namespace detail::cedt {

constexpr bool fits(cedt_subtable const& s, std::uint8_t type, std::size_t min) noexcept {
    return s.type == type && s.bytes.size() == s.length && s.length >= min;
}

constexpr cedt_diag too_short(cedt_subtable const& s, std::size_t min) noexcept {
    return subtable_diag(s, cedt_errc::subtable_too_short, cedt_severity::walk_ended,
                         "header.length", 2, s.length, min);
}

constexpr void longer_note(cedt_diag* note, cedt_subtable const& s, std::size_t needed) noexcept {
    if (note && s.length > needed)
        *note = subtable_diag(s, cedt_errc::subtable_longer_than_needed, cedt_severity::note,
                              "header.length", 2, s.length, needed);
}

} // namespace detail::cedt

/// CHBS: Linux cxl_get_chbs_iter skips a length that does not match the version, and a base
/// of 0; cxlfw also skips versions other than 0 and 1 (Linux would treat them as CXL 2.0).
constexpr cedt_checked<chbs> decode_chbs(cedt_subtable const& s,
                                         cedt_diag* note = nullptr) noexcept {
    using enum cedt_errc;
    constexpr auto skip = cedt_severity::skipped;
    if (!detail::cedt::fits(s, cedt_type::chbs, chbs_length))
        return detail::cedt::too_short(s, chbs_length);
    chbs c;
    c.index = s.index;
    c.uid = static_cast<std::uint32_t>(s.load(0x04, 4));
    c.cxl_version = static_cast<std::uint32_t>(s.load(0x08, 4));
    c.base = s.load(0x10, 8);
    c.length = s.load(0x18, 8);
    auto const named = [&c](cedt_diag d) {
        d.uid = c.uid;
        return d;
    };
    if (c.cxl_version != chbs_version_cxl11 && c.cxl_version != chbs_version_cxl20)
        return named(detail::cedt::subtable_diag(s, chbs_unknown_version, skip, "cxl_version", 0x08,
                                                 c.cxl_version));
    const auto want = c.is_rcrb() ? chbs_rcrb_length : chbs_chbcr_length;
    if (c.length != want)
        return named(detail::cedt::subtable_diag(s, chbs_length_mismatch, skip, "length", 0x18,
                                                 c.length, want, c.cxl_version));
    if (c.base == 0)
        return named(detail::cedt::subtable_diag(s, chbs_base_zero, skip, "base", 0x10, 0));
    detail::cedt::longer_note(note, s, chbs_length);
    return c;
}

/// CFMWS: Linux cxl_acpi_cfmws_verify and __cxl_parse_cfmws (arithmetic, 256 MiB alignment,
/// ENIW, length against the targets, HBIG), plus cxlfw's: a window of size 0, one running
/// past 2^64, one listing a host bridge twice. The XOR/CXIMS and overlap rules need the whole table
/// (parse_cedt).
constexpr cedt_checked<cfmws> decode_cfmws(cedt_subtable const& s,
                                           cedt_diag* note = nullptr) noexcept {
    using enum cedt_errc;
    constexpr auto skip = cedt_severity::skipped;
    if (!detail::cedt::fits(s, cedt_type::cfmws, cfmws_fixed_length))
        return detail::cedt::too_short(s, cfmws_fixed_length);
    cfmws w;
    w.index = s.index;
    w.base_hpa = s.load(0x08, 8);
    w.window_size = s.load(0x10, 8);
    w.eniw = static_cast<std::uint8_t>(s.load(0x18, 1));
    w.arithmetic = static_cast<interleave_arithmetic>(s.load(0x19, 1));
    w.hbig = static_cast<std::uint32_t>(s.load(0x1C, 4));
    w.restrictions = static_cast<std::uint16_t>(s.load(0x20, 2));
    w.qtg_id = static_cast<std::uint16_t>(s.load(0x22, 2));

    if (w.arithmetic != interleave_arithmetic::modulo &&
        w.arithmetic != interleave_arithmetic::xormap)
        return detail::cedt::subtable_diag(s, invalid_arithmetic, skip, "interleave_arithmetic",
                                           0x19, static_cast<std::uint8_t>(w.arithmetic));
    if (!is_aligned(w.base_hpa, hdm_alignment))
        return detail::cedt::subtable_diag(s, base_not_aligned, skip, "base_hpa", 0x08, w.base_hpa);
    if (!is_aligned(w.window_size, hdm_alignment))
        return detail::cedt::subtable_diag(s, size_not_aligned, skip, "window_size", 0x10,
                                           w.window_size);
    if (w.window_size == 0)
        return detail::cedt::subtable_diag(s, window_size_zero, skip, "window_size", 0x10, 0);
    if (w.window_size - 1 > std::numeric_limits<std::uint64_t>::max() - w.base_hpa)
        return detail::cedt::subtable_diag(s, window_end_overflow, skip, "window_size", 0x10,
                                           w.window_size, w.base_hpa);
    const unsigned ways = w.ways();
    if (ways == 0) return detail::cedt::subtable_diag(s, invalid_eniw, skip, "eniw", 0x18, w.eniw);
    const std::size_t needed = cfmws_fixed_length + 4 * std::size_t{ways};
    if (s.length < needed)
        return detail::cedt::subtable_diag(s, target_count_mismatch, skip, "header.length", 2,
                                           s.length, needed, ways);
    if (!eig_to_granularity(w.hbig))
        return detail::cedt::subtable_diag(s, invalid_hbig, skip, "hbig", 0x1C, w.hbig);
    for (unsigned i = 0; i < ways; ++i) {
        const auto uid = static_cast<std::uint32_t>(s.load(cfmws_fixed_length + 4 * i, 4));
        // Target n is the host bridge of way n (CXL 3.1 §9.18.1.3); Linux does not check, and
        // resolves both entries to one dport (decoder_populate_targets). cxlfw skips it.
        for (unsigned j = 0; j < i; ++j)
            if (w.targets[j] == uid)
                return detail::cedt::subtable_diag(s, duplicate_window_target, skip,
                                                   "interleave_targets", cfmws_fixed_length + 4 * i,
                                                   uid, w.base_hpa, j);
        w.targets.push_back(uid);
    }
    detail::cedt::longer_note(note, s, needed);
    return w;
}

/// CXIMS: HBIG must be a granularity code, the length must hold the XORMAPs it counts, and
/// no XORMAP may be 0. (Linux checks the HBIG only when matching a window, and then fails
/// that window; cxlfw rejects the CXIMS itself.)
constexpr cedt_checked<cxims> decode_cxims(cedt_subtable const& s,
                                           cedt_diag* note = nullptr) noexcept {
    using enum cedt_errc;
    constexpr auto skip = cedt_severity::skipped;
    if (!detail::cedt::fits(s, cedt_type::cxims, cxims_fixed_length))
        return detail::cedt::too_short(s, cxims_fixed_length);
    cxims x;
    x.index = s.index;
    x.hbig = static_cast<std::uint8_t>(s.load(0x06, 1));
    const auto count = static_cast<unsigned>(s.load(0x07, 1));
    if (!eig_to_granularity(x.hbig))
        return detail::cedt::subtable_diag(s, invalid_hbig, skip, "hbig", 0x06, x.hbig);
    const std::size_t needed = cxims_fixed_length + 8 * std::size_t{count};
    if (s.length < needed)
        return detail::cedt::subtable_diag(s, xormap_count_mismatch, skip, "header.length", 2,
                                           s.length, needed, count);
    for (unsigned i = 0; i < count; ++i) {
        const auto map = s.load(cxims_fixed_length + 8 * i, 8);
        if (map == 0)
            return detail::cedt::subtable_diag(s, xormap_zero, skip, "xormap_list",
                                               cxims_fixed_length + 8 * i, 0, 0, i);
        x.xormaps.push_back(map);
    }
    detail::cedt::longer_note(note, s, needed);
    return x;
}

/// RDPAS: only the CXL r4.0 layout (length 0x14) is parsed; the r3.0 layout the older ACPICA used
/// (17 bytes) and any other length are an unknown layout (CXL 3.0 §9.17.1.5; ACPICA PR #1201).
constexpr cedt_checked<rdpas> decode_rdpas(cedt_subtable const& s) noexcept {
    using enum cedt_errc;
    constexpr auto skip = cedt_severity::skipped;
    if (!detail::cedt::fits(s, cedt_type::rdpas, cedt_subtable_header_size))
        return detail::cedt::too_short(s, cedt_subtable_header_size);
    if (s.length != rdpas_length)
        return detail::cedt::subtable_diag(s, rdpas_unknown_layout, skip, "header.length", 2,
                                           s.length, rdpas_length);
    rdpas r;
    r.index = s.index;
    r.segment = static_cast<std::uint16_t>(s.load(0x04, 2));
    r.bdf = static_cast<std::uint16_t>(s.load(0x06, 2));
    r.address = s.load(0x08, 8);
    r.protocol = static_cast<std::uint8_t>(s.load(0x10, 1));
    if (r.protocol != rdpas_protocol_io && r.protocol != rdpas_protocol_cachemem)
        return detail::cedt::subtable_diag(s, rdpas_invalid_protocol, skip, "protocol", 0x10,
                                           r.protocol);
    return r;
}

// ---------------------------------------------------------------------------------------
// Cross-subtable rules

/// The XOR maps an XOR window uses: none for modulo or 1/3 ways; otherwise the first
/// xormaps_needed(ways) maps of the first CXIMS whose granularity equals the window's (Linux
/// cxl_parse_cxims). missing_cxims when no CXIMS matches, cxims_too_few_xormaps when the
/// matching one is short; `which`, when given, receives the matching CXIMS's position.
constexpr cxlfw::checked<xormap_list, cedt_errc>
window_xormaps(cfmws const& w, std::span<const cxims> cxims_list,
               std::size_t* which = nullptr) noexcept {
    if (w.arithmetic != interleave_arithmetic::xormap) return xormap_list{};
    auto needed = xormaps_needed(w.ways());
    if (!needed) return cedt_errc::invalid_eniw;
    if (*needed == 0) return xormap_list{};
    for (std::size_t i = 0; i < cxims_list.size(); ++i) {
        auto const& c = cxims_list[i];
        if (c.granularity() == 0 || c.granularity() != w.granularity()) continue;
        if (which) *which = i;
        if (c.xormaps.size() < *needed) return cedt_errc::cxims_too_few_xormaps;
        xormap_list maps;
        for (unsigned j = 0; j < *needed; ++j)
            maps.push_back(c.xormaps[j]);
        return maps;
    }
    return cedt_errc::missing_cxims;
}

/// Whether two (non-empty, non-wrapping) windows share an address.
constexpr bool windows_overlap(cfmws const& a, cfmws const& b) noexcept {
    if (a.window_size == 0 || b.window_size == 0) return false;
    return a.base_hpa <= b.last() && b.base_hpa <= a.last();
}

// ---------------------------------------------------------------------------------------
// The table

struct cedt_table {
    acpi_table_header header;
    std::vector<chbs> chbs_list;        ///< accepted host bridges, in table order
    std::vector<cfmws> cfmws_list;      ///< accepted windows, in table order
    std::vector<cxims> cxims_list;      ///< accepted CXIMS, in table order
    std::vector<rdpas> rdpas_list;      ///< accepted RDPAS, in table order
    std::vector<cedt_diag> diagnostics; ///< rejections and notes, by subtable index

    cedt_table();
    cedt_table(cedt_table const&);
    cedt_table(cedt_table&&) noexcept;
    cedt_table& operator=(cedt_table const&);
    cedt_table& operator=(cedt_table&&) noexcept;
    ~cedt_table();

    /// The accepted CHBS with this UID, or nullptr.
    chbs const* find_chbs(std::uint32_t uid) const noexcept;
    /// The XOR maps an accepted window uses (empty for modulo and for 1/3 ways).
    xormap_list xormaps_for(cfmws const& w) const noexcept {
        auto maps = window_xormaps(w, cxims_list);
        return maps ? *maps : xormap_list{};
    }
    /// Whether any subtable was skipped or the walk ended early (notes do not count).
    bool has_rejections() const noexcept;
};

/// Parses a CEDT. Fails (with the header's diagnostic in `*fatal`, when given) only when the
/// header is unusable; every other finding is in the table's diagnostics.
CXLFW_DECL result<cedt_table> parse_cedt(std::span<const std::byte> data,
                                         cedt_diag* fatal = nullptr);

} // namespace cxlfw::spec

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/spec/impl/cedt.ipp>
#endif
