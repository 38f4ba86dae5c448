// Where the emulated platform meets the driver model: a base::host populated from an
// emu::platform, the stock drivers, and the platform's events turned into device changes.
//
//   auto p = emu::build(emu::cxl_test_topology()).value();
//   drivers::platform_host ph{*p};
//   ph.populate(seed);                          // devices in a seeded arrival order
//   ph.register_drivers(order);                 // the four stock drivers, in any order
//   ph.host().settle();
//   core::dump(ph.cxl());                       // the same text for every seed and order
//
// | node                 | device                                                     |
// |----------------------|------------------------------------------------------------|
// | ACPI0017 root        | acpi_cxl_root "ACPI0017:00": the CEDT bytes, the system bus |
// | host bridge          | acpi_host_bridge "pciSSSS:BB": _UID, RCRB (an RCH)          |
// | PCI function         | base::pci_device "SSSS:BB:DD.F": config space, BAR0 as a   |
// |                      | window on the system bus; parent = the node's parent       |
//
// | platform event       | what the host sees                                         |
// |----------------------|------------------------------------------------------------|
// | device_added         | the device (hot-add: names reserved first)                 |
// | device_removed       | the device removed (the ACPI root: its driver unbound first) |
// | link_down            | core::set_link(dport, false): memdevs below detached       |
// | link_up              | core::set_link(dport, true) (signal, cxl rescan) and a pci rescan |
//
// Names (docs/core.md): before any device arrives the glue reserves ids in topology (node id)
// order: port ids 1, 2, ... for VH host bridges, switch upstream ports and memory devices
// (their endpoint ports), memdev ids 0, 1, ... for Type-3 devices, then Type-2 devices. So
// `cxl list` names do not depend on the seed or the driver order.
//
// The platform must outlive the platform_host; the host is torn down first when it goes.
#pragma once

#include <cxlfw/base/host.hpp>
#include <cxlfw/base/pci.hpp>
#include <cxlfw/core/bus.hpp>
#include <cxlfw/core/objects.hpp>
#include <cxlfw/core/port.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/drivers/cxl_acpi.hpp>
#include <cxlfw/drivers/cxl_mem.hpp>
#include <cxlfw/drivers/cxl_pci.hpp>
#include <cxlfw/drivers/cxl_port.hpp>
#include <cxlfw/emu/platform.hpp>
#include <cxlfw/hw/window.hpp>
#include <cxlfw/result.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace cxlfw::drivers {

enum class stock_driver : std::uint8_t { acpi, port, mem, pci };

inline constexpr std::array<stock_driver, 4> all_stock_drivers{
    stock_driver::acpi, stock_driver::port, stock_driver::mem, stock_driver::pci};

inline std::unique_ptr<base::driver> make_stock_driver(stock_driver d) {
    switch (d) {
    case stock_driver::acpi:
        return std::make_unique<cxl_acpi>();
    case stock_driver::port:
        return std::make_unique<cxl_port>();
    case stock_driver::mem:
        return std::make_unique<cxl_mem>();
    case stock_driver::pci:
        return std::make_unique<cxl_pci>();
    }
    return nullptr;
}

/// Register the stock drivers in `order` (Linux module load order is free).
inline status register_stock_drivers(base::host& h,
                                     std::span<const stock_driver> order = all_stock_drivers) {
    (void)core::attach(h);
    for (auto d : order)
        if (auto ok = h.register_driver(make_stock_driver(d)); !ok) return ok.error();
    return {};
}

class platform_host {
public:
    explicit platform_host(emu::platform& p, base::host_options opts = {})
        : p_{&p}, host_{p.clock(), std::move(opts)}, cxl_{&core::attach(host_)} {
        sub_ = p.subscribe([this](emu::event const& e) { on_event(e); });
    }
    ~platform_host() {
        p_->unsubscribe(sub_);
        (void)host_.teardown();
    }
    platform_host(platform_host const&) = delete;
    platform_host& operator=(platform_host const&) = delete;

    base::host& host() noexcept { return host_; }
    core::cxl_core& cxl() noexcept { return *cxl_; }
    emu::platform& platform() noexcept { return *p_; }

    /// Reserve the names, then add a device for every present node: in enumeration (node
    /// id) order, or in the platform's arrival order for `seed` (parents first).
    status populate(std::optional<std::uint64_t> seed = std::nullopt) {
        reserve_names();
        auto order = seed ? p_->arrival_order(*seed) : p_->enumeration_order();
        for (auto id : order)
            if (auto ok = add_node(p_->at(id)); !ok) return ok;
        return {};
    }

    status register_drivers(std::span<const stock_driver> order = all_stock_drivers) {
        return register_stock_drivers(host_, order);
    }

    /// The device standing for a node, if it is in the host.
    base::device* device(emu::node_id id) const {
        auto const* n = p_->find(id);
        return n ? host_.find_device(n->name()) : nullptr;
    }

private:
    void reserve_names() {
        for (auto const id : p_->enumeration_order())
            reserve(p_->at(id), false);
        for (auto const id : p_->enumeration_order())
            reserve(p_->at(id), true);
    }

    /// Port ids in node order (first pass); memdev ids for Type-3 (first pass), then Type-2
    /// devices (second pass), with the id of the region each Type-2 device's driver maps.
    void reserve(emu::node const& n, bool type2_pass) {
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

    status add_node(emu::node& n) {
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
            auto d = std::make_unique<acpi_cxl_root>(
                name, std::vector<std::byte>(cedt.begin(), cedt.end()), system);
            if (auto ok = host_.add_device(std::move(d), parent); !ok) return ok.error();
            return {};
        }
        case emu::node_kind::host_bridge: {
            std::optional<std::uint64_t> rcrb;
            if (n.chbs_version() == 0) rcrb = n.chbs_base();
            auto d = std::make_unique<acpi_host_bridge>(name, n.uid(), system, rcrb);
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

    void on_event(emu::event const& e) {
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

    emu::platform* p_;
    std::deque<hw::window<emu::mmio_bus>> windows_; // BARs; outlive the host
    base::host host_;
    core::cxl_core* cxl_;
    emu::subscription_id sub_{};
    std::set<std::string, std::less<>> reserved_ports_, reserved_memdevs_;
    unsigned next_port_ = 1;
    unsigned next_memdev_ = 0;
    unsigned next_region_ = 0;
};

} // namespace cxlfw::drivers
