// CXL DVSECs in PCIe config space (CXL 2.0 §8.1; pciutils lib/header.h): the DVSEC headers, the
// CXL Device DVSEC (capability, control, status, ranges), the Register Locator and the other
// CXL DVSECs by id and length. Registers are relative to the DVSEC's extended capability
// header; every decoder is total and every encoder checks that its values fit.
//
//   cxl_dvsec::hdm_count::get(0x001E) == 1
//   decode_range(0x4, 0x3, 0, 0).size == 16_GiB
#pragma once

#include <cxlfw/spec/bits.hpp>
#include <cxlfw/spec/errc.hpp>
#include <cxlfw/spec/pci.hpp>
#include <cxlfw/units.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cxlfw::spec {

/// DVSEC vendor ID of every CXL DVSEC (Linux drivers/cxl/cxlpci.h PCI_DVSEC_VENDOR_ID_CXL).
inline constexpr std::uint16_t cxl_vendor_id = 0x1E98;
/// PCI class code of a CXL Type 3 memory device: 0x05 / 0x02 / prog-if 0x10
/// (Linux drivers/cxl/cxlpci.h CXL_MEMORY_PROGIF; drivers/cxl/pci.c binds this class).
inline constexpr std::uint32_t cxl_memory_class_code = 0x050210;

// --- DVSEC headers (pciutils lib/header.h) -------------------------------------------------

namespace dvsec {
/// Every DVSEC is a PCIe extended capability with this ID (pciutils lib/header.h).
inline constexpr std::uint16_t cap_id = static_cast<std::uint16_t>(pci::ext_cap::dvsec);

/// Header 1 (+0x04): vendor [15:0], DVSEC revision [19:16], DVSEC length in bytes [31:20].
struct header1 : reg<std::uint32_t, 0x04> {
    static constexpr bool read_only = true;
};
using vendor = field<header1, 15, 0>;
using revision = field<header1, 19, 16>;
using length = field<header1, 31, 20>;

/// Header 2 (+0x08): DVSEC ID [15:0].
struct header2 : reg<std::uint16_t, 0x08> {
    static constexpr bool read_only = true;
};
using id = field<header2, 15, 0>;

/// The first DVSEC-specific register is at +0x0A.
inline constexpr std::size_t header_size = 0x0A;

constexpr checked<std::uint32_t> encode_header1(std::uint16_t vendor_id, unsigned rev,
                                                std::size_t len) noexcept {
    if (!revision::fits(rev) || !length::fits(len)) return errc::field_overflow;
    std::uint32_t v = vendor::set(0, vendor_id);
    v = revision::set(v, rev);
    return length::set(v, static_cast<std::uint32_t>(len));
}
} // namespace dvsec

/// DVSEC IDs under vendor 0x1E98 (CXL 2.0 §8.1.1).
enum class dvsec_id : std::uint16_t {
    cxl_device = 0x0,           ///< PCIe DVSEC for CXL Device (mandatory on every device)
    non_cxl_function_map = 0x2, ///< Non-CXL Function Map
    port_extensions = 0x3,      ///< CXL Extensions DVSEC for Ports
    gpf_port = 0x4,             ///< GPF DVSEC for CXL Ports
    gpf_device = 0x5,           ///< GPF DVSEC for CXL Devices
    flex_bus_port = 0x7,        ///< PCIe DVSEC for Flex Bus Port
    register_locator = 0x8,     ///< Register Locator
    mld = 0x9,                  ///< MLD (multi-logical device)
    test = 0xA,                 ///< Test Capability
};

constexpr std::string_view dvsec_name(dvsec_id id) noexcept {
    switch (id) {
    case dvsec_id::cxl_device:
        return "CXL Device";
    case dvsec_id::non_cxl_function_map:
        return "Non-CXL Function Map";
    case dvsec_id::port_extensions:
        return "CXL Extensions for Ports";
    case dvsec_id::gpf_port:
        return "GPF for CXL Ports";
    case dvsec_id::gpf_device:
        return "GPF for CXL Devices";
    case dvsec_id::flex_bus_port:
        return "Flex Bus Port";
    case dvsec_id::register_locator:
        return "Register Locator";
    case dvsec_id::mld:
        return "MLD";
    case dvsec_id::test:
        return "Test Capability";
    }
    return "unknown CXL DVSEC";
}

