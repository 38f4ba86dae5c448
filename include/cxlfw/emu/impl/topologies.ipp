// Out-of-line definitions for <cxlfw/emu/topologies.hpp>: the cxl_test and QEMU q35
// descriptions and the generator.
#pragma once

#include <cxlfw/emu/topologies.hpp>

#include <cxlfw/spec/cedt.hpp>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace cxlfw::emu {

CXLFW_DECL topology cxl_test_topology(cxl_test_options const& o) {
    namespace r = spec::cfmws_restrict;
    topology t;
    hdm_spec const mock{.decoders = 8, .ways_3_6_12 = true, .ways_16 = true};
    auto memdev = endpoint_spec::type3_device(1_GiB, 1_GiB);
    memdev.lsa_size = 128_KiB;
    memdev.hdm = mock;
    switch_spec const sw{.downstream_ports = 2, .hdm = mock};

    std::vector<topology::element_id> first_switch; // host bridge 0: hb, rp, usp, dsp0, dsp1,
                                                    // ep0, ep1
    for (std::uint32_t uid : {0u, 1u}) {
        auto hb = t.add_host_bridge({.uid = uid, .hdm = mock});
        for (int i = 0; i < 2; ++i) {
            auto rp = t.add_root_port(hb);
            auto usp = t.add_switch(rp, sw);
            if (first_switch.empty()) first_switch = {hb, rp, usp};
            for (auto dsp : t.downstream_ports(usp)) {
                auto ep = t.add_endpoint(dsp, memdev);
                if (first_switch.size() < 7) {
                    first_switch.push_back(dsp);
                    first_switch.push_back(ep);
                }
            }
        }
    }
    auto single = t.add_host_bridge({.uid = 2, .hdm = mock});
    auto usp = t.add_switch(t.add_root_port(single), sw);
    for (auto dsp : t.downstream_ports(usp))
        t.add_endpoint(dsp, memdev);
    if (o.accelerator) {
        auto accel = endpoint_spec::type2_device(512_MiB);
        accel.hdm = mock;
        t.add_endpoint(t.add_root_port(single), accel);
    }
    auto rch = t.add_host_bridge({.uid = 3, .chbs_version = 0});
    t.add_endpoint(rch, memdev);

    auto const window = [&](std::uint64_t size, std::vector<std::uint32_t> targets,
                            std::uint16_t restrictions, std::uint64_t granularity = 4_KiB,
                            spec::interleave_arithmetic math =
                                spec::interleave_arithmetic::modulo) {
        t.add_window({.size = size,
                      .targets = std::move(targets),
                      .granularity = granularity,
                      .arithmetic = math,
                      .restrictions = restrictions,
                      .qtg_id = cxl_test_qtg});
    };
    std::uint16_t const ram = r::type3 | r::volatile_;
    std::uint16_t const pmem = r::type3 | r::pmem;
    if (o.interleave_arithmetic != 1) {
        window(1_GiB, {0}, ram);
        window(2_GiB, {0, 1}, ram);
        window(1_GiB, {0}, pmem);
        window(2_GiB, {0, 1}, pmem);
        window(1_GiB, {2}, pmem);
        window(256_MiB, {3}, ram);
    } else {
        auto const x = spec::interleave_arithmetic::xormap;
        window(2_GiB, {0}, pmem, 4_KiB, x);
        window(2_GiB, {0, 1}, pmem, 256, x);
        window(3_GiB, {0, 1, 2}, pmem, 512, x);
        spec::cxims c;
        c.hbig = 0;
        c.xormaps.push_back(0x404100);
        c.xormaps.push_back(0x808200);
        t.add_cxims(c);
    }
    if (o.type2_window) window(512_MiB, {2}, r::type2 | r::volatile_, 256);
    if (o.auto_region && o.interleave_arithmetic != 1) {
        // mock_init_hdm_decoder(): cxl_mem.0 and cxl_mem.4 are the devices below host bridge
        // 0's first switch; cxl_mem.4 is second in the switch's decode order.
        std::uint64_t const base = t.window_base; // window 0 is allocated first
        auto const [hb, rp, usp, dsp0, ep0, dsp1, ep1] =
            std::array{first_switch[0], first_switch[1], first_switch[2], first_switch[3],
                       first_switch[4], first_switch[5], first_switch[6]};
        firmware_decoder d{.base = base, .size = 512_MiB, .granularity = 4_KiB};
        d.targets = {rp};
        t.commit_decoder(hb, d);
        d.ways = 2;
        d.targets = {dsp0, dsp1};
        t.commit_decoder(usp, d);
        d.targets.clear();
        t.commit_decoder(ep0, d);
        if (!o.fail_autoassemble) t.commit_decoder(ep1, d);
    }
    return t;
}

