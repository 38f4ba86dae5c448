// Where the emulated platform meets the driver model (Linux tools/testing/cxl's mock platform):
// a base::host populated from an emu::platform, the stock drivers, and the platform's events
// turned into device changes. testing/machine.hpp builds the whole thing in one call.
//
//   auto p = emu::build(emu::cxl_test_topology()).value();
//   testing::platform_host ph{*p};
//   ph.populate(seed);                          // devices in a seeded arrival order
//   ph.register_drivers(order);                 // the four stock drivers, in any order
//   ph.host().settle();
//   core::dump(ph.cxl());                       // the same text for every seed and order
//
// | node          | device                                                      |
// |---------------|-------------------------------------------------------------|
// | ACPI0017 root | acpi_cxl_root "ACPI0017:00": the CEDT bytes, the system bus |
// | host bridge   | acpi_host_bridge "pciSSSS:BB": _UID, RCRB (an RCH)          |
// | PCI function  | base::pci_device "SSSS:BB:DD.F": config space, BAR0 as a    |
// |               | window on the system bus; parent = the node's parent        |
//
// | platform event | what the host sees                                                |
// |----------------|-------------------------------------------------------------------|
// | device_added   | the device (hot-add: names reserved first)                        |
// | device_removed | the device removed (the ACPI root: its driver unbound first)      |
// | link_down      | core::set_link(dport, false): memdevs below detached              |
// | link_up        | core::set_link(dport, true) (signal, cxl rescan) and a pci rescan |
//
// Names (docs/core.md): before any device arrives the glue reserves ids in topology (node id)
// order: port ids 1, 2, ... for VH host bridges, switch upstream ports and memory devices
// (their endpoint ports), memdev ids 0, 1, ... for Type-3 devices, then Type-2 devices. So
// `cxl list` names do not depend on the seed or the driver order.
//
// The platform must outlive the platform_host; the host is torn down first when it goes.
#pragma once

#include <cxlfw/base/host.hpp>
#include <cxlfw/config.hpp>
#include <cxlfw/core/bus.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/drivers/stock.hpp>
#include <cxlfw/emu/platform.hpp>
#include <cxlfw/hw/window.hpp>
#include <cxlfw/result.hpp>

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <span>
#include <string>

namespace cxlfw::testing {

class platform_host {
public:
    /// A host on the platform's clock, subscribed to the platform's events.
    explicit platform_host(emu::platform& p, base::host_options opts = {});
    /// Unsubscribes, then tears the host down (drivers unbound, devices removed).
    ~platform_host();
    platform_host(platform_host const&) = delete;
    platform_host& operator=(platform_host const&) = delete;

    base::host& host() noexcept { return host_; }
    core::cxl_core& cxl() noexcept { return *cxl_; }
    emu::platform& platform() noexcept { return *p_; }

    /// Reserve the names, then add a device for every present node: in enumeration (node
    /// id) order, or in the platform's arrival order for `seed` (parents first).
    status populate(std::optional<std::uint64_t> seed = std::nullopt);

    /// The stock drivers, in `order` (drivers::register_stock_drivers).
    status
    register_drivers(std::span<const drivers::stock_driver> order = drivers::all_stock_drivers);

    /// The device standing for a node, if it is in the host.
    base::device* device(emu::node_id id) const;

private:
    void reserve_names();
    /// Port ids in node order (first pass); memdev ids for Type-3 (first pass), then Type-2
    /// devices (second pass), with the id of the region each Type-2 device's driver maps.
    void reserve(emu::node const& n, bool type2_pass);
    status add_node(emu::node& n);
    void on_event(emu::event const& e);

    emu::platform* p_;
    std::deque<hw::window<emu::mmio_bus>> windows_; // BARs; outlive the host
    base::host host_;
    core::cxl_core* cxl_;
    emu::subscription_id sub_{};
    std::set<std::string, std::less<>> reserved_ports_, reserved_memdevs_, reserved_regions_;
    unsigned next_port_ = 1;
    unsigned next_memdev_ = 0;
    unsigned next_region_ = 0;
};

} // namespace cxlfw::testing

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/testing/impl/platform.ipp>
#endif
