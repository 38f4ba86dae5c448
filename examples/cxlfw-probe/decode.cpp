// cxlfw-probe decode --lspci: the CXL DVSECs of every device in an `lspci -xxx`/`-xxxx` dump,
// decoded through the same hw/ functions the drivers use.
#include "commands.hpp"

#include <cxlfw/hw/config_space.hpp>
#include <cxlfw/hw/lspci.hpp>
#include <cxlfw/spec/dvsec.hpp>

#include <cstdio>
#include <string>

namespace probe {

namespace {

namespace spec = cxlfw::spec;
namespace hw = cxlfw::hw;

char const* flag(bool on) {
    return on ? "+" : "-";
}

std::string size_text(std::uint64_t bytes) {
    char const* unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    unsigned u = 0;
    std::uint64_t v = bytes;
    while (u < 4 && v >= 1024 && v % 1024 == 0) {
        v /= 1024;
        ++u;
    }
    return std::to_string(v) + " " + unit[u];
}

char const* media_name(spec::range_media_type t) {
    switch (t) {
    case spec::range_media_type::volatile_memory:
        return "volatile";
    case spec::range_media_type::non_volatile:
        return "non-volatile";
    case spec::range_media_type::cdat:
        return "per-CDAT";
    }
    return "reserved";
}

char const* class_name(spec::range_memory_class c) {
    switch (c) {
    case spec::range_memory_class::dram:
        return "DRAM";
    case spec::range_memory_class::storage_class:
        return "storage-class";
    case spec::range_memory_class::cdat:
        return "per-CDAT";
    }
    return "reserved";
}

void print_cxl_device(hw::config_image const& cfg) {
    auto d = hw::read_cxl_device_dvsec(cfg);
    if (!d) return;
    auto const& c = d->capability;
    std::printf("    capability 0x%04x: cache%s io%s mem%s mem_hwinit%s hdm_count=%u viral%s\n",
                d->capability_raw, flag(c.cache_capable), flag(c.io_capable), flag(c.mem_capable),
                flag(c.mem_hwinit_mode), c.hdm_count, flag(c.viral_capable));
    auto const& k = d->control;
    std::printf("    control 0x%04x: cache_enable%s io_enable%s mem_enable%s\n", d->control_raw,
                flag(k.cache_enable), flag(k.io_enable), flag(k.mem_enable));
    for (unsigned i = 0; i < d->ranges.size(); ++i) {
        auto const& r = d->ranges[i];
        std::printf("    range %u: size %s (%s) base %s info_valid%s active%s media %s class %s\n",
                    i + 1, size_text(r.size).c_str(), hex(r.size).c_str(), hex(r.base).c_str(),
                    flag(r.info_valid), flag(r.active), media_name(r.media_type),
                    class_name(r.memory_class));
    }
}

void print_register_locator(hw::config_image const& cfg) {
    hw::config_diagnostic why;
    auto loc = hw::read_register_locator(cfg, &why);
    if (!loc) {
        std::printf("    unusable: %s\n", why.message().c_str());
        return;
    }
    for (auto const& b : loc->blocks) {
        std::printf("    block %s: BAR%u + %s",
                    std::string{spec::register_block_name(b.id)}.c_str(), unsigned(b.bir),
                    hex(b.offset).c_str());
        if (auto addr = hw::register_block_address(cfg, b))
            std::printf(" = %s\n", hex(*addr).c_str());
        else
            std::printf(" (address unknown: %s)\n", addr.error().message().c_str());
    }
    for (auto const& r : loc->rejected)
        std::printf("    entry %u rejected: %s\n", r.index, r.why.message().c_str());
}

void print_device(hw::lspci_device const& dev) {
    auto id = hw::read_identity(dev.config);
    std::printf("%s %s\n", dev.address.to_string().c_str(), dev.description.c_str());
    if (id)
        std::printf("  id %04x:%04x class 0x%06x rev 0x%02x\n", id->vendor_id, id->device_id,
                    id->class_code, id->revision);
    hw::config_diagnostic why;
    auto dvsecs = hw::list_dvsecs(dev.config, &why);
    if (!dvsecs) {
        std::printf("  no CXL DVSEC: %s\n", why.message().c_str());
        return;
    }
    unsigned cxl = 0;
    for (auto const& d : *dvsecs) {
        if (d.vendor != spec::cxl_vendor_id) continue;
        ++cxl;
        std::printf("  DVSEC 0x%03x %s (id %u, rev %u, 0x%x bytes)\n", d.offset,
                    std::string{spec::dvsec_name(static_cast<spec::dvsec_id>(d.id))}.c_str(),
                    unsigned(d.id), unsigned(d.revision), unsigned(d.length));
        if (d.id == static_cast<std::uint16_t>(spec::dvsec_id::cxl_device))
            print_cxl_device(dev.config);
        else if (d.id == static_cast<std::uint16_t>(spec::dvsec_id::register_locator))
            print_register_locator(dev.config);
    }
    if (cxl == 0) {
        auto none = hw::read_cxl_device_dvsec(dev.config, &why);
        std::printf("  no CXL DVSEC: %s\n", none ? "" : why.message().c_str());
    }
}

} // namespace

int run_decode(decode_options const& o) {
    std::vector<std::byte> bytes;
    if (auto f = read_file(o.lspci, bytes)) return report(*f);
    std::string_view text{reinterpret_cast<char const*>(bytes.data()), bytes.size()};
    hw::lspci_diagnostic why;
    auto devices = hw::parse_lspci(text, &why);
    if (!devices) return report({bad_input, o.lspci + ": " + why.message()});
    for (auto const& dev : *devices)
        print_device(dev);
    return ok;
}

void add_decode(CLI::App& app, decode_options& o, action& chosen) {
    auto* cmd = app.add_subcommand("decode", "decode the CXL DVSECs of devices in a dump");
    cmd->add_option("--lspci", o.lspci, "an `lspci -xxx` or `-xxxx` text dump")->required();
    cmd->callback([&] { chosen = [&o] { return run_decode(o); }; });
}

} // namespace probe
