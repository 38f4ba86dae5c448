// How the emulator's diagnostics write addresses: "0x1000000000" and "[0x1000-0x1fff]". One
// place, so that every message (build errors, firmware state, HPA decode) reads the same.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace cxlfw::emu::detail {

inline std::string hex(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

/// [lo, hi) as "[lo-(hi-1)]". Appended: g++ 12 -O2 misreports `"[" + std::string&&`
/// (-Wrestrict, GCC bug 105329).
inline std::string range_text(std::uint64_t lo, std::uint64_t hi) {
    std::string s{"["};
    s += hex(lo);
    s += '-';
    s += hex(hi - 1);
    s += ']';
    return s;
}

} // namespace cxlfw::emu::detail
