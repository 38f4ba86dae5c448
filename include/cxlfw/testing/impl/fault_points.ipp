// Out-of-line definitions for <cxlfw/testing/fault_points.hpp>.
#pragma once

#include <cxlfw/testing/fault_points.hpp>

#include <cxlfw/emu/platform.hpp>
#include <cxlfw/testing/machine.hpp>

#include <cstdio>

namespace cxlfw::testing {

namespace detail {
/// The register at `off` of an HDM Decoder Capability structure (CXL 2.0 §8.2.5.12), after
/// the region's name "component HDM", or empty.
inline std::string hdm_register(std::uint32_t off) {
    if (off == 0x0) return "Capability";
    if (off == 0x4) return "Global Control";
    if (off < 0x10) return {};
    static constexpr char const* regs[] = {"Base Low",         "Base High", "Size Low",
                                           "Size High",        "Control",   "Target List Low",
                                           "Target List High", "(reserved)"};
    unsigned const n = (off - 0x10) / 0x20, r = ((off - 0x10) % 0x20) / 4;
    return "decoder " + std::to_string(n) + " " + regs[r];
}
} // namespace detail

CXLFW_DECL std::string describe_access(emu::platform& p, emu::access const& a) {
    emu::node* n = p.find(a.node);
    std::string s =
        std::string{n ? n->name() : "?"} + " " + std::string{emu::region_name(a.region)};
    char off[24];
    if (a.kind == emu::access_kind::command) {
        std::snprintf(off, sizeof off, " opcode 0x%04X", static_cast<unsigned>(a.offset));
        return s + off + " command";
    }
    std::snprintf(off, sizeof off, "+0x%X", static_cast<unsigned>(a.offset));
    if (a.region == emu::region::component_hdm) {
        if (auto r = detail::hdm_register(a.offset); !r.empty())
            s += " " + r + " (" + off + ")";
        else
            s += std::string{" "} + off;
    } else {
        s += std::string{" "} + off;
    }
    return s + (a.kind == emu::access_kind::read ? " read" : " write");
}

CXLFW_DECL std::vector<fault_point> record_fault_points(machine& m,
                                                        std::function<void(machine&)> const& path) {
    auto& faults = m.platform().faults();
    faults.record(true);
    path(m);
    auto const accesses = faults.recorded();
    faults.record(false);
    std::vector<fault_point> points;
    points.reserve(accesses.size());
    for (auto const& a : accesses)
        points.push_back({a, describe_access(m.platform(), a)});
    return points;
}

} // namespace cxlfw::testing
