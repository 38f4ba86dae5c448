// Config space of emulated functions, decoded through the same hw/ functions a driver uses,
// beside the real Xilinx Type-3 device of tests/data/pciutils/cap-dvsec-cxl.
#include "support.hpp"

#include <cxlfw/hw/config_space.hpp>
#include <cxlfw/hw/lspci.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace emu_test;

namespace {

struct dvsec_shape {
    std::uint16_t id;
    std::uint8_t revision;
    std::uint16_t length;
    friend bool operator==(dvsec_shape const&, dvsec_shape const&) = default;
};

template <class Cfg>
std::vector<dvsec_shape> shapes(Cfg&& cfg) {
    std::vector<dvsec_shape> out;
    for (auto const& d : hw::list_dvsecs(cfg).value()) {
        REQUIRE(d.vendor == spec::cxl_vendor_id);
        out.push_back({d.id, d.revision, d.length});
    }
    return out;
}

std::vector<std::uint16_t> ids_of(std::vector<dvsec_shape> const& s) {
    std::vector<std::uint16_t> ids;
    for (auto const& d : s)
        ids.push_back(d.id);
    return ids;
}

std::uint16_t pcie_port_type(emu::node& n) {
    auto const v = n.config().read(0x40 + 2, 2).value();
    return static_cast<std::uint16_t>((v >> 4) & 0xF);
}

} // namespace

TEST_CASE("an emulated Type-3 device decodes like the real Xilinx device B",
          "[emu][config][acceptance]") {
    hw::lspci_diagnostic ld;
    auto devices =
        hw::load_lspci(std::string{CXLFW_TEST_DATA_DIR} + "/pciutils/cap-dvsec-cxl", &ld);
    INFO(ld.message());
    REQUIRE(devices.has_value());
    auto const& real = devices->at(1).config;

    auto p = make(single_device(emu::endpoint_spec::type3_device(16_GiB, 0)));
    auto& ep = p->at(p->endpoints().front());
    auto& emulated = ep.config();

    // Identity: both are CXL memory devices with a type-0 header.
    auto ri = hw::read_identity(real).value();
    auto ei = hw::read_identity(emulated).value();
    REQUIRE(ei.class_code == ri.class_code);
    REQUIRE(ei.class_code == spec::cxl_memory_class_code);
    REQUIRE(ei.header_layout == ri.header_layout);

    // The same DVSECs in the same order, with the same revisions and lengths.
    auto const real_shapes = shapes(real);
    auto const emu_shapes = shapes(emulated);
    REQUIRE(ids_of(real_shapes) == std::vector<std::uint16_t>{0, 7, 8, 5});
    REQUIRE(emu_shapes == real_shapes);

    // The CXL Device DVSEC means the same thing.
    auto rd = hw::read_cxl_device_dvsec(real).value();
    auto ed = hw::read_cxl_device_dvsec(emulated).value();
    REQUIRE(ed.location.revision == rd.location.revision);
    REQUIRE(ed.location.length == rd.location.length);
    REQUIRE(ed.capability.io_capable == rd.capability.io_capable);
    REQUIRE(ed.capability.mem_capable == rd.capability.mem_capable);
    REQUIRE(ed.capability.cache_capable == rd.capability.cache_capable);
    REQUIRE(ed.capability.mem_hwinit_mode == rd.capability.mem_hwinit_mode);
    REQUIRE(ed.capability.hdm_count == rd.capability.hdm_count);
    REQUIRE(ed.pm_init_complete() == rd.pm_init_complete());
    REQUIRE(ed.ranges[0].size == rd.ranges[0].size);
    REQUIRE(ed.ranges[0].info_valid == rd.ranges[0].info_valid);
    REQUIRE(ed.ranges[0].active == rd.ranges[0].active);
    REQUIRE_FALSE(ed.ranges[1].present());
    REQUIRE(ed.control.io_enable);

    // The Register Locator holds the same blocks at the same places in BAR0.
    auto rl_real = hw::read_register_locator(real).value();
    auto rl_emu = hw::read_register_locator(emulated).value();
    REQUIRE(rl_emu.blocks == rl_real.blocks);
    REQUIRE(rl_emu.rejected.empty());
    auto bar = hw::read_bar(emulated, 0).value();
    REQUIRE(bar.kind.is_64bit);
    REQUIRE_FALSE(bar.kind.io);
    REQUIRE(bar.address == ep.bar());
    auto dev = rl_emu.find(spec::register_block_id::device).value();
    REQUIRE(hw::register_block_address(emulated, dev).value() == ep.device_regs_base().value());
}

