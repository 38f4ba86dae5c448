// How a device bound by a composed driver stands, for reports and tools: its mode (CXL, PCIe
// only, waiting), the fact behind it, its memdev; and which drivers are composed at all.
//
//   if (auto st = cxlfw::status_of(dev)) std::puts(to_string(st->mode).data());
//   cxlfw::composition_of(drv);   // "type2<hdm<1>,ras> attach=direct when_absent=degrade"
#pragma once

#include <cxlfw/base/device.hpp>
#include <cxlfw/base/driver.hpp>
#include <cxlfw/base/pci.hpp>
#include <cxlfw/config.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cxlfw {

/// What a composed driver's device runs on now.
enum class cxl_mode : std::uint8_t {
    none,      ///< attach::none: the device has no endpoint to attach
    cxl,       ///< attached; on_cxl has run
    pcie_only, ///< degraded: on_pcie_only ran; a watcher waits for the missing piece
    waiting,   ///< when_absent::wait: bound, on_cxl not yet
};

constexpr std::string_view to_string(cxl_mode m) noexcept {
    switch (m) {
    case cxl_mode::none:
        return "no CXL.mem";
    case cxl_mode::cxl:
        return "CXL";
    case cxl_mode::pcie_only:
        return "PCIe only";
    case cxl_mode::waiting:
        return "waiting for CXL";
    }
    return "?";
}

/// How a composed driver's device stands, for reports: `cxlfw::status_of(dev)`.
struct binding_status {
    std::string driver;      ///< the driver's name
    std::string composition; ///< describe(): "type2<hdm<1>> attach=direct when_absent=degrade"
    cxl_mode mode = cxl_mode::none;
    std::string reason; ///< the fact behind pcie_only / waiting
    std::string memdev; ///< memN, when one is registered
};

namespace policy::detail {

/// What every binding of a composed driver answers, whatever its D.
class binding_base {
public:
    virtual ~binding_base() = default;
    virtual binding_status status() const = 0;
};

/// What every composed driver answers, whatever its D.
class composed_base : public base::pci_driver {
public:
    using base::pci_driver::pci_driver;
    /// describe(): "type2<hdm<1>,ras> attach=direct when_absent=degrade"
    virtual std::string composition() const = 0;
};

} // namespace policy::detail

/// A registered driver's composition ("type3<mailbox,hdm<1>,ras> attach=mediated
/// when_absent=wait"), or nothing for a driver that is not composed.
CXLFW_DECL std::optional<std::string> composition_of(base::driver const& drv);

/// How a device bound by a composed driver stands, or nothing for other devices.
CXLFW_DECL std::optional<binding_status> status_of(base::device const& dev);

} // namespace cxlfw

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/policy/impl/status.ipp>
#endif
