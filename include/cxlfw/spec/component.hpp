// The CXL component register block (CXL 2.0 §8.2.4-§8.2.5, HDM §8.2.5.12): layout of the
// 64 KiB block, the CXL.cache/mem capability array at 0x1000, the RAS capability and the HDM
// Decoder Capability structure with its per-decoder registers.
//
//   hdm::control::offset_of(1) == 0x40             // decoder 1 control, from the HDM structure
//   hdm::decoder_count_from_code(0xA).value() == 24
#pragma once

#include <cxlfw/spec/bits.hpp>
#include <cxlfw/spec/errc.hpp>
#include <cxlfw/spec/interleave.hpp>
#include <cxlfw/units.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace cxlfw::spec {

namespace component {
/// The component register block is 64 KiB (CXL 2.0 §8.2.4; Linux drivers/cxl/cxl.h
/// CXL_COMPONENT_REG_BLOCK_SIZE).
inline constexpr std::size_t block_size = 64_KiB;
/// 0x0000-0x0FFF CXL.io; 0x1000-0x1FFF CXL.cache/mem (the capability array); 0x2000-0xDFFF
/// implementation specific; 0xE000-0xE3FF ARB/MUX; the rest reserved (CXL 2.0 §8.2.4; QEMU
/// include/hw/cxl/cxl_component.h; Linux drivers/cxl/cxl.h CXL_CM_OFFSET).
inline constexpr std::size_t cache_mem_offset = 0x1000;
inline constexpr std::size_t cache_mem_size = 0x1000;
inline constexpr std::size_t arb_mux_offset = 0xE000;
inline constexpr std::size_t arb_mux_size = 0x400;

/// Capability array header at cache_mem_offset + 0: ID 1, versions, array size (CXL 2.0 §8.2.5).
struct array_header : reg<std::uint32_t, 0x00> {
    static constexpr bool read_only = true;
};
using array_cap_id = field<array_header, 15, 0>;
using array_cap_version = field<array_header, 19, 16>;
using array_cache_mem_version = field<array_header, 23, 20>;
using array_size = field<array_header, 31, 24>; ///< headers that follow

/// Capability header n (n = 0 .. array size - 1) at cache_mem_offset + 4 + 4n.
struct cap_header : reg_array<std::uint32_t, 0x04, 4> {
    static constexpr bool read_only = true;
};
using cap_id = field<cap_header, 15, 0>;
using cap_version = field<cap_header, 19, 16>;
using cap_pointer = field<cap_header, 31, 20>; ///< offset of the structure from 0x1000

inline constexpr std::uint16_t array_header_id = 1;

constexpr checked<std::uint32_t> encode_array_header(unsigned entries, unsigned cap_ver = 1,
                                                     unsigned cache_mem_ver = 1) noexcept {
    if (!array_size::fits(entries) || !array_cap_version::fits(cap_ver) ||
        !array_cache_mem_version::fits(cache_mem_ver))
        return errc::field_overflow;
    std::uint32_t v = array_cap_id::set(0, array_header_id);
    v = array_cap_version::set(v, cap_ver);
    v = array_cache_mem_version::set(v, cache_mem_ver);
    return array_size::set(v, entries);
}
} // namespace component

/// CXL.cache/mem capability IDs (CXL 2.0 §8.2.5; 0xB and 0xC: CXL 3.0 §8.2.4).
enum class component_cap_id : std::uint16_t {
    capability_array = 0x1,
    ras = 0x2,
    link = 0x4,
    hdm_decoder = 0x5,
    ext_security = 0x6,
    snoop_filter = 0x8,
    bi_route_table = 0xB,
    bi_decoder = 0xC,
};

