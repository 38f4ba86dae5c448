// Shared plumbing of the cxlfw-probe subcommands: exit codes, number parsing, file reading,
// one-line errors on stderr.
#pragma once

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace probe {

/// Documented in docs/cxlfw-probe.md; keep them in step.
enum exit_code : int {
    ok = 0,
    internal = 1,     ///< a bug: an unexpected failure inside the tool
    usage = 2,        ///< a bad flag or flag value
    unreadable = 3,   ///< an input file is missing or cannot be read
    bad_input = 4,    ///< an input file is malformed (table, dump)
    probe_failed = 5, ///< the platform did not settle as the command needs
};

/// What the command line chose to run; set by the chosen subcommand's parse callback and run
/// once parsing is complete, so nothing runs before the whole line is known to be valid.
using action = std::function<int()>;

/// A failure that ends the command with one line on stderr and its exit code.
struct failure {
    exit_code code;
    std::string message;
};

inline int report(failure const& f) {
    std::fprintf(stderr, "cxlfw-probe: %s\n", f.message.c_str());
    return f.code;
}

/// Parses "4096", "0x1000", "4K", "256M", "4G", "1T" (binary suffixes) into a u64;
/// nullopt on anything else (CLI11's own parser would read "010" as octal).
inline std::optional<std::uint64_t> parse_u64(std::string_view text) {
    if (text.empty()) return std::nullopt;
    unsigned shift = 0;
    switch (text.back()) {
    case 'K':
    case 'k':
        shift = 10;
        break;
    case 'M':
    case 'm':
        shift = 20;
        break;
    case 'G':
    case 'g':
        shift = 30;
        break;
    case 'T':
    case 't':
        shift = 40;
        break;
    default:
        break;
    }
    if (shift) text.remove_suffix(1);
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text.remove_prefix(2);
    }
    if (text.empty()) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : text) {
        unsigned d;
        if (c >= '0' && c <= '9')
            d = unsigned(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = unsigned(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = unsigned(c - 'A' + 10);
        else
            return std::nullopt;
        if (v > (~std::uint64_t{0} - d) / unsigned(base)) return std::nullopt;
        v = v * unsigned(base) + d;
    }
    if (shift && v > (~std::uint64_t{0} >> shift)) return std::nullopt;
    return v << shift;
}

/// A CLI11 check that accepts what parse_u64 accepts.
inline CLI::Validator const& number() {
    static const CLI::Validator v{[](std::string& s) -> std::string {
                                      return parse_u64(s) ? std::string{}
                                                          : "not a number (decimal, 0x-hex, "
                                                            "optional K/M/G/T suffix): " +
                                                                s;
                                  },
                                  "NUMBER"};
    return v;
}

/// The whole file, or a failure naming it.
inline std::optional<failure> read_file(std::string const& path, std::vector<std::byte>& out) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return failure{unreadable, "cannot read " + path + ": " + std::strerror(errno)};
    out.clear();
    std::byte buf[1 << 14];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
        out.insert(out.end(), buf, buf + n);
    bool err = std::ferror(f);
    std::fclose(f);
    if (err) return failure{unreadable, "error while reading " + path};
    return std::nullopt;
}

inline std::string hex(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

} // namespace probe
