// The host: buses, devices, drivers, the executor that binds them, the deferral machinery,
// counters and the trace. It models Linux drivers/base/dd.c and friends.
//
//   base::host h{platform.clock(), {.mode = base::deferral_mode::targeted}};
//   h.register_driver(std::make_unique<cxl_acpi>());
//   h.add_device(std::make_unique<base::platform_device>("ACPI0017:00", "ACPI0017"));
//   h.settle();                                   // like wait_for_device_probe()
//
// Rules:
// - add_device, register_driver, signal, rescan and call_at never probe: they queue work.
//   settle() runs what is due now until nothing is; run_until()/advance() move the clock
//   and run what becomes due. attach() and bind() probe at once (Linux device_attach); a
//   hook may call them, e.g. to bind a device it has just added (the CXL core does).
// - What a hook does to the host (add, register, signal, rescan, attach) takes effect in
//   order when the hook's probe completes, so a run is deterministic; the hook sees its own
//   changes at once (find_device finds what it added).
// - Deferral: a probe that defers names a dep_key. In targeted mode the device is probed
//   again only when that key appears; in retry-all mode every trigger (a bind, a driver
//   registration, a signal) queues every waiting device again, as Linux's
//   driver_deferred_probe_trigger() does on every bind. rescan(bus) wakes every waiting
//   device on the bus and attaches every unbound one, in both modes.
// - Device links (Linux device_link_add): a consumer does not probe until its suppliers are
//   bound; unbinding or removing a supplier unbinds its bound consumers first, newest
//   binding first. Consumers so unbound stay unbound until attach, bind or a rescan.
// - Removal (Linux device_del): children first (newest first), each after its consumers are
//   unbound and its own driver removed. A device removed while its probe runs is detached at
//   once; the probe's result is discarded and what it acquired is released when it returns
//   (the driver's remove() is not called: it never became bound).
// - Lifetime (Linux get_device/put_device): a removed device (and an unregistered driver) is
//   detached at once, and told so (device::on_removed), but destroyed only when no hook of
//   the host is running: a probe, remove() or devres release that holds a pointer to it, on
//   any thread, keeps the memory valid until it returns. So removing a device, its switch or
//   its root from inside a hook never frees what a running hook holds; the hook sees the
//   device removed (device::removing()) and its result is discarded. retire() gives any other
//   object the same grace (the CXL core's regions and decoders).
// - Hooks, devres releases and executor callbacks run without the host's lock; bus match()
//   and the trace sink run with it and must not call the host.
//
// The definitions are split by what they do: impl/host.ipp (construction, lookups, links,
// observation, registration, the trace, bookkeeping), impl/deferral.ipp (queueing, deferral,
// wake-ups, timeouts, the executor loop, async batches), impl/probe.ipp (probing and what its
// outcome commits) and impl/lifetime.ipp (unbind, removal, unregistering, teardown, pins).
#pragma once

#include <cxlfw/base/bus.hpp>
#include <cxlfw/base/detail/probe_context.hpp>
#include <cxlfw/base/device.hpp>
#include <cxlfw/base/driver.hpp>
#include <cxlfw/base/errc.hpp>
#include <cxlfw/base/executor.hpp>
#include <cxlfw/base/outcome.hpp>
#include <cxlfw/base/pci.hpp> // a host comes with the "pci" and "platform" buses
#include <cxlfw/base/platform.hpp>
#include <cxlfw/base/trace.hpp>
#include <cxlfw/clock.hpp>
#include <cxlfw/config.hpp>
#include <cxlfw/result.hpp>

#include <atomic>
#include <concepts>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cxlfw::base {

enum class deferral_mode : std::uint8_t {
    targeted,  ///< re-probe a deferred device only when its key appears
    retry_all, ///< Linux: every trigger re-queues every deferred device
};

struct host_options {
    deferral_mode mode = deferral_mode::targeted;
    /// Linux deferred_probe_timeout, per device: a device that has been waiting this long
    /// since its first deferral (re-probes that defer again keep the deadline) is handed
    /// to its driver's on_deferral_timeout(). Off when empty.
    std::optional<vtime> deferral_timeout{};
    /// Threads for prefer_async probes; 0 runs them on the executor's thread.
    unsigned async_workers = 0;
    trace_sink* sink = nullptr;
};

