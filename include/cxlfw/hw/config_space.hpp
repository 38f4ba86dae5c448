// Reading a function's config space through any access bus (a config_image, an emulated
// device, a window onto either): identity and BARs, the PCIe extended capability walk, DVSEC
// lookup, the CXL Device DVSEC and the Register Locator. Models Linux pci_find_next_ext_capability,
// pci_find_dvsec_capability, cxl_pci's DVSEC reads and cxl_find_regblock/cxl_decode_regblock.
//
// Every function takes the config space as `cfg` (offset 0 = the function's vendor ID) and an
// optional `config_diagnostic*` that, on failure, names the offset and what was found there.
//
//   auto dv = hw::read_cxl_device_dvsec(cfg);         // result<hw::cxl_device_dvsec>
//   if (!dv) ... dv.error() == hw::errc::no_cxl_device_dvsec
//   auto rl = hw::read_register_locator(cfg);         // result<hw::register_locator>
//   auto at = hw::register_block_address(cfg, *rl->find(spec::register_block_id::device));
#pragma once

#include <cxlfw/config.hpp>
#include <cxlfw/hw/bus.hpp>
#include <cxlfw/hw/errc.hpp>
#include <cxlfw/hw/window.hpp>
#include <cxlfw/result.hpp>
#include <cxlfw/spec/dvsec.hpp>
#include <cxlfw/spec/pci.hpp>

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace cxlfw::hw {

/// Where a config-space read or decode failed, beside its error code.
struct config_diagnostic {
    std::error_code code;
    std::uint32_t offset = 0; ///< config offset of the capability or register concerned
    std::string detail;       ///< what was found there
    /// The read that decided it returned all ones: what a function that does not answer
    /// gives (at 0x100 that is also how a conventional function looks; the caller knows which
    /// it asked).
    bool all_ones = false;

    std::string message() const;
};

namespace detail {

template <class Cfg>
concept config_bus = access_bus<std::remove_reference_t<Cfg>>;

/// `0x` and upper-case hex digits, as the diagnostics print offsets and IDs.
CXLFW_DECL std::string hex(std::uint64_t v);

/// Records `code` in `diag` (when given) and returns it.
CXLFW_DECL std::error_code fail(config_diagnostic* diag, std::error_code code, std::uint32_t offset,
                                std::string detail);

template <class R, class Cfg>
result<typename R::value_type> read_reg(Cfg& cfg, std::uint64_t base) {
    auto v = cfg.read(base + R::offset, sizeof(typename R::value_type));
    if (!v) return v.error();
    return static_cast<typename R::value_type>(*v);
}

template <class R, class Cfg>
result<typename R::value_type> read_reg(Cfg& cfg, std::uint64_t base, std::size_t n) {
    auto v = cfg.read(base + R::offset_of(n), sizeof(typename R::value_type));
    if (!v) return v.error();
    return static_cast<typename R::value_type>(*v);
}

} // namespace detail

// --- identity -------------------------------------------------------------------------------

struct pci_identity {
    std::uint16_t vendor_id = 0;
    std::uint16_t device_id = 0;
    std::uint32_t class_code = 0; ///< 24 bits: base class, subclass, prog-if
    std::uint8_t revision = 0;
    std::uint8_t header_layout = 0; ///< 0 endpoint, 1 bridge, 2 CardBus
    bool multi_function = false;
    friend bool operator==(pci_identity const&, pci_identity const&) = default;
};

template <detail::config_bus Cfg>
result<std::uint16_t> read_vendor_id(Cfg&& cfg) {
    return detail::read_reg<spec::pci::vendor_id>(cfg, 0);
}
template <detail::config_bus Cfg>
result<std::uint16_t> read_device_id(Cfg&& cfg) {
    return detail::read_reg<spec::pci::device_id>(cfg, 0);
}
template <detail::config_bus Cfg>
result<std::uint32_t> read_class_code(Cfg&& cfg) {
    auto v = detail::read_reg<spec::pci::class_revision>(cfg, 0);
    if (!v) return v.error();
    return spec::pci::class_code::get(*v);
}
template <detail::config_bus Cfg>
result<std::uint8_t> read_revision(Cfg&& cfg) {
    auto v = detail::read_reg<spec::pci::class_revision>(cfg, 0);
    if (!v) return v.error();
    return static_cast<std::uint8_t>(spec::pci::revision_id::get(*v));
}
/// The whole header type byte (layout [6:0], multi-function [7]).
template <detail::config_bus Cfg>
result<std::uint8_t> read_header_type(Cfg&& cfg) {
    return detail::read_reg<spec::pci::header_type>(cfg, 0);
}

template <detail::config_bus Cfg>
result<pci_identity> read_identity(Cfg&& cfg) {
    auto ids = cfg.read(0, 4);
    if (!ids) return ids.error();
    auto cr = detail::read_reg<spec::pci::class_revision>(cfg, 0);
    if (!cr) return cr.error();
    auto ht = detail::read_reg<spec::pci::header_type>(cfg, 0);
    if (!ht) return ht.error();
    return pci_identity{.vendor_id = static_cast<std::uint16_t>(*ids),
                        .device_id = static_cast<std::uint16_t>(*ids >> 16),
                        .class_code = spec::pci::class_code::get(*cr),
                        .revision = static_cast<std::uint8_t>(spec::pci::revision_id::get(*cr)),
                        .header_layout =
                            static_cast<std::uint8_t>(spec::pci::header_layout::get(*ht)),
                        .multi_function = spec::pci::multi_function::get(*ht) != 0};
}

// --- BARs -----------------------------------------------------------------------------------

struct bar_info {
    unsigned bir = 0;
    std::uint64_t address = 0; ///< memory or I/O address, flag bits masked off
    spec::pci::bar_kind kind;
    friend bool operator==(bar_info const&, bar_info const&) = default;
};

/// BAR `bir` (0..5 -> config 0x10..0x24; fewer on bridges and CardBus). A 64-bit memory BAR
/// takes its high dword from the next BAR; a BIR naming such a high dword is an error, as is
/// a 64-bit BAR in the last slot.
template <detail::config_bus Cfg>
result<bar_info> read_bar(Cfg&& cfg, unsigned bir, config_diagnostic* diag = nullptr) {
    auto bar_off = spec::pci::bar_offset(bir);
    if (!bar_off) return detail::fail(diag, bar_off.error(), 0, "BIR " + std::to_string(bir));
    auto ht = detail::read_reg<spec::pci::header_type>(cfg, 0);
    if (!ht) return detail::fail(diag, ht.error(), 0x0E, "reading the header type");
    auto const layout = spec::pci::header_layout::get(*ht);
    unsigned const count = spec::pci::bar_count(layout);
    if (count == 0)
        return detail::fail(diag, errc::unknown_header_layout, 0x0E,
                            "header layout " + detail::hex(layout));
    if (bir >= count)
        return detail::fail(diag, errc::bar_absent, static_cast<std::uint32_t>(*bar_off),
                            "BIR " + std::to_string(bir) + ", header layout " +
                                std::to_string(layout) + " has " + std::to_string(count) + " BARs");
    // Walk from BAR 0 so that the upper dword of a 64-bit BAR is recognised as such.
    for (unsigned i = 0; i <= bir; ++i) {
        auto const at = static_cast<std::uint32_t>(spec::pci::bar::offset_of(i));
        auto low = detail::read_reg<spec::pci::bar>(cfg, 0, i);
        if (!low) return detail::fail(diag, low.error(), at, "reading BAR " + std::to_string(i));
        auto const kind = spec::pci::decode_bar_kind(*low);
        if (kind.io) {
            if (i == bir) return bar_info{bir, *low & spec::pci::bar_io_address_mask, kind};
            continue;
        }
        if (!kind.is_64bit) {
            if (i == bir) return bar_info{bir, *low & spec::pci::bar_memory_address_mask, kind};
            continue;
        }
        if (i + 1 >= count)
            return detail::fail(diag, errc::bar_truncated, at,
                                "64-bit BAR " + std::to_string(i) + " is the last BAR");
        if (i + 1 == bir)
            return detail::fail(diag, errc::bar_upper_half,
                                static_cast<std::uint32_t>(spec::pci::bar::offset_of(bir)),
                                "BIR " + std::to_string(bir) + " is the upper half of 64-bit BAR " +
                                    std::to_string(i));
        if (i == bir) {
            auto high = detail::read_reg<spec::pci::bar>(cfg, 0, i + 1);
            if (!high)
                return detail::fail(diag, high.error(), at + 4,
                                    "reading BAR " + std::to_string(i + 1));
            return bar_info{
                bir, (std::uint64_t{*high} << 32) | (*low & spec::pci::bar_memory_address_mask),
                kind};
        }
        ++i; // skip the upper dword
    }
    return detail::fail(diag, errc::bar_absent, static_cast<std::uint32_t>(*bar_off),
                        "BIR " + std::to_string(bir));
}

template <detail::config_bus Cfg>
result<std::uint64_t> bar_address(Cfg&& cfg, unsigned bir, config_diagnostic* diag = nullptr) {
    auto b = read_bar(cfg, bir, diag);
    if (!b) return b.error();
    return b->address;
}

// --- the extended capability walk -----------------------------------------------------------

/// One PCIe extended capability header.
struct ext_cap {
    std::uint16_t offset = 0;
    std::uint16_t id = 0;
    std::uint8_t version = 0;
    std::uint16_t next = 0; ///< with the reserved bits [1:0] masked, as software must
    friend bool operator==(ext_cap const&, ext_cap const&) = default;
};

/// Calls `visit(ext_cap const&)` for each extended capability from 0x100 in list order; a
/// visitor returning bool stops the walk by returning false. Ends at a next pointer of 0, at an
/// all-zero header at 0x100 (no capabilities) or when the visitor stops. Errors: a 256-byte
/// image or an all-ones header at 0x100 (`extended_space_absent`), a next pointer below 0x100
/// (`ext_cap_bad_pointer`), a pointer back to a visited capability (`ext_cap_loop`), an
/// all-ones header past 0x100 (`access_fault`: the function did not answer). At most
/// 960 headers are read, so no input makes it loop.
template <detail::config_bus Cfg, class Visit>
status for_each_ext_cap(Cfg&& cfg, Visit&& visit, config_diagnostic* diag = nullptr) {
    constexpr std::uint32_t start = spec::pci::ext_cap_start;
    std::bitset<spec::pci::config_size / 4> seen;
    std::uint32_t off = start;
    auto header = cfg.read(off, 4);
    if (!header)
        return detail::fail(diag, header.error(), off, "reading the extended capability header");
    if (*header == 0) return {};
    if (*header == 0xFFFF'FFFF) {
        auto ec = detail::fail(diag, errc::extended_space_absent, off,
                               "the header at 0x100 reads all ones");
        if (diag) diag->all_ones = true;
        return ec;
    }
    for (;;) {
        seen.set(off / 4);
        ext_cap const cap{.offset = static_cast<std::uint16_t>(off),
                          .id = static_cast<std::uint16_t>(spec::pci::ext_cap_id::get(*header)),
                          .version =
                              static_cast<std::uint8_t>(spec::pci::ext_cap_version::get(*header)),
                          .next = spec::pci::ext_cap_next_offset(*header)};
        if constexpr (std::is_void_v<std::invoke_result_t<Visit&, ext_cap const&>>) {
            visit(cap);
        } else {
            if (!visit(cap)) return {};
        }
        if (cap.next == 0) return {};
        if (cap.next < start)
            return detail::fail(diag, errc::ext_cap_bad_pointer, off,
                                "capability " + detail::hex(cap.id) + " at " + detail::hex(off) +
                                    " points to " + detail::hex(cap.next));
        if (seen.test(cap.next / 4))
            return detail::fail(diag, errc::ext_cap_loop, off,
                                "capability " + detail::hex(cap.id) + " at " + detail::hex(off) +
                                    " points back to " + detail::hex(cap.next));
        off = cap.next;
        header = cfg.read(off, 4);
        if (!header)
            return detail::fail(diag, header.error(), off,
                                "reading the extended capability header at " + detail::hex(off));
        // Past 0x100 all ones is no header: the function stopped answering mid-walk (Linux
        // PCI_POSSIBLE_ERROR), and walking on would read garbage as capabilities.
        if (*header == 0xFFFF'FFFF)
            return detail::fail(diag, errc::access_fault, off,
                                "the extended capability header at " + detail::hex(off) +
                                    " reads all ones");
    }
}

template <detail::config_bus Cfg>
result<std::vector<ext_cap>> list_ext_caps(Cfg&& cfg, config_diagnostic* diag = nullptr) {
    std::vector<ext_cap> caps;
    if (auto ok = for_each_ext_cap(
            cfg, [&](ext_cap const& c) { caps.push_back(c); }, diag);
        !ok)
        return ok.error();
    return caps;
}

/// The first extended capability with `id` (Linux pci_find_ext_capability).
template <detail::config_bus Cfg>
result<ext_cap> find_ext_cap(Cfg&& cfg, std::uint16_t id, config_diagnostic* diag = nullptr) {
    std::optional<ext_cap> found;
    auto ok = for_each_ext_cap(
        cfg,
        [&](ext_cap const& c) {
            if (c.id == id) found = c;
            return !found;
        },
        diag);
    if (!ok) return ok.error();
    if (!found)
        return detail::fail(diag, errc::ext_cap_not_found, 0, "capability ID " + detail::hex(id));
    return *found;
}

// --- DVSECs ---------------------------------------------------------------------------------

/// A DVSEC's place and header: offset of its extended capability header, vendor, ID, revision
/// and length in bytes (from the extended capability header).
struct dvsec_location {
    std::uint16_t offset = 0;
    std::uint16_t vendor = 0;
    std::uint16_t id = 0;
    std::uint8_t revision = 0;
    std::uint16_t length = 0;
    friend bool operator==(dvsec_location const&, dvsec_location const&) = default;
};

namespace detail {
template <class Cfg>
result<dvsec_location> read_dvsec_header(Cfg& cfg, ext_cap const& cap, config_diagnostic* diag) {
    if (cap.offset + spec::dvsec::header_size > spec::pci::config_size)
        return fail(diag, errc::dvsec_past_end, cap.offset,
                    "DVSEC header at " + hex(cap.offset) + " is cut off at 0x1000");
    auto h1 = read_reg<spec::dvsec::header1>(cfg, cap.offset);
    if (!h1) return fail(diag, h1.error(), cap.offset + 4u, "reading DVSEC header 1");
    auto h2 = read_reg<spec::dvsec::header2>(cfg, cap.offset);
    if (!h2) return fail(diag, h2.error(), cap.offset + 8u, "reading DVSEC header 2");
    // All ones is no DVSEC (vendor 0xFFFF is never assigned): the function did not answer, and
    // skipping it would report the DVSEC missing.
    if (*h1 == 0xFFFF'FFFFu || *h2 == 0xFFFFu)
        return fail(diag, errc::access_fault, cap.offset + (*h1 == 0xFFFF'FFFFu ? 4u : 8u),
                    "DVSEC header at " + hex(cap.offset) + " reads all ones");
    return dvsec_location{.offset = cap.offset,
                          .vendor = static_cast<std::uint16_t>(spec::dvsec::vendor::get(*h1)),
                          .id = static_cast<std::uint16_t>(spec::dvsec::id::get(*h2)),
                          .revision = static_cast<std::uint8_t>(spec::dvsec::revision::get(*h1)),
                          .length = static_cast<std::uint16_t>(spec::dvsec::length::get(*h1))};
}

/// Calls `visit(dvsec_location const&)` for each DVSEC in list order until it returns false.
/// A DVSEC header that cannot be read ends the walk with its error.
template <class Cfg, class Visit>
status for_each_dvsec(Cfg& cfg, Visit&& visit, config_diagnostic* diag) {
    std::error_code header_error;
    auto ok = for_each_ext_cap(
        cfg,
        [&](ext_cap const& c) {
            if (c.id != static_cast<std::uint16_t>(spec::pci::ext_cap::dvsec)) return true;
            auto d = read_dvsec_header(cfg, c, diag);
            if (!d) {
                header_error = d.error();
                return false;
            }
            return static_cast<bool>(visit(*d));
        },
        diag);
    if (!ok) return ok.error();
    if (header_error) return header_error;
    return {};
}

/// find_dvsec's verdict on what the walk found (nullptr: nothing): `dvsec_not_found`, or the
/// length checks.
CXLFW_DECL result<dvsec_location> check_found_dvsec(dvsec_location const* found,
                                                    std::uint16_t vendor, std::uint16_t id,
                                                    config_diagnostic* diag);
} // namespace detail

/// Every DVSEC in list order, of any vendor.
template <detail::config_bus Cfg>
result<std::vector<dvsec_location>> list_dvsecs(Cfg&& cfg, config_diagnostic* diag = nullptr) {
    std::vector<dvsec_location> found;
    auto ok = detail::for_each_dvsec(
        cfg,
        [&](dvsec_location const& d) {
            found.push_back(d);
            return true;
        },
        diag);
    if (!ok) return ok.error();
    return found;
}

/// The first DVSEC of `vendor` with `id` (Linux pci_find_dvsec_capability), its length checked:
/// below the DVSEC header, or below what a CXL DVSEC of that ID and revision needs
/// (spec::min_length), is `dvsec_too_short`; running past 0x1000 is `dvsec_past_end`.
template <detail::config_bus Cfg>
result<dvsec_location> find_dvsec(Cfg&& cfg, std::uint16_t vendor, std::uint16_t id,
                                  config_diagnostic* diag = nullptr) {
    std::optional<dvsec_location> found;
    auto ok = detail::for_each_dvsec(
        cfg,
        [&](dvsec_location const& d) {
            if (d.vendor == vendor && d.id == id) found = d;
            return !found;
        },
        diag);
    if (!ok) return ok.error();
    return detail::check_found_dvsec(found ? &*found : nullptr, vendor, id, diag);
}

/// A CXL DVSEC (vendor 0x1E98).
template <detail::config_bus Cfg>
result<dvsec_location> find_dvsec(Cfg&& cfg, spec::dvsec_id id, config_diagnostic* diag = nullptr) {
    return find_dvsec(cfg, spec::cxl_vendor_id, static_cast<std::uint16_t>(id), diag);
}

/// A window onto a found DVSEC: its registers at their spec offsets, nothing past its length.
template <access_bus B>
window<B> dvsec_window(B& cfg, dvsec_location const& d) noexcept {
    return window<B>{cfg, d.offset, d.length};
}

// --- the CXL Device DVSEC -------------------------------------------------------------------

/// Everything in the CXL Device DVSEC (CXL 2.0 §8.1.3), capability and control decoded, the
/// other registers raw with accessors, and both ranges decoded whatever HDM_Count says.
struct cxl_device_dvsec {
    dvsec_location location;
    spec::cxl_device_capability capability;
    spec::cxl_device_control control;
    std::uint16_t capability_raw = 0;
    std::uint16_t control_raw = 0;
    std::uint16_t status = 0;
    std::uint16_t control2 = 0;
    std::uint16_t status2 = 0;
    std::uint16_t lock = 0;
    std::uint16_t capability2 = 0;
    std::optional<std::uint16_t> capability3; ///< DVSEC revision >= 2 only
    std::array<spec::cxl_dvsec_range, spec::cxl_dvsec::range_count> ranges{};

    bool viral_status() const noexcept { return spec::cxl_dvsec::viral_status::get(status); }
    bool cache_invalid() const noexcept { return spec::cxl_dvsec::cache_invalid::get(status2); }
    bool cxl_reset_complete() const noexcept {
        return spec::cxl_dvsec::cxl_reset_complete::get(status2);
    }
    bool cxl_reset_error() const noexcept { return spec::cxl_dvsec::cxl_reset_error::get(status2); }
    bool pm_init_complete() const noexcept {
        return spec::cxl_dvsec::power_management_init_complete::get(status2);
    }
    bool config_locked() const noexcept { return spec::cxl_dvsec::config_lock::get(lock); }
    unsigned cache_size_unit() const noexcept {
        return spec::cxl_dvsec::cache_size_unit::get(capability2);
    }
    unsigned cache_size() const noexcept { return spec::cxl_dvsec::cache_size::get(capability2); }
};

/// Reads the CXL Device DVSEC (Linux drivers/cxl/pci.c: cxl_pci_probe()'s DVSEC lookup and
/// cxl_dvsec_ranges()). No such DVSEC is `no_cxl_device_dvsec`, whose diagnostic lists the
/// capabilities that are there.
template <detail::config_bus Cfg>
result<cxl_device_dvsec> read_cxl_device_dvsec(Cfg&& cfg, config_diagnostic* diag = nullptr) {
    auto loc = find_dvsec(cfg, spec::dvsec_id::cxl_device, diag);
    if (!loc) {
        if (loc.error() != errc::dvsec_not_found) return loc.error();
        std::string seen;
        (void)for_each_ext_cap(cfg, [&](ext_cap const& c) {
            seen += (seen.empty() ? "" : ", ") + detail::hex(c.id) + "@" + detail::hex(c.offset);
        });
        return detail::fail(diag, errc::no_cxl_device_dvsec, 0,
                            "extended capabilities (ID@offset): " +
                                (seen.empty() ? std::string{"none"} : seen));
    }
    namespace f = spec::cxl_dvsec;
    auto w = dvsec_window(cfg, *loc);
    cxl_device_dvsec r;
    r.location = *loc;
    auto const fail_at = [&](std::error_code ec, std::size_t reg) {
        return detail::fail(diag, ec, static_cast<std::uint32_t>(loc->offset + reg),
                            "reading CXL Device DVSEC register +" + detail::hex(reg));
    };
    std::pair<std::uint16_t*, std::size_t> const regs16[] = {
        {&r.capability_raw, f::capability::offset},
        {&r.control_raw, f::control::offset},
        {&r.status, f::status::offset},
        {&r.control2, f::control2::offset},
        {&r.status2, f::status2::offset},
        {&r.lock, f::lock::offset},
        {&r.capability2, f::capability2::offset}};
    for (auto [out, at] : regs16) {
        auto v = w.read_raw(at, 2);
        if (!v) return fail_at(v.error(), at);
        *out = static_cast<std::uint16_t>(*v);
    }
    r.capability = spec::cxl_device_capability::decode(r.capability_raw);
    r.control = spec::cxl_device_control::decode(r.control_raw);
    for (std::size_t i = 0; i < spec::cxl_dvsec::range_count; ++i) {
        spec::cxl_dvsec_range_regs regs;
        std::pair<std::uint32_t*, std::size_t> const parts[] = {
            {&regs.size_high, f::range_size_high::offset_of(i)},
            {&regs.size_low, f::range_size_low::offset_of(i)},
            {&regs.base_high, f::range_base_high::offset_of(i)},
            {&regs.base_low, f::range_base_low::offset_of(i)}};
        for (auto [out, at] : parts) {
            auto v = w.read_raw(at, 4);
            if (!v) return fail_at(v.error(), at);
            *out = static_cast<std::uint32_t>(*v);
        }
        r.ranges[i] = spec::decode_range(regs);
    }
    if (loc->revision >= 2 && loc->length >= spec::min_length(spec::dvsec_id::cxl_device, 2)) {
        auto v = w.template read<f::capability3>();
        if (!v) return fail_at(v.error(), f::capability3::offset);
        r.capability3 = *v;
    }
    return r;
}

// --- the Register Locator -------------------------------------------------------------------

/// An entry the Register Locator holds but cxlfw cannot use, and why (Linux skips such an
/// entry and keeps looking; so do we, and say so).
struct rejected_register_block {
    unsigned index = 0; ///< entry number in the DVSEC
    std::uint32_t low = 0;
    std::uint32_t high = 0;
    std::error_code why;
};

struct register_locator {
    dvsec_location location;
    std::vector<spec::register_block> blocks;      ///< non-empty usable entries, in order
    std::vector<rejected_register_block> rejected; ///< entries skipped, with the reason

    register_locator();
    register_locator(register_locator const&);
    register_locator(register_locator&&) noexcept;
    register_locator& operator=(register_locator const&);
    register_locator& operator=(register_locator&&) noexcept;
    ~register_locator();

    /// The first block of `id` (Linux cxl_find_regblock).
    std::optional<spec::register_block> find(spec::register_block_id id) const;
};

/// Reads the Register Locator DVSEC: entry count from its length (a length that is not
/// 0x0C + 8n is `spec::errc::invalid_register_locator_length`), empty entries skipped, entries
/// with a BIR above 5 rejected and reported.
template <detail::config_bus Cfg>
result<register_locator> read_register_locator(Cfg&& cfg, config_diagnostic* diag = nullptr) {
    auto loc = find_dvsec(cfg, spec::dvsec_id::register_locator, diag);
    if (!loc) {
        if (loc.error() == errc::dvsec_not_found)
            return detail::fail(diag, errc::no_register_locator, 0, "");
        return loc.error();
    }
    auto count = spec::register_locator::entry_count(loc->length);
    if (!count)
        return detail::fail(diag, count.error(), loc->offset,
                            "Register Locator at " + detail::hex(loc->offset) + " has length " +
                                detail::hex(loc->length));
    namespace f = spec::register_locator;
    auto w = dvsec_window(cfg, *loc);
    register_locator r;
    r.location = *loc;
    for (std::size_t i = 0; i < *count; ++i) {
        auto lo = w.template read<f::entry_low>(i);
        auto hi = lo ? w.template read<f::entry_high>(i) : lo;
        if (!hi) // the diagnostic names the register that failed
            return detail::fail(
                diag, hi.error(),
                static_cast<std::uint32_t>(
                    loc->offset + (lo ? f::entry_high::offset_of(i) : f::entry_low::offset_of(i))),
                "reading Register Locator entry " + std::to_string(i));
        if (*lo == 0xFFFF'FFFFu) // BIR 7, ID 0xFF: a function that did not answer
            return detail::fail(
                diag, errc::access_fault,
                static_cast<std::uint32_t>(loc->offset + f::entry_low::offset_of(i)),
                "Register Locator entry " + std::to_string(i) + " reads all ones");
        auto const block = spec::decode_register_block(*lo, *hi);
        if (block.id == spec::register_block_id::empty) continue;
        if (auto bar = spec::pci::bar_offset(block.bir); !bar) {
            r.rejected.push_back({static_cast<unsigned>(i), *lo, *hi, bar.error()});
            continue;
        }
        r.blocks.push_back(block);
    }
    return r;
}

/// Where a register block starts in the host's address space: its BAR's address plus its
/// offset (Linux drivers/cxl/core/regs.c cxl_decode_regblock()). The BAR must be a memory BAR.
template <detail::config_bus Cfg>
result<std::uint64_t> register_block_address(Cfg&& cfg, spec::register_block const& block,
                                             config_diagnostic* diag = nullptr) {
    auto bar = read_bar(cfg, block.bir, diag);
    if (!bar) return bar.error();
    auto const at = static_cast<std::uint32_t>(spec::pci::bar::offset_of(block.bir));
    if (bar->kind.io)
        return detail::fail(diag, errc::register_block_in_io_bar, at,
                            "BAR " + std::to_string(block.bir) + " is an I/O BAR");
    if (bar->address > ~std::uint64_t{0} - block.offset)
        return detail::fail(diag, errc::address_overflow, at,
                            "BAR " + detail::hex(bar->address) + " + offset " +
                                detail::hex(block.offset));
    return bar->address + block.offset;
}

} // namespace cxlfw::hw

#if defined(CXLFW_SEPARATE_COMPILATION)
// The core reads config space through the type-erased hw::bus_ref, handed over as a prvalue
// (pci_device::config()) or an lvalue: those instantiations are compiled once, in src/hw.cpp.
#define CXLFW_HW_BUS_REF_INSTANTIATIONS(Extern, Cfg, Param)                                        \
    Extern template result<pci_identity> read_identity<Cfg>(Param);                                \
    Extern template result<bar_info> read_bar<Cfg>(Param, unsigned, config_diagnostic*);           \
    Extern template result<std::uint64_t> bar_address<Cfg>(Param, unsigned, config_diagnostic*);   \
    Extern template result<std::vector<ext_cap>> list_ext_caps<Cfg>(Param, config_diagnostic*);    \
    Extern template result<ext_cap> find_ext_cap<Cfg>(Param, std::uint16_t, config_diagnostic*);   \
    Extern template result<std::vector<dvsec_location>> list_dvsecs<Cfg>(Param,                    \
                                                                         config_diagnostic*);      \
    Extern template result<dvsec_location> find_dvsec<Cfg>(Param, std::uint16_t, std::uint16_t,    \
                                                           config_diagnostic*);                    \
    Extern template result<dvsec_location> find_dvsec<Cfg>(Param, spec::dvsec_id,                  \
                                                           config_diagnostic*);                    \
    Extern template result<cxl_device_dvsec> read_cxl_device_dvsec<Cfg>(Param,                     \
                                                                        config_diagnostic*);       \
    Extern template result<register_locator> read_register_locator<Cfg>(Param,                     \
                                                                        config_diagnostic*);       \
    Extern template result<std::uint64_t> register_block_address<Cfg>(                             \
        Param, spec::register_block const&, config_diagnostic*)

namespace cxlfw::hw {
CXLFW_HW_BUS_REF_INSTANTIATIONS(extern, bus_ref, bus_ref&&);
CXLFW_HW_BUS_REF_INSTANTIATIONS(extern, bus_ref&, bus_ref&);
} // namespace cxlfw::hw
#endif

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/hw/impl/config_space.ipp>
#endif
