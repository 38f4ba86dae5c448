// Mailbox command payloads (CXL 2.0 §8.2.9; Linux drivers/cxl/cxlmem.h): Identify Memory
// Device, Get/Set Partition Info, Get Health Info, Get Supported Logs, Get Log and the Command
// Effects Log. Every payload encodes into bytes and decodes from bytes, little-endian, in
// constant expressions. A payload shorter than its layout is `payload_too_short`; a longer one
// decodes (later spec revisions append fields), its extra bytes ignored.
//
//   auto id = mbox::identify::decode(payload);       // checked<identify>
//   mbox::capacity_bytes(id->total_capacity)         // 256 MiB units -> bytes
#pragma once

#include <cxlfw/spec/device_regs.hpp>
#include <cxlfw/spec/errc.hpp>
#include <cxlfw/spec/uuid.hpp>
#include <cxlfw/units.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <string_view>

namespace cxlfw::spec {

/// Command Effects Log (Linux drivers/cxl/cxlmem.h DEFINE_CXL_CEL_UUID).
inline constexpr uuid cel_log_uuid = uuid::literal("0da9c0b5-bf41-4b78-8f79-96b1623b3f17");
/// Vendor debug log (Linux drivers/cxl/cxlmem.h DEFINE_CXL_VENDOR_DEBUG_UUID).
inline constexpr uuid vendor_debug_log_uuid = uuid::literal("5e1819d9-11a9-400c-811f-d60719403d86");

namespace mbox {

namespace detail {
constexpr std::uint64_t load(std::span<const std::byte> b, std::size_t at, unsigned n) noexcept {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i)
        v |= std::uint64_t{std::to_integer<std::uint8_t>(b[at + i])} << (8 * i);
    return v;
}
constexpr void store(std::span<std::byte> b, std::size_t at, unsigned n, std::uint64_t v) noexcept {
    for (unsigned i = 0; i < n; ++i)
        b[at + i] = static_cast<std::byte>(static_cast<std::uint8_t>(v >> (8 * i)));
}
constexpr uuid load_uuid(std::span<const std::byte> b, std::size_t at) noexcept {
    uuid u;
    for (std::size_t i = 0; i < u.bytes.size(); ++i)
        u.bytes[i] = std::to_integer<std::uint8_t>(b[at + i]);
    return u;
}
constexpr void store_uuid(std::span<std::byte> b, std::size_t at, uuid const& u) noexcept {
    for (std::size_t i = 0; i < u.bytes.size(); ++i)
        b[at + i] = static_cast<std::byte>(u.bytes[i]);
}

/// encode() for every fixed-size payload: into a std::array of exactly its size.
template <class P>
constexpr checked<std::array<std::byte, P::size>> encode_array(P const& p) noexcept {
    std::array<std::byte, P::size> out{};
    auto n = p.encode_to(out);
    if (!n) return n.error();
    return out;
}
} // namespace detail

/// Capacities are in 256 MiB units (CXL 2.0 §8.2.9.5; Linux drivers/cxl/cxlmem.h
/// CXL_CAPACITY_MULTIPLIER).
inline constexpr std::uint64_t capacity_unit = hdm_alignment;

constexpr checked<std::uint64_t> capacity_bytes(std::uint64_t units) noexcept {
    if (units > ~std::uint64_t{0} / capacity_unit) return errc::capacity_overflow;
    return units * capacity_unit;
}
constexpr checked<std::uint64_t> capacity_units(std::uint64_t bytes) noexcept {
    if (!is_aligned(bytes, capacity_unit)) return errc::not_256mib_aligned;
    return bytes / capacity_unit;
}

/// Identify Memory Device (0x4000) output, 0x43 bytes (CXL 2.0 §8.2.9.5.1.1; Linux
/// drivers/cxl/cxlmem.h struct cxl_mbox_identify).
struct identify {
    static constexpr std::size_t size = 0x43;