/// A snapshot of one device, for reports.
struct device_info {
    std::string name, bus, parent, driver;
    device_state state{};
    std::optional<dep_key> waiting_on; ///< deferred: what for
    std::string reason;                ///< deferred: why
    std::error_code error;             ///< failed or unbound: the last error
    std::string message;
    probe_counters counters;
    std::size_t resources = 0;
};

/// One line of Linux's debugfs devices_deferred.
struct deferred_entry {
    std::string device, driver;
    dep_key key;
    std::string reason;
    vtime since{}; ///< start of the current wait
};

struct held_resource {
    std::string device, name;
    friend bool operator==(held_resource const&, held_resource const&) = default;
};
struct resource_report {
    std::size_t count = 0;
    std::vector<held_resource> items; ///< per device (by name), in acquisition order
};

namespace detail {
template <class>
inline constexpr bool dependent_false = false;
} // namespace detail

class host {
public:
    /// A host with its own clock.
    explicit host(host_options options = {});
    /// A host on the platform's clock (which must outlive it).
    explicit host(virtual_clock& clock, host_options options = {});

    /// Tears down (untraced: the sink may already be gone) and stops the workers.
    ~host();
    host(host const&) = delete;
    host& operator=(host const&) = delete;

    virtual_clock& clock() const noexcept { return *clock_; }
    vtime now() const noexcept { return clock_->now(); }
    deferral_mode mode() const noexcept { return opts_.mode; }
    std::optional<vtime> deferral_timeout() const noexcept { return opts_.deferral_timeout; }
    void set_sink(trace_sink* sink) noexcept { sink_.store(sink, std::memory_order_release); }

    // --- buses -----------------------------------------------------------------------------

    template <class B>
    result<B*> add_bus(std::unique_ptr<B> bus) {
        if constexpr (!std::derived_from<B, bus_type>) {
            static_assert(detail::dependent_false<B>,
                          "cxlfw: add_bus takes a std::unique_ptr<B> with B derived from "
                          "base::bus_type");
            return errc::null_object;
        } else {
            return as<B>(add_bus_impl(std::move(bus)));
        }
    }
    bus_type* find_bus(std::string_view name) const;

    // --- devices ---------------------------------------------------------------------------

    /// Add a device (under `parent`, which must be in this host). Its first probe is queued.
    template <class D>
    result<D*> add_device(std::unique_ptr<D> dev, device* parent = nullptr) {
        if constexpr (!std::derived_from<D, device>) {
            static_assert(detail::dependent_false<D>,
                          "cxlfw: add_device takes a std::unique_ptr<D> with D derived from "
                          "base::device");
            return errc::null_object;
        } else {
            return as<D>(add_device_impl(std::move(dev), parent));
        }
    }

    /// Remove a device and everything under it (see the rules above). Safe from a hook,
    /// including one of the device itself.
    status remove_device(device& dev);

    device* find_device(std::string_view name) const;
    /// Every device, in the order they were added.
    std::vector<device*> devices() const;
    std::vector<device*> children(device const& dev) const;

    // --- drivers ---------------------------------------------------------------------------

    /// Register a driver: it becomes matchable (and the devices it matches are queued) in
    /// order, right away or, from a hook, when the hook's probe completes.
    template <class D>
    result<D*> register_driver(std::unique_ptr<D> drv) {
        if constexpr (!std::derived_from<D, driver>) {
            static_assert(detail::dependent_false<D>,
                          "cxlfw: register_driver takes a std::unique_ptr<D> with D derived "
                          "from base::driver");
            return errc::null_object;
        } else {
            return as<D>(register_driver_impl(std::move(drv)));
        }
    }

    /// Unregister: devices it drives are unbound (newest binding first), devices waiting on
    /// its deferral stop waiting, and running probes of it are discarded.
    status unregister_driver(driver& drv);

