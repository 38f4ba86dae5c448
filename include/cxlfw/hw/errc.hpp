// Errors of register access and of the config-space and dump loaders.
#pragma once

#include <cxlfw/result.hpp>

namespace cxlfw::hw {

enum class errc {
    out_of_range = 1, ///< an access outside the bus or window
    misaligned,       ///< an access not aligned to its width
    bad_width,        ///< an access width other than 1, 2, 4 or 8 bytes
    read_only,        ///< a write to a read-only bus (a loaded dump)
    access_fault,     ///< the device did not complete the access (fault injected, device gone)
};

} // namespace cxlfw::hw

template <>
struct std::is_error_code_enum<cxlfw::hw::errc> : std::true_type {};

template <>
struct cxlfw::error_enum_traits<cxlfw::hw::errc> {
    using enum hw::errc;
    static constexpr const char* name = "cxlfw.hw";
    static constexpr std::array<error_message<hw::errc>, 5> messages{{
        {out_of_range, "register access outside the bus or window"},
        {misaligned, "register access not aligned to its width"},
        {bad_width, "register access width is not 1, 2, 4 or 8 bytes"},
        {read_only, "write to a read-only register image"},
        {access_fault, "the device did not complete the register access"},
    }};
};

namespace cxlfw::hw {
inline std::error_code make_error_code(errc e) noexcept {
    return make_code(e);
}
using cxlfw::throw_exception_from_error;
} // namespace cxlfw::hw