constexpr std::string_view component_cap_name(component_cap_id id) noexcept {
    switch (id) {
    case component_cap_id::capability_array:
        return "CXL Capability Header";
    case component_cap_id::ras:
        return "RAS";
    case component_cap_id::link:
        return "Link";
    case component_cap_id::hdm_decoder:
        return "HDM Decoder";
    case component_cap_id::ext_security:
        return "Extended Security";
    case component_cap_id::snoop_filter:
        return "Snoop Filter";
    case component_cap_id::bi_route_table:
        return "BI Route Table";
    case component_cap_id::bi_decoder:
        return "BI Decoder";
    }
    return "unknown";
}

/// One capability header of the array, decoded. `pointer` is from the start of CXL.cache/mem
/// (block offset 0x1000).
struct component_cap_entry {
    std::uint16_t id = 0;
    std::uint8_t version = 0;
    std::uint16_t pointer = 0;
    friend constexpr bool operator==(component_cap_entry const&,
                                     component_cap_entry const&) = default;
};

constexpr component_cap_entry decode_component_cap(std::uint32_t v) noexcept {
    return {.id = static_cast<std::uint16_t>(component::cap_id::get(v)),
            .version = static_cast<std::uint8_t>(component::cap_version::get(v)),
            .pointer = static_cast<std::uint16_t>(component::cap_pointer::get(v))};
}

constexpr checked<std::uint32_t> encode_component_cap(component_cap_entry const& e) noexcept {
    namespace f = component;
    if (!f::cap_version::fits(e.version) || !f::cap_pointer::fits(e.pointer))
        return errc::field_overflow;
    std::uint32_t v = f::cap_id::set(0, e.id);
    v = f::cap_version::set(v, e.version);
    return f::cap_pointer::set(v, e.pointer);
}

/// RAS capability structure, cap ID 2 (CXL 2.0 §8.2.5.9; Linux drivers/cxl/cxl.h).
namespace ras {
struct uncorrectable_status : reg<std::uint32_t, 0x00> {};
struct uncorrectable_mask : reg<std::uint32_t, 0x04> {};
struct uncorrectable_severity : reg<std::uint32_t, 0x08> {};
struct correctable_status : reg<std::uint32_t, 0x0C> {};
struct correctable_mask : reg<std::uint32_t, 0x10> {};
struct cap_control : reg<std::uint32_t, 0x14> {};
using first_error_pointer = field<cap_control, 5, 0>;
/// Header log: 16 dwords at +0x18 .. +0x57.
struct header_log : reg_array<std::uint32_t, 0x18, 4> {};
inline constexpr unsigned header_log_dwords = 16;
inline constexpr std::size_t length = 0x58;
} // namespace ras

