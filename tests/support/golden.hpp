// Golden files: whole outputs compared with tests/<folder>/golden/<name>. A mismatch shows a
// unified-looking diff around the first differing line; CXLFW_UPDATE_GOLDEN=1 rewrites the
// file instead (then review `git diff tests/*/golden/`).
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace cxlfw_test {

inline std::string golden_path(std::string const& folder, std::string const& name) {
    return std::string{CXLFW_TEST_DATA_DIR} + "/../" + folder + "/golden/" + name;
}

inline std::vector<std::string> split_lines(std::string const& s) {
    std::vector<std::string> out;
    std::istringstream in{s};
    for (std::string l; std::getline(in, l);)
        out.push_back(l);
    return out;
}

/// A unified-looking diff around the first difference (a few lines of context).
inline std::string first_difference(std::string const& expected, std::string const& actual) {
    auto const e = split_lines(expected), a = split_lines(actual);
    std::size_t i = 0;
    while (i < e.size() && i < a.size() && e[i] == a[i])
        ++i;
    std::ostringstream d;
    std::size_t const from = i >= 3 ? i - 3 : 0;
    d << "--- golden\n+++ actual\n@@ first difference at line " << i + 1 << " @@\n";
    for (std::size_t k = from; k < i; ++k)
        d << " " << e[k] << "\n";
    for (std::size_t k = i; k < std::min(e.size(), i + 4); ++k)
        d << "-" << e[k] << "\n";
    for (std::size_t k = i; k < std::min(a.size(), i + 4); ++k)
        d << "+" << a[k] << "\n";
    if (e.size() != a.size()) d << "(golden " << e.size() << " lines, actual " << a.size() << ")\n";
    return d.str();
}

/// Compare `actual` with tests/<folder>/golden/<name>; CXLFW_UPDATE_GOLDEN=1 rewrites the file.
inline void check_golden(std::string const& folder, std::string const& name,
                         std::string const& actual) {
    auto const path = golden_path(folder, name);
    if (char const* u = std::getenv("CXLFW_UPDATE_GOLDEN"); u && std::string_view{u} == "1") {
        std::ofstream out{path, std::ios::binary};
        REQUIRE(out);
        out << actual;
        WARN("updated " << path);
        return;
    }
    std::ifstream in{path, std::ios::binary};
    INFO("golden file " << path << " (regenerate with CXLFW_UPDATE_GOLDEN=1)");
    REQUIRE(in);
    std::string const expected{std::istreambuf_iterator<char>{in}, {}};
    if (expected != actual) FAIL_CHECK(first_difference(expected, actual));
}

} // namespace cxlfw_test
