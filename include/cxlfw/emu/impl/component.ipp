// Out-of-line definitions for <cxlfw/emu/component.hpp>: where an offset of the component block
// lands, the capability array, and the RAS registers.
#pragma once

#include <cxlfw/emu/component.hpp>

#include <cxlfw/emu/detail/regs.hpp>

#include <bit>

namespace cxlfw::emu {

CXLFW_DECL component_profile::location component_profile::locate(std::uint64_t off) const noexcept {
    if (ras && off >= ras_offset && off < ras_offset + spec::ras::length)
        return {region::component_ras, off - ras_offset};
    if (hdm && off >= hdm_offset && off < hdm_offset + hdm->length())
        return {region::component_hdm, off - hdm_offset};
    return {region::component_other, off};
}

CXLFW_DECL std::uint32_t component_profile::array_dword(std::uint64_t off) const noexcept {
    unsigned const entries = (ras ? 1u : 0u) + (hdm ? 1u : 0u);
    if (off == spec::component::array_header::offset)
        return spec::component::encode_array_header(entries).value();
    unsigned i = 0;
    auto const entry = [&](spec::component_cap_id id, std::uint8_t ver,
                           std::uint64_t ptr) -> std::optional<std::uint32_t> {
        if (off != spec::component::cap_header::offset_of(i++)) return std::nullopt;
        return spec::encode_component_cap(
                   {static_cast<std::uint16_t>(id), ver, static_cast<std::uint16_t>(ptr)})
            .value();
    };
    if (ras)
        if (auto v = entry(spec::component_cap_id::ras, 2, ras_pointer)) return *v;
    if (hdm)
        if (auto v = entry(spec::component_cap_id::hdm_decoder, 1, hdm_pointer)) return *v;
    return 0;
}

CXLFW_DECL component_state::component_state() noexcept = default;

CXLFW_DECL component_state::~component_state() = default;

CXLFW_DECL std::uint32_t component_state::read32(component_profile const& p, hdm_context const& ctx,
                                                 std::uint64_t off) {
    auto const at = p.locate(off);
    switch (at.region) {
    case region::component_ras:
        return read_ras(at.offset);
    case region::component_hdm:
        return hdm_.read32(*p.hdm, ctx, at.offset);
    default:
        if (off >= spec::component::cache_mem_offset &&
            off < spec::component::cache_mem_offset + spec::component::cache_mem_size)
            return p.array_dword(off - spec::component::cache_mem_offset);
        return 0;
    }
}

CXLFW_DECL void component_state::write32(component_profile const& p, hdm_context const& ctx,
                                         std::uint64_t off, std::uint32_t value,
                                         std::uint32_t mask) {
    auto const at = p.locate(off);
    if (at.region == region::component_ras) write_ras(at.offset, value, mask);
    if (at.region == region::component_hdm) hdm_.write32(*p.hdm, ctx, at.offset, value, mask);
}

CXLFW_DECL void component_state::inject_ras(std::uint32_t uncorrectable,
                                            std::uint32_t correctable) {
    auto& r = ras();
    if (uncorrectable && r.uncorrectable_status == 0)
        r.cap_control = spec::ras::first_error_pointer::set(
            r.cap_control, static_cast<std::uint32_t>(std::countr_zero(uncorrectable)));
    r.uncorrectable_status |= uncorrectable;
    r.correctable_status |= correctable;
}

CXLFW_DECL void component_state::reset() noexcept {
    ras_.reset();
    hdm_.reset();
}

CXLFW_DECL ras_registers& component_state::ras() {
    if (!ras_) ras_ = std::make_unique<ras_registers>();
    return *ras_;
}

CXLFW_DECL std::uint32_t component_state::read_ras(std::uint64_t off) const {
    ras_registers const r = ras_ ? *ras_ : ras_registers{};
    namespace s = spec::ras;
    switch (off) {
    case s::uncorrectable_status::offset:
        return r.uncorrectable_status;
    case s::uncorrectable_mask::offset:
        return r.uncorrectable_mask;
    case s::uncorrectable_severity::offset:
        return r.uncorrectable_severity;
    case s::correctable_status::offset:
        return r.correctable_status;
    case s::correctable_mask::offset:
        return r.correctable_mask;
    case s::cap_control::offset:
        return r.cap_control;
    default:
        return 0; // header log
    }
}

CXLFW_DECL void component_state::write_ras(std::uint64_t off, std::uint32_t value,
                                           std::uint32_t mask) {
    namespace s = spec::ras;
    switch (off) {
    case s::uncorrectable_status::offset:
        ras().uncorrectable_status &= ~(value & mask); // RW1C
        return;
    case s::correctable_status::offset:
        ras().correctable_status &= ~(value & mask);
        return;
    case s::uncorrectable_mask::offset:
        ras().uncorrectable_mask = detail::merge(ras().uncorrectable_mask, value, mask);
        return;
    case s::uncorrectable_severity::offset:
        ras().uncorrectable_severity = detail::merge(ras().uncorrectable_severity, value, mask);
        return;
    case s::correctable_mask::offset:
        ras().correctable_mask = detail::merge(ras().correctable_mask, value, mask);
        return;
    default:
        return;
    }
}

} // namespace cxlfw::emu