/// The smallest DVSEC length (bytes, from the extended capability header) that holds every register
/// of `id` at revision `rev` (QEMU include/hw/cxl/cxl_pci.h; pciutils lib/header.h, ls-ecaps.c).
/// Later revisions than these know need at least the latest known length. Unknown ids and the Test
/// Capability (no public length) need only the DVSEC header.
constexpr std::size_t min_length(dvsec_id id, unsigned rev) noexcept {
    switch (id) {
    case dvsec_id::cxl_device:
        return rev >= 2 ? 0x3C : 0x38; // rev 2 (CXL 3.x) adds Capability3 at +0x38
    case dvsec_id::non_cxl_function_map:
        return 0x2C;
    case dvsec_id::port_extensions:
        return 0x28;
    case dvsec_id::gpf_port:
    case dvsec_id::gpf_device:
        return 0x10;
    case dvsec_id::flex_bus_port:
        return rev == 0 ? 0x10 : rev == 1 ? 0x14 : 0x20;
    case dvsec_id::register_locator:
        return 0x0C; // header and reserved word; each entry adds 8
    case dvsec_id::mld:
        return 0x10;
    case dvsec_id::test:
        break;
    }
    return dvsec::header_size;
}
constexpr std::size_t min_length(std::uint16_t id, unsigned rev) noexcept {
    return min_length(static_cast<dvsec_id>(id), rev);
}

// --- PCIe DVSEC for CXL Device, ID 0 (CXL 2.0 §8.1.3) --------------------------------------

namespace cxl_dvsec {

struct capability : reg<std::uint16_t, 0x0A> {
    static constexpr bool read_only = true;
};
using cache_capable = field<capability, 0>;
using io_capable = field<capability, 1>;
using mem_capable = field<capability, 2>;
using mem_hwinit_mode = field<capability, 3>;
using hdm_count = field<capability, 5, 4>; ///< DVSEC ranges in use (0-2)
using cache_wbi_capable = field<capability, 6>;
using cxl_reset_capable = field<capability, 7>;
using cxl_reset_timeout = field<capability, 10, 8>;
using cxl_reset_mem_clr_capable = field<capability, 11>;
using viral_capable = field<capability, 14>;

struct control : reg<std::uint16_t, 0x0C> {};
using cache_enable = field<control, 0>;
using io_enable = field<control, 1>;
using mem_enable = field<control, 2>;
using cache_sf_coverage = field<control, 7, 3>;
using cache_sf_granularity = field<control, 10, 8>;
using cache_clean_eviction = field<control, 11>;
using viral_enable = field<control, 14>;

struct status : reg<std::uint16_t, 0x0E> {};
using viral_status = field<status, 14>;

/// Control2/Status2/Lock bits come from a linux-cxl patch posting for include/cxl/pci.h; pciutils
/// lib/header.h lists the Control2 bits as values 1-4 rather than masks, which looks like a
/// pciutils bug.
struct control2 : reg<std::uint16_t, 0x10> {};
using disable_caching = field<control2, 0>;
using initiate_cache_wbi = field<control2, 1>;
using initiate_cxl_reset = field<control2, 2>;
using cxl_reset_mem_clr_enable = field<control2, 3>;

struct status2 : reg<std::uint16_t, 0x12> {};
using cache_invalid = field<status2, 0>;
using cxl_reset_complete = field<status2, 1>;
using cxl_reset_error = field<status2, 2>;
using power_management_init_complete = field<status2, 15>;

struct lock : reg<std::uint16_t, 0x14> {};
using config_lock = field<lock, 0>;

struct capability2 : reg<std::uint16_t, 0x16> {
    static constexpr bool read_only = true;
};
using cache_size_unit = field<capability2, 3, 0>; ///< 0 not reported, 1 64 KiB, 2 1 MiB
using cache_size = field<capability2, 15, 8>;

/// Range n (0 or 1; the spec's "Range 1/2") at +0x18 + 0x10 n (CXL 2.0 §8.1.3).
struct range_size_high : reg_array<std::uint32_t, 0x18, 0x10> {};
struct range_size_low : reg_array<std::uint32_t, 0x1C, 0x10> {};
struct range_base_high : reg_array<std::uint32_t, 0x20, 0x10> {};
struct range_base_low : reg_array<std::uint32_t, 0x24, 0x10> {};

using memory_info_valid = field<range_size_low, 0>;
using memory_active = field<range_size_low, 1>;
using media_type = field<range_size_low, 4, 2>;
using memory_class = field<range_size_low, 7, 5>;
using desired_interleave = field<range_size_low, 12, 8>;
using memory_active_timeout = field<range_size_low, 15, 13>;
using size_low_bits = field<range_size_low, 31, 28>; ///< size bits [31:28]
using base_low_bits = field<range_base_low, 31, 28>; ///< base bits [31:28]

/// Capability3 (+0x38) exists only from DVSEC revision 2 (CXL 3.x).
struct capability3 : reg<std::uint16_t, 0x38> {
    static constexpr bool read_only = true;
};

inline constexpr unsigned range_count = 2;

} // namespace cxl_dvsec

