// The ACPI root driver (Linux drivers/cxl/acpi.c, cxl_acpi) and the ACPI objects it reads:
// the CXL root object ACPI0017 (with the platform's CEDT) and the ACPI0016 host bridges.
//
// Probe (Linux cxl_acpi_probe), for the ACPI0017 device:
//   1. parse the CEDT bytes (spec::parse_cedt); a bad header fails the probe; every skipped
//      subtable (a bad or overlapping window, one listing a host bridge twice, a bad CHBS, two
//      CHBS on one register block) is noted: core::cxl_core::messages();
//   2. root0 (core::add_root), owned by this binding;
//   3. a dport per ACPI0016 host bridge that has a CHBS with its _UID (port id = _UID;
//      CHBS version 0 = an RCH, dport marked rch) whose register block is what the version
//      says: an RCRB (Linux __rcrb_to_component) or a CHBCR (a component block). A host
//      bridge without a CHBS, or whose CHBS is flipped, is skipped and noted; a block where
//      nothing answers (a failed read, all ones, unmapped MMIO) fails the probe, as in Linux;
//   4. a root decoder per accepted CFMWS (decoder0.N in table order); a window naming a host
//      bridge that is not a dport is skipped and noted; the driver still binds;
//   5. a port per VH host bridge (uport the host bridge, component registers the CHBCR on
//      the system bus), bound at once if cxl_port is there;
//   6. signal "cxl_root:root0" (core::root_ready_event) and rescan the cxl bus, so memdevs
//      that came first attach now.
#pragma once

#include <cxlfw/base/platform.hpp>
#include <cxlfw/config.hpp>
#include <cxlfw/hw/bus.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace cxlfw::drivers {

/// The CXL root object (_HID ACPI0017). Firmware gives it the CEDT's bytes and the system
/// address space its tables point into (CHBCRs, RCRBs).
class acpi_cxl_root final : public base::platform_device {
public:
    acpi_cxl_root(std::string name, std::vector<std::byte> cedt, hw::bus_ref system_bus)
        : platform_device{std::move(name), "ACPI0017"}, cedt_{std::move(cedt)}, system_{
                                                                                    system_bus} {}

    std::span<const std::byte> cedt() const noexcept { return cedt_; }
    hw::bus_ref system_bus() const noexcept { return system_; }

private:
    std::vector<std::byte> cedt_;
    hw::bus_ref system_;
};

/// A CXL host bridge (_HID ACPI0016), named after its root bus ("pci0000:0c"). Root ports
/// and RCDs are its children. `rcrb` is where an RCH's RCRB lies (its CHBS base), which the
/// PCI driver of an RCD reads its component registers through.
class acpi_host_bridge final : public base::platform_device {
public:
    acpi_host_bridge(std::string name, std::uint32_t uid, hw::bus_ref system_bus,
                     std::optional<std::uint64_t> rcrb = std::nullopt)
        : platform_device{std::move(name), "ACPI0016"}, uid_{uid}, system_{system_bus}, rcrb_{
                                                                                            rcrb} {}

    std::uint32_t uid() const noexcept { return uid_; }
    hw::bus_ref system_bus() const noexcept { return system_; }
    std::optional<std::uint64_t> rcrb() const noexcept { return rcrb_; }

private:
    std::uint32_t uid_;
    hw::bus_ref system_;
    std::optional<std::uint64_t> rcrb_;
};

class cxl_acpi final : public base::platform_driver {
public:
    cxl_acpi() : platform_driver{"cxl_acpi", {"ACPI0017"}} {}

    CXLFW_DECL base::probe_outcome probe(base::device& dev) override;
};

} // namespace cxlfw::drivers

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/drivers/impl/cxl_acpi.ipp>
#endif