/// HDM Decoder Capability structure, cap ID 5 (CXL 2.0 §8.2.5.12; Linux drivers/cxl/cxl.h).
/// Offsets are from the structure's start (its capability pointer).
namespace hdm {

struct capability : reg<std::uint32_t, 0x00> {
    static constexpr bool read_only = true;
};
using decoder_count_code = field<capability, 3, 0>;
using target_count = field<capability, 7, 4>;
using interleave_11_8 = field<capability, 8>;  ///< granularities 256 B - 2 KiB
using interleave_14_12 = field<capability, 9>; ///< granularities 4 KiB - 16 KiB
using poison_on_decode_error_capable = field<capability, 10>;
using interleave_3_6_12_way = field<capability, 11>;
using interleave_16_way = field<capability, 12>;

struct global_control : reg<std::uint32_t, 0x04> {};
using poison_on_decode_error_enable = field<global_control, 0>;
using hdm_decoder_enable = field<global_control, 1>;

/// Decoder n's registers, each at its base + 0x20 n.
struct base_low : reg_array<std::uint32_t, 0x10, 0x20> {};
struct base_high : reg_array<std::uint32_t, 0x14, 0x20> {};
struct size_low : reg_array<std::uint32_t, 0x18, 0x20> {};
struct size_high : reg_array<std::uint32_t, 0x1C, 0x20> {};
struct control : reg_array<std::uint32_t, 0x20, 0x20> {};
/// Switch and host-bridge decoders: target list; endpoint decoders: DPA skip (same registers).
struct target_list_low : reg_array<std::uint32_t, 0x24, 0x20> {};
struct target_list_high : reg_array<std::uint32_t, 0x28, 0x20> {};
using dpa_skip_low = target_list_low;
using dpa_skip_high = target_list_high;

/// Base/Size Low keep only bits [31:28] (write mask 0xF000_0000 in QEMU
/// hw/cxl/cxl-component-utils.c).
using base_low_bits = field<base_low, 31, 28>;
using size_low_bits = field<size_low, 31, 28>;
inline constexpr std::uint32_t low_address_mask = 0xF000'0000;

using ig = field<control, 3, 0>; ///< interleave granularity, eig-encoded
using iw = field<control, 7, 4>; ///< interleave ways, eiw-encoded
using lock_on_commit = field<control, 8>;
using commit = field<control, 9>;
/// Set by the component, never by software (write mask 0x13FF in QEMU
/// hw/cxl/cxl-component-utils.c).
struct committed : field<control, 10> {
    static constexpr bool read_only = true;
};
struct error_not_committed : field<control, 11> {
    static constexpr bool read_only = true;
};
using target_type = field<control, 12>; ///< 1 host-only coherent (Type 3), 0 device coherent
inline constexpr std::uint32_t control_write_mask = 0x13FF;

enum class decoder_target_type : std::uint8_t { device_coherent = 0, host_only_coherent = 1 };

/// Structure length for n decoders: 0x10 + 0x20 n (Linux drivers/cxl/core/regs.c).
constexpr std::size_t structure_length(unsigned decoders) noexcept {
    return 0x10 + std::size_t{0x20} * decoders;
}

inline constexpr unsigned max_decoders = 32;
inline constexpr unsigned max_decoder_count_code = 0xC;
inline constexpr unsigned max_targets = 8; ///< one byte per position in a 64-bit target list

namespace detail {
inline constexpr std::array<std::uint8_t, 13> decoder_counts{1,  2,  4,  6,  8,  10, 12,
                                                             14, 16, 20, 24, 28, 32};
}

/// Decoder Count code -> decoders, following QEMU's table (the spec's list) in
/// hw/cxl/cxl-component-utils.c: 0..8 -> 1, 2, 4, ..., 16; 9..0xC -> 20, 24, 28, 32. Linux
/// computes `code ? 2 * code : 1` (drivers/cxl/cxl.h cxl_hdm_decoder_count()), which agrees for
/// 0..8 but gives 18/20/22/24 for 9..0xC; see linux_decoder_count(). Codes >= 6 are meant for
/// switches and host bridges only (QEMU's comment there).
constexpr checked<unsigned> decoder_count_from_code(unsigned code) noexcept {
    if (code > max_decoder_count_code) return errc::invalid_decoder_count;
    return detail::decoder_counts[code];
}

constexpr checked<unsigned> decoder_count_to_code(unsigned count) noexcept {
    for (unsigned code = 0; code < detail::decoder_counts.size(); ++code)
        if (detail::decoder_counts[code] == count) return code;
    return errc::unencodable_decoder_count;
}

/// What Linux computes from the code (drivers/cxl/cxl.h cxl_hdm_decoder_count()), for modelling
/// Linux exactly.
constexpr unsigned linux_decoder_count(unsigned code) noexcept {
    return code ? 2 * code : 1;
}

/// The HDM Decoder Capability register, decoded.
struct decoder_capability {
    unsigned decoder_count = 1;
    unsigned target_count = 0; ///< raw, as Linux core/hdm.c reads it
    bool interleave_11_8 = false;
    bool interleave_14_12 = false;
    bool poison_on_decode_error = false;
    bool interleave_3_6_12_way = false;
    bool interleave_16_way = false;

