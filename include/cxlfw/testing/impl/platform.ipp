// Out-of-line definitions for <cxlfw/testing/platform.hpp>: the platform's nodes as devices,
// their names reserved in topology order, and the platform's events as device changes.
#pragma once

#include <cxlfw/testing/platform.hpp>

#include <cxlfw/base/pci.hpp>
#include <cxlfw/core/port.hpp>
#include <cxlfw/drivers/cxl_acpi.hpp>

#include <memory>
#include <vector>

namespace cxlfw::testing {

CXLFW_DECL platform_host::platform_host(emu::platform& p, base::host_options opts)
    : p_{&p}, host_{p.clock(), std::move(opts)}, cxl_{&core::attach(host_)} {
    sub_ = p.subscribe([this](emu::event const& e) { on_event(e); });
}

CXLFW_DECL platform_host::~platform_host() {
    p_->unsubscribe(sub_);
    (void)host_.teardown();
}

CXLFW_DECL status platform_host::populate(std::optional<std::uint64_t> seed) {
    reserve_names();
    auto order = seed ? p_->arrival_order(*seed) : p_->enumeration_order();
    for (auto id : order)
        if (auto ok = add_node(p_->at(id)); !ok) return ok;
    return {};
}

CXLFW_DECL status platform_host::register_drivers(std::span<const drivers::stock_driver> order) {
    return drivers::register_stock_drivers(host_, order);
}

CXLFW_DECL base::device* platform_host::device(emu::node_id id) const {
    auto const* n = p_->find(id);
    return n ? host_.find_device(n->name()) : nullptr;
}

CXLFW_DECL void platform_host::reserve_names() {
    // Regions firmware committed come first, as Linux assembles them at boot: one id per
    // range an endpoint decoder holds, in node and decoder order.
    for (auto const id : p_->endpoints())
        for (unsigned n = 0;; ++n) {
            auto const d = p_->decoder(id, n);
            if (d.phase != emu::decoder_phase::committed) break;
            auto key = core::cxl_core::firmware_region_key(d.base);
            if (reserved_regions_.insert(key).second) cxl_->name_region(key, next_region_++);
        }
    for (auto const id : p_->enumeration_order())
        reserve(p_->at(id), false);
    for (auto const id : p_->enumeration_order())
        reserve(p_->at(id), true);
}

CXLFW_DECL void platform_host::reserve(emu::node const& n, bool type2_pass) {
    std::string const name{n.name()};
    bool const memory = n.is_endpoint() && (n.type() == emu::device_type::type3 ||
                                            n.type() == emu::device_type::type2);
    if (!type2_pass) {
        bool const port = (n.kind() == emu::node_kind::host_bridge && n.chbs_version() == 1) ||
                          n.kind() == emu::node_kind::upstream_port || memory;
        if (port && !reserved_ports_.contains(name)) {
            reserved_ports_.insert(name);
            cxl_->name_port(name, next_port_++);
        }
    }
    bool const want =
        type2_pass ? n.type() == emu::device_type::type2 : n.type() == emu::device_type::type3;
    if (memory && want && !reserved_memdevs_.contains(name)) {
        reserved_memdevs_.insert(name);
        cxl_->name_memdev(name, next_memdev_++);
        // A Type-2 driver maps its memory with the core's helper: name that region too.
        if (type2_pass) cxl_->name_region(name, next_region_++);
    }
}

CXLFW_DECL status platform_host::add_node(emu::node& n) {
    std::string const name{n.name()};
    if (host_.find_device(name)) return {};
    base::device* parent = nullptr;
    if (n.parent() != emu::no_node) {
        parent = device(n.parent());
        if (!parent) return base::errc::parent_absent;
    }
    hw::bus_ref const system{p_->mmio()};
    switch (n.kind()) {
    case emu::node_kind::cxl_root: {
        auto cedt = p_->cedt();
        auto d = std::make_unique<drivers::acpi_cxl_root>(
            name, std::vector<std::byte>(cedt.begin(), cedt.end()), system);
        if (auto ok = host_.add_device(std::move(d), parent); !ok) return ok.error();
        return {};
    }
    case emu::node_kind::host_bridge: {
        std::optional<std::uint64_t> rcrb;
        if (n.chbs_version() == 0) rcrb = n.chbs_base();
        auto d = std::make_unique<drivers::acpi_host_bridge>(name, n.uid(), system, rcrb);
        if (auto ok = host_.add_device(std::move(d), parent); !ok) return ok.error();
        return {};
    }
    default:
        break;
    }
    hw::bus_ref const cfg{n.config()};
    auto ident = base::read_pci_ident(cfg);
    if (!ident) return ident.error();
    auto d = std::make_unique<base::pci_device>(name, *ident, cfg);
    auto const& prof = n.profile().config;
    if (prof.has_bar && n.bar()) {
        auto& w = windows_.emplace_back(p_->mmio(), n.bar(), prof.bar_size);
        if (auto ok = d->set_bar(0, base::pci_bar{hw::bus_ref{w}, n.bar(), prof.bar_size}); !ok)
            return ok;
    }
    if (auto ok = host_.add_device(std::move(d), parent); !ok) return ok.error();
    return {};
}

CXLFW_DECL void platform_host::on_event(emu::event const& e) {
    emu::node* n = p_->find(e.node);
    if (!n) return;
    std::string const name{n->name()};
    switch (e.kind) {
    case emu::event_kind::device_added:
        reserve(*n, false);
        reserve(*n, true);
        (void)add_node(*n);
        break;
    case emu::event_kind::device_removed:
        if (base::device* d = host_.find_device(name)) {
            if (n->kind() == emu::node_kind::cxl_root) (void)host_.unbind(*d);
            (void)host_.remove_device(*d);
        }
        break;
    case emu::event_kind::link_down:
        core::set_link(*cxl_, name, false);
        break;
    case emu::event_kind::link_up:
        core::set_link(*cxl_, name, true);
        (void)host_.rescan("pci");
        break;
    }
}

} // namespace cxlfw::testing
