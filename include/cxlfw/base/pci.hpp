// PCI devices and drivers, matched by id tables (Linux keeps these in drivers/pci; here the
// driver model owns id matching). Whoever creates a pci_device (the emulated platform's
// glue) gives it its identity, its config space and its BARs as access buses.
//
//   static const base::pci_class_id cxl_mem_class{0x050210, 0xFFFFFF};  // what Linux cxl_pci binds
//   struct cxl_pci final : base::pci_driver {
//       cxl_pci() : pci_driver{"cxl_pci", {}, {cxl_mem_class}, base::probe_type::prefer_async} {}
//       ...
//   };
#pragma once

#include <cxlfw/base/bus.hpp>
#include <cxlfw/base/device.hpp>
#include <cxlfw/base/driver.hpp>
#include <cxlfw/base/errc.hpp>
#include <cxlfw/config.hpp>
#include <cxlfw/hw/bus.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace cxlfw::base {

/// A vendor/device pair; `any` matches every value (Linux PCI_ANY_ID).
struct pci_id {
    static constexpr std::uint32_t any = 0xFFFF'FFFF;
    std::uint32_t vendor = any;
    std::uint32_t device = any;

    constexpr bool matches(std::uint16_t v, std::uint16_t d) const noexcept {
        return (vendor == any || vendor == v) && (device == any || device == d);
    }
};

/// A 24-bit class code (base class, subclass, programming interface) compared under a mask
/// (Linux PCI_DEVICE_CLASS).
struct pci_class_id {
    std::uint32_t class_code = 0;
    std::uint32_t mask = 0xFF'FFFF;

    constexpr bool matches(std::uint32_t code) const noexcept {
        return ((code ^ class_code) & mask & 0xFF'FFFF) == 0;
    }
};

/// What config space says a function is.
struct pci_ident {
    std::uint16_t vendor = 0;
    std::uint16_t device = 0;
    std::uint32_t class_code = 0; ///< 24 bits: base class [23:16], subclass, prog-if [7:0]
    std::uint8_t revision = 0;

    friend bool operator==(pci_ident const&, pci_ident const&) = default;
};

/// Read vendor (0x00), device (0x02), revision and class code (the dword at 0x08) from a
/// type-0 header. A vendor ID of 0xFFFF is what an absent function reads.
CXLFW_DECL result<pci_ident> read_pci_ident(hw::bus_ref config);

/// How a driver reaches one BAR: `bus` carries its registers at offsets relative to the
/// start of the BAR (0 .. size); `base` is the address the BAR is assigned (what lspci
/// shows), for reports.
struct pci_bar {
    hw::bus_ref bus;
    std::uint64_t base = 0;
    std::uint64_t size = 0;
};

class pci_device : public device {
public:
    static constexpr unsigned bar_count = 6;

    /// The "pci" bus refuses (at add_device) a class code wider than 24 bits.
    pci_device(std::string name, pci_ident ident, hw::bus_ref config)
        : device{std::move(name), "pci"}, ident_{ident}, config_{config} {}

    pci_ident const& ident() const noexcept { return ident_; }
    std::uint16_t vendor() const noexcept { return ident_.vendor; }
    std::uint16_t device_id() const noexcept { return ident_.device; }
    std::uint32_t class_code() const noexcept { return ident_.class_code; }
    std::uint8_t revision() const noexcept { return ident_.revision; }

    /// Config space (4 KiB for a PCIe function).
    hw::bus_ref config() const noexcept { return config_; }

    /// BAR `index` (0-5) if its creator set it.
    std::optional<pci_bar> bar(unsigned index) const noexcept {
        if (index >= bar_count) return std::nullopt;
        return bars_[index];
    }
    /// For the device's creator, before add_device.
    status set_bar(unsigned index, pci_bar bar);

private:
    pci_ident ident_;
    hw::bus_ref config_;
    std::array<std::optional<pci_bar>, bar_count> bars_{};
};

/// A driver for PCI functions: it matches a device if any id or any class id does.
class pci_driver : public driver {
public:
    pci_driver(std::string name, std::vector<pci_id> ids, std::vector<pci_class_id> classes = {},
               base::probe_type type = base::probe_type::sync);
    CXLFW_DECL ~pci_driver() override;

    std::span<pci_id const> ids() const noexcept { return ids_; }
    std::span<pci_class_id const> class_ids() const noexcept { return classes_; }

    bool matches(pci_device const& dev) const noexcept;

private:
    std::vector<pci_id> ids_;
    std::vector<pci_class_id> classes_;
};

class pci_bus final : public bus_type {
public:
    pci_bus() : bus_type{"pci"} {}

    CXLFW_DECL bool match(device const& dev, driver const& drv) const override;
    CXLFW_DECL status admit(device const& dev) const override;
};

} // namespace cxlfw::base

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/base/impl/pci.ipp>
#endif