    static constexpr checked<decoder_capability> decode(std::uint32_t v) noexcept {
        auto count = decoder_count_from_code(decoder_count_code::get(v));
        if (!count) return count.error();
        return decoder_capability{.decoder_count = *count,
                                  .target_count = hdm::target_count::get(v),
                                  .interleave_11_8 = hdm::interleave_11_8::get(v) != 0,
                                  .interleave_14_12 = hdm::interleave_14_12::get(v) != 0,
                                  .poison_on_decode_error =
                                      poison_on_decode_error_capable::get(v) != 0,
                                  .interleave_3_6_12_way = hdm::interleave_3_6_12_way::get(v) != 0,
                                  .interleave_16_way = hdm::interleave_16_way::get(v) != 0};
    }
    constexpr checked<std::uint32_t> encode() const noexcept {
        auto code = decoder_count_to_code(decoder_count);
        if (!code) return code.error();
        if (!hdm::target_count::fits(target_count)) return errc::field_overflow;
        std::uint32_t v = decoder_count_code::set(0, *code);
        v = hdm::target_count::set(v, target_count);
        v = hdm::interleave_11_8::set(v, interleave_11_8);
        v = hdm::interleave_14_12::set(v, interleave_14_12);
        v = poison_on_decode_error_capable::set(v, poison_on_decode_error);
        v = hdm::interleave_3_6_12_way::set(v, interleave_3_6_12_way);
        return hdm::interleave_16_way::set(v, interleave_16_way);
    }
    friend constexpr bool operator==(decoder_capability const&,
                                     decoder_capability const&) = default;
};

/// Ways the decoder can be programmed with: 1, 2, 4, 8 always; 3, 6, 12 with the 3/6/12-way bit; 16
/// with the 16-way bit (Linux drivers/cxl/core/hdm.c parse_hdm_decoder_caps(), iw_cap_mask).
constexpr bool supports_ways(decoder_capability const& cap, unsigned ways) noexcept {
    switch (ways) {
    case 1:
    case 2:
    case 4:
    case 8:
        return true;
    case 3:
    case 6:
    case 12:
        return cap.interleave_3_6_12_way;
    case 16:
        return cap.interleave_16_way;
    default:
        return false;
    }
}

/// The HPA bits a decoder can select positions on: [11:8] with bit 8, [14:12] with bit 9
/// (Linux drivers/cxl/core/hdm.c interleave_mask).
constexpr std::uint32_t interleave_address_mask(decoder_capability const& cap) noexcept {
    return (cap.interleave_11_8 ? 0x0F00u : 0u) | (cap.interleave_14_12 ? 0x7000u : 0u);
}

/// Whether the decoder can interleave `ways` ways at `granularity` bytes: the ways must be
/// allowed and the HPA bits that select the position ([eig+eiw+7 : eig+8] for 2^n ways,
/// [eig+eiw-1 : eig+8] for 3/6/12) must all be bits the decoder can use. 1 and 3 ways select
/// on no bit. (Linux region.c check_interleave_cap.)
constexpr bool supports_interleave(decoder_capability const& cap, unsigned ways,
                                   std::uint64_t granularity) noexcept {
    if (!supports_ways(cap, ways)) return false;
    auto eiw = ways_to_eiw(ways);
    auto eig = granularity_to_eig(granularity);
    if (!eiw || !eig) return false;
    if (*eiw == 0 || *eiw == 8) return true;
    unsigned const low = *eig + 8;
    unsigned const high = *eiw > 8 ? *eiw + *eig - 1 : *eiw + *eig + 7;
    std::uint32_t const needed = ((std::uint32_t{1} << (high + 1)) - 1) & ~((1u << low) - 1);
    return (needed & ~interleave_address_mask(cap)) == 0;
}

/// Decoder control, decoded (IG/IW kept encoded, as in the register).
struct decoder_control {
    unsigned ig = 0;
    unsigned iw = 0;
    bool lock_on_commit = false;
    bool commit = false;
    bool committed = false;
    bool error_not_committed = false;
    decoder_target_type target_type = decoder_target_type::device_coherent;