TEST_CASE("each kind carries the DVSECs of CXL 2.0 §8.1", "[emu][config]") {
    auto p = make(emu::cxl_test_topology());
    auto const first = [&](emu::node_kind k) -> emu::node& { return p->at(p->of_kind(k).front()); };
    using ids = std::vector<std::uint16_t>;
    auto& rp = first(emu::node_kind::root_port);
    auto& usp = first(emu::node_kind::upstream_port);
    auto& dsp = first(emu::node_kind::downstream_port);
    auto& ep = first(emu::node_kind::endpoint);
    REQUIRE(ids_of(shapes(rp.config())) == ids{3, 4, 7, 8});
    REQUIRE(ids_of(shapes(usp.config())) == ids{7, 8});
    REQUIRE(ids_of(shapes(dsp.config())) == ids{3, 4, 7, 8});
    REQUIRE(ids_of(shapes(ep.config())) == ids{0, 7, 8, 5});
    // Every length is what the spec layer says that DVSEC needs.
    for (auto* n : {&rp, &usp, &dsp, &ep})
        for (auto const& d : shapes(n->config()))
            if (d.id != 8) REQUIRE(d.length == spec::min_length(d.id, d.revision));

    // Bridges: type-1 header, PCI bridge class, PCIe port types 4/5/6; devices type 0.
    for (auto* n : {&rp, &usp, &dsp}) {
        auto id = hw::read_identity(n->config()).value();
        REQUIRE(id.header_layout == 1);
        REQUIRE(id.class_code == emu::class_codes::pci_bridge);
    }
    REQUIRE(pcie_port_type(rp) == 4);
    REQUIRE(pcie_port_type(usp) == 5);
    REQUIRE(pcie_port_type(dsp) == 6);
    REQUIRE(pcie_port_type(ep) == 0);
    REQUIRE(hw::read_identity(ep.config()).value().header_layout == 0);

    // Ports locate their component block (RAS, and HDM on the upstream port).
    for (auto* n : {&rp, &usp, &dsp}) {
        REQUIRE(block_address(*n, spec::register_block_id::component) == n->bar());
        REQUIRE(n->component_base() == n->bar());
    }
    REQUIRE(component_cap(*p, usp.bar(), spec::component_cap_id::hdm_decoder, 0x10));
    REQUIRE_FALSE(component_cap(*p, rp.bar(), spec::component_cap_id::hdm_decoder, 0x10));
    REQUIRE(component_cap(*p, rp.bar(), spec::component_cap_id::ras, spec::ras::length));

    // Bus numbers: the root port's secondary bus is its switch's bus.
    REQUIRE(rp.config().read(0x19, 1).value() == usp.address().bus);
    REQUIRE(rp.config().read(0x18, 1).value() == rp.address().bus);
    REQUIRE(rp.subordinate_bus() >= ep.address().bus);

    // Link Capabilities Port Number = the dport id.
    auto const port_no = [](emu::node& n) { return n.config().read(0x40 + 0x0C + 3, 1).value(); };
    auto siblings = p->at(usp.id()).children();
    REQUIRE(siblings.size() == 2);
    REQUIRE(port_no(p->at(siblings[0])) == 0);
    REQUIRE(port_no(p->at(siblings[1])) == 1);
}

TEST_CASE("Type-2 and Type-1 devices: vendor class, cache, what memory and blocks they have",
          "[emu][config]") {
    emu::topology t;
    auto hb = t.add_host_bridge({.uid = 1});
    t.add_endpoint(t.add_root_port(hb), emu::endpoint_spec::type2_device(512_MiB));
    t.add_endpoint(t.add_root_port(hb), emu::endpoint_spec::type1_device());
    auto with_mailbox = emu::endpoint_spec::type2_device(256_MiB);
    with_mailbox.mailbox = true;
    t.add_endpoint(t.add_root_port(hb), with_mailbox);
    auto p = make(t);
    auto eps = p->endpoints();
    REQUIRE(eps.size() == 3);
    auto& t2 = p->at(eps[0]);
    auto& t1 = p->at(eps[1]);
    auto& t2m = p->at(eps[2]);
    REQUIRE(t2.type() == emu::device_type::type2);
    REQUIRE(t1.type() == emu::device_type::type1);

    auto d2 = hw::read_cxl_device_dvsec(t2.config()).value();
    REQUIRE(hw::read_class_code(t2.config()).value() == 0x120000);
    REQUIRE(d2.capability.cache_capable);
    REQUIRE(d2.capability.mem_capable);
    REQUIRE(d2.capability.hdm_count == 1);
    REQUIRE(d2.ranges[0].size == 512_MiB);
    auto rl2 = hw::read_register_locator(t2.config()).value();
    REQUIRE(rl2.find(spec::register_block_id::component));
    REQUIRE_FALSE(rl2.find(spec::register_block_id::device)); // no mailbox unless asked
    REQUIRE(component_cap(*p, t2.bar(), spec::component_cap_id::hdm_decoder, 0x30));

    auto d1 = hw::read_cxl_device_dvsec(t1.config()).value();
    REQUIRE(d1.capability.cache_capable);
    REQUIRE_FALSE(d1.capability.mem_capable);
    REQUIRE(d1.capability.hdm_count == 0);
    REQUIRE_FALSE(d1.ranges[0].info_valid);
    REQUIRE_FALSE(d1.ranges[0].present());
    auto rl1 = hw::read_register_locator(t1.config()).value();
    REQUIRE(rl1.blocks.size() == 1);
    auto comp1 = block_address(t1, spec::register_block_id::component);
    REQUIRE(component_cap(*p, comp1, spec::component_cap_id::ras, spec::ras::length));
    REQUIRE_FALSE(component_cap(*p, comp1, spec::component_cap_id::hdm_decoder, 0x10));

    auto rl2m = hw::read_register_locator(t2m.config()).value();
    REQUIRE(rl2m.find(spec::register_block_id::device));
}