    std::array<char, 16> fw_revision{}; ///< ASCII, NUL padded
    std::uint64_t total_capacity = 0;   ///< 256 MiB units
    std::uint64_t volatile_capacity = 0;
    std::uint64_t persistent_capacity = 0;
    std::uint64_t partition_align = 0;
    std::uint16_t info_event_log_size = 0;
    std::uint16_t warning_event_log_size = 0;
    std::uint16_t failure_event_log_size = 0;
    std::uint16_t fatal_event_log_size = 0;
    std::uint32_t lsa_size = 0;            ///< bytes
    std::uint32_t poison_list_max_mer = 0; ///< 24 bits on the wire
    std::uint16_t inject_poison_limit = 0;
    std::uint8_t poison_caps = 0;
    std::uint8_t qos_telemetry_caps = 0;

    /// The firmware revision up to its first NUL.
    constexpr std::string_view fw_revision_text() const noexcept {
        std::size_t n = 0;
        while (n < fw_revision.size() && fw_revision[n] != '\0')
            ++n;
        return {fw_revision.data(), n};
    }
    /// `text` as a NUL-padded 16-byte firmware revision (longer text does not fit).
    static constexpr checked<std::array<char, 16>>
    make_fw_revision(std::string_view text) noexcept {
        if (text.size() > 16) return errc::field_overflow;
        std::array<char, 16> out{};
        for (std::size_t i = 0; i < text.size(); ++i)
            out[i] = text[i];
        return out;
    }

    constexpr checked<std::size_t> encode_to(std::span<std::byte> out) const noexcept {
        if (out.size() < size) return errc::buffer_too_small;
        if (poison_list_max_mer > 0xFF'FFFF) return errc::field_overflow;
        for (std::size_t i = 0; i < fw_revision.size(); ++i)
            out[i] = static_cast<std::byte>(fw_revision[i]);
        detail::store(out, 0x10, 8, total_capacity);
        detail::store(out, 0x18, 8, volatile_capacity);
        detail::store(out, 0x20, 8, persistent_capacity);
        detail::store(out, 0x28, 8, partition_align);
        detail::store(out, 0x30, 2, info_event_log_size);
        detail::store(out, 0x32, 2, warning_event_log_size);
        detail::store(out, 0x34, 2, failure_event_log_size);
        detail::store(out, 0x36, 2, fatal_event_log_size);
        detail::store(out, 0x38, 4, lsa_size);
        detail::store(out, 0x3C, 3, poison_list_max_mer);
        detail::store(out, 0x3F, 2, inject_poison_limit);
        detail::store(out, 0x41, 1, poison_caps);
        detail::store(out, 0x42, 1, qos_telemetry_caps);
        return size;
    }
    constexpr checked<std::array<std::byte, size>> encode() const noexcept {
        return detail::encode_array(*this);
    }
    static constexpr checked<identify> decode(std::span<const std::byte> in) noexcept {
        if (in.size() < size) return errc::payload_too_short;
        identify r;
        for (std::size_t i = 0; i < r.fw_revision.size(); ++i)
            r.fw_revision[i] = static_cast<char>(std::to_integer<std::uint8_t>(in[i]));
        r.total_capacity = detail::load(in, 0x10, 8);
        r.volatile_capacity = detail::load(in, 0x18, 8);
        r.persistent_capacity = detail::load(in, 0x20, 8);
        r.partition_align = detail::load(in, 0x28, 8);
        r.info_event_log_size = static_cast<std::uint16_t>(detail::load(in, 0x30, 2));
        r.warning_event_log_size = static_cast<std::uint16_t>(detail::load(in, 0x32, 2));
        r.failure_event_log_size = static_cast<std::uint16_t>(detail::load(in, 0x34, 2));
        r.fatal_event_log_size = static_cast<std::uint16_t>(detail::load(in, 0x36, 2));
        r.lsa_size = static_cast<std::uint32_t>(detail::load(in, 0x38, 4));
        r.poison_list_max_mer = static_cast<std::uint32_t>(detail::load(in, 0x3C, 3));
        r.inject_poison_limit = static_cast<std::uint16_t>(detail::load(in, 0x3F, 2));
        r.poison_caps = static_cast<std::uint8_t>(detail::load(in, 0x41, 1));
        r.qos_telemetry_caps = static_cast<std::uint8_t>(detail::load(in, 0x42, 1));
        return r;
    }
    friend constexpr bool operator==(identify const&, identify const&) = default;
};

/// Get Partition Info (0x4100) output, 0x20 bytes; capacities in 256 MiB units (Linux
/// drivers/cxl/cxlmem.h struct cxl_mbox_get_partition_info).
struct partition_info {
    static constexpr std::size_t size = 0x20;