    static constexpr decoder_control decode(std::uint32_t v) noexcept {
        return {.ig = hdm::ig::get(v),
                .iw = hdm::iw::get(v),
                .lock_on_commit = hdm::lock_on_commit::get(v) != 0,
                .commit = hdm::commit::get(v) != 0,
                .committed = hdm::committed::get(v) != 0,
                .error_not_committed = hdm::error_not_committed::get(v) != 0,
                .target_type = static_cast<decoder_target_type>(hdm::target_type::get(v))};
    }
    constexpr checked<std::uint32_t> encode() const noexcept {
        if (!hdm::ig::fits(ig) || !hdm::iw::fits(iw)) return errc::field_overflow;
        std::uint32_t v = hdm::ig::set(0, ig);
        v = hdm::iw::set(v, iw);
        v = hdm::lock_on_commit::set(v, lock_on_commit);
        v = hdm::commit::set(v, commit);
        v = hdm::committed::set(v, committed);
        v = hdm::error_not_committed::set(v, error_not_committed);
        return hdm::target_type::set(v, static_cast<std::uint32_t>(target_type));
    }
    /// Linux: enabled when Committed is set, locked when Lock On Commit is set too
    /// (drivers/cxl/core/hdm.c init_hdm_decoder()).
    constexpr bool enabled() const noexcept { return committed; }
    constexpr bool locked() const noexcept { return committed && lock_on_commit; }
    friend constexpr bool operator==(decoder_control const&, decoder_control const&) = default;
};

// --- 64-bit values split over High:Low registers -------------------------------------------

struct split64 {
    std::uint32_t low = 0;
    std::uint32_t high = 0;
    friend constexpr bool operator==(split64 const&, split64 const&) = default;
};

constexpr std::uint64_t join64(std::uint32_t high, std::uint32_t low) noexcept {
    return (std::uint64_t{high} << 32) | low;
}
constexpr split64 split(std::uint64_t v) noexcept {
    return {.low = static_cast<std::uint32_t>(v), .high = static_cast<std::uint32_t>(v >> 32)};
}

/// Decoder base or size from its High:Low registers; Low's bits [27:0] are not address bits.
constexpr std::uint64_t address(std::uint32_t high, std::uint32_t low) noexcept {
    return join64(high, low & low_address_mask);
}
/// Base or size -> (low, high); both must be multiples of 256 MiB.
constexpr checked<split64> encode_address(std::uint64_t v) noexcept {
    if (!is_aligned(v, hdm_alignment)) return errc::not_256mib_aligned;
    return split(v);
}

// --- target list (switch / host-bridge decoders) -------------------------------------------

/// Port ID of interleave position `pos` (0..7): byte `pos` of the 64-bit list (Linux
/// drivers/cxl/core/hdm.c).
constexpr checked<std::uint8_t> target_at(std::uint64_t list, unsigned pos) noexcept {
    if (pos >= max_targets) return errc::position_out_of_range;
    return static_cast<std::uint8_t>(list >> (8 * pos));
}

constexpr checked<std::uint64_t> with_target(std::uint64_t list, unsigned pos,
                                             std::uint8_t port_id) noexcept {
    if (pos >= max_targets) return errc::position_out_of_range;
    std::uint64_t const mask = std::uint64_t{0xFF} << (8 * pos);
    return (list & ~mask) | (std::uint64_t{port_id} << (8 * pos));
}

/// Port IDs for positions 0..n-1 -> the 64-bit target list (unused positions 0).
constexpr checked<std::uint64_t> encode_target_list(std::span<const std::uint8_t> ports) noexcept {
    if (ports.size() > max_targets) return errc::too_many_targets;
    std::uint64_t list = 0;
    for (std::size_t i = 0; i < ports.size(); ++i)
        list |= std::uint64_t{ports[i]} << (8 * i);
    return list;
}

} // namespace hdm

} // namespace cxlfw::spec
