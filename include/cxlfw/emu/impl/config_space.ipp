// Out-of-line definitions for <cxlfw/emu/config_space.hpp>: the layout of a function's
// structures, and config reads (rendered from the profile and state) and writes.
#pragma once

#include <cxlfw/emu/config_space.hpp>

#include <cxlfw/emu/detail/regs.hpp>
#include <cxlfw/emu/device_regs.hpp> // elapsed()

namespace cxlfw::emu {

CXLFW_DECL config_struct const* config_profile::find(std::uint64_t off) const noexcept {
    for (auto const& s : structs)
        if (off >= s.offset && off < std::uint64_t{s.offset} + s.length) return &s;
    return nullptr;
}

CXLFW_DECL void
config_profile::lay_out(std::span<const std::pair<config_struct_kind, std::uint8_t>> ext) {
    structs.clear();
    structs.push_back({config_struct_kind::pcie_capability, 0x40,
                       static_cast<std::uint16_t>(spec::pci::pcie::length), 0, 2});
    std::uint16_t at = spec::pci::ext_cap_start;
    std::size_t const first = structs.size();
    for (auto [kind, rev] : ext) {
        auto const len = static_cast<std::uint16_t>(length_of(kind, rev));
        structs.push_back({kind, at, len, 0, rev});
        at = static_cast<std::uint16_t>((at + len + 3) & ~3u);
    }
    for (std::size_t i = first; i + 1 < structs.size(); ++i)
        structs[i].next = structs[i + 1].offset;
}

CXLFW_DECL std::size_t config_profile::length_of(config_struct_kind k,
                                                 unsigned rev) const noexcept {
    switch (k) {
    case config_struct_kind::pcie_capability:
        return spec::pci::pcie::length;
    case config_struct_kind::serial_number:
        return spec::pci::serial_number_length;
    case config_struct_kind::cxl_device:
        return spec::min_length(spec::dvsec_id::cxl_device, rev);
    case config_struct_kind::port_extensions:
        return spec::min_length(spec::dvsec_id::port_extensions, rev);
    case config_struct_kind::gpf_port:
        return spec::min_length(spec::dvsec_id::gpf_port, rev);
    case config_struct_kind::gpf_device:
        return spec::min_length(spec::dvsec_id::gpf_device, rev);
    case config_struct_kind::flex_bus_port:
        return spec::min_length(spec::dvsec_id::flex_bus_port, rev);
    case config_struct_kind::register_locator:
        return spec::register_locator::length_for(locator.size());
    }
    return 0;
}

namespace detail {

CXLFW_DECL std::uint32_t dvsec_id_of(config_struct_kind k) noexcept {
    switch (k) {
    case config_struct_kind::cxl_device:
        return static_cast<std::uint32_t>(spec::dvsec_id::cxl_device);
    case config_struct_kind::port_extensions:
        return static_cast<std::uint32_t>(spec::dvsec_id::port_extensions);
    case config_struct_kind::gpf_port:
        return static_cast<std::uint32_t>(spec::dvsec_id::gpf_port);
    case config_struct_kind::gpf_device:
        return static_cast<std::uint32_t>(spec::dvsec_id::gpf_device);
    case config_struct_kind::flex_bus_port:
        return static_cast<std::uint32_t>(spec::dvsec_id::flex_bus_port);
    case config_struct_kind::register_locator:
        return static_cast<std::uint32_t>(spec::dvsec_id::register_locator);
    default:
        return 0;
    }
}

using struct_image = image<0x40>;

CXLFW_DECL void render_header(struct_image& im, config_profile const& p, config_state const& s,
                              config_context const& c) {
    namespace sp = spec::pci;
    im.put<sp::vendor_id>(p.ids.vendor);
    im.put<sp::device_id>(p.ids.device);
    im.put<sp::command>(s.command);
    im.put<sp::status>(sp::capabilities_list::set(0, 1));
    std::uint32_t cr = sp::revision_id::set(0, p.ids.revision);
    im.put<sp::class_revision>(sp::class_code::set(cr, p.class_code));
    im.put<sp::header_type>(static_cast<std::uint8_t>(p.layout));
    if (p.has_bar) {
        im.put_at<sp::bar>(0, sp::encode_memory_bar(c.bar, true, false).value());
        im.put_at<sp::bar>(1, static_cast<std::uint32_t>(c.bar >> 32));
    }
    if (p.layout == sp::layout::bridge) {
        im.put<spec::pci::primary_bus>(c.primary_bus);
        im.put<spec::pci::secondary_bus>(c.secondary_bus);
        im.put<spec::pci::subordinate_bus>(c.subordinate_bus);
    } else {
        im.put<spec::pci::subsystem_vendor_id>(p.ids.subsystem_vendor);
        im.put<spec::pci::subsystem_id>(p.ids.subsystem);
    }
    im.put<spec::pci::capabilities_pointer>(0x40);
}

CXLFW_DECL void render_pcie(struct_image& im, config_profile const& p, config_state const& s,
                            config_context const& c) {
    namespace e = spec::pci::pcie;
    im.put<e::header>(spec::pci::cap_id_pci_express); // next = 0: the only conventional capability
    std::uint16_t caps = e::version::set(0, 2);
    im.put<e::capabilities>(e::port_type::set(caps, static_cast<std::uint16_t>(p.port_type)));
    im.put<e::device_control>(s.device_control);
    std::uint32_t lc = e::max_link_speed::set(0, 5); // 32 GT/s
    lc = e::max_link_width::set(lc, 16);
    lc = e::dll_active_reporting::set(lc, p.downstream_link);
    im.put<e::link_capabilities>(e::port_number::set(lc, c.port_number));
    im.put<e::link_control>(s.link_control);
    bool const up = !p.downstream_link || c.link_active;
    std::uint16_t ls = e::current_link_speed::set(0, up ? 5 : 0);
    ls = e::negotiated_link_width::set(ls, up ? 16 : 0);
    im.put<e::link_status>(e::dll_link_active::set(ls, p.downstream_link && c.link_active));
}

CXLFW_DECL void render_dvsec_header(struct_image& im, config_struct const& st) {
    im.put<spec::pci::ext_cap_header>(
        spec::pci::encode_ext_cap_header(spec::dvsec::cap_id, 1, st.next).value());
    im.put<spec::dvsec::header1>(
        spec::dvsec::encode_header1(spec::cxl_vendor_id, st.revision, st.length).value());
    im.put<spec::dvsec::header2>(static_cast<std::uint16_t>(dvsec_id_of(st.kind)));
}

CXLFW_DECL spec::cxl_dvsec_range range_now(config_profile const& p, config_state const& s,
                                           config_context const& c, unsigned i) {
    auto const& r = p.ranges[i];
    bool const valid = elapsed(p.ready.memory_info_valid, c.powered_at, c.now);
    bool const active = valid && elapsed(p.ready.memory_active, c.powered_at, c.now) &&
                        !(c.faults && c.faults->media_never_ready(c.node));
    return {.size = valid ? r.size : 0,
            .base = s.range_base[i],
            .info_valid = valid,
            .active = active,
            .media_type = r.media,
            .memory_class = r.memory_class,
            .desired_interleave = 0,
            .active_timeout = r.active_timeout};
}

CXLFW_DECL void render(struct_image& im, config_struct const& st, config_profile const& p,
                       config_state const& s, config_context const& c) {
    switch (st.kind) {
    case config_struct_kind::pcie_capability:
        render_pcie(im, p, s, c);
        return;
    case config_struct_kind::serial_number:
        im.put<spec::pci::ext_cap_header>(
            spec::pci::encode_ext_cap_header(
                static_cast<std::uint16_t>(spec::pci::ext_cap::serial_number), 1, st.next)
                .value());
        im.put(4, 4, c.serial & 0xFFFF'FFFF);
        im.put(8, 4, c.serial >> 32);
        return;
    default:
        break;
    }
    render_dvsec_header(im, st);
    switch (st.kind) {
    case config_struct_kind::cxl_device: {
        namespace f = spec::cxl_dvsec;
        im.put<f::capability>(p.dvsec_capability);
        im.put<f::control>(s.dvsec_control);
        im.put<f::control2>(s.dvsec_control2);
        im.put<f::status2>(p.dvsec_status2);
        im.put<f::lock>(s.dvsec_lock);
        for (unsigned i = 0; i < p.range_count; ++i) {
            auto regs = spec::encode_range(range_now(p, s, c, i)).value();
            im.put_at<f::range_size_high>(i, regs.size_high);
            im.put_at<f::range_size_low>(i, regs.size_low);
            im.put_at<f::range_base_high>(i, regs.base_high);
            im.put_at<f::range_base_low>(i, regs.base_low);
        }
        return;
    }
    case config_struct_kind::port_extensions:
        im.put<spec::port_extensions::status>(spec::port_extensions::pm_init_complete::set(0, 1));
        im.put<spec::port_extensions::port_control>(s.port_control);
        return;
    case config_struct_kind::gpf_port: // QEMU's values: 1 us for both phases
        im.put<spec::gpf_port::phase1_control>(spec::gpf_port::phase1_time_base::set(0, 1));
        im.put<spec::gpf_port::phase2_control>(spec::gpf_port::phase2_time_base::set(0, 1));
        return;
    case config_struct_kind::gpf_device: { // QEMU's values: 3 s, 0x33 mW
        std::uint16_t d = spec::gpf_device::time_base::set(0, 3);
        im.put<spec::gpf_device::phase2_duration>(spec::gpf_device::time_scale::set(d, 6));
        im.put<spec::gpf_device::phase2_power>(0x33);
        return;
    }
    case config_struct_kind::flex_bus_port:
        im.put<spec::flex_bus_port::capability>(p.flex_bus_capability);
        im.put<spec::flex_bus_port::control>(s.flex_bus_control);
        im.put<spec::flex_bus_port::status>(
            static_cast<std::uint16_t>(s.flex_bus_control & p.flex_bus_capability));
        return;
    case config_struct_kind::register_locator:
        for (std::size_t i = 0; i < p.locator.size(); ++i) {
            im.put_at<spec::register_locator::entry_low>(i, p.locator[i].low);
            im.put_at<spec::register_locator::entry_high>(i, p.locator[i].high);
        }
        return;
    default:
        return;
    }
}

} // namespace detail

CXLFW_DECL std::uint32_t config_read32(config_profile const& p, config_state const& s,
                                       config_context const& c, std::uint64_t off) {
    detail::struct_image im;
    if (off < 0x40) {
        detail::render_header(im, p, s, c);
        return im.dword(off);
    }
    auto const* st = p.find(off);
    if (!st) return 0;
    detail::render(im, *st, p, s, c);
    return im.dword(off - st->offset);
}

CXLFW_DECL void config_write32(config_profile const& p, config_state& s, std::uint64_t off,
                               std::uint32_t value, std::uint32_t mask) {
    using detail::lane;
    auto const update = [&](std::uint16_t& reg, std::size_t base, std::size_t at,
                            std::uint16_t writable) {
        auto const w = lane(off - base, value, mask, at, 2);
        if (w.hit())
            reg = static_cast<std::uint16_t>(detail::merge(reg, w.value, w.mask & writable));
    };
    if (off < 0x40) {
        update(s.command, 0, spec::pci::command::offset, detail::command_write_mask);
        return;
    }
    auto const* st = p.find(off);
    if (!st) return;
    std::size_t const base = st->offset;
    switch (st->kind) {
    case config_struct_kind::pcie_capability:
        update(s.device_control, base, spec::pci::pcie::device_control::offset, 0xFFFF);
        update(s.link_control, base, spec::pci::pcie::link_control::offset, 0xFFFF);
        return;
    case config_struct_kind::cxl_device: {
        namespace f = spec::cxl_dvsec;
        bool const locked = f::config_lock::get(s.dvsec_lock) != 0;
        if (auto w = lane(off - base, value, mask, f::lock::offset, 2); w.hit()) // RW1S
            s.dvsec_lock = static_cast<std::uint16_t>(s.dvsec_lock |
                                                      (w.value & w.mask & f::config_lock::mask));
        if (locked) return;
        std::uint16_t const control_mask = f::cache_enable::mask | f::io_enable::mask |
                                           f::mem_enable::mask | f::cache_sf_coverage::mask |
                                           f::cache_sf_granularity::mask |
                                           f::cache_clean_eviction::mask | f::viral_enable::mask;
        update(s.dvsec_control, base, f::control::offset, control_mask);
        update(s.dvsec_control2, base, f::control2::offset,
               f::disable_caching::mask | f::cxl_reset_mem_clr_enable::mask);
        for (unsigned i = 0; i < p.range_count; ++i) {
            auto& b = s.range_base[i];
            auto hi = lane(off - base, value, mask, f::range_base_high::offset_of(i), 4);
            if (hi.hit())
                b = (b & 0xFFFF'FFFF) |
                    (std::uint64_t{hi.apply(static_cast<std::uint32_t>(b >> 32))} << 32);
            auto lo = lane(off - base, value, mask, f::range_base_low::offset_of(i), 4);
            if (lo.hit())
                b = (b & ~std::uint64_t{0xFFFF'FFFF}) |
                    (lo.apply(static_cast<std::uint32_t>(b)) & f::base_low_bits::mask);
        }
        return;
    }
    case config_struct_kind::flex_bus_port:
        update(s.flex_bus_control, base, spec::flex_bus_port::control::offset, 0xFFFF);
        return;
    case config_struct_kind::port_extensions:
        update(s.port_control, base, spec::port_extensions::port_control::offset, 0xFFFF);
        return;
    default:
        return;
    }
}

} // namespace cxlfw::emu