    std::uint64_t active_volatile = 0;
    std::uint64_t active_persistent = 0;
    std::uint64_t next_volatile = 0;
    std::uint64_t next_persistent = 0;

    constexpr checked<std::size_t> encode_to(std::span<std::byte> out) const noexcept {
        if (out.size() < size) return errc::buffer_too_small;
        detail::store(out, 0x00, 8, active_volatile);
        detail::store(out, 0x08, 8, active_persistent);
        detail::store(out, 0x10, 8, next_volatile);
        detail::store(out, 0x18, 8, next_persistent);
        return size;
    }
    constexpr checked<std::array<std::byte, size>> encode() const noexcept {
        return detail::encode_array(*this);
    }
    static constexpr checked<partition_info> decode(std::span<const std::byte> in) noexcept {
        if (in.size() < size) return errc::payload_too_short;
        return partition_info{.active_volatile = detail::load(in, 0x00, 8),
                              .active_persistent = detail::load(in, 0x08, 8),
                              .next_volatile = detail::load(in, 0x10, 8),
                              .next_persistent = detail::load(in, 0x18, 8)};
    }
    friend constexpr bool operator==(partition_info const&, partition_info const&) = default;
};

/// Set Partition Info (0x4101) input: volatile capacity (256 MiB units) and flags, 9 bytes
/// (Linux drivers/cxl/cxlmem.h struct cxl_mbox_set_partition_info, packed).
struct set_partition_info {
    static constexpr std::size_t size = 0x09;
    static constexpr std::uint8_t flag_immediate = 0x01;

    std::uint64_t volatile_capacity = 0;
    std::uint8_t flags = 0;

    constexpr bool immediate() const noexcept { return (flags & flag_immediate) != 0; }

    constexpr checked<std::size_t> encode_to(std::span<std::byte> out) const noexcept {
        if (out.size() < size) return errc::buffer_too_small;
        detail::store(out, 0x00, 8, volatile_capacity);
        detail::store(out, 0x08, 1, flags);
        return size;
    }
    constexpr checked<std::array<std::byte, size>> encode() const noexcept {
        return detail::encode_array(*this);
    }
    static constexpr checked<set_partition_info> decode(std::span<const std::byte> in) noexcept {
        if (in.size() < size) return errc::payload_too_short;
        return set_partition_info{.volatile_capacity = detail::load(in, 0x00, 8),
                                  .flags = static_cast<std::uint8_t>(detail::load(in, 0x08, 1))};
    }
    friend constexpr bool operator==(set_partition_info const&,
                                     set_partition_info const&) = default;
};

/// Get Health Info (0x4200) output, 0x12 bytes
/// (Linux drivers/cxl/cxlmem.h struct cxl_mbox_get_health_info_out).
struct health_info {
    static constexpr std::size_t size = 0x12;

    std::uint8_t health_status = 0;
    std::uint8_t media_status = 0;
    std::uint8_t additional_status = 0;
    std::uint8_t life_used = 0;
    std::uint16_t device_temperature = 0; ///< raw, as on the wire
    std::uint32_t dirty_shutdown_count = 0;
    std::uint32_t corrected_volatile_errors = 0;
    std::uint32_t corrected_persistent_errors = 0;

