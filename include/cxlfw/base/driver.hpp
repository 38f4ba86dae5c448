// A driver: a name, the bus it drives, and its hooks. Drivers register with a host at run
// time, in any order (Linux module load order is free); compile-time composition happens
// in the layers above, which derive from this class.
//
// | hook                                            | required | called when                      |
// |-------------------------------------------------|----------|----------------------------------|
// | `probe_outcome probe(device&)`                  | yes      | the bus matched the device to it |
// | `void remove(device&)`                          | no       | the binding ends (before devres) |
// | `probe_outcome`                                 | no       | the device waited                |
// | `on_deferral_timeout(device&, dep_key const&)`  |          | `host_options::deferral_timeout` |
//
//   struct my_driver final : base::platform_driver {
//       my_driver() : platform_driver{"my_driver", {"ACPI0017"}} {}
//       base::probe_outcome probe(base::device& dev) override {
//           if (!dev.host()->find_device("bridge0")->is_bound())
//               return base::deferred(base::dep_key::device("bridge0"), "no bridge yet");
//           auto& st = dev.devres().emplace<state>();   // released when the binding ends
//           dev.set_drvdata(&st);
//           return base::bound();
//       }
//   };
//
// Hooks run without the host's lock held and may call the host (add devices, register
// drivers, signal events, attach a device synchronously); see host.hpp.
#pragma once

#include <cxlfw/base/errc.hpp>
#include <cxlfw/base/outcome.hpp>
#include <cxlfw/config.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace cxlfw::base {

class device;
class host;
class bus_type;

/// Linux PROBE_FORCE_SYNCHRONOUS / PROBE_PREFER_ASYNCHRONOUS.
enum class probe_type : std::uint8_t {
    sync,         ///< probe on the executor's thread, one at a time
    prefer_async, ///< initial probes may run on the host's worker pool
};

namespace detail {
/// What the host keeps per driver; touched only under the host's lock.
struct driver_book {
    base::host* owner = nullptr;
    bus_type* bus = nullptr;
    std::uint64_t reg_seq = 0; // registration order, set when it becomes matchable
    bool placed = false;
    bool unregistering = false;
    unsigned users = 0; // hooks running; the object lives until they return
};
} // namespace detail

class driver {
public:
    driver(std::string name, std::string bus, base::probe_type type = base::probe_type::sync)
        : name_{std::move(name)}, bus_name_{std::move(bus)}, type_{type} {}
    virtual ~driver() = default;
    driver(driver const&) = delete;
    driver& operator=(driver const&) = delete;

    std::string const& name() const noexcept { return name_; }
    std::string const& bus_name() const noexcept { return bus_name_; }
    base::probe_type probe_type() const noexcept { return type_; }
    /// Set when the driver is registered.
    bus_type* bus() const noexcept { return book_.bus; }
    base::host* host() const noexcept { return book_.owner; }

    virtual probe_outcome probe(device& dev) = 0;

    /// Undo what probe did outside devres (devres is released right after).
    CXLFW_DECL virtual void remove(device& dev);

    /// The device has waited `host_options::deferral_timeout` for `waited_for` (Linux
    /// deferred_probe_timeout). Return bound to go on without it (what the driver acquires
    /// here belongs to the binding, as in probe), failed, or deferred to wait another
    /// timeout. By default the probe fails with errc::deferral_timeout.
    CXLFW_DECL virtual probe_outcome on_deferral_timeout(device& dev, dep_key const& waited_for);

private:
    friend class base::host;

    std::string name_;
    std::string bus_name_;
    base::probe_type type_;
    detail::driver_book book_;
};

} // namespace cxlfw::base

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/base/impl/driver.ipp>
#endif
