// Out-of-line definitions for <cxlfw/emu/topology.hpp>: adding elements, windows and CXIMS to
// a description, each distinct device description stored once.
#pragma once

#include <cxlfw/emu/topology.hpp>

#include <cstddef>
#include <utility>

namespace cxlfw::emu {

namespace detail {

/// Index of `s` in `list`, appending it if new (the last entry is checked first: a
/// generator adds the same description many times in a row).
template <class S>
std::uint32_t intern(std::vector<S>& list, S const& s) {
    if (!list.empty() && list.back() == s) return static_cast<std::uint32_t>(list.size() - 1);
    for (std::size_t i = 0; i < list.size(); ++i)
        if (list[i] == s) return static_cast<std::uint32_t>(i);
    list.push_back(s);
    return static_cast<std::uint32_t>(list.size() - 1);
}

} // namespace detail

CXLFW_DECL topology::topology() = default;
CXLFW_DECL topology::topology(topology const&) = default;
CXLFW_DECL topology::topology(topology&&) noexcept = default;
CXLFW_DECL topology& topology::operator=(topology const&) = default;
CXLFW_DECL topology& topology::operator=(topology&&) noexcept = default;
CXLFW_DECL topology::~topology() = default;

CXLFW_DECL topology::element_id topology::add_host_bridge(host_bridge_spec const& s) {
    host_bridges_.push_back(s);
    return add(element_kind::host_bridge, none,
               static_cast<std::uint32_t>(host_bridges_.size() - 1));
}

CXLFW_DECL topology::element_id topology::add_root_port(element_id host_bridge,
                                                        port_spec const& s) {
    return add(element_kind::root_port, host_bridge, detail::intern(ports_, s));
}

CXLFW_DECL topology::element_id topology::add_switch(element_id port, switch_spec const& s) {
    auto const spec_index = detail::intern(switches_, s);
    auto const usp = add(element_kind::upstream_port, port, spec_index);
    for (unsigned i = 0; i < s.downstream_ports; ++i)
        add(element_kind::downstream_port, usp, spec_index);
    return usp;
}

CXLFW_DECL std::span<const topology::element_id>
topology::downstream_ports(element_id upstream_port) const {
    if (upstream_port >= elements_.size()) return {};
    return elements_[upstream_port].children;
}

CXLFW_DECL topology::element_id topology::add_endpoint(element_id port, endpoint_spec const& s,
                                                       std::optional<std::uint64_t> serial) {
    auto const id = add(element_kind::endpoint, port, detail::intern(endpoints_, s));
    elements_[id].serial = serial;
    return id;
}

CXLFW_DECL void topology::add_window(window_spec w) {
    windows_.push_back(std::move(w));
}

CXLFW_DECL void topology::commit_decoder(element_id element, firmware_decoder d) {
    firmware_.push_back({element, std::move(d)});
}

CXLFW_DECL void topology::add_cxims(spec::cxims const& x) {
    cxims_.push_back(x);
}

CXLFW_DECL topology::element_id topology::add(element_kind kind, element_id parent,
                                              std::uint32_t spec_index) {
    auto const id = static_cast<element_id>(elements_.size());
    elements_.push_back({kind, parent, {}, spec_index, std::nullopt});
    if (parent == none)
        roots_.push_back(id);
    else if (parent < id)
        elements_[parent].children.push_back(id);
    return id;
}

} // namespace cxlfw::emu