TEST_CASE("writable config registers: command, DVSEC control and lock, range bases, flex bus",
          "[emu][config]") {
    auto p = make(single_device(emu::endpoint_spec::type3_device(1_GiB, 1_GiB)));
    auto& ep = p->at(p->endpoints().front());
    auto& cfg = ep.config();
    namespace f = spec::cxl_dvsec;

    // Command: only implemented bits stick.
    REQUIRE(cfg.write(spec::pci::command::offset, 2, 0xFFFF));
    REQUIRE(cfg.read(spec::pci::command::offset, 2).value() == 0x0547);
    // Read-only registers drop writes.
    REQUIRE(cfg.write(0, 4, 0));
    REQUIRE(hw::read_vendor_id(cfg).value() == emu::default_ids::type3.vendor);

    auto loc = hw::find_dvsec(cfg, spec::dvsec_id::cxl_device).value();
    hw::window<emu::config_bus> dv{cfg, loc.offset, loc.length};
    REQUIRE(dv.set<f::mem_enable>(1));
    REQUIRE(dv.get<f::mem_enable>().value() == 1);
    REQUIRE(dv.write<f::range_base_high>(1, 0x12));
    REQUIRE(dv.write<f::range_base_low>(1, 0x3FFF'FFFF));
    auto d = hw::read_cxl_device_dvsec(cfg).value();
    REQUIRE(d.control.mem_enable);
    REQUIRE(d.ranges[1].base == 0x12'3000'0000); // Base Low keeps [31:28]
    REQUIRE(d.ranges[1].size == 1_GiB);
    REQUIRE(d.ranges[1].media_type == spec::range_media_type::non_volatile);

    // CONFIG_LOCK: set once, then control and bases are read-only; clearing it does nothing.
    REQUIRE(dv.set<f::config_lock>(1));
    REQUIRE(dv.set<f::mem_enable>(0));
    REQUIRE(dv.write<f::range_base_high>(1, 0));
    REQUIRE(dv.set<f::config_lock>(0));
    d = hw::read_cxl_device_dvsec(cfg).value();
    REQUIRE(d.config_locked());
    REQUIRE(d.control.mem_enable);
    REQUIRE(d.ranges[1].base == 0x12'3000'0000);

    // Reset restores power-on values.
    REQUIRE(p->reset(ep.id()));
    d = hw::read_cxl_device_dvsec(cfg).value();
    REQUIRE_FALSE(d.config_locked());
    REQUIRE_FALSE(d.control.mem_enable);
    REQUIRE(d.ranges[1].base == 0);

    // Flex Bus: control is stored, status mirrors control & capability.
    auto fb = hw::find_dvsec(cfg, spec::dvsec_id::flex_bus_port).value();
    hw::window<emu::config_bus> fw{cfg, fb.offset, fb.length};
    auto cap = fw.read<spec::flex_bus_port::capability>().value();
    REQUIRE(spec::flex_bus_port::mem_capable::get(cap));
    REQUIRE(fw.write<spec::flex_bus_port::control>(spec::flex_bus_port::io_enable::mask));
    REQUIRE(fw.read<spec::flex_bus_port::status>().value() ==
            spec::flex_bus_port::io_enabled::mask);

    // The serial number capability comes first and holds the device's serial.
    auto caps = hw::list_ext_caps(cfg).value();
    REQUIRE(caps.front().id == 0x0003);
    REQUIRE(caps.front().offset == 0x100);
    REQUIRE(cfg.read(0x104, 4).value() == (ep.serial() & 0xFFFF'FFFF));
    REQUIRE(ep.serial() != 0);
}

TEST_CASE("DVSEC Memory_Info_Valid and Memory_Active follow their delays, or never come",
          "[emu][config][readiness]") {
    auto slow = emu::endpoint_spec::type3_device(1_GiB, 0);
    slow.ready = {.memory_info_valid = std::chrono::milliseconds{100},
                  .memory_active = std::chrono::seconds{5},
                  .mailbox_ready = std::chrono::seconds{1}};
    auto never = emu::endpoint_spec::type3_device(1_GiB, 0);
    never.ready.memory_active = std::nullopt;
    emu::topology t;
    auto hb = t.add_host_bridge({.uid = 1});
    t.add_endpoint(t.add_root_port(hb), slow);
    t.add_endpoint(t.add_root_port(hb), never);
    auto p = make(t);
    auto& a = p->at(p->endpoints()[0]);
    auto& b = p->at(p->endpoints()[1]);
    auto range = [](emu::node& n) {
        return hw::read_cxl_device_dvsec(n.config()).value().ranges[0];
    };

    REQUIRE_FALSE(range(a).info_valid);
    REQUIRE(range(a).size == 0); // sizes are valid only with Memory_Info_Valid
    p->clock().advance(std::chrono::milliseconds{100});
    REQUIRE(range(a).info_valid);
    REQUIRE(range(a).size == 1_GiB);
    REQUIRE_FALSE(range(a).active);
    REQUIRE(range(a).active_timeout == 2); // 16 s covers 5 s
    p->clock().advance(std::chrono::seconds{5});
    REQUIRE(range(a).active);
    REQUIRE(range(b).info_valid);
    p->clock().advance(std::chrono::hours{1});
    REQUIRE_FALSE(range(b).active);

    // The memdev media status follows the same moment.
    auto status = [&](emu::node& n) {
        auto base = block_address(n, spec::register_block_id::device);
        auto w = device_cap(*p, base, spec::device_cap_id::memdev).value();
        return spec::memdev_status::decode(w.read<spec::memdev::status>().value());
    };
    REQUIRE(status(a).media == spec::media_status::ready);
    REQUIRE(status(a).mailbox_ready);
    REQUIRE(status(b).media == spec::media_status::not_ready);

    // A reset restarts the clocks of readiness.
    REQUIRE(p->reset(a.id()));
    REQUIRE_FALSE(range(a).info_valid);
    REQUIRE(status(a).media == spec::media_status::not_ready);
    REQUIRE_FALSE(status(a).mailbox_ready);
}

TEST_CASE("memory space enable gates the BAR, removed devices read all ones",
          "[emu][config][mmio]") {
    auto p = make(single_device(emu::endpoint_spec::type3_device(1_GiB, 0)));
    auto& ep = p->at(p->endpoints().front());
    auto const comp = ep.component_base().value();
    window cm{p->mmio(), comp + spec::component::cache_mem_offset, 4};
    auto const header = cm.read_raw(0, 4).value();
    REQUIRE(spec::component::array_cap_id::get(static_cast<std::uint32_t>(header)) == 1);

    REQUIRE(ep.config().write(spec::pci::command::offset, 2, 0));
    REQUIRE(cm.read_raw(0, 4).value() == 0xFFFF'FFFF);
    REQUIRE(ep.config().write(spec::pci::command::offset, 2, 2));
    REQUIRE(cm.read_raw(0, 4).value() == header);

    // Nothing decodes an address outside every block.
    REQUIRE(p->mmio().read(0x1000, 4).error() == emu::errc::unmapped_address);
    // Bad widths and alignments are the bus's errors.
    REQUIRE(p->mmio().read(comp + 2, 4).error() == hw::errc::misaligned);
    REQUIRE(ep.config().read(0, 3).error() == hw::errc::bad_width);
    REQUIRE(ep.config().read(0x1000, 4).error() == hw::errc::out_of_range);
    // Host bridges have no config space.
    auto& hb = p->at(p->host_bridges().front());
    REQUIRE(hb.config().read(0, 4).error() == emu::errc::no_config_space);

    REQUIRE(p->surprise_remove(ep.id()));
    REQUIRE(hw::read_vendor_id(ep.config()).value() == 0xFFFF);
    REQUIRE(ep.config().read(0, 4).value() == 0xFFFF'FFFF);
    REQUIRE(cm.read_raw(0, 4).value() == 0xFFFF'FFFF);
    REQUIRE(ep.config().write(spec::pci::command::offset, 2, 0));
}