    constexpr checked<std::size_t> encode_to(std::span<std::byte> out) const noexcept {
        if (out.size() < size) return errc::buffer_too_small;
        detail::store(out, 0x00, 1, health_status);
        detail::store(out, 0x01, 1, media_status);
        detail::store(out, 0x02, 1, additional_status);
        detail::store(out, 0x03, 1, life_used);
        detail::store(out, 0x04, 2, device_temperature);
        detail::store(out, 0x06, 4, dirty_shutdown_count);
        detail::store(out, 0x0A, 4, corrected_volatile_errors);
        detail::store(out, 0x0E, 4, corrected_persistent_errors);
        return size;
    }
    constexpr checked<std::array<std::byte, size>> encode() const noexcept {
        return detail::encode_array(*this);
    }
    static constexpr checked<health_info> decode(std::span<const std::byte> in) noexcept {
        if (in.size() < size) return errc::payload_too_short;
        return health_info{
            .health_status = static_cast<std::uint8_t>(detail::load(in, 0x00, 1)),
            .media_status = static_cast<std::uint8_t>(detail::load(in, 0x01, 1)),
            .additional_status = static_cast<std::uint8_t>(detail::load(in, 0x02, 1)),
            .life_used = static_cast<std::uint8_t>(detail::load(in, 0x03, 1)),
            .device_temperature = static_cast<std::uint16_t>(detail::load(in, 0x04, 2)),
            .dirty_shutdown_count = static_cast<std::uint32_t>(detail::load(in, 0x06, 4)),
            .corrected_volatile_errors = static_cast<std::uint32_t>(detail::load(in, 0x0A, 4)),
            .corrected_persistent_errors = static_cast<std::uint32_t>(detail::load(in, 0x0E, 4))};
    }
    friend constexpr bool operator==(health_info const&, health_info const&) = default;
};

/// Get Log (0x0401) input: log UUID, offset, length; 0x18 bytes
/// (Linux drivers/cxl/cxlmem.h struct cxl_mbox_get_log).
struct get_log {
    static constexpr std::size_t size = 0x18;

    uuid log;
    std::uint32_t offset = 0;
    std::uint32_t length = 0;

    constexpr checked<std::size_t> encode_to(std::span<std::byte> out) const noexcept {
        if (out.size() < size) return errc::buffer_too_small;
        detail::store_uuid(out, 0x00, log);
        detail::store(out, 0x10, 4, offset);
        detail::store(out, 0x14, 4, length);
        return size;
    }
    constexpr checked<std::array<std::byte, size>> encode() const noexcept {
        return detail::encode_array(*this);
    }
    static constexpr checked<get_log> decode(std::span<const std::byte> in) noexcept {
        if (in.size() < size) return errc::payload_too_short;
        return get_log{.log = detail::load_uuid(in, 0x00),
                       .offset = static_cast<std::uint32_t>(detail::load(in, 0x10, 4)),
                       .length = static_cast<std::uint32_t>(detail::load(in, 0x14, 4))};
    }
    friend constexpr bool operator==(get_log const&, get_log const&) = default;
};

/// One entry of Get Supported Logs: which log, and how many bytes it holds.
struct log_entry {
    static constexpr std::size_t size = 0x14;
    uuid log;
    std::uint32_t log_size = 0;
    friend constexpr bool operator==(log_entry const&, log_entry const&) = default;
};

/// A read-only view of n fixed-size records after a header, decoded on access.
template <class Entry, class Decode>
class record_view {
public:
    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = Entry;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = Entry;

        constexpr iterator() = default;
        constexpr iterator(record_view const* v, std::size_t i) noexcept : v_{v}, i_{i} {}
        constexpr Entry operator*() const noexcept { return (*v_)[i_]; }
        constexpr iterator& operator++() noexcept {
            ++i_;
            return *this;
        }
        constexpr iterator operator++(int) noexcept {
            auto old = *this;
            ++i_;
            return old;
        }
        friend constexpr bool operator==(iterator const& a, iterator const& b) noexcept {
            return a.i_ == b.i_;
        }

    private:
        record_view const* v_ = nullptr;
        std::size_t i_ = 0;
    };

    constexpr record_view() = default;
    constexpr record_view(std::span<const std::byte> records, std::size_t count) noexcept
        : records_{records}, count_{count} {}

    constexpr std::size_t size() const noexcept { return count_; }
    constexpr bool empty() const noexcept { return count_ == 0; }
    /// Entry i; i must be below size().
    constexpr Entry operator[](std::size_t i) const noexcept {
        return Decode{}(records_.subspan(i * Entry::size, Entry::size));
    }
    constexpr iterator begin() const noexcept { return {this, 0}; }
    constexpr iterator end() const noexcept { return {this, count_}; }

private:
    std::span<const std::byte> records_;
    std::size_t count_ = 0;
};

namespace detail {
struct decode_log_entry {
    constexpr log_entry operator()(std::span<const std::byte> b) const noexcept {
        return {.log = load_uuid(b, 0), .log_size = static_cast<std::uint32_t>(load(b, 0x10, 4))};
    }
};
} // namespace detail

/// Get Supported Logs (0x0400) output: entry count (2), reserved (6), then count entries of
/// {UUID (16), size (4)} (Linux drivers/cxl/cxlmem.h struct cxl_mbox_get_supported_logs).
/// The view borrows the bytes.
struct supported_logs {
    static constexpr std::size_t header_size = 0x08;
    static constexpr std::size_t max_entries = 0xFFFF;

