// The core reports facts and never decides to defer: no file in include/cxlfw/core/ may
// contain the word (in any case). The policy layer turns facts into deferrals.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;

TEST_CASE("no-deferral", "[core][static]") {
    fs::path const dir = fs::path{CXLFW_TEST_DATA_DIR} / ".." / ".." / "include" / "cxlfw" / "core";
    REQUIRE(fs::is_directory(dir));
    std::vector<std::string> offending;
    std::size_t files = 0;
    for (auto const& entry : fs::recursive_directory_iterator{dir}) {
        if (!entry.is_regular_file()) continue;
        ++files;
        std::ifstream in{entry.path()};
        std::string text{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
        std::transform(text.begin(), text.end(), text.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (text.find("defer") != std::string::npos) offending.push_back(entry.path().string());
    }
    REQUIRE(files >= 10);
    INFO("files mentioning deferral: " << Catch::Detail::stringify(offending));
    REQUIRE(offending.empty());
}
