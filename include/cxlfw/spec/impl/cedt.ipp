// Out-of-line definitions for <cxlfw/spec/cedt.hpp>: parse_cedt (the walk and the
// cross-subtable rules), cedt_table's lookups, and the diagnostics' message text.
#pragma once

#include <cxlfw/spec/cedt.hpp>

#include <algorithm>
#include <limits>
#include <string>
#include <system_error>
#include <vector>

namespace cxlfw::spec {

CXLFW_DECL void throw_exception_from_error(cedt_diag const& d, boost::source_location const&) {
    throw std::system_error(d.error(), d.message());
}

CXLFW_DECL cedt_table::cedt_table() = default;
CXLFW_DECL cedt_table::cedt_table(cedt_table const&) = default;
CXLFW_DECL cedt_table::cedt_table(cedt_table&&) noexcept = default;
CXLFW_DECL cedt_table& cedt_table::operator=(cedt_table const&) = default;
CXLFW_DECL cedt_table& cedt_table::operator=(cedt_table&&) noexcept = default;
CXLFW_DECL cedt_table::~cedt_table() = default;

CXLFW_DECL chbs const* cedt_table::find_chbs(std::uint32_t uid) const noexcept {
    auto it = std::find_if(chbs_list.begin(), chbs_list.end(),
                           [uid](chbs const& c) { return c.uid == uid; });
    return it == chbs_list.end() ? nullptr : &*it;
}

CXLFW_DECL bool cedt_table::has_rejections() const noexcept {
    return std::any_of(diagnostics.begin(), diagnostics.end(),
                       [](cedt_diag const& d) { return d.severity != cedt_severity::note; });
}

namespace detail::cedt {

/// Whether two CHBS register blocks share an address (their lengths are checked: 8 or 64 KiB).
CXLFW_DECL bool share(chbs const& a, chbs const& b) {
    auto const last = [](chbs const& c) {
        return c.base > std::numeric_limits<std::uint64_t>::max() - (c.length - 1)
                   ? std::numeric_limits<std::uint64_t>::max()
                   : c.base + (c.length - 1);
    };
    return a.base <= last(b) && b.base <= last(a);
}

} // namespace detail::cedt

CXLFW_DECL result<cedt_table> parse_cedt(std::span<const std::byte> data, cedt_diag* fatal) {
    using enum cedt_errc;
    auto header = decode_cedt_header(data);
    if (!header) {
        if (fatal) *fatal = header.error();
        return header.error().error();
    }
    cedt_table t;
    t.header = *header;
    auto& diags = t.diagnostics;
    const auto table = data.first(header->length);
    if (data.size() > table.size())
        diags.push_back(detail::cedt::header_diag(trailing_data, cedt_severity::note, "length", 4,
                                                  header->length, data.size()));

    struct pending {
        cfmws window;
        cedt_subtable where;
    };
    std::vector<pending> windows;
    for (cedt_walker walk{table}; !walk.done();) {
        auto sub = walk.next();
        if (!sub) {
            diags.push_back(sub.error());
            break;
        }
        cedt_diag note;
        auto reject = [&](cedt_diag const& d) { diags.push_back(d); };
        switch (sub->type) {
        case cedt_type::chbs: {
            auto c = decode_chbs(*sub, &note);
            if (!c) {
                reject(c.error());
                break;
            }
            auto const named = [&c](cedt_diag d) {
                d.uid = c->uid;
                return d;
            };
            // Linux takes the first CHBS with a UID; a second one is a firmware bug.
            if (auto first = t.find_chbs(c->uid)) {
                reject(named(detail::cedt::subtable_diag(*sub, duplicate_chbs_uid,
                                                         cedt_severity::skipped, "uid", 0x04,
                                                         c->uid, 0, first->index)));
                break;
            }
            // Nor do two host bridges share registers: each decodes its own HDM range. Linux
            // claims a CHBCR with request_mem_region (devm_cxl_iomap_block), so the second
            // host bridge's port fails its probe; here the first CHBS keeps the block and the
            // later one is skipped, before anything is programmed through it.
            auto shared = std::find_if(t.chbs_list.begin(), t.chbs_list.end(),
                                       [&](chbs const& o) { return detail::cedt::share(o, *c); });
            if (shared != t.chbs_list.end()) {
                reject(named(detail::cedt::subtable_diag(*sub, chbs_register_overlap,
                                                         cedt_severity::skipped, "base", 0x10,
                                                         c->base, shared->uid, shared->index)));
                break;
            }
            // Linux cxl_get_chbs notes a platform mixing RCH and VH host bridges.
            auto other = std::find_if(t.chbs_list.begin(), t.chbs_list.end(), [&](chbs const& o) {
                return o.cxl_version != c->cxl_version;
            });
            auto noted = std::any_of(diags.begin(), diags.end(), [](cedt_diag const& d) {
                return d.code == mixed_chbs_versions;
            });
            if (other != t.chbs_list.end() && !noted)
                diags.push_back(named(detail::cedt::subtable_diag(
                    *sub, mixed_chbs_versions, cedt_severity::note, "cxl_version", 0x08,
                    c->cxl_version, 0, other->index)));
            t.chbs_list.push_back(*c);
            break;
        }
        case cedt_type::cfmws: {
            auto w = decode_cfmws(*sub, &note);
            if (w)
                windows.push_back({*w, *sub});
            else
                reject(w.error());
            break;
        }
        case cedt_type::cxims: {
            auto x = decode_cxims(*sub, &note);
            if (x)
                t.cxims_list.push_back(*x);
            else
                reject(x.error());
            break;
        }
        case cedt_type::rdpas: {
            auto r = decode_rdpas(*sub);
            if (r)
                t.rdpas_list.push_back(*r);
            else
                reject(r.error());
            break;
        }
        default:
            reject(detail::cedt::subtable_diag(*sub, unknown_subtable_type, cedt_severity::skipped,
                                               "header.type", 0, sub->type));
        }
        if (note.code != cedt_errc{}) diags.push_back(note);
    }

    // Windows: a CXIMS for XOR (it may come later in the table), then no overlap with an
    // earlier accepted window.
    for (auto const& [w, where] : windows) {
        std::size_t which = 0;
        auto maps = window_xormaps(w, t.cxims_list, &which);
        if (!maps) {
            const auto needed = xormaps_needed(w.ways()).value();
            if (maps.error() == cxims_too_few_xormaps)
                diags.push_back(detail::cedt::subtable_diag(
                    where, cxims_too_few_xormaps, cedt_severity::skipped, "hbig", 0x1C, w.hbig,
                    needed, t.cxims_list[which].index));
            else
                diags.push_back(detail::cedt::subtable_diag(where, missing_cxims,
                                                            cedt_severity::skipped, "hbig", 0x1C,
                                                            w.hbig, needed, w.ways()));
            continue;
        }
        auto clash = std::find_if(t.cfmws_list.begin(), t.cfmws_list.end(),
                                  [&](cfmws const& o) { return windows_overlap(o, w); });
        if (clash != t.cfmws_list.end()) {
            diags.push_back(detail::cedt::subtable_diag(where, window_overlap,
                                                        cedt_severity::skipped, "base_hpa", 0x08,
                                                        w.base_hpa, 0, clash->index));
            continue;
        }
        t.cfmws_list.push_back(w);
    }
    // Subtable order (the header's note, trailing data, last).
    std::stable_sort(diags.begin(), diags.end(),
                     [](cedt_diag const& a, cedt_diag const& b) { return a.index < b.index; });
    return t;
}

// ---------------------------------------------------------------------------------------
// Messages

namespace detail::cedt {

CXLFW_DECL std::string hex(std::uint64_t v) {
    constexpr char digits[] = "0123456789abcdef";
    std::string s;
    do {
        s.insert(s.begin(), digits[v & 0xF]);
        v >>= 4;
    } while (v != 0);
    return "0x" + s;
}

CXLFW_DECL std::string cedt_phrase(cedt_diag const& d) {
    using enum cedt_errc;
    auto exp = hex(d.expected);
    auto rel = std::to_string(d.related);
    auto type = std::string{cedt_type_name(d.type)};
    switch (d.code) {
    case table_too_short:
        return "is less than the " + exp + "-byte ACPI header";
    case wrong_signature:
        return "is not the signature \"CEDT\" (" + exp + ")";
    case length_exceeds_data:
        return "is larger than the " + exp + " bytes given";
    case length_below_header:
        return "is smaller than the " + exp + "-byte ACPI header";
    case checksum_mismatch:
        return "does not make the bytes sum to 0 (" + exp + " would)";
    case subtable_too_short:
        return "is shorter than the " + exp + " bytes a " + (type.empty() ? "subtable" : type) +
               " needs";
    case subtable_past_end:
        return "bytes from " + hex(d.offset) + " run past the end of the table at " + exp;
    case invalid_arithmetic:
        return "is neither modulo (0) nor XOR (1)";
    case base_not_aligned:
    case size_not_aligned:
        return "is not 256 MiB aligned";
    case window_size_zero:
        return "makes an empty window";
    case window_end_overflow:
        return "from base " + exp + " runs past the end of the 64-bit address space";
    case invalid_eniw:
        return "is not an interleave-ways code (0-4, 8-10)";
    case target_count_mismatch:
        return "holds fewer than the " + rel + " targets ENIW says (" + exp + " bytes)";
    case invalid_hbig:
        return "is not a granularity code (0-6)";
    case missing_cxims:
        return "has no CXIMS, which XOR interleave over " + rel + " host bridges needs";
    case cxims_too_few_xormaps:
        return "has a CXIMS (subtable " + rel + ") with fewer than the " +
               std::to_string(d.expected) + " XORMAPs this window needs";
    case window_overlap:
        return "starts a window that overlaps the window of subtable " + rel;
    case duplicate_window_target:
        return "(host bridge UID " + std::to_string(d.value) + ") at target " +
               std::to_string((d.field_offset - d.offset - cfmws_fixed_length) / 4) +
               " repeats target " + rel + " of the window at " + exp +
               " (one host bridge at two interleave ways)";
    case chbs_unknown_version:
        return "is neither 0 (RCRB) nor 1 (CHBCR)";
    case chbs_length_mismatch:
        return "is not " + exp + ", the length CXL version " + rel + " requires";
    case chbs_base_zero:
        return "is no register block address";
    case duplicate_chbs_uid:
        return "repeats the UID of subtable " + rel + " (the first one is kept)";
    case chbs_register_overlap:
        return "puts its register block on that of subtable " + rel + " (UID " +
               std::to_string(d.expected) +
               "): two host bridges cannot share registers (the first one keeps them)";
    case xormap_count_mismatch:
        return "holds fewer than the " + rel + " XORMAPs nr_xormaps says (" + exp + " bytes)";
    case xormap_zero:
        return "in XORMAP " + rel + " selects no address bit";
    case rdpas_unknown_layout:
        return "is not " + exp + ", the CXL r4.0 RDPAS layout";
    case rdpas_invalid_protocol:
        return "is neither 0 (CXL.io) nor 1 (CXL.cache/mem)";
    case unknown_subtable_type:
        return "is not a known CEDT subtable type";
    case subtable_longer_than_needed:
        return "is longer than the " + exp + " bytes the fields need";
    case mixed_chbs_versions:
        return "differs from subtable " + rel + "'s (mixed RCH and VH host bridges)";
    case trailing_data:
        return "is less than the " + exp + " bytes given; the rest is ignored";
    }
    return "breaks rule " + std::to_string(static_cast<int>(d.code));
}

CXLFW_DECL std::string cedt_consequence(cedt_diag const& d) {
    std::string what = "subtable";
    switch (d.type) {
    case cedt_type::chbs:
        what = "host bridge";
        break;
    case cedt_type::cfmws:
        what = "window";
        break;
    case cedt_type::cxims:
        what = "CXIMS";
        break;
    case cedt_type::rdpas:
        what = "RDPAS";
        break;
    default:
        break;
    }
    switch (d.severity) {
    case cedt_severity::note:
        return d.is_header() ? "table kept" : what + " kept";
    case cedt_severity::skipped:
        return (d.code == cedt_errc::unknown_subtable_type ? "subtable" : what) + " skipped";
    case cedt_severity::walk_ended:
        return "this and later subtables not parsed";
    case cedt_severity::fatal:
        return "table rejected";
    }
    return {};
}

} // namespace detail::cedt

CXLFW_DECL std::string cedt_diag::message() const {
    std::string where;
    if (is_header()) {
        where = "CEDT header";
    } else {
        auto name = cedt_type_name(type);
        where = "CEDT subtable " + std::to_string(index) + " (" +
                (name.empty() ? "type " + detail::cedt::hex(type) : std::string{name}) +
                (uid ? ", UID " + std::to_string(*uid) : "") + ") at " + detail::cedt::hex(offset);
    }
    return where + ": field " + std::string{field} + ": " + detail::cedt::hex(value) + " " +
           detail::cedt::cedt_phrase(*this) + "; " + detail::cedt::cedt_consequence(*this);
}

} // namespace cxlfw::spec
