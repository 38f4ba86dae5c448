// The upgrade watcher (no Linux counterpart: Linux's sfc stays on PCIe once it fell back). A
// composed device bound without CXL (degrade, wait) gets a child device on the "cxlfw" bus
// whose probe retries the attach and, while a piece is missing, defers on exactly that piece,
// so the driver model's targeted deferral re-probes it when the piece appears.
#pragma once

#include <cxlfw/base/bus.hpp>
#include <cxlfw/base/device.hpp>
#include <cxlfw/base/driver.hpp>
#include <cxlfw/base/host.hpp>
#include <cxlfw/config.hpp>
#include <cxlfw/core/errc.hpp>
#include <cxlfw/result.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace cxlfw::policy::detail {

inline constexpr std::string_view upgrade_bus_name = "cxlfw";
inline constexpr std::string_view upgrade_driver_name = "cxlfw_upgrade";

/// The watcher of a device bound without CXL: each probe retries the attach and, if a piece is
/// still missing, waits on exactly that piece. It retries even on its first probe: the piece
/// may have arrived between the device's probe and this one, and a deferral only catches
/// what appears while it is being decided (Linux deferred_trigger_count has the same rule).
class upgrade_device final : public base::device {
public:
    using retry_fn = std::function<std::optional<core::fact>()>;
    upgrade_device(std::string name, retry_fn retry);
    CXLFW_DECL ~upgrade_device() override;

    base::probe_outcome probe();

private:
    retry_fn retry_;
};

class upgrade_bus final : public base::bus_type {
public:
    upgrade_bus() : bus_type{std::string{upgrade_bus_name}} {}
    CXLFW_DECL bool match(base::device const& dev, base::driver const& drv) const override;
};

class upgrade_driver final : public base::driver {
public:
    upgrade_driver() : driver{std::string{upgrade_driver_name}, std::string{upgrade_bus_name}} {}
    CXLFW_DECL base::probe_outcome probe(base::device& dev) override;
};

/// The "cxlfw" bus and its watcher driver, once per host.
CXLFW_DECL status ensure_upgrade_support(base::host& h);

} // namespace cxlfw::policy::detail

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/policy/impl/upgrade.ipp>
#endif
