// The "cxl" bus (Linux drivers/cxl/core/port.c cxl_bus_type): it owns the host's CXL core
// (core/registry.hpp) and matches cxl_drivers by kind. Port drivers bind every port but root0
// (which, as in Linux, has no driver); memdev drivers bind every memdev not marked `direct`.
//
//   auto& cxl = core::attach(host);     // registers the "cxl" bus once; core::find(host) later
#pragma once

#include <cxlfw/config.hpp>

#include <cxlfw/base/bus.hpp>
#include <cxlfw/base/driver.hpp>
#include <cxlfw/core/objects.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/result.hpp>

#include <cstdint>
#include <string>

namespace cxlfw::core {

enum class cxl_device_kind : std::uint8_t { port, memdev };

/// A driver on the "cxl" bus (Linux struct cxl_driver): it drives ports (every port but the
/// root) or memdevs (every memdev not attached directly by its own driver).
class cxl_driver : public base::driver {
public:
    cxl_driver(std::string name, cxl_device_kind kind,
               base::probe_type type = base::probe_type::sync);
    CXLFW_DECL ~cxl_driver() override;
    cxl_device_kind kind() const noexcept { return kind_; }

private:
    cxl_device_kind kind_;
};

class cxl_bus final : public base::bus_type {
public:
    explicit cxl_bus(base::host& h);
    CXLFW_DECL ~cxl_bus() override;

    cxl_core& core() noexcept { return core_; }

    CXLFW_DECL bool match(base::device const& dev, base::driver const& drv) const override;
    CXLFW_DECL status admit(base::device const& dev) const override;

private:
    cxl_core core_;
};

/// The CXL core of `h`, registering the "cxl" bus on first use (Linux cxl_core_init). A
/// "cxl" bus of another type in the host is a programming error (std::bad_cast).
CXLFW_DECL cxl_core& attach(base::host& h);

/// The CXL core of `h`, or nullptr if core::attach() was never called.
CXLFW_DECL cxl_core* find(base::host const& h);

} // namespace cxlfw::core

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/core/impl/bus.ipp>
#endif