/// The CXL Device DVSEC capability register, decoded.
struct cxl_device_capability {
    bool cache_capable = false;
    bool io_capable = false;
    bool mem_capable = false;
    bool mem_hwinit_mode = false;
    unsigned hdm_count = 0;
    bool cache_wbi_capable = false;
    bool cxl_reset_capable = false;
    unsigned cxl_reset_timeout = 0;
    bool cxl_reset_mem_clr_capable = false;
    bool viral_capable = false;

    static constexpr cxl_device_capability decode(std::uint16_t v) noexcept {
        namespace f = cxl_dvsec;
        return {.cache_capable = f::cache_capable::get(v) != 0,
                .io_capable = f::io_capable::get(v) != 0,
                .mem_capable = f::mem_capable::get(v) != 0,
                .mem_hwinit_mode = f::mem_hwinit_mode::get(v) != 0,
                .hdm_count = f::hdm_count::get(v),
                .cache_wbi_capable = f::cache_wbi_capable::get(v) != 0,
                .cxl_reset_capable = f::cxl_reset_capable::get(v) != 0,
                .cxl_reset_timeout = f::cxl_reset_timeout::get(v),
                .cxl_reset_mem_clr_capable = f::cxl_reset_mem_clr_capable::get(v) != 0,
                .viral_capable = f::viral_capable::get(v) != 0};
    }
    constexpr checked<std::uint16_t> encode() const noexcept {
        namespace f = cxl_dvsec;
        if (!f::hdm_count::fits(hdm_count) || !f::cxl_reset_timeout::fits(cxl_reset_timeout))
            return errc::field_overflow;
        std::uint16_t v = 0;
        v = f::cache_capable::set(v, cache_capable);
        v = f::io_capable::set(v, io_capable);
        v = f::mem_capable::set(v, mem_capable);
        v = f::mem_hwinit_mode::set(v, mem_hwinit_mode);
        v = f::hdm_count::set(v, static_cast<std::uint16_t>(hdm_count));
        v = f::cache_wbi_capable::set(v, cache_wbi_capable);
        v = f::cxl_reset_capable::set(v, cxl_reset_capable);
        v = f::cxl_reset_timeout::set(v, static_cast<std::uint16_t>(cxl_reset_timeout));
        v = f::cxl_reset_mem_clr_capable::set(v, cxl_reset_mem_clr_capable);
        return f::viral_capable::set(v, viral_capable);
    }
    friend constexpr bool operator==(cxl_device_capability const&,
                                     cxl_device_capability const&) = default;
};

/// The CXL Device DVSEC control register, decoded.
struct cxl_device_control {
    bool cache_enable = false;
    bool io_enable = false;
    bool mem_enable = false;
    unsigned cache_sf_coverage = 0;
    unsigned cache_sf_granularity = 0;
    bool cache_clean_eviction = false;
    bool viral_enable = false;

