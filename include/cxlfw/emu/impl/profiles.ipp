// Out-of-line definitions for <cxlfw/emu/profiles.hpp>: descriptions checked and turned into
// register profiles (DVSEC order, register blocks, capability registers).
#pragma once

#include <cxlfw/emu/profiles.hpp>

#include <cxlfw/spec/component.hpp>
#include <cxlfw/spec/dvsec.hpp>
#include <cxlfw/units.hpp>

#include <algorithm>
#include <bit>
#include <chrono>
#include <utility>
#include <vector>

namespace cxlfw::emu {

namespace detail {

using ext_list = std::vector<std::pair<config_struct_kind, std::uint8_t>>;
inline constexpr std::size_t locator_entries = 3;

CXLFW_DECL status check_hdm(hdm_spec const& h) {
    if (!spec::hdm::decoder_count_to_code(h.decoders)) return errc::invalid_hdm_spec;
    if (h.target_count && !spec::hdm::target_count::fits(*h.target_count))
        return errc::invalid_hdm_spec;
    return {};
}

CXLFW_DECL hdm_profile make_hdm(hdm_spec const& h, bool endpoint, std::uint64_t capacity,
                                unsigned default_targets) {
    hdm_profile p;
    p.cap = {.decoder_count = h.decoders,
             .target_count = h.target_count.value_or(default_targets),
             .interleave_11_8 = h.interleave_11_8,
             .interleave_14_12 = h.interleave_14_12,
             .poison_on_decode_error = h.poison_on_decode_error,
             .interleave_3_6_12_way = h.ways_3_6_12,
             .interleave_16_way = h.ways_16};
    p.cap_raw = p.cap.encode().value();
    p.endpoint = endpoint;
    p.dpa_capacity = capacity;
    return p;
}

CXLFW_DECL void set_locator(config_profile& c, std::vector<spec::register_block> blocks) {
    blocks.resize(std::max(blocks.size(), locator_entries));
    c.locator.clear();
    for (auto const& b : blocks)
        c.locator.push_back(spec::encode_register_block(b).value());
}

/// Flex Bus capability: the protocols a link can carry, 68B flit for CXL 2.0 (VH) links.
CXLFW_DECL std::uint16_t flex_bus_caps(bool cache, bool mem, bool vh) {
    namespace f = spec::flex_bus_port;
    std::uint16_t v = f::io_capable::set(0, 1);
    v = f::cache_capable::set(v, cache);
    v = f::mem_capable::set(v, mem);
    return f::vh_68b_flit_capable::set(v, vh);
}

CXLFW_DECL config_state initial_state(config_profile const& c) {
    config_state s;
    s.command = static_cast<std::uint16_t>(spec::pci::memory_space_enable::mask |
                                           spec::pci::bus_master_enable::mask);
    s.dvsec_control = spec::cxl_dvsec::io_enable::set(0, 1);
    s.flex_bus_control = c.flex_bus_capability; // the link trained with every protocol it has
    return s;
}

/// Memory_Active_Timeout: the smallest 4^n seconds that covers the device's delay.
CXLFW_DECL std::uint8_t active_timeout_code(readiness const& r) {
    if (!r.memory_active) return 4;
    for (std::uint8_t code = 0; code < 4; ++code)
        if (*r.memory_active <= std::chrono::seconds{std::int64_t{1} << (2 * code)}) return code;
    return 4;
}

/// A root, upstream or downstream port: a bridge header, every protocol on its link, the
/// extended capabilities `ext` and, if it has one, its component block at BAR0, which the
/// Register Locator names.
CXLFW_DECL function_profile bridge_profile(pci_ids ids, spec::pci::pcie::port_type_value type,
                                           std::optional<component_profile> component,
                                           ext_list const& ext) {
    function_profile f;
    auto& c = f.config;
    c.ids = ids;
    c.class_code = class_codes::pci_bridge;
    c.layout = spec::pci::layout::bridge;
    c.port_type = type;
    c.flex_bus_capability = flex_bus_caps(true, true, true);
    std::vector<spec::register_block> blocks;
    if (component) {
        f.component = component;
        f.component_in_bar = true;
        blocks.push_back({0, spec::register_block_id::component, 0});
        c.has_bar = true;
        c.bar_size = spec::component::block_size;
    }
    set_locator(c, blocks);
    c.lay_out(ext);
    f.initial = initial_state(c);
    return f;
}

} // namespace detail

CXLFW_DECL status check_endpoint_spec(endpoint_spec const& s, bool rcd) {
    bool const aligned = is_aligned(s.ram, hdm_alignment) && is_aligned(s.pmem, hdm_alignment) &&
                         (s.partition_align == 0 || is_aligned(s.partition_align, hdm_alignment));
    switch (s.type) {
    case device_type::type3:
        if (s.ram + s.pmem == 0 || !aligned) return errc::invalid_capacity;
        if (!s.mailbox) return errc::invalid_device_spec; // class-mandated memdev registers
        break;
    case device_type::type2:
        if (s.ram == 0 || s.pmem != 0 || !aligned) return errc::invalid_capacity;
        break;
    case device_type::type1:
        if (s.ram != 0 || s.pmem != 0) return errc::invalid_capacity;
        if (s.hdm || s.mailbox) return errc::invalid_device_spec; // Type 1: cache only
        break;
    default:
        return errc::invalid_device_spec;
    }
    if (rcd && s.type == device_type::type1) return errc::invalid_device_spec;
    if (s.mailbox && (s.payload_log2 < 8 || s.payload_log2 > 20)) return errc::invalid_payload_size;
    if (s.fw_revision.size() > 16) return errc::invalid_device_spec;
    if (s.hdm)
        if (auto ok = detail::check_hdm(*s.hdm); !ok) return ok;
    if (!is_aligned(s.firmware_range_base[0], hdm_alignment) ||
        !is_aligned(s.firmware_range_base[1], hdm_alignment))
        return errc::invalid_capacity;
    return {};
}

CXLFW_DECL function_profile make_endpoint_profile(endpoint_spec const& s, bool rcd) {
    namespace e = spec::pci::pcie;
    function_profile f;
    f.type = s.type;
    auto& c = f.config;
    c.ids = s.ids;
    c.class_code = s.class_code;
    c.layout = spec::pci::layout::endpoint;
    c.port_type = rcd ? e::port_type_value::rc_endpoint : e::port_type_value::endpoint;
    bool const mem = s.type != device_type::type1;
    if (mem && s.ram)
        c.ranges[c.range_count++] = {s.ram, spec::range_media_type::volatile_memory,
                                     spec::range_memory_class::dram,
                                     detail::active_timeout_code(s.ready)};
    if (mem && s.pmem)
        c.ranges[c.range_count++] = {s.pmem, spec::range_media_type::non_volatile,
                                     spec::range_memory_class::storage_class,
                                     detail::active_timeout_code(s.ready)};
    c.ready = s.ready;
    c.dvsec_capability = spec::cxl_device_capability{.cache_capable = s.cache,
                                                     .io_capable = true,
                                                     .mem_capable = mem,
                                                     .mem_hwinit_mode = mem,
                                                     .hdm_count = c.range_count}
                             .encode()
                             .value();
    c.dvsec_status2 = spec::cxl_dvsec::power_management_init_complete::set(0, 1);
    c.flex_bus_capability = detail::flex_bus_caps(s.cache, mem, !rcd);

    if (s.ras || s.hdm) {
        component_profile cp;
        cp.ras = s.ras;
        if (s.hdm) cp.hdm = detail::make_hdm(*s.hdm, true, s.ram + s.pmem, 0);
        f.component = cp;
    }
    if (s.mailbox) {
        device_regs_profile d;
        d.payload_log2 = s.payload_log2;
        d.identity = {s.ram, s.pmem, s.partition_align, s.lsa_size, {}};
        std::copy(s.fw_revision.begin(), s.fw_revision.end(), d.identity.fw_revision.begin());
        d.ready = s.ready;
        f.device = d;
    }

    std::vector<spec::register_block> blocks;
    std::uint64_t bar = 0;
    if (f.component && !rcd) {
        f.component_in_bar = true;
        blocks.push_back({0, spec::register_block_id::component, 0});
        bar = spec::component::block_size;
    }
    if (f.device) {
        f.device_offset = bar;
        blocks.push_back({0, spec::register_block_id::device, bar});
        bar += f.device->block_size();
    }
    c.has_bar = bar != 0;
    c.bar_size = bar ? std::bit_ceil(bar) : 0;
    detail::set_locator(c, blocks);

    detail::ext_list ext;
    if (s.serial_number) ext.emplace_back(config_struct_kind::serial_number, 1);
    ext.emplace_back(config_struct_kind::cxl_device, rcd ? 0 : 1);
    ext.emplace_back(config_struct_kind::flex_bus_port, rcd ? 0 : 1);
    ext.emplace_back(config_struct_kind::register_locator, 0);
    if (!rcd) ext.emplace_back(config_struct_kind::gpf_device, 0);
    c.lay_out(ext);

    f.initial = detail::initial_state(c);
    if (s.firmware_mem_enable)
        f.initial.dvsec_control = spec::cxl_dvsec::mem_enable::set(f.initial.dvsec_control, 1);
    f.initial.range_base = {s.firmware_range_base[0], s.firmware_range_base[1]};

    if (rcd) { // the upstream port's RCRB: MEMBAR0 -> the RCD's component block (Linux
               // __rcrb_to_component, CXL_RCRB_UPSTREAM)
        config_profile r;
        r.ids = s.ids;
        r.layout = spec::pci::layout::endpoint;
        r.port_type = e::port_type_value::upstream;
        r.has_bar = true;
        r.bar_size = spec::component::block_size;
        r.flex_bus_capability = c.flex_bus_capability;
        detail::ext_list rext{{config_struct_kind::flex_bus_port, 0}};
        r.lay_out(rext);
        f.rcrb_initial = detail::initial_state(r);
        f.rcrb = std::move(r);
    }
    return f;
}

CXLFW_DECL function_profile make_port_profile(node_kind kind, pci_ids ids, bool ras) {
    namespace e = spec::pci::pcie;
    std::optional<component_profile> component;
    if (ras) component = component_profile{.ras = true, .hdm = std::nullopt};
    auto f = detail::bridge_profile(ids,
                                    kind == node_kind::root_port ? e::port_type_value::root_port
                                                                 : e::port_type_value::downstream,
                                    component,
                                    {{config_struct_kind::port_extensions, 0},
                                     {config_struct_kind::gpf_port, 0},
                                     {config_struct_kind::flex_bus_port, 1},
                                     {config_struct_kind::register_locator, 0}});
    f.config.downstream_link = true;
    return f;
}

CXLFW_DECL function_profile make_upstream_port_profile(switch_spec const& s, unsigned dports) {
    return detail::bridge_profile(
        s.upstream_ids, spec::pci::pcie::port_type_value::upstream,
        component_profile{.ras = s.ras,
                          .hdm = detail::make_hdm(s.hdm, false, 0, std::min(dports, 8u))},
        {{config_struct_kind::flex_bus_port, 1}, {config_struct_kind::register_locator, 0}});
}

CXLFW_DECL function_profile make_host_bridge_profile(host_bridge_spec const& s, unsigned dports) {
    namespace e = spec::pci::pcie;
    function_profile f;
    if (s.chbs_version == 1) {
        f.component = component_profile{
            .ras = s.ras, .hdm = detail::make_hdm(s.hdm, false, 0, std::min(dports, 8u))};
        return f;
    }
    f.component = component_profile{.ras = true, .hdm = std::nullopt};
    config_profile r; // the downstream port's RCRB: MEMBAR0 -> its component block
    r.ids = default_ids::root_port;
    r.class_code = class_codes::pci_bridge;
    r.layout = spec::pci::layout::bridge;
    r.port_type = e::port_type_value::root_port;
    r.downstream_link = true;
    r.has_bar = true;
    r.bar_size = spec::component::block_size;
    r.flex_bus_capability = detail::flex_bus_caps(false, true, false);
    r.lay_out(detail::ext_list{{config_struct_kind::flex_bus_port, 0}});
    f.rcrb_initial = detail::initial_state(r);
    f.rcrb = std::move(r);
    return f;
}

} // namespace cxlfw::emu