    record_view<log_entry, detail::decode_log_entry> entries;

    constexpr std::size_t size() const noexcept { return entries.size(); }
    constexpr bool empty() const noexcept { return entries.empty(); }
    constexpr log_entry operator[](std::size_t i) const noexcept { return entries[i]; }
    constexpr auto begin() const noexcept { return entries.begin(); }
    constexpr auto end() const noexcept { return entries.end(); }

    static constexpr std::size_t encoded_size(std::size_t count) noexcept {
        return header_size + count * log_entry::size;
    }

    /// The count must fit in the bytes given (Linux trusts it; we check).
    static constexpr checked<supported_logs> decode(std::span<const std::byte> in) noexcept {
        if (in.size() < header_size) return errc::payload_too_short;
        std::size_t const count = static_cast<std::size_t>(detail::load(in, 0, 2));
        if ((in.size() - header_size) / log_entry::size < count) return errc::log_count_mismatch;
        return supported_logs{.entries = {in.subspan(header_size, count * log_entry::size), count}};
    }

    static constexpr checked<std::size_t> encode(std::span<const log_entry> logs,
                                                 std::span<std::byte> out) noexcept {
        if (logs.size() > max_entries) return errc::field_overflow;
        std::size_t const n = encoded_size(logs.size());
        if (out.size() < n) return errc::buffer_too_small;
        detail::store(out, 0, 2, logs.size());
        detail::store(out, 2, 6, 0);
        for (std::size_t i = 0; i < logs.size(); ++i) {
            std::size_t const at = header_size + i * log_entry::size;
            detail::store_uuid(out, at, logs[i].log);
            detail::store(out, at + 0x10, 4, logs[i].log_size);
        }
        return n;
    }
};

/// One Command Effects Log entry: opcode (2), command effect flags (2)
/// (Linux drivers/cxl/cxlmem.h struct cxl_cel_entry).
struct cel_entry {
    static constexpr std::size_t size = 0x04;
    spec::opcode opcode{};
    std::uint16_t effect = 0;
    friend constexpr bool operator==(cel_entry const&, cel_entry const&) = default;
};

namespace detail {
struct decode_cel_entry {
    constexpr cel_entry operator()(std::span<const std::byte> b) const noexcept {
        return {.opcode = static_cast<spec::opcode>(load(b, 0, 2)),
                .effect = static_cast<std::uint16_t>(load(b, 2, 2))};
    }
};
} // namespace detail

/// The Command Effects Log as Get Log returns it: a whole number of 4-byte entries.
struct command_effects_log {
    record_view<cel_entry, detail::decode_cel_entry> entries;

    constexpr std::size_t size() const noexcept { return entries.size(); }
    constexpr bool empty() const noexcept { return entries.empty(); }
    constexpr cel_entry operator[](std::size_t i) const noexcept { return entries[i]; }
    constexpr auto begin() const noexcept { return entries.begin(); }
    constexpr auto end() const noexcept { return entries.end(); }

    static constexpr checked<command_effects_log> decode(std::span<const std::byte> in) noexcept {
        if (in.size() % cel_entry::size != 0) return errc::partial_cel_entry;
        return command_effects_log{.entries = {in, in.size() / cel_entry::size}};
    }

    static constexpr checked<std::size_t> encode(std::span<const cel_entry> cel,
                                                 std::span<std::byte> out) noexcept {
        std::size_t const n = cel.size() * cel_entry::size;
        if (out.size() < n) return errc::buffer_too_small;
        for (std::size_t i = 0; i < cel.size(); ++i) {
            detail::store(out, i * cel_entry::size, 2, static_cast<std::uint16_t>(cel[i].opcode));
            detail::store(out, i * cel_entry::size + 2, 2, cel[i].effect);
        }
        return n;
    }
};

} // namespace mbox
} // namespace cxlfw::spec
