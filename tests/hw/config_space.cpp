// Issue 3 acceptance: the real pciutils dumps decode to the values in tests/data/SOURCES.md,
// through a loaded image and through other access paths alike.
#include <cxlfw/hw/config_image.hpp>
#include <cxlfw/hw/config_space.hpp>
#include <cxlfw/hw/lspci.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

using namespace cxlfw::literals;
namespace hw = cxlfw::hw;
namespace spec = cxlfw::spec;

namespace {
std::vector<hw::lspci_device> load(char const* name) {
    hw::lspci_diagnostic diag;
    auto devices = hw::load_lspci(std::string{CXLFW_TEST_DATA_DIR} + "/pciutils/" + name, &diag);
    INFO(diag.message());
    REQUIRE(devices.has_value());
    return std::move(*devices);
}
} // namespace

TEST_CASE("cap-dvsec-cxl device A: Intel 8086:0D93, CXL Device DVSEC at 0xE00",
          "[hw][config][acceptance]") {
    auto devices = load("cap-dvsec-cxl");
    REQUIRE(devices.size() == 2);
    auto const& a = devices[0];
    REQUIRE(a.address == hw::pci_address{0, 0x6b, 0, 0});
    REQUIRE(a.vendor_id == 0x8086);
    REQUIRE(a.device_id == 0x0D93);
    auto id = hw::read_identity(a.config).value();
    REQUIRE(id.class_code == 0xFF0000);
    REQUIRE(id.header_layout == 0);

    auto dv = hw::read_cxl_device_dvsec(a.config).value();
    REQUIRE(dv.location == hw::dvsec_location{0xE00, spec::cxl_vendor_id, 0, 0, 0x38});
    REQUIRE(dv.capability_raw == 0x001E);
    REQUIRE(dv.capability.io_capable);
    REQUIRE(dv.capability.mem_capable);
    REQUIRE(dv.capability.mem_hwinit_mode);
    REQUIRE_FALSE(dv.capability.cache_capable);
    REQUIRE(dv.capability.hdm_count == 1);
    REQUIRE(dv.control.io_enable); // lspci: CXLCtl: Cache- IO+ Mem-
    REQUIRE_FALSE(dv.control.mem_enable);
    REQUIRE_FALSE(dv.capability3.has_value());
    REQUIRE(dv.ranges[0].size == 256_MiB);
    REQUIRE(dv.ranges[0].base == 0);
    REQUIRE(dv.ranges[0].info_valid);
    REQUIRE(dv.ranges[0].active);
    REQUIRE_FALSE(dv.ranges[1].present());

    // Device A has no Register Locator; its BARs are 32-bit memory, I/O, 32-bit memory.
    REQUIRE(hw::read_register_locator(a.config).error() == hw::errc::no_register_locator);
    REQUIRE(hw::bar_address(a.config, 0).value() == 0xA6F0'0000);
    auto io = hw::read_bar(a.config, 2).value();
    REQUIRE(io.kind.io);
    REQUIRE(io.address == 0xA400);
    REQUIRE(hw::bar_address(a.config, 4).value() == 0xA000'0000);
}

TEST_CASE("cap-dvsec-cxl device B: Xilinx 10EE:C084, four CXL DVSECs, register locator",
          "[hw][config][acceptance]") {
    auto devices = load("cap-dvsec-cxl");
    auto const& b = devices.at(1);
    REQUIRE(b.address == hw::pci_address{0, 0x7f, 0, 0});
    REQUIRE(b.line == 355);
    auto id = hw::read_identity(b.config).value();
    REQUIRE(id.vendor_id == 0x10EE);
    REQUIRE(id.device_id == 0xC084);
    REQUIRE(id.class_code == spec::cxl_memory_class_code);
    REQUIRE(id.revision == 0x70);
    REQUIRE(hw::read_class_code(b.config).value() == 0x050210);
    REQUIRE(hw::read_revision(b.config).value() == 0x70);
    REQUIRE(hw::read_header_type(b.config).value() == 0);

    auto dvsecs = hw::list_dvsecs(b.config).value();
    REQUIRE(dvsecs.size() == 4);
    std::uint16_t const offsets[] = {0x500, 0x540, 0x560, 0x590};
    std::uint16_t const ids[] = {0, 7, 8, 5};
    for (std::size_t i = 0; i < 4; ++i) {
        REQUIRE(dvsecs[i].offset == offsets[i]);
        REQUIRE(dvsecs[i].id == ids[i]);
        REQUIRE(dvsecs[i].vendor == spec::cxl_vendor_id);
    }
    REQUIRE(hw::find_dvsec(b.config, spec::dvsec_id::flex_bus_port).value().length == 0x14);
    REQUIRE(hw::find_dvsec(b.config, spec::dvsec_id::gpf_device).value().length == 0x10);

    auto dv = hw::read_cxl_device_dvsec(b.config).value();
    REQUIRE(dv.location == hw::dvsec_location{0x500, spec::cxl_vendor_id, 0, 1, 0x38});
    REQUIRE(dv.capability_raw == 0x401E);
    REQUIRE(dv.capability.viral_capable);
    REQUIRE(dv.capability.hdm_count == 1);
    REQUIRE(dv.control.io_enable);
    REQUIRE(dv.control.mem_enable);
    REQUIRE(dv.pm_init_complete()); // Status2 reads 0x8000
    REQUIRE(dv.ranges[0] ==
            spec::cxl_dvsec_range{.size = 16_GiB, .base = 0, .info_valid = true, .active = true});
    REQUIRE(dv.ranges[1].size == 0);
    REQUIRE_FALSE(dv.ranges[1].info_valid);
    REQUIRE(dv.ranges[1].active);

    auto rl = hw::read_register_locator(b.config).value();
    REQUIRE(rl.location.offset == 0x560);
    REQUIRE(rl.blocks.size() == 2); // the third entry is empty
    REQUIRE(rl.rejected.empty());
    auto component = rl.find(spec::register_block_id::component).value();
    auto device = rl.find(spec::register_block_id::device).value();
    REQUIRE(component == spec::register_block{0, spec::register_block_id::component, 0});
    REQUIRE(device == spec::register_block{0, spec::register_block_id::device, 0x10000});
    REQUIRE_FALSE(rl.find(spec::register_block_id::cpmu).has_value());
    REQUIRE(hw::bar_address(b.config, 0).value() == 0x380'B000'0000);
    REQUIRE(hw::register_block_address(b.config, component).value() == 0x380'B000'0000);
    REQUIRE(hw::register_block_address(b.config, device).value() == 0x380'B001'0000);
}

TEST_CASE("cap-doe: two DOE capabilities and a clear \"no CXL Device DVSEC\" error",
          "[hw][config][acceptance]") {
    auto devices = load("cap-doe");
    REQUIRE(devices.size() == 1);
    auto const& d = devices[0];
    REQUIRE(d.address == hw::pci_address{0, 0xdf, 0, 0});
    REQUIRE(hw::read_class_code(d.config).value() == 0x050210);
    auto caps = hw::list_ext_caps(d.config).value();
    REQUIRE(caps.size() == 2);
    REQUIRE(caps[0] == hw::ext_cap{0x100, 0x2E, 1, 0x130});
    REQUIRE(caps[1] == hw::ext_cap{0x130, 0x2E, 1, 0});
    REQUIRE(hw::find_ext_cap(d.config, 0x2E).value().offset == 0x100);
    REQUIRE(hw::find_ext_cap(d.config, 0x23).error() == hw::errc::ext_cap_not_found);
    REQUIRE(hw::list_dvsecs(d.config).value().empty());

    hw::config_diagnostic diag;
    auto dv = hw::read_cxl_device_dvsec(d.config, &diag);
    REQUIRE(dv.error() == hw::errc::no_cxl_device_dvsec);
    REQUIRE_THAT(dv.error().message(), Catch::Contains("no CXL Device DVSEC"));
    REQUIRE_THAT(diag.message(), Catch::Contains("no CXL Device DVSEC"));
    REQUIRE_THAT(diag.message(), Catch::Contains("0x2E@0x100, 0x2E@0x130"));
}

TEST_CASE("the same decode through a window, a bus_ref and a writable byte bus",
          "[hw][config][policy]") {
    auto devices = load("cap-dvsec-cxl");
    auto const& image = devices.at(1).config;
    auto const expected = hw::read_cxl_device_dvsec(image).value();

    // A window over a larger space, as an emulator's device bus at some base would be.
    std::vector<std::byte> space(0x3000);
    std::ranges::copy(image.bytes(), space.begin() + 0x1000);
    hw::writable_memory_bus bus{space};
    hw::window cfg{bus, 0x1000, 0x1000};
    auto via_window = hw::read_cxl_device_dvsec(cfg).value();
    REQUIRE(via_window.location == expected.location);
    REQUIRE(via_window.capability == expected.capability);
    REQUIRE(via_window.ranges == expected.ranges);

    hw::bus_ref ref{cfg};
    auto rl = hw::read_register_locator(ref).value();
    REQUIRE(hw::register_block_address(ref, rl.blocks.at(1)).value() == 0x380'B001'0000);

    // The window bounds reads: the same image shifted so the DVSEC is cut off fails cleanly.
    hw::window short_cfg{bus, 0x1000, 0x520};
    REQUIRE(hw::read_cxl_device_dvsec(short_cfg).error() == hw::errc::out_of_range);
}