    static constexpr cxl_device_control decode(std::uint16_t v) noexcept {
        namespace f = cxl_dvsec;
        return {.cache_enable = f::cache_enable::get(v) != 0,
                .io_enable = f::io_enable::get(v) != 0,
                .mem_enable = f::mem_enable::get(v) != 0,
                .cache_sf_coverage = f::cache_sf_coverage::get(v),
                .cache_sf_granularity = f::cache_sf_granularity::get(v),
                .cache_clean_eviction = f::cache_clean_eviction::get(v) != 0,
                .viral_enable = f::viral_enable::get(v) != 0};
    }
    constexpr checked<std::uint16_t> encode() const noexcept {
        namespace f = cxl_dvsec;
        if (!f::cache_sf_coverage::fits(cache_sf_coverage) ||
            !f::cache_sf_granularity::fits(cache_sf_granularity))
            return errc::field_overflow;
        std::uint16_t v = 0;
        v = f::cache_enable::set(v, cache_enable);
        v = f::io_enable::set(v, io_enable);
        v = f::mem_enable::set(v, mem_enable);
        v = f::cache_sf_coverage::set(v, static_cast<std::uint16_t>(cache_sf_coverage));
        v = f::cache_sf_granularity::set(v, static_cast<std::uint16_t>(cache_sf_granularity));
        v = f::cache_clean_eviction::set(v, cache_clean_eviction);
        return f::viral_enable::set(v, viral_enable);
    }
    friend constexpr bool operator==(cxl_device_control const&,
                                     cxl_device_control const&) = default;
};

/// Media_Type of a DVSEC range (pciutils lib/header.h); values 3-7 are reserved, kept as they are.
enum class range_media_type : std::uint8_t { volatile_memory = 0, non_volatile = 1, cdat = 2 };
/// Memory_Class of a DVSEC range (pciutils lib/header.h); values 3-7 are reserved, kept as is.
enum class range_memory_class : std::uint8_t { dram = 0, storage_class = 1, cdat = 2 };

/// One DVSEC range, decoded. Sizes and bases are multiples of 256 MiB (Linux drivers/cxl/cxlpci.h).
struct cxl_dvsec_range {
    std::uint64_t size = 0;
    std::uint64_t base = 0;
    bool info_valid = false; ///< Memory_Info_Valid: the size registers are valid
    bool active = false;     ///< Memory_Active: the memory is ready for use
    range_media_type media_type = range_media_type::volatile_memory;
    range_memory_class memory_class = range_memory_class::dram;
    std::uint8_t desired_interleave = 0; ///< raw code; see desired_interleave_granularity()
    std::uint8_t active_timeout = 0;     ///< raw code; see memory_active_timeout_seconds()

    /// Linux counts a range only if its size is non-zero (drivers/cxl/pci.c cxl_dvsec_ranges()).
    constexpr bool present() const noexcept { return size != 0; }
    friend constexpr bool operator==(cxl_dvsec_range const&, cxl_dvsec_range const&) = default;
};

/// The four range registers, as they sit in config space.
struct cxl_dvsec_range_regs {
    std::uint32_t size_high = 0;
    std::uint32_t size_low = 0;
    std::uint32_t base_high = 0;
    std::uint32_t base_low = 0;
    friend constexpr bool operator==(cxl_dvsec_range_regs const&,
                                     cxl_dvsec_range_regs const&) = default;
};

constexpr cxl_dvsec_range decode_range(std::uint32_t size_high, std::uint32_t size_low,
                                       std::uint32_t base_high, std::uint32_t base_low) noexcept {
    namespace f = cxl_dvsec;
    constexpr std::uint32_t low_mask = 0xF000'0000; // bits [27:0] are not address bits
    return {.size = (std::uint64_t{size_high} << 32) | (size_low & low_mask),
            .base = (std::uint64_t{base_high} << 32) | (base_low & low_mask),
            .info_valid = f::memory_info_valid::get(size_low) != 0,
            .active = f::memory_active::get(size_low) != 0,
            .media_type = static_cast<range_media_type>(f::media_type::get(size_low)),
            .memory_class = static_cast<range_memory_class>(f::memory_class::get(size_low)),
            .desired_interleave = static_cast<std::uint8_t>(f::desired_interleave::get(size_low)),
            .active_timeout = static_cast<std::uint8_t>(f::memory_active_timeout::get(size_low))};
}
constexpr cxl_dvsec_range decode_range(cxl_dvsec_range_regs const& r) noexcept {
    return decode_range(r.size_high, r.size_low, r.base_high, r.base_low);
}

