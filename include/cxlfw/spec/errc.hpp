// Errors of the spec layer's encoders and decoders (values that the CXL and ACPI
// specifications do not allow). Parsers of whole tables have their own enums beside them.
#pragma once

#include <cxlfw/result.hpp>

namespace cxlfw::spec {

enum class errc {
    invalid_eiw = 1,         ///< an encoded interleave-ways value outside {0-4, 8-10}
    invalid_ways,            ///< a ways count outside {1, 2, 4, 8, 16, 3, 6, 12}
    invalid_eig,             ///< an encoded granularity above 6
    invalid_granularity,     ///< a granularity that is not 256 B << 0..6
    invalid_decoder_count,   ///< an HDM Decoder Count code above 0xC
    position_out_of_range,   ///< an interleave position >= ways
    address_not_in_position, ///< an HPA offset that another position decodes
    missing_xormap,          ///< XOR arithmetic without the maps its ways need
    invalid_xormap,          ///< an XOR map of zero
    offset_out_of_range,     ///< an address beyond what the geometry can express
    invalid_arithmetic,      ///< an interleave arithmetic other than 0 (modulo) or 1 (XOR)
};

} // namespace cxlfw::spec

template <>
struct cxlfw::error_enum_traits<cxlfw::spec::errc> {
    using enum spec::errc;
    static constexpr const char* name = "cxlfw.spec";
    static constexpr std::array<error_message<spec::errc>, 11> messages{{
        {invalid_eiw, "invalid encoded interleave ways (valid: 0-4, 8-10)"},
        {invalid_ways, "invalid interleave ways (valid: 1, 2, 4, 8, 16, 3, 6, 12)"},
        {invalid_eig, "invalid encoded interleave granularity (valid: 0-6)"},
        {invalid_granularity,
         "invalid interleave granularity (valid: 256 B << 0..6, up to 16 KiB)"},
        {invalid_decoder_count, "invalid HDM decoder count code (valid: 0x0-0xC)"},
        {position_out_of_range, "interleave position is not below the number of ways"},
        {address_not_in_position, "address is decoded by a different interleave position"},
        {missing_xormap, "XOR interleave needs more XOR maps for these ways"},
        {invalid_xormap, "an XOR map of zero selects no address bit"},
        {offset_out_of_range, "address offset out of range for this geometry"},
        {invalid_arithmetic, "invalid interleave arithmetic (valid: 0 modulo, 1 XOR)"},
    }};
};

template <>
struct std::is_error_code_enum<cxlfw::spec::errc> : std::true_type {};

namespace cxlfw::spec {
inline std::error_code make_error_code(errc e) noexcept {
    return make_code(e);
}
using cxlfw::throw_exception_from_error;

/// What the spec layer's constexpr encoders and decoders return.
template <class T>
using checked = cxlfw::checked<T, errc>;
} // namespace cxlfw::spec
