// What the CEDT parser finds wrong (or worth noting) in a table: one value per rule, category
// "cxlfw.cedt". A code says which rule; the cedt_diag beside it (spec/cedt.hpp) says where.
#pragma once

#include <cxlfw/result.hpp>

namespace cxlfw::spec {

enum class cedt_errc {
    // The table itself: the whole parse fails.
    table_too_short = 1, ///< fewer bytes than the 36-byte ACPI header
    wrong_signature,     ///< the signature is not "CEDT"
    length_exceeds_data, ///< the header's length is larger than the bytes given
    length_below_header, ///< the header's length is smaller than the header
    checksum_mismatch,   ///< the bytes of the table do not sum to 0 (mod 256)
    // The subtable walk: this subtable and every later one are lost.
    subtable_too_short, ///< a subtable length below what its type needs
    subtable_past_end,  ///< a subtable (or its header) runs past the end of the table
    // CFMWS rules (Linux cxl_acpi_cfmws_verify, __cxl_parse_cfmws, and cxlfw's): window skipped.
    invalid_arithmetic,      ///< interleave arithmetic other than 0 (modulo) or 1 (XOR)
    base_not_aligned,        ///< base HPA not 256 MiB aligned
    size_not_aligned,        ///< window size not 256 MiB aligned
    window_size_zero,        ///< a window of size 0
    window_end_overflow,     ///< base + size runs past 2^64
    invalid_eniw,            ///< ENIW is not a valid encoded interleave-ways value
    target_count_mismatch,   ///< the subtable length holds fewer targets than ENIW says
    invalid_hbig,            ///< HBIG is not a valid encoded granularity (CFMWS or CXIMS)
    missing_cxims,           ///< an XOR window needs a CXIMS with its HBIG; there is none
    cxims_too_few_xormaps,   ///< the CXIMS with the window's HBIG has fewer XORMAPs than needed
    window_overlap,          ///< a window overlaps an earlier accepted window
    duplicate_window_target, ///< a window lists one host bridge UID at two interleave ways
    // CHBS rules (Linux cxl_get_chbs_iter, and cxlfw's): host bridge skipped.
    chbs_unknown_version,  ///< CXL version other than 0 (RCRB) or 1 (CHBCR)
    chbs_length_mismatch,  ///< register block length does not match the version
    chbs_base_zero,        ///< register block base of 0
    duplicate_chbs_uid,    ///< a UID that an earlier accepted CHBS already has
    chbs_register_overlap, ///< a register block that overlaps an earlier accepted CHBS's
    // CXIMS and RDPAS rules: subtable skipped.
    xormap_count_mismatch,  ///< the CXIMS length holds fewer XORMAPs than it says
    xormap_zero,            ///< a CXIMS XORMAP of 0 selects no address bit
    rdpas_unknown_layout,   ///< an RDPAS whose length is not the CXL r4.0 layout's 0x14
    rdpas_invalid_protocol, ///< an RDPAS protocol other than 0 (CXL.io) or 1 (CXL.cache/mem)
    unknown_subtable_type,  ///< a subtable type this parser does not know (skipped)
    // Notes: nothing is lost.
    subtable_longer_than_needed, ///< extra bytes after what the subtable's fields need
    mixed_chbs_versions,         ///< both RCRB (CXL 1.1) and CHBCR (CXL 2.0+) host bridges
    trailing_data,               ///< bytes after the table's length, ignored
};

} // namespace cxlfw::spec

template <>
struct cxlfw::error_enum_traits<cxlfw::spec::cedt_errc> {
    using enum spec::cedt_errc;
    static constexpr const char* name = "cxlfw.cedt";
    static constexpr std::array<error_message<spec::cedt_errc>, 32> messages{{
        {table_too_short, "CEDT: fewer bytes than the 36-byte ACPI table header"},
        {wrong_signature, "CEDT: the table signature is not \"CEDT\""},
        {length_exceeds_data, "CEDT: the table length is larger than the data"},
        {length_below_header, "CEDT: the table length is smaller than the ACPI header"},
        {checksum_mismatch, "CEDT: the table checksum does not make its bytes sum to 0"},
        {subtable_too_short, "CEDT: a subtable is shorter than its type needs"},
        {subtable_past_end, "CEDT: a subtable runs past the end of the table"},
        {invalid_arithmetic, "CFMWS: interleave arithmetic is neither modulo (0) nor XOR (1)"},
        {base_not_aligned, "CFMWS: base HPA is not 256 MiB aligned"},
        {size_not_aligned, "CFMWS: window size is not 256 MiB aligned"},
        {window_size_zero, "CFMWS: window size is 0"},
        {window_end_overflow, "CFMWS: window runs past the end of the 64-bit address space"},
        {invalid_eniw, "CFMWS: ENIW is not a valid interleave-ways code (0-4, 8-10)"},
        {target_count_mismatch, "CFMWS: the subtable holds fewer interleave targets than ENIW "
                                "says"},
        {invalid_hbig, "CEDT: HBIG is not a valid granularity code (0-6)"},
        {missing_cxims, "CFMWS: XOR interleave needs a CXIMS with the window's HBIG; none found"},
        {cxims_too_few_xormaps, "CFMWS: the CXIMS for the window's HBIG has too few XORMAPs"},
        {window_overlap, "CFMWS: the window overlaps an earlier window"},
        {duplicate_window_target, "CFMWS: the window lists one host bridge at two interleave "
                                  "ways"},
        {chbs_unknown_version, "CHBS: CXL version is neither 0 (RCRB) nor 1 (CHBCR)"},
        {chbs_length_mismatch, "CHBS: register block length does not match the CXL version"},
        {chbs_base_zero, "CHBS: register block base is 0"},
        {duplicate_chbs_uid, "CHBS: UID repeats that of an earlier host bridge"},
        {chbs_register_overlap, "CHBS: register block overlaps that of an earlier host bridge"},
        {xormap_count_mismatch, "CXIMS: the subtable holds fewer XORMAPs than it says"},
        {xormap_zero, "CXIMS: an XORMAP of 0 selects no address bit"},
        {rdpas_unknown_layout, "RDPAS: length is not 0x14 (the CXL r4.0 layout); not parsed"},
        {rdpas_invalid_protocol, "RDPAS: protocol is neither 0 (CXL.io) nor 1 (CXL.cache/mem)"},
        {unknown_subtable_type, "CEDT: unknown subtable type, skipped"},
        {subtable_longer_than_needed, "CEDT: subtable longer than its fields need"},
        {mixed_chbs_versions, "CHBS: both RCRB and CHBCR host bridges (mixed RCH and VH)"},
        {trailing_data, "CEDT: bytes after the table length are ignored"},
    }};
};

CXLFW_ERROR_CODE_ENUM(cxlfw::spec, cedt_errc);
