// A device: a name (unique in its host), a bus, a parent, the driver bound to it, and what
// that binding owns (devres, driver data). The host creates nothing: code that finds a
// device (the emulated platform, the CXL core) constructs one and hands it to
// `host::add_device`, which owns it from then on.
//
// The fields the host manages (state, links, deferral) change only under the host's lock;
// `state()`, `bound_driver()` and `counters()` are safe to read from any thread.
#pragma once

#include <cxlfw/base/devres.hpp>
#include <cxlfw/base/outcome.hpp>
#include <cxlfw/clock.hpp>
#include <cxlfw/config.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <typeinfo>
#include <vector>

namespace cxlfw::base {

class host;
class device;
class driver;
class bus_type;

enum class device_state : std::uint8_t {
    unbound,   ///< no driver (none matched, or it was unbound)
    probing,   ///< a driver hook is deciding right now
    bound,     ///< a driver owns the device
    deferred,  ///< a probe deferred; the device waits for its key
    failed,    ///< every matching driver's probe failed
    unbinding, ///< the driver's remove() and the devres release are running
};

constexpr std::string_view to_string(device_state s) noexcept {
    switch (s) {
    case device_state::unbound:
        return "unbound";
    case device_state::probing:
        return "probing";
    case device_state::bound:
        return "bound";
    case device_state::deferred:
        return "deferred";
    case device_state::failed:
        return "failed";
    case device_state::unbinding:
        return "unbinding";
    }
    return "?";
}

/// Counters of the probe machinery, per device and in total (`host::counters`).
struct probe_counters {
    std::uint64_t attempts = 0;  ///< driver hooks that decided a binding (probe, timeout hook)
    std::uint64_t binds = 0;     ///< bindings made
    std::uint64_t failures = 0;  ///< failed probes
    std::uint64_t deferrals = 0; ///< deferred outcomes (a probe's or a link check's)
    std::uint64_t wakeups = 0;   ///< deferred devices queued again (key, trigger or rescan)
    std::uint64_t timeouts = 0;  ///< deferral timeouts that reached a driver
    std::uint64_t unbinds = 0;   ///< bindings (or waits) ended by unbind, removal, unregister

    friend bool operator==(probe_counters const&, probe_counters const&) = default;
};

namespace detail {

struct atomic_counters {
    std::atomic<std::uint64_t> attempts{0}, binds{0}, failures{0}, deferrals{0}, wakeups{0},
        timeouts{0}, unbinds{0};

    probe_counters load() const noexcept {
        constexpr auto r = std::memory_order_relaxed;
        return {attempts.load(r), binds.load(r),    failures.load(r), deferrals.load(r),
                wakeups.load(r),  timeouts.load(r), unbinds.load(r)};
    }
};

/// What the host keeps per device; touched only under the host's lock.
struct device_book {
    base::host* owner = nullptr;
    std::uint64_t id = 0;
    device* parent = nullptr;
    bus_type* bus = nullptr;
    std::list<device*> children;               // add order
    std::vector<device*> suppliers, consumers; // device links
    std::list<device*>::iterator bus_pos{}, all_pos{}, child_pos{};
    bool placed = false;   // in its bus's and the host's ordered lists
    bool removing = false; // removal has begun: no new probe, no new child
    bool removed = false;  // detached from the host; destroyed when unpinned
    unsigned pins = 0;     // procedures holding the device across an unlock
    bool queued = false;   // an attach work item is pending
    std::uint64_t ticket = 0;
    std::uint64_t probe_start = 0, triggers_at_start = 0, bind_seq = 0;
    // deferral
    std::uint64_t wait_gen = 0;
    bool parked = false; // in the wait index (targeted) or pending list (retry-all)
    std::optional<dep_key> waiting_on;
    std::string reason;
    driver* deferred_by = nullptr;
    bool in_episode = false, timeout_armed = false;
    std::uint64_t episode = 0;
    vtime episode_start{};
    // last failure
    std::error_code error;
    std::string message;
};

} // namespace detail

class device {
public:
    device(std::string name, std::string bus);
    CXLFW_DECL virtual ~device();
    device(device const&) = delete;
    device& operator=(device const&) = delete;

    std::string const& name() const noexcept { return name_; }
    std::string const& bus_name() const noexcept { return bus_name_; }
    /// The bus, the parent and the host are set when the device is added.
    bus_type* bus() const noexcept { return book_.bus; }
    device* parent() const noexcept { return book_.parent; }
    base::host* host() const noexcept { return book_.owner; }

    device_state state() const noexcept { return state_.load(std::memory_order_acquire); }
    bool is_bound() const noexcept { return state() == device_state::bound; }
    /// The bound driver, or the driver whose hook is running.
    driver* bound_driver() const noexcept { return driver_.load(std::memory_order_acquire); }
    probe_counters counters() const noexcept { return counters_.load(); }

    /// The resources of the current binding.
    devres_list& devres() noexcept { return devres_; }
    devres_list const& devres() const noexcept { return devres_; }

    /// Driver data (Linux dev_set_drvdata): a typed pointer the driver keeps with the
    /// binding, usually to an object in devres. Cleared when the binding ends.
    template <class T>
    void set_drvdata(T* data) noexcept {
        drvdata_ = const_cast<void*>(static_cast<void const*>(data));
        drvdata_type_ = &typeid(T);
    }
    /// The driver data if it was set as a T; nullptr otherwise.
    template <class T>
    T* drvdata() const noexcept {
        return drvdata_type_ && *drvdata_type_ == typeid(T) ? static_cast<T*>(drvdata_) : nullptr;
    }
    void clear_drvdata() noexcept {
        drvdata_ = nullptr;
        drvdata_type_ = nullptr;
    }

    /// Removal has begun or is done (Linux: the device is dead or being deleted): a hook that
    /// finds its device, or one it holds, removing stops and returns; its result is
    /// discarded anyway.
    bool removing() const noexcept { return removing_.load(std::memory_order_acquire); }

protected:
    /// Called once, without the host's lock, when the host has detached the device (Linux
    /// device_del, before the last put_device): a device registered elsewhere (the CXL core's
    /// ports and memdevs) unregisters here. It is destroyed later, when no hook runs.
    virtual void on_removed() noexcept {}

private:
    friend class base::host;

    std::string name_;
    std::string bus_name_;
    std::atomic<device_state> state_{device_state::unbound};
    std::atomic<driver*> driver_{nullptr};
    std::atomic<bool> removing_{false};
    detail::atomic_counters counters_;
    devres_list devres_;
    void* drvdata_ = nullptr;
    std::type_info const* drvdata_type_ = nullptr;
    detail::device_book book_;
};

/// Linux devm_add_action(): run `release` when `dev`'s binding ends.
CXLFW_DECL void devm_add_action(device& dev, std::string name, std::function<void()> release);

} // namespace cxlfw::base

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/base/impl/device.ipp>
#endif