constexpr checked<cxl_dvsec_range_regs> encode_range(cxl_dvsec_range const& r) noexcept {
    namespace f = cxl_dvsec;
    if (!is_aligned(r.size, hdm_alignment) || !is_aligned(r.base, hdm_alignment))
        return errc::not_256mib_aligned;
    if (!f::media_type::fits(static_cast<unsigned>(r.media_type)) ||
        !f::memory_class::fits(static_cast<unsigned>(r.memory_class)) ||
        !f::desired_interleave::fits(r.desired_interleave) ||
        !f::memory_active_timeout::fits(r.active_timeout))
        return errc::field_overflow;
    std::uint32_t lo = static_cast<std::uint32_t>(r.size); // bits [31:28] only, by alignment
    lo = f::memory_info_valid::set(lo, r.info_valid);
    lo = f::memory_active::set(lo, r.active);
    lo = f::media_type::set(lo, static_cast<std::uint32_t>(r.media_type));
    lo = f::memory_class::set(lo, static_cast<std::uint32_t>(r.memory_class));
    lo = f::desired_interleave::set(lo, r.desired_interleave);
    lo = f::memory_active_timeout::set(lo, r.active_timeout);
    return cxl_dvsec_range_regs{.size_high = static_cast<std::uint32_t>(r.size >> 32),
                                .size_low = lo,
                                .base_high = static_cast<std::uint32_t>(r.base >> 32),
                                .base_low = static_cast<std::uint32_t>(r.base)};
}

/// Desired_Interleave code -> bytes: 0 none (returns 0), 1 256 B, 2 4 KiB, 3 512 B, 4 1 KiB,
/// 5 2 KiB, 6 8 KiB, 7 16 KiB. Not the HDM eig encoding (pciutils ls-ecaps.c).
constexpr checked<std::uint32_t> desired_interleave_granularity(unsigned code) noexcept {
    constexpr std::uint32_t table[] = {0, 256, 4096, 512, 1024, 2048, 8192, 16384};
    if (code >= std::size(table)) return errc::reserved_encoding;
    return table[code];
}

/// Memory_Active_Timeout code -> seconds: 4^code for codes 0-4 (1, 4, 16, 64, 256 s; pciutils
/// ls-ecaps.c).
constexpr checked<std::uint32_t> memory_active_timeout_seconds(unsigned code) noexcept {
    if (code > 4) return errc::reserved_encoding;
    return std::uint32_t{1} << (2 * code);
}

// --- Register Locator DVSEC, ID 8 (CXL 2.0 §8.1.9) -----------------------------------------

/// Register Block Identifier (CXL 2.0 §8.1.9.1; Linux drivers/cxl/cxlpci.h enum cxl_regloc_type).
enum class register_block_id : std::uint8_t {
    empty = 0x00,              ///< unused entry, skipped
    component = 0x01,          ///< CXL component registers (HDM decoders, RAS, ...)
    bar_virtualization = 0x02, ///< BAR Virtualization ACL registers
    device = 0x03,             ///< CXL device registers: mailbox, status ("memdev")
    cpmu = 0x04,               ///< CXL performance monitoring unit
    vendor = 0xFF,             ///< vendor specific
};

constexpr std::string_view register_block_name(register_block_id id) noexcept {
    switch (id) {
    case register_block_id::empty:
        return "empty";
    case register_block_id::component:
        return "component";
    case register_block_id::bar_virtualization:
        return "BAR virtualization ACL";
    case register_block_id::device:
        return "device (memdev)";
    case register_block_id::cpmu:
        return "CPMU";
    case register_block_id::vendor:
        return "vendor specific";
    }
    return "unknown";
}