    driver* find_driver(std::string_view name) const;
    /// Matchable drivers, in registration order.
    std::vector<driver*> drivers() const;

    // --- binding ---------------------------------------------------------------------------

    /// Probe `dev` now with every matching driver in registration order (Linux
    /// device_attach). Returns what was applied: bound, deferred, or failed (errc::no_driver
    /// when none matched; the last probe's error otherwise).
    probe_outcome attach(device& dev) { return attach_request(dev, nullptr); }

    /// Probe `dev` now with `drv` only (sysfs bind).
    probe_outcome bind(device& dev, driver& drv) { return attach_request(dev, &drv); }

    /// Unbind a bound device (consumers first), or stop a deferred device waiting.
    status unbind(device& dev);

    /// Try every device of the bus without a driver again (Linux bus_rescan_devices):
    /// waiting devices are woken, unbound and failed ones queued.
    status rescan(std::string_view bus);

    /// A named event happened: devices waiting on dep_key::event(name) are woken.
    status signal(std::string_view name);

    /// `consumer` depends on `supplier` (Linux device_link_add).
    status add_link(device& consumer, device& supplier);

    // --- executor --------------------------------------------------------------------------

    /// Run everything due now until nothing is (Linux wait_for_device_probe). Does not
    /// move the clock, but a hook may (polling hardware); what that makes due runs too.
    status settle();

    /// Move the clock to `t`, running every item in time order as it becomes due.
    status run_until(vtime t);
    status advance(vtime d) { return run_until(clock_->now() + d); }

    /// Run `fn` when the clock reaches `t` (at once if `t` has passed) from the executor,
    /// without the host's lock.
    void call_at(vtime t, std::function<void()> fn);

    /// Keep `object` alive until no hook of this host is running (at once if none is), as a
    /// removed device is kept: for objects a running hook may still point at.
    void retire(std::shared_ptr<void const> object);

    /// While it lives, what is removed or retired is kept, as while a hook runs: for code
    /// outside a hook that works with devices and core objects across register accesses (a
    /// tool's command, a test driving the core; Linux: the references a sysfs handler holds).
    /// Its end destroys what went meanwhile, unless a hook still runs.
    class object_hold {
    public:
        explicit object_hold(host& h);
        object_hold(object_hold const&) = delete;
        object_hold& operator=(object_hold const&) = delete;
        ~object_hold();

    private:
        host* h_;
    };

    /// Nothing is due now.
    bool idle() const;
    /// Items queued, due or not.
    std::size_t queued() const;

    /// Remove every device (roots newest first, each subtree children first) and
    /// unregister every driver (newest first); drop what is queued.
    status teardown();

    // --- observation -----------------------------------------------------------------------

    probe_counters counters() const;

    /// Empty for a device of another host.
    device_info info(device const& dev) const;

    /// Devices waiting, by name (Linux debugfs devices_deferred).
    std::vector<deferred_entry> deferred() const;

    /// What every device's bindings still hold (removed devices whose probe is still
    /// running included); zero after a teardown.
    resource_report resources_held() const;

private:
    using lock_t = std::unique_lock<std::mutex>;
    using scope = detail::probe_scope<host>;
    friend scope;

    struct bus_entry {
        std::unique_ptr<bus_type> bus;
        std::list<device*> devices;   // add order
        std::vector<driver*> drivers; // registration order
    };

    enum class counter { attempts, binds, failures, deferrals, wakeups, timeouts, unbinds };

    host(virtual_clock* clock, host_options options);

    // --- registration (the checked bodies of the public templates) -----------------------

    result<bus_type*> add_bus_impl(std::unique_ptr<bus_type> bus);
    result<device*> add_device_impl(std::unique_ptr<device> dev, device* parent);
    result<driver*> register_driver_impl(std::unique_ptr<driver> drv);

    /// What a registration returned, as the type the caller handed the object over as.
    template <class T, class Base>
    static result<T*> as(result<Base*> r) {
        if (!r) return r.error();
        return static_cast<T*>(*r);
    }

    // --- contexts, trace, effects --------------------------------------------------------

    detail::probe_context* context() const noexcept;

