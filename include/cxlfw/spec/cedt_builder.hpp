// cedt_builder: a CEDT (spec/cedt.hpp) emitted as bytes, header, length and checksum computed.
// The emulator builds its firmware's table with it and tests build good and bad tables; a
// driver only parses tables, so it never includes this header.
#pragma once

#include <cxlfw/config.hpp>
#include <cxlfw/spec/cedt.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace cxlfw::spec {

/// Emits a CEDT: subtables in the order added, then the header with length and checksum.
/// It writes the raw fields as given (an invalid ENIW, fewer targets than ways, ...), so tests
/// can build bad tables too; `index` fields are ignored.
///
///   auto bytes = cedt_builder{}
///       .add(chbs{.uid = 7, .cxl_version = chbs_version_cxl20, .base = 0xFED0'0000,
///                 .length = chbs_chbcr_length})
///       .add(cfmws{.base_hpa = 0x10'0000'0000, .window_size = 4_GiB, .targets = {7}})
///       .bytes();
class cedt_builder {
public:
    /// OEM "CXLFW " / "CXLFWEMU", creator "CXFW", revisions 1.
    static constexpr acpi_table_header default_header() noexcept {
        acpi_table_header h;
        h.oem_id = acpi_id<6>("CXLFW");
        h.oem_table_id = acpi_id<8>("CXLFWEMU");
        h.oem_revision = 1;
        h.creator_id = acpi_id<4>("CXFW");
        h.creator_revision = 1;
        return h;
    }

    cedt_builder();
    /// Takes revision, OEM and creator fields from `h`; signature, length and checksum are
    /// always computed.
    explicit cedt_builder(acpi_table_header const& h);
    cedt_builder(cedt_builder const&) = default;
    cedt_builder(cedt_builder&&) noexcept = default;
    cedt_builder& operator=(cedt_builder const&) = default;
    cedt_builder& operator=(cedt_builder&&) noexcept = default;
    ~cedt_builder();

    cedt_builder& add(chbs const& c);
    cedt_builder& add(cfmws const& w);
    cedt_builder& add(cxims const& x);
    cedt_builder& add(rdpas const& r);
    /// Any subtable: a header claiming `length`, then `body` as given (the two need not agree,
    /// so tests can build subtables that lie about their size).
    cedt_builder& add_raw(std::uint8_t type, std::uint16_t length, std::span<const std::byte> body);

    std::size_t subtable_count() const noexcept { return count_; }

    std::vector<std::byte> bytes() const;

private:
    void begin(std::uint8_t type, std::uint16_t length);
    void put(std::uint64_t v, std::size_t n);

    acpi_table_header header_;
    std::vector<std::byte> body_;
    std::size_t count_ = 0;
};

} // namespace cxlfw::spec

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/spec/impl/cedt_builder.ipp>
#endif