namespace register_locator {
/// Entry n: Offset Low at +0x0C + 8n, Offset High at +0x10 + 8n.
struct entry_low : reg_array<std::uint32_t, 0x0C, 8> {};
struct entry_high : reg_array<std::uint32_t, 0x10, 8> {};
using bir = field<entry_low, 2, 0>;
using block_id = field<entry_low, 15, 8>;
using offset_low = field<entry_low, 31, 16>; ///< offset bits [31:16]

inline constexpr std::size_t first_entry = 0x0C;
inline constexpr std::size_t entry_size = 8;
/// Register blocks are 64 KiB aligned within their BAR.
inline constexpr std::uint64_t block_alignment = 64_KiB;

/// Entries = (length - 0x0C) / 8 (Linux drivers/cxl/core/regs.c; pciutils ls-ecaps.c); a length
/// that leaves a partial entry is an error.
constexpr checked<std::size_t> entry_count(std::size_t dvsec_length) noexcept {
    if (dvsec_length < first_entry || (dvsec_length - first_entry) % entry_size != 0)
        return errc::invalid_register_locator_length;
    return (dvsec_length - first_entry) / entry_size;
}
constexpr std::size_t length_for(std::size_t entries) noexcept {
    return first_entry + entry_size * entries;
}
} // namespace register_locator

/// One Register Locator entry, decoded. The block sits at (start of BAR `bir`) + `offset`.
struct register_block {
    std::uint8_t bir = 0;
    register_block_id id = register_block_id::empty;
    std::uint64_t offset = 0;
    friend constexpr bool operator==(register_block const&, register_block const&) = default;
};

struct register_block_regs {
    std::uint32_t low = 0;
    std::uint32_t high = 0;
    friend constexpr bool operator==(register_block_regs const&,
                                     register_block_regs const&) = default;
};

