// Out-of-line definitions for <cxlfw/spec/cedt_builder.hpp>: the subtable encoders and the
// table's header, length and checksum.
#pragma once

#include <cxlfw/spec/cedt_builder.hpp>

#include <string_view>
#include <vector>

namespace cxlfw::spec {

namespace detail::cedt {

CXLFW_DECL void store_le(std::vector<std::byte>& out, std::uint64_t v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        out.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFF));
}

} // namespace detail::cedt

CXLFW_DECL cedt_builder::cedt_builder() : header_(default_header()) {}
CXLFW_DECL cedt_builder::cedt_builder(acpi_table_header const& h) : header_(h) {}
CXLFW_DECL cedt_builder::~cedt_builder() = default;

CXLFW_DECL cedt_builder& cedt_builder::add(chbs const& c) {
    begin(cedt_type::chbs, chbs_length);
    put(c.uid, 4);
    put(c.cxl_version, 4);
    put(0, 4);
    put(c.base, 8);
    put(c.length, 8);
    return *this;
}

CXLFW_DECL cedt_builder& cedt_builder::add(cfmws const& w) {
    begin(cedt_type::cfmws, static_cast<std::uint16_t>(cfmws_fixed_length + 4 * w.targets.size()));
    put(0, 4);
    put(w.base_hpa, 8);
    put(w.window_size, 8);
    put(w.eniw, 1);
    put(static_cast<std::uint8_t>(w.arithmetic), 1);
    put(0, 2);
    put(w.hbig, 4);
    put(w.restrictions, 2);
    put(w.qtg_id, 2);
    for (auto uid : w.targets)
        put(uid, 4);
    return *this;
}

CXLFW_DECL cedt_builder& cedt_builder::add(cxims const& x) {
    begin(cedt_type::cxims, static_cast<std::uint16_t>(cxims_fixed_length + 8 * x.xormaps.size()));
    put(0, 2);
    put(x.hbig, 1);
    put(x.xormaps.size(), 1);
    for (auto map : x.xormaps)
        put(map, 8);
    return *this;
}

CXLFW_DECL cedt_builder& cedt_builder::add(rdpas const& r) {
    begin(cedt_type::rdpas, rdpas_length);
    put(r.segment, 2);
    put(r.bdf, 2);
    put(r.address, 8);
    put(r.protocol, 1);
    put(0, 3);
    return *this;
}

CXLFW_DECL cedt_builder& cedt_builder::add_raw(std::uint8_t type, std::uint16_t length,
                                               std::span<const std::byte> body) {
    begin(type, length);
    body_.insert(body_.end(), body.begin(), body.end());
    return *this;
}

CXLFW_DECL std::vector<std::byte> cedt_builder::bytes() const {
    std::vector<std::byte> out;
    out.reserve(acpi_header_size + body_.size());
    for (char ch : std::string_view{"CEDT"})
        out.push_back(static_cast<std::byte>(ch));
    detail::cedt::store_le(out, acpi_header_size + body_.size(), 4);
    detail::cedt::store_le(out, header_.revision, 1);
    detail::cedt::store_le(out, 0, 1); // checksum, fixed below
    for (char ch : header_.oem_id)
        out.push_back(static_cast<std::byte>(ch));
    for (char ch : header_.oem_table_id)
        out.push_back(static_cast<std::byte>(ch));
    detail::cedt::store_le(out, header_.oem_revision, 4);
    for (char ch : header_.creator_id)
        out.push_back(static_cast<std::byte>(ch));
    detail::cedt::store_le(out, header_.creator_revision, 4);
    out.insert(out.end(), body_.begin(), body_.end());
    acpi_fix_checksum(out);
    return out;
}

CXLFW_DECL void cedt_builder::begin(std::uint8_t type, std::uint16_t length) {
    put(type, 1);
    put(0, 1);
    put(length, 2);
    ++count_;
}

CXLFW_DECL void cedt_builder::put(std::uint64_t v, std::size_t n) {
    detail::cedt::store_le(body_, v, n);
}

} // namespace cxlfw::spec
