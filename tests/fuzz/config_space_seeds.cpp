// Writes each device of the given lspci dumps as a raw config image, <dir>/<dump>.<n>.bin,
// and its first 256 bytes as <dir>/<dump>.<n>.256.bin: seeds for the config_space fuzzer.
// Usage: config_space_seeds <dir> <lspci file>...
#include <cxlfw/hw/lspci.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace {
bool write(std::filesystem::path const& path, std::span<const std::byte> bytes) {
    std::ofstream out{path, std::ios::binary};
    out.write(reinterpret_cast<char const*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    return static_cast<bool>(out);
}
} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s <dir> <lspci file>...\n", argv[0]);
        return 2;
    }
    std::filesystem::path const dir{argv[1]};
    std::filesystem::create_directories(dir);
    for (int i = 2; i < argc; ++i) {
        std::filesystem::path const dump{argv[i]};
        cxlfw::hw::lspci_diagnostic diag;
        auto devices = cxlfw::hw::load_lspci(dump, &diag);
        if (!devices) {
            std::fprintf(stderr, "%s: %s\n", argv[i], diag.message().c_str());
            return 1;
        }
        for (std::size_t n = 0; n < devices->size(); ++n) {
            auto const bytes = (*devices)[n].config.bytes();
            auto const stem = dump.filename().string() + "." + std::to_string(n);
            if (!write(dir / (stem + ".bin"), bytes) ||
                !write(dir / (stem + ".256.bin"), bytes.first(256))) {
                std::fprintf(stderr, "%s: cannot write seeds\n", dir.c_str());
                return 1;
            }
        }
    }
    return 0;
}
