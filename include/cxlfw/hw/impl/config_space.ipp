// Out-of-line definitions for <cxlfw/hw/config_space.hpp>: the diagnostics' text, find_dvsec's
// checks of what it found, and the Register Locator's lookup.
#pragma once

#include <cxlfw/hw/config_space.hpp>

#include <cstdio>
#include <utility>

namespace cxlfw::hw {

CXLFW_DECL std::string config_diagnostic::message() const {
    std::string m = code.message();
    if (!detail.empty()) m += " (" + detail + ")";
    return m;
}

namespace detail {

CXLFW_DECL std::string hex(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llX", static_cast<unsigned long long>(v));
    return buf;
}

CXLFW_DECL std::error_code fail(config_diagnostic* diag, std::error_code code, std::uint32_t offset,
                                std::string detail) {
    if (diag) *diag = {code, offset, std::move(detail), false};
    return code;
}

CXLFW_DECL result<dvsec_location> check_found_dvsec(dvsec_location const* found,
                                                    std::uint16_t vendor, std::uint16_t id,
                                                    config_diagnostic* diag) {
    if (!found)
        return fail(diag, errc::dvsec_not_found, 0, "vendor " + hex(vendor) + ", ID " + hex(id));
    std::size_t const need = vendor == spec::cxl_vendor_id ? spec::min_length(id, found->revision)
                                                           : spec::dvsec::header_size;
    if (found->length < need)
        return fail(diag, errc::dvsec_too_short, found->offset,
                    "DVSEC vendor " + hex(vendor) + " ID " + hex(id) + " revision " +
                        std::to_string(found->revision) + " at " + hex(found->offset) +
                        " has length " + hex(found->length) + ", needs at least " + hex(need));
    if (found->offset + std::size_t{found->length} > spec::pci::config_size)
        return fail(diag, errc::dvsec_past_end, found->offset,
                    "DVSEC at " + hex(found->offset) + " with length " + hex(found->length) +
                        " ends past 0x1000");
    return *found;
}

} // namespace detail

CXLFW_DECL register_locator::register_locator() = default;
CXLFW_DECL register_locator::register_locator(register_locator const&) = default;
CXLFW_DECL register_locator::register_locator(register_locator&&) noexcept = default;
CXLFW_DECL register_locator& register_locator::operator=(register_locator const&) = default;
CXLFW_DECL register_locator& register_locator::operator=(register_locator&&) noexcept = default;
CXLFW_DECL register_locator::~register_locator() = default;

CXLFW_DECL std::optional<spec::register_block>
register_locator::find(spec::register_block_id id) const {
    for (auto const& b : blocks)
        if (b.id == id) return b;
    return std::nullopt;
}

} // namespace cxlfw::hw
