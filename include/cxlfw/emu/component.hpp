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

#include <cxlfw/config.hpp>
#include <cxlfw/emu/hdm.hpp>
#include <cxlfw/emu/types.hpp>
#include <cxlfw/spec/component.hpp>

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
    location locate(std::uint64_t off) const noexcept;

    /// The capability array dword at `off` from 0x1000, built with the spec encoders.
    std::uint32_t array_dword(std::uint64_t off) const noexcept;
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
    component_state() noexcept;
    ~component_state();

    std::uint32_t read32(component_profile const& p, hdm_context const& ctx, std::uint64_t off);
    void write32(component_profile const& p, hdm_context const& ctx, std::uint64_t off,
                 std::uint32_t value, std::uint32_t mask);

    /// Record errors as the hardware would: status bits set; the First Error Pointer names the
    /// lowest new uncorrectable bit if none was pending.
    void inject_ras(std::uint32_t uncorrectable, std::uint32_t correctable);

    void reset() noexcept;

    hdm_decoders& hdm() noexcept { return hdm_; }
    hdm_decoders const& hdm() const noexcept { return hdm_; }

private:
    ras_registers& ras();
    std::uint32_t read_ras(std::uint64_t off) const;
    void write_ras(std::uint64_t off, std::uint32_t value, std::uint32_t mask);

    std::unique_ptr<ras_registers> ras_;
    hdm_decoders hdm_;
};

} // namespace cxlfw::emu

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/emu/impl/component.ipp>
#endif