/// Linux cxl_decode_regblock(): offset = high:low with the low 16 bits of Low masked off.
/// BIR is returned raw (0-7); pci::bar_offset() rejects 6 and 7.
constexpr register_block decode_register_block(std::uint32_t low, std::uint32_t high) noexcept {
    namespace f = register_locator;
    return {.bir = static_cast<std::uint8_t>(f::bir::get(low)),
            .id = static_cast<register_block_id>(f::block_id::get(low)),
            .offset = (std::uint64_t{high} << 32) | (low & 0xFFFF'0000u)};
}

constexpr checked<register_block_regs> encode_register_block(register_block const& b) noexcept {
    namespace f = register_locator;
    if (b.bir > pci::max_bir) return errc::invalid_bir;
    if (!is_aligned(b.offset, f::block_alignment)) return errc::unaligned_register_block;
    std::uint32_t lo = static_cast<std::uint32_t>(b.offset); // bits [31:16] only, by alignment
    lo = f::bir::set(lo, b.bir);
    lo = f::block_id::set(lo, static_cast<std::uint32_t>(b.id));
    return register_block_regs{.low = lo, .high = static_cast<std::uint32_t>(b.offset >> 32)};
}

// --- the other CXL DVSECs (CXL 2.0 §8.1; pciutils lib/header.h) ----------------------------

/// PCIe DVSEC for Flex Bus Port, ID 7 (CXL 2.0 §8.1.8; pciutils lib/header.h). Rev 2 adds
/// cap2/ctrl2/status2.
namespace flex_bus_port {
struct capability : reg<std::uint16_t, 0x0A> {
    static constexpr bool read_only = true;
};
using cache_capable = field<capability, 0>;
using io_capable = field<capability, 1>;
using mem_capable = field<capability, 2>;
using vh_68b_flit_capable = field<capability, 5>;
using mld_capable = field<capability, 6>;
using latency_optimized_256b_flit_capable = field<capability, 13>; ///< rev >= 2
using pbr_flit_capable = field<capability, 14>;                    ///< rev >= 2

struct control : reg<std::uint16_t, 0x0C> {};
using cache_enable = field<control, 0>;
using io_enable = field<control, 1>;
using mem_enable = field<control, 2>;
using sync_header_bypass_enable = field<control, 3>;
using drift_buffer_enable = field<control, 4>;
using vh_68b_flit_enable = field<control, 5>;
using mld_enable = field<control, 6>;
using disable_rcd_training = field<control, 7>;
using retimer1_present = field<control, 8>;
using retimer2_present = field<control, 9>;
using latency_optimized_256b_flit_enable = field<control, 13>;
using pbr_flit_enable = field<control, 14>;

/// Status mirrors the negotiated modes in the capability bit positions.
struct status : reg<std::uint16_t, 0x0E> {};
using cache_enabled = field<status, 0>;
using io_enabled = field<status, 1>;
using mem_enabled = field<status, 2>;
using vh_68b_flit_enabled = field<status, 5>;
using mld_enabled = field<status, 6>;

struct received_mod_ts_data : reg<std::uint32_t, 0x10> {};
using mod_ts_data = field<received_mod_ts_data, 23, 0>;

struct capability2 : reg<std::uint32_t, 0x14> {}; ///< rev >= 2
struct control2 : reg<std::uint32_t, 0x18> {};    ///< rev >= 2
struct status2 : reg<std::uint32_t, 0x1C> {};     ///< rev >= 2
} // namespace flex_bus_port

/// GPF phase-2 durations: time base [3:0] in units of time scale [11:8] (CXL 2.0 §8.1.6, §8.1.7;
/// pciutils lib/header.h).
namespace gpf {
/// Time scale code -> microseconds per unit: 0 1 us ... 7 10 s.
constexpr checked<std::uint64_t> time_scale_us(unsigned code) noexcept {
    constexpr std::uint64_t table[] = {1, 10, 100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000};
    if (code >= std::size(table)) return errc::reserved_encoding;
    return table[code];
}
} // namespace gpf

/// GPF DVSEC for CXL Devices, ID 5.
namespace gpf_device {
struct phase2_duration : reg<std::uint16_t, 0x0A> {};
using time_base = field<phase2_duration, 3, 0>;
using time_scale = field<phase2_duration, 11, 8>;
struct phase2_power : reg<std::uint32_t, 0x0C> {}; ///< milliwatts
} // namespace gpf_device

/// GPF DVSEC for CXL Ports, ID 4.
namespace gpf_port {
struct phase1_control : reg<std::uint16_t, 0x0C> {};
using phase1_time_base = field<phase1_control, 3, 0>;
using phase1_time_scale = field<phase1_control, 11, 8>;
struct phase2_control : reg<std::uint16_t, 0x0E> {};
using phase2_time_base = field<phase2_control, 3, 0>;
using phase2_time_scale = field<phase2_control, 11, 8>;
} // namespace gpf_port

/// CXL Extensions DVSEC for Ports, ID 3.
namespace port_extensions {
struct status : reg<std::uint16_t, 0x0A> {};
using pm_init_complete = field<status, 0>;
struct port_control : reg<std::uint16_t, 0x0C> {};
using unmask_sbr = field<port_control, 0>;
using unmask_link_disable = field<port_control, 1>;
using alt_memory_and_id_space_enable = field<port_control, 2>;
using alt_bme = field<port_control, 3>;
using viral_enable = field<port_control, 14>;
struct alt_bus_base : reg<std::uint8_t, 0x0E> {};
struct alt_bus_limit : reg<std::uint8_t, 0x0F> {};
struct alt_memory_base : reg<std::uint16_t, 0x10> {};
struct alt_memory_limit : reg<std::uint16_t, 0x12> {};
struct alt_prefetch_base : reg<std::uint16_t, 0x14> {};
struct alt_prefetch_limit : reg<std::uint16_t, 0x16> {};
struct alt_prefetch_base_high : reg<std::uint32_t, 0x18> {};
struct alt_prefetch_limit_high : reg<std::uint32_t, 0x1C> {};
struct rcrb_base : reg<std::uint32_t, 0x20> {};
struct rcrb_base_high : reg<std::uint32_t, 0x24> {};
} // namespace port_extensions

/// MLD DVSEC, ID 9.
namespace mld {
struct number_of_lds : reg<std::uint16_t, 0x0A> {
    static constexpr bool read_only = true;
};
inline constexpr unsigned max_lds = 16;
} // namespace mld

/// Non-CXL Function Map DVSEC, ID 2: eight 32-bit map registers.
namespace non_cxl_function_map {
struct map : reg_array<std::uint32_t, 0x0C, 4> {};
inline constexpr unsigned map_count = 8;
} // namespace non_cxl_function_map

} // namespace cxlfw::spec
