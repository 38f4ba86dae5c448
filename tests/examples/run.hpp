// Runs an example program as a user would and captures its exit code, stdout and stderr.
#pragma once

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace cxlfw_test {

/// Where the test data (tests/data) is.
inline std::string const data = CXLFW_TEST_DATA_DIR;

/// Whether `text` contains `what`.
inline bool has(std::string const& text, std::string const& what) {
    return text.find(what) != std::string::npos;
}

struct run_result {
    int exit_code = -1;
    std::string out;
    std::string err;

    /// The number of lines in err (the tools promise one line per error).
    std::size_t err_lines() const {
        std::size_t n = 0;
        for (char c : err)
            n += c == '\n';
        return n;
    }
};

inline std::string shell_quote(std::string const& s) {
    std::string q = "'";
    for (char c : s)
        q += c == '\'' ? std::string{"'\\''"} : std::string(1, c);
    return q + "'";
}

inline run_result run(std::string const& program, std::vector<std::string> const& args) {
    auto err_file = std::filesystem::temp_directory_path() /
                    ("cxlfw-test-stderr-" + std::to_string(::getpid()) + ".txt");
    std::string cmd = shell_quote(program);
    for (auto const& a : args)
        cmd += " " + shell_quote(a);
    cmd += " 2>" + shell_quote(err_file.string());
    run_result r;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf;
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0)
        r.out.append(buf.data(), n);
    int status = ::pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream e{err_file};
    std::stringstream ss;
    ss << e.rdbuf();
    r.err = ss.str();
    std::filesystem::remove(err_file);
    return r;
}

/// A file in the test's temporary directory with the given bytes; removed by the destructor.
struct temp_file {
    std::filesystem::path path;
    explicit temp_file(std::string const& name, std::string const& bytes)
        : path{std::filesystem::temp_directory_path() / (std::to_string(::getpid()) + "-" + name)} {
        std::ofstream{path, std::ios::binary} << bytes;
    }
    ~temp_file() { std::filesystem::remove(path); }
    temp_file(temp_file const&) = delete;
    temp_file& operator=(temp_file const&) = delete;
};

inline std::string slurp(std::filesystem::path const& p) {
    std::ifstream in{p, std::ios::binary};
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace cxlfw_test
