// Out-of-line definitions for <cxlfw/emu/platform.hpp>: the register access paths, from the
// config and MMIO buses down to the register models, with the platform's mutex held.
#pragma once

#include <cxlfw/emu/platform.hpp>

#include <cxlfw/emu/detail/regs.hpp>
#include <cxlfw/hw/bus.hpp>
#include <cxlfw/spec/component.hpp>
#include <cxlfw/spec/pci.hpp>
#include <cxlfw/units.hpp>

#include <algorithm>

namespace cxlfw::emu {

// --- the buses -----------------------------------------------------------------------------------

CXLFW_DECL result<std::uint64_t> config_bus::read(std::uint64_t offset, unsigned width) {
    return platform_->config_read(*node_, offset, width);
}

CXLFW_DECL status config_bus::write(std::uint64_t offset, unsigned width, std::uint64_t value) {
    return platform_->config_write(*node_, offset, width, value);
}

CXLFW_DECL result<std::uint64_t> mmio_bus::read(std::uint64_t address, unsigned width) {
    return platform_->mmio_access(address, width, std::nullopt);
}

CXLFW_DECL status mmio_bus::write(std::uint64_t address, unsigned width, std::uint64_t value) {
    auto r = platform_->mmio_access(address, width, value);
    if (!r) return r.error();
    return {};
}

// --- what an access needs to know --------------------------------------------------------------

CXLFW_DECL bool platform::reachable(node const& n) noexcept {
    if (!n.present()) return false;
    for (node const* p = n.parent_ptr_; p; p = p->parent_ptr_) {
        // ACPI0017 is a firmware object, not a bus: its removal (remove_acpi_root) takes the
        // CXL root away from the OS, not the host bridges' registers or the PCIe tree below.
        if (p->kind_ == node_kind::cxl_root) break;
        if (!p->present()) return false;
        if (p->has_link() && !p->link_up()) return false;
    }
    return true;
}

CXLFW_DECL bool platform::link_active(node const& port) const noexcept {
    if (!port.link_up()) return false;
    for (auto c : port.children_)
        if (nodes_[index_of(c)].present()) return true;
    return false;
}

CXLFW_DECL config_context platform::config_ctx(node const& n) noexcept {
    config_context c;
    c.now = clock_.now();
    c.powered_at = n.powered_at_;
    c.faults = &faults_;
    c.node = n.id_;
    c.bar = n.bar_;
    c.serial = n.serial_;
    c.primary_bus = n.bus_;
    c.secondary_bus = n.secondary_;
    c.subordinate_bus = n.subordinate_;
    c.port_number = n.port_number_;
    c.link_active = n.has_link() && link_active(n);
    return c;
}

CXLFW_DECL hdm_context platform::hdm_ctx(node const& n,
                                         std::span<const std::uint8_t> dports) noexcept {
    return {clock_.now(), timing_.decoder_commit, &faults_, n.id_, dports};
}

CXLFW_DECL device_context platform::device_ctx(node& n) noexcept {
    return {clock_.now(),     n.powered_at_, timing_.mailbox_command, &faults_, &n.counts_,
            &total_accesses_, n.id_};
}

CXLFW_DECL std::optional<fault_effect> platform::enter(node& n, access const& a) {
    n.counts_.count(a);
    ++total_accesses_;
    return faults_.effect_on(a);
}

CXLFW_DECL std::vector<std::uint8_t> platform::dport_ids(node const& n) const {
    std::vector<std::uint8_t> ids;
    for (auto c : n.children_) {
        node const& ch = nodes_[index_of(c)];
        if (ch.kind_ == node_kind::root_port || ch.kind_ == node_kind::downstream_port)
            ids.push_back(ch.port_number_);
    }
    return ids;
}

// --- one path for every block ------------------------------------------------------------------

namespace detail {

/// A register model seen as the dwords of one block: called with an offset it reads, with an
/// offset, a value and a byte-lane mask it writes (what read_dwords and write_dwords call).
template <class State, class Profile, class Context>
struct block_view {
    State& state;
    Profile const& profile;
    Context const& ctx;
    std::uint32_t operator()(std::uint64_t o) const { return state.read32(profile, ctx, o); }
    void operator()(std::uint64_t o, std::uint32_t v, std::uint32_t m) const {
        state.write32(profile, ctx, o, v, m);
    }
};
// Spelled out for clang 16, which does not deduce an aggregate's template arguments (C++20
// P1816 arrived in clang 17).
template <class State, class Profile, class Context>
block_view(State&, Profile const&, Context const&) -> block_view<State, Profile, Context>;

/// The same for config space, a function's or an RCRB's.
struct config_view {
    config_profile const& profile;
    config_state& state;
    config_context const& ctx;
    std::uint32_t operator()(std::uint64_t o) const {
        return config_read32(profile, state, ctx, o);
    }
    void operator()(std::uint64_t o, std::uint32_t v, std::uint32_t m) const {
        config_write32(profile, state, o, v, m);
    }
};

} // namespace detail

template <class Block>
result<std::uint64_t> platform::dword_access(node& n, region r, std::uint64_t at, std::uint64_t off,
                                             unsigned width, std::optional<std::uint64_t> value,
                                             Block const& block) {
    access const a{n.id_, r, value ? access_kind::write : access_kind::read,
                   static_cast<std::uint32_t>(at), static_cast<std::uint8_t>(width)};
    using k = fault_effect::kind;
    auto const effect = enter(n, a);
    if (effect && effect->what == k::fail) return hw::errc::access_fault;
    if (effect && effect->what == k::delay) clock_.advance(effect->delay);
    // Unreachable, or made to look so: reads return all ones, writes go nowhere (PCIe).
    if (!reachable(n) || (effect && effect->what == k::all_ones))
        return value ? 0 : detail::width_mask(width);
    if (!value) return detail::read_dwords(off, width, block);
    detail::write_dwords(off, width, *value, block);
    return 0;
}

CXLFW_DECL void platform::run_due_actions() {
    if (!faults_.action_due()) [[likely]]
        return;
    for (auto& action : faults_.take_due())
        action();
}

CXLFW_DECL result<std::uint64_t> platform::config_read(node& n, std::uint64_t off, unsigned width) {
    if (auto ok = hw::check_access(off, width, spec::pci::config_size); !ok) return ok.error();
    if (!n.is_pci()) return errc::no_config_space;
    auto r = [&] {
        std::lock_guard lock{mutex_};
        auto const ctx = config_ctx(n);
        return dword_access(n, region::config, off, off, width, std::nullopt,
                            detail::config_view{n.profile_->config, n.cfg_, ctx});
    }();
    run_due_actions();
    return r;
}

CXLFW_DECL status platform::config_write(node& n, std::uint64_t off, unsigned width,
                                         std::uint64_t value) {
    if (auto ok = hw::check_access(off, width, spec::pci::config_size); !ok) return ok.error();
    if (!n.is_pci()) return errc::no_config_space;
    auto r = [&] {
        std::lock_guard lock{mutex_};
        auto const ctx = config_ctx(n);
        return dword_access(n, region::config, off, off, width, value,
                            detail::config_view{n.profile_->config, n.cfg_, ctx});
    }();
    run_due_actions();
    if (!r) return r.error();
    return {};
}

CXLFW_DECL result<std::uint64_t> platform::component_access(node& n, std::uint64_t off,
                                                            unsigned width,
                                                            std::optional<std::uint64_t> value) {
    auto const& p = *n.profile_->component;
    auto const at = p.locate(off);
    // Only a commit consults the downstream ports (hdm_decoders::validate).
    std::vector<std::uint8_t> dports;
    if (value && at.region == region::component_hdm) dports = dport_ids(n);
    auto const ctx = hdm_ctx(n, dports);
    return dword_access(n, at.region, at.offset, off, width, value,
                        detail::block_view{n.comp_, p, ctx});
}

CXLFW_DECL result<std::uint64_t> platform::device_access(node& n, std::uint64_t off, unsigned width,
                                                         std::optional<std::uint64_t> value) {
    auto const& p = *n.profile_->device;
    auto const at = p.locate(off);
    auto const ctx = device_ctx(n);
    return dword_access(n, at.region, at.offset, off, width, value,
                        detail::block_view{n.dev_, p, ctx});
}

CXLFW_DECL result<std::uint64_t> platform::rcrb_access(node& n, std::uint64_t off, unsigned width,
                                                       std::optional<std::uint64_t> value) {
    auto ctx = config_ctx(n);
    ctx.bar = n.aux_; // MEMBAR0: the component block
    return dword_access(n, region::rcrb, off, off, width, value,
                        detail::config_view{*n.profile_->rcrb, *n.rcrb_cfg_, ctx});
}

// --- the system address space ------------------------------------------------------------------

CXLFW_DECL platform::mmio_range const* platform::find_range(std::uint64_t address,
                                                            unsigned width) const noexcept {
    auto it = std::upper_bound(ranges_.begin(), ranges_.end(), address,
                               [](std::uint64_t a, mmio_range const& r) { return a < r.base; });
    if (it == ranges_.begin()) return nullptr;
    --it;
    if (address - it->base >= it->size || it->size - (address - it->base) < width) return nullptr;
    return &*it;
}

CXLFW_DECL result<std::uint64_t> platform::mmio_access(std::uint64_t address, unsigned width,
                                                       std::optional<std::uint64_t> value) {
    auto r = mmio_dispatch(address, width, value);
    run_due_actions();
    return r;
}

CXLFW_DECL result<std::uint64_t> platform::mmio_dispatch(std::uint64_t address, unsigned width,
                                                         std::optional<std::uint64_t> value) {
    if (auto ok = hw::check_access(address, width, ~std::uint64_t{0}); !ok) return ok.error();
    std::lock_guard lock{mutex_};
    auto const* r = find_range(address, width);
    if (!r) {
        if (window_of(address)) return memory_access(address, width, value);
        return errc::unmapped_address;
    }
    node& n = *r->target;
    std::uint64_t const off = address - r->base;
    auto const all_ones = [&]() -> result<std::uint64_t> {
        return value ? 0 : detail::width_mask(width);
    };
    switch (r->kind) {
    case block::bar0: {
        // Memory Space Enable off: the function does not claim the address (master abort).
        if (!spec::pci::memory_space_enable::get(n.cfg_.command)) return all_ones();
        auto const& p = *n.profile_;
        if (p.component_in_bar && off < spec::component::block_size)
            return component_access(n, off, width, value);
        if (p.device && off >= p.device_offset && off - p.device_offset < p.device->block_size())
            return device_access(n, off - p.device_offset, width, value);
        return value ? 0 : std::uint64_t{0};
    }
    case block::chbcr:
    case block::component:
        return component_access(n, off, width, value);
    case block::rcrb: {
        constexpr std::uint64_t half = 4_KiB;
        if (off < half) return rcrb_access(n, off, width, value);
        for (auto c : n.children_) {
            node& rcd = nodes_[index_of(c)];
            if (rcd.present() && rcd.profile_ && rcd.profile_->rcrb)
                return rcrb_access(rcd, off - half, width, value);
        }
        return all_ones(); // no upstream port RCRB: reads ~0 (Linux checks the vendor id)
    }
    }
    return errc::unmapped_address;
}

} // namespace cxlfw::emu