    bool tracing() const noexcept { return sink_.load(std::memory_order_acquire) != nullptr; }

    trace_event event(trace_kind kind, device const* d, driver const* drv) const;

    /// Into the current context, or (lock held) straight to the sink.
    void emit(trace_event e);

    /// Lock held. A change of the executor's queue or of the ordered lists: deferred to the
    /// end of the running probe, so concurrent probes apply theirs in a fixed order.
    template <class F>
    void effect(F&& op) {
        if (auto* c = context())
            c->ops.emplace_back(std::forward<F>(op));
        else
            op();
    }

    void flush(detail::probe_context& c);

    // --- bookkeeping (lock held) -----------------------------------------------------------

    bool mine(device const& d) const noexcept { return d.book_.owner == this; }

    device* by_id_locked(std::uint64_t id) const;

    static void set_state(device& d, device_state s) noexcept {
        d.state_.store(s, std::memory_order_release);
    }

    void bump(device& d, counter c);

    // Pins keep an object alive while a procedure holds it across an unlock (Linux
    // get_device/put_device); a removed device or unregistered driver is destroyed by
    // reap() once unpinned.
    static void pin(device& d) noexcept { ++d.book_.pins; }
    void unpin(device& d);
    static void pin(driver& drv) noexcept { ++drv.book_.users; }
    void unpin(driver& drv);

    /// Destroy what was removed and is no longer held, outside the lock; nothing while a hook
    /// runs (the grace period of the rules above).
    void reap();

    /// Lock held: call out of the host (a hook, remove(), a devres release, on_removed) with
    /// the lock released; counted, so that reap() waits until no call-out runs.
    template <class F>
    void call_out(lock_t& lk, F&& fn) {
        ++in_hooks_;
        lk.unlock();
        struct relock {
            host& h;
            lock_t& lk;
            ~relock() {
                lk.lock();
                --h.in_hooks_;
            }
        } guard{*this, lk};
        std::forward<F>(fn)();
    }

    bus_entry& entry_of(device const& d);

    static bool attachable(device const& d) noexcept;

    driver* next_driver_locked(device const& d, std::uint64_t after);

    device* unbound_supplier_locked(device const& d) const;

    /// Whether `a` depends on `b` through links.
    bool depends_on_locked(device const& a, device const& b) const;

    /// Bound consumers of `d`, direct and indirect, newest binding first; pinned.
    std::vector<device*> bound_consumers_locked(device& d);

    // --- queueing and deferral (lock held) -------------------------------------------------

    void queue_attach_locked(device& d);

    void place_device_locked(std::uint64_t id);

    /// Linux bus_add_driver + driver_attach: matchable from now on; queue what it matches.
    void place_driver_locked(driver& drv);

    void rescan_locked(std::string const& bus);

    /// Something a deferred device may wait for has appeared.
    void key_appeared_locked(dep_key const& key);

    /// Linux driver_deferred_probe_trigger(): every waiting device is queued again.
    void trigger_locked();

    /// A parked deferred device goes back to the queue.
    bool requeue_locked(device& d, std::string_view cause);

    /// Whether `key` appeared after the point `seq` (a probe's start).
    bool seen_since_locked(dep_key const& key, std::uint64_t seq) const;

    /// The deferral, applied in order: into the wait index (targeted) or the pending list
    /// (retry-all). A key that appeared while the device probed wakes it at once (Linux
    /// checks deferred_trigger_count for the same race).
    void park_locked(std::uint64_t id, std::uint64_t gen, std::uint64_t start,
                     std::uint64_t triggers);

    void arm_timeout_locked(device& d);

    /// Out of the wait index, keeping the wait episode (a re-probe of a waiting device).
    static void leave_wait(device& d) noexcept;
    static void end_wait(device& d) noexcept;

    /// A deferred device stops waiting without being probed (unbind request, its driver
    /// unregistered).
    void cancel_wait_locked(device& d, std::string_view cause);

    // --- probing ---------------------------------------------------------------------------

    struct hook_result {
        probe_outcome outcome;
        bool decided; // bound, deferred or discarded; false: failed, the next driver may try
    };