CXLFW_DECL topology qemu_q35_topology() {
    topology t;
    t.cedt_header.oem_id = spec::acpi_id<6>("BOCHS");
    t.cedt_header.oem_table_id = spec::acpi_id<8>("BXPC");
    t.cedt_header.oem_revision = 1;
    t.cedt_header.creator_id = spec::acpi_id<4>("BXPC");
    t.cedt_header.creator_revision = 1;
    auto device = endpoint_spec::type3_device(0, 256_MiB); // persistent-memdev=256M
    device.lsa_size = 256_MiB;
    auto const hb12 =
        t.add_host_bridge({.uid = 12, .chbs_base = 0x1'0001'0000, .segment = 0, .bus = 12});
    auto const hb222 =
        t.add_host_bridge({.uid = 222, .chbs_base = 0x1'0000'0000, .segment = 0, .bus = 222});
    for (auto hb : {hb12, hb222})
        for (int i = 0; i < 2; ++i)
            t.add_endpoint(t.add_root_port(hb), device);
    t.chbs_order = {222, 12};
    std::uint16_t const all = 0x000F; // Type-2, Type-3, volatile, persistent
    t.add_window({.base = 0x1'1000'0000,
                  .size = 4_GiB,
                  .targets = {12},
                  .granularity = 8_KiB,
                  .restrictions = all,
                  .qtg_id = 0});
    t.add_window({.base = 0x2'1000'0000,
                  .size = 4_GiB,
                  .targets = {12, 222},
                  .granularity = 8_KiB,
                  .restrictions = all,
                  .qtg_id = 0});
    return t;
}

CXLFW_DECL result<topology> generated_topology(generator_spec const& g) {
    namespace r = spec::cfmws_restrict;
    if (g.host_bridges == 0 || g.root_ports == 0 || (g.switch_depth > 0 && g.fanout == 0) ||
        g.window_ways == 0 || g.host_bridges % g.window_ways != 0)
        return errc::invalid_device_spec;
    topology t;
    t.timing = {};
    std::uint64_t per_hb = g.root_ports;
    for (unsigned d = 0; d < g.switch_depth; ++d)
        per_hb *= g.fanout;
    per_hb *= g.device.ram + g.device.pmem;

    switch_spec const sw{.downstream_ports = g.fanout, .hdm = g.hdm};
    auto const grow = [&](auto&& self, topology::element_id port, unsigned depth) -> void {
        if (depth == 0) {
            t.add_endpoint(port, g.device);
            return;
        }
        auto usp = t.add_switch(port, sw);
        for (auto dsp : t.downstream_ports(usp))
            self(self, dsp, depth - 1);
    };
    for (std::uint32_t h = 0; h < g.host_bridges; ++h) {
        auto hb = t.add_host_bridge({.uid = h, .hdm = g.hdm});
        for (unsigned i = 0; i < g.root_ports; ++i)
            grow(grow, t.add_root_port(hb), g.switch_depth);
    }
    std::uint16_t restrictions = r::type3;
    if (g.device.type == device_type::type2) restrictions = r::type2;
    if (g.device.ram) restrictions |= r::volatile_;
    if (g.device.pmem) restrictions |= r::pmem;
    std::uint64_t total = 0;
    if (per_hb != 0) {
        for (std::uint32_t h = 0; h < g.host_bridges; h += g.window_ways) {
            window_spec w;
            w.size = per_hb * g.window_ways;
            for (unsigned k = 0; k < g.window_ways; ++k)
                w.targets.push_back(h + k);
            w.granularity = g.window_granularity;
            w.restrictions = restrictions;
            total += w.size;
            t.add_window(std::move(w));
        }
    }
    constexpr std::uint64_t tib = 1_TiB;
    std::uint64_t const above = (t.window_base + total + tib - 1) / tib * tib;
    t.mmio_base = std::max(t.mmio_base, above);
    return t;
}

} // namespace cxlfw::emu
