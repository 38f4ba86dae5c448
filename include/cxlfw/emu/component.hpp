// The CXL component register block (64 KiB; CXL 2.0 §8.2.4): CXL.io space (reads 0), the
// CXL.cache/mem capability array at 0x1000, a RAS capability and an HDM Decoder Capability.
//
//   | block offset | contents                                                   | region          |
//   |--------------|------------------------------------------------------------|-----------------|
//   | 0x1000       | array header: ID 1, version 1/1, N entries                 | component_other |
//   | 0x1004 + 4i  | entry i: RAS (ID 2, v2, ptr 0x100),                        | component_other |
//   |              | HDM (ID 5, v1, ptr 0x200)                                  |                 |
//   | 0x1100       | RAS capability, 0x58 bytes                                 | component_ras   |
//   | 0x1200       | HDM decoders, 0x10 + 0x20 x decoders bytes                 | component_hdm   |
//   | elsewhere    | reads 0, writes dropped                                    | component_other |
//
// RAS: uncorrectable/correctable status are RW1C, masks and severity RW, capability/control
// and the header log read-only; inject_ras() sets status bits as hardware would on an error.
// Register storage is allocated on the first write (or injection), so an untouched block costs
// nothing but its profile.
#pragma once

#include <cxlfw/emu/detail/regs.hpp>
#include <cxlfw/emu/hdm.hpp>
#include <cxlfw/emu/types.hpp>
#include <cxlfw/spec/component.hpp>

#include <bit>
#include <cstdint>
#include <memory>
#include <optional>

namespace cxlfw::emu {

struct component_profile {
    static constexpr std::uint64_t ras_pointer = 0x100; ///< from the capability array (0x1000)
    static constexpr std::uint64_t hdm_pointer = 0x200;
    static constexpr std::uint64_t ras_offset = spec::component::cache_mem_offset + ras_pointer;
    static constexpr std::uint64_t hdm_offset = spec::component::cache_mem_offset + hdm_pointer;

    bool ras = false;
    std::optional<hdm_profile> hdm{};

    /// The region an offset of the block falls in, and the offset inside that structure.
    struct location {
        emu::region region;
        std::uint64_t offset;
    };
    location locate(std::uint64_t off) const noexcept {
        if (ras && off >= ras_offset && off < ras_offset + spec::ras::length)
            return {region::component_ras, off - ras_offset};
        if (hdm && off >= hdm_offset && off < hdm_offset + hdm->length())
            return {region::component_hdm, off - hdm_offset};
        return {region::component_other, off};
    }

    /// The capability array dword at `off` from 0x1000, built with the spec encoders.
    std::uint32_t array_dword(std::uint64_t off) const noexcept {
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
};

/// RAS register state (reset values follow QEMU's ras_init_common).
struct ras_registers {
    std::uint32_t uncorrectable_status = 0;
    std::uint32_t uncorrectable_mask = 0x1EFFF;
    std::uint32_t uncorrectable_severity = 0x1EFFF;
    std::uint32_t correctable_status = 0;
    std::uint32_t correctable_mask = 0x7F;
    std::uint32_t cap_control = 0; ///< First Error Pointer [5:0]
};

class component_state {
public:
    std::uint32_t read32(component_profile const& p, hdm_context const& ctx, std::uint64_t off) {
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

    void write32(component_profile const& p, hdm_context const& ctx, std::uint64_t off,
                 std::uint32_t value, std::uint32_t mask) {
        auto const at = p.locate(off);
        if (at.region == region::component_ras) write_ras(at.offset, value, mask);
        if (at.region == region::component_hdm) hdm_.write32(*p.hdm, ctx, at.offset, value, mask);
    }

    /// Record errors as the hardware would: status bits set; the First Error Pointer names the
    /// lowest new uncorrectable bit if none was pending.
    void inject_ras(std::uint32_t uncorrectable, std::uint32_t correctable) {
        auto& r = ras();
        if (uncorrectable && r.uncorrectable_status == 0)
            r.cap_control = spec::ras::first_error_pointer::set(
                r.cap_control, static_cast<std::uint32_t>(std::countr_zero(uncorrectable)));
        r.uncorrectable_status |= uncorrectable;
        r.correctable_status |= correctable;
    }

    void reset() noexcept {
        ras_.reset();
        hdm_.reset();
    }

    hdm_decoders& hdm() noexcept { return hdm_; }
    hdm_decoders const& hdm() const noexcept { return hdm_; }

private:
    ras_registers& ras() {
        if (!ras_) ras_ = std::make_unique<ras_registers>();
        return *ras_;
    }

    std::uint32_t read_ras(std::uint64_t off) const {
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

    void write_ras(std::uint64_t off, std::uint32_t value, std::uint32_t mask) {
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

    std::unique_ptr<ras_registers> ras_;
    hdm_decoders hdm_;
};

} // namespace cxlfw::emu