    static probe_outcome call_hook(driver& drv, device& d, dep_key const* timed_out);

    /// Release what the binding owns, newest first (Linux devres_release_all). Lock not
    /// held; always inside a scope, so the events go to its context.
    void release_devres(device& d, driver const* drv);

    /// Linux driver_probe_device()/really_probe(): the matching drivers in registration
    /// order until one binds or defers; a failed probe lets the next one try.
    probe_outcome attach_locked(lock_t& lk, device& d, driver* only);

    /// One hook call (probe, or on_deferral_timeout when `timed_out`) and what follows.
    hook_result run_hook_locked(lock_t& lk, device& d, driver& drv, dep_key const* timed_out);

    void commit_bound_locked(device& d, driver& drv);

    void commit_deferral_locked(device& d, driver& drv, probe_outcome const& out);

    void finish_failed_locked(device& d, probe_outcome const& out);

    probe_outcome attach_request(device& dev, driver* only);

    // --- executor items (lock not held) --------------------------------------------------

    bool async_attach_locked(detail::work_item const& item);

    void run_item(detail::work_item& item);

    void run_attach_item(detail::work_item const& item);

    /// The deadline of a wait: its driver decides (Linux deferred_probe_timeout_work_func).
    void run_timeout_item(detail::work_item const& item);

    /// Prefer-async attaches, probed on the pool; their effects are applied in queue
    /// order afterwards, as if they had run one after the other.
    void run_batch(std::vector<detail::work_item>& batch);

    // --- unbind, removal, unregister (lock held; may unlock) -------------------------------

    /// Linux device_release_driver(): bound consumers first (newest binding first), then
    /// remove(), then the binding's devres.
    void unbind_locked(lock_t& lk, device& d, std::string_view cause);

    void unbind_consumers_locked(lock_t& lk, device& d);

    /// Post-order: every device's children (newest first) before the device.
    static std::vector<device*> subtree_locked(device& root);

    void remove_tree_locked(lock_t& lk, device& root);

    void remove_one_locked(lock_t& lk, device& d);

    void detach_locked(device& d);

    void unregister_locked(lock_t& lk, driver& drv);

    // --- state -----------------------------------------------------------------------------

    mutable std::mutex mu_;
    virtual_clock own_clock_;
    virtual_clock* clock_;
    host_options opts_;
    std::atomic<trace_sink*> sink_;

    std::map<std::string, bus_entry, std::less<>> buses_;
    std::unordered_map<std::uint64_t, std::unique_ptr<device>> owned_;
    std::map<std::string, device*, std::less<>> by_name_;
    std::list<device*> all_;
    std::unordered_map<device const*, std::unique_ptr<device>> zombies_;
    std::vector<std::unique_ptr<device>> doomed_;

    std::map<std::string, std::unique_ptr<driver>, std::less<>> drivers_;
    std::vector<driver*> driver_order_;
    std::vector<std::unique_ptr<driver>> driver_zombies_;
    std::vector<std::unique_ptr<driver>> doomed_drivers_;
    std::vector<std::shared_ptr<void const>> retired_;
    std::size_t in_hooks_ = 0; // call-outs running, on any thread

    // targeted: key -> (device id, wait generation), in deferral order; stale entries are
    // skipped when the key appears. retry-all: the pending list.
    std::unordered_map<dep_key, std::vector<std::pair<std::uint64_t, std::uint64_t>>,
                       detail::dep_key_hash>
        waiting_;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> pending_;
    std::unordered_map<std::string, std::uint64_t> signalled_;

    detail::work_queue queue_;
    std::uint64_t seq_ = 0, next_id_ = 0, triggers_ = 0;
    probe_counters totals_;
    bool settling_ = false;
    std::unique_ptr<detail::worker_pool> pool_;
};

} // namespace cxlfw::base

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/base/impl/deferral.ipp>
#include <cxlfw/base/impl/host.ipp>
#include <cxlfw/base/impl/lifetime.ipp>
#include <cxlfw/base/impl/probe.ipp>
#endif
