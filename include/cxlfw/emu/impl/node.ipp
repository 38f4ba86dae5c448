// Out-of-line definitions for <cxlfw/emu/node.hpp>: construction, the PCI address and where a
// node's register blocks are. What reaches through the platform is in platform.ipp/access.ipp.
#pragma once

#include <cxlfw/emu/node.hpp>

#include <cxlfw/hw/lspci.hpp>

namespace cxlfw::emu {

CXLFW_DECL node::node(detail::node_key, platform* p, node_id id, node_kind kind) noexcept
    : platform_{p}, config_{p, this}, id_{id}, kind_{kind} {}

CXLFW_DECL node::~node() = default;

CXLFW_DECL hw::pci_address node::address() const noexcept {
    return {segment_, bus_, static_cast<std::uint8_t>(devfn_ >> 3),
            static_cast<std::uint8_t>(devfn_ & 7)};
}

CXLFW_DECL std::optional<std::uint64_t> node::component_base() const noexcept {
    if (!profile_ || !profile_->component) return std::nullopt;
    if (kind_ == node_kind::host_bridge) return chbs_version_ == 1 ? chbs_base_ : aux_;
    if (kind_ == node_kind::rcd) return aux_;
    return bar_;
}

CXLFW_DECL std::optional<std::uint64_t> node::device_regs_base() const noexcept {
    if (!profile_ || !profile_->device) return std::nullopt;
    return bar_ + profile_->device_offset;
}

} // namespace cxlfw::emu
