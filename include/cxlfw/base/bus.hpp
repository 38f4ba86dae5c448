// A bus decides which driver can drive which device (Linux bus_type::match). A host owns
// its buses by name; it comes with "pci" and "platform", and layers above add their own
// ("cxl"). Drivers are tried in registration order; the first whose probe binds or defers
// wins, a failed probe lets the next matching driver try (Linux really_probe()).
#pragma once

#include <cxlfw/config.hpp>
#include <cxlfw/result.hpp>

#include <string>
#include <utility>

namespace cxlfw::base {

class device;
class driver;

class bus_type {
public:
    explicit bus_type(std::string name) : name_{std::move(name)} {}
    virtual ~bus_type() = default;
    bus_type(bus_type const&) = delete;
    bus_type& operator=(bus_type const&) = delete;

    std::string const& name() const noexcept { return name_; }

    /// Whether `drv` can drive `dev`. Called with the host's lock held: look at the two
    /// objects only, never call the host, never throw.
    virtual bool match(device const& dev, driver const& drv) const = 0;

    /// Whether the bus takes `dev` at all (its type, its identity); `host::add_device`
    /// returns the error. Called with the host's lock held (same rules as match).
    CXLFW_DECL virtual status admit(device const& dev) const;

private:
    std::string name_;
};

} // namespace cxlfw::base

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/base/impl/bus.ipp>
#endif
