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
// - Hooks, devres releases and executor callbacks run without the host's lock; bus match()
//   and the trace sink run with it and must not call the host.
#pragma once

#include <cxlfw/base/bus.hpp>
#include <cxlfw/base/device.hpp>
#include <cxlfw/base/driver.hpp>
#include <cxlfw/base/errc.hpp>
#include <cxlfw/base/executor.hpp>
#include <cxlfw/base/outcome.hpp>
#include <cxlfw/base/pci.hpp>
#include <cxlfw/base/platform.hpp>
#include <cxlfw/base/trace.hpp>
#include <cxlfw/clock.hpp>
#include <cxlfw/result.hpp>

#include <algorithm>
#include <atomic>
#include <concepts>
#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
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
/// What a running hook did to its host, applied when the hook's probe completes.
struct probe_context {
    void const* owner = nullptr;
    probe_context* parent = nullptr;
    std::vector<trace_event> events;
    std::vector<std::function<void()>> ops; // run under the host's lock
};
inline thread_local probe_context* current_context = nullptr;

template <class>
inline constexpr bool dependent_false = false;
} // namespace detail

class host {
public:
    /// A host with its own clock.
    explicit host(host_options options = {}) : host{nullptr, std::move(options)} {}
    /// A host on the platform's clock (which must outlive it).
    explicit host(virtual_clock& clock, host_options options = {})
        : host{&clock, std::move(options)} {}

    /// Tears down (untraced: the sink may already be gone) and stops the workers.
    ~host() {
        sink_.store(nullptr, std::memory_order_release);
        (void)teardown();
        pool_.reset();
        reap();
    }
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
            return add_bus_impl(std::move(bus));
        }
    }
    bus_type* find_bus(std::string_view name) const {
        std::lock_guard lk{mu_};
        auto it = buses_.find(name);
        return it == buses_.end() ? nullptr : it->second.bus.get();
    }

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
            return add_device_impl(std::move(dev), parent);
        }
    }

    /// Remove a device and everything under it (see the rules above). Safe from a hook,
    /// including one of the device itself.
    status remove_device(device& dev) {
        scope s{*this};
        {
            lock_t lk{mu_};
            if (!mine(dev)) return errc::unknown_device;
            if (dev.book_.removed) return errc::device_removed;
            if (!dev.book_.removing) remove_tree_locked(lk, dev);
        }
        s.finish();
        reap();
        return {};
    }

    device* find_device(std::string_view name) const {
        std::lock_guard lk{mu_};
        auto it = by_name_.find(name);
        return it == by_name_.end() ? nullptr : it->second;
    }
    /// Every device, in the order they were added.
    std::vector<device*> devices() const {
        std::lock_guard lk{mu_};
        return {all_.begin(), all_.end()};
    }
    std::vector<device*> children(device const& dev) const {
        std::lock_guard lk{mu_};
        if (!mine(dev)) return {};
        return {dev.book_.children.begin(), dev.book_.children.end()};
    }

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
            return register_driver_impl(std::move(drv));
        }
    }

    /// Unregister: devices it drives are unbound (newest binding first), devices waiting on
    /// its deferral stop waiting, and running probes of it are discarded.
    status unregister_driver(driver& drv) {
        scope s{*this};
        {
            lock_t lk{mu_};
            if (drv.book_.owner != this || drv.book_.unregistering) return errc::unknown_driver;
            unregister_locked(lk, drv);
        }
        s.finish();
        reap();
        return {};
    }

    driver* find_driver(std::string_view name) const {
        std::lock_guard lk{mu_};
        auto it = drivers_.find(name);
        return it == drivers_.end() ? nullptr : it->second.get();
    }
    /// Matchable drivers, in registration order.
    std::vector<driver*> drivers() const {
        std::lock_guard lk{mu_};
        return driver_order_;
    }

    // --- binding ---------------------------------------------------------------------------

    /// Probe `dev` now with every matching driver in registration order (Linux
    /// device_attach). Returns what was applied: bound, deferred, or failed (errc::no_driver
    /// when none matched; the last probe's error otherwise).
    probe_outcome attach(device& dev) { return attach_request(dev, nullptr); }

    /// Probe `dev` now with `drv` only (sysfs bind).
    probe_outcome bind(device& dev, driver& drv) { return attach_request(dev, &drv); }

    /// Unbind a bound device (consumers first), or stop a deferred device waiting.
    status unbind(device& dev) {
        scope s{*this};
        {
            lock_t lk{mu_};
            if (!mine(dev)) return errc::unknown_device;
            if (dev.book_.removed) return errc::device_removed;
            switch (dev.state()) {
            case device_state::bound:
                unbind_locked(lk, dev, "request");
                break;
            case device_state::deferred:
                cancel_wait_locked(dev, "request");
                break;
            case device_state::probing:
            case device_state::unbinding:
                return errc::probe_in_progress;
            default:
                return errc::not_bound;
            }
        }
        s.finish();
        reap();
        return {};
    }

    /// Try every device of the bus without a driver again (Linux bus_rescan_devices):
    /// waiting devices are woken, unbound and failed ones queued.
    status rescan(std::string_view bus) {
        std::lock_guard lk{mu_};
        if (!buses_.contains(bus)) return errc::unknown_bus;
        effect([this, name = std::string{bus}] { rescan_locked(name); });
        return {};
    }

    /// A named event happened: devices waiting on dep_key::event(name) are woken.
    status signal(std::string_view name) {
        if (name.empty()) return errc::invalid_name;
        std::lock_guard lk{mu_};
        signalled_[std::string{name}] = ++seq_;
        dep_key key = dep_key::event(std::string{name});
        if (tracing()) {
            auto e = event(trace_kind::signal, nullptr, nullptr);
            e.key = to_string(key);
            emit(std::move(e));
        }
        effect([this, key = std::move(key)] { key_appeared_locked(key); });
        return {};
    }

    /// `consumer` depends on `supplier` (Linux device_link_add).
    status add_link(device& consumer, device& supplier) {
        std::lock_guard lk{mu_};
        for (device const* d : {&consumer, &supplier}) {
            if (!mine(*d)) return errc::unknown_device;
            if (d->book_.removed || d->book_.removing) return errc::device_removed;
        }
        if (&consumer == &supplier || depends_on_locked(supplier, consumer))
            return errc::link_cycle;
        auto& sup = consumer.book_.suppliers;
        if (std::find(sup.begin(), sup.end(), &supplier) != sup.end()) return {};
        if (consumer.state() == device_state::bound && supplier.state() != device_state::bound)
            return errc::supplier_unbound;
        sup.push_back(&supplier);
        supplier.book_.consumers.push_back(&consumer);
        if (tracing()) {
            auto e = event(trace_kind::link_added, &consumer, nullptr);
            e.key = to_string(dep_key::device(supplier.name()));
            emit(std::move(e));
        }
        return {};
    }

    // --- executor --------------------------------------------------------------------------

    /// Run everything due now until nothing is (Linux wait_for_device_probe). Does not
    /// move the clock, but a hook may (polling hardware); what that makes due runs too.
    status settle() {
        if (context()) return errc::settle_inside_probe;
        {
            std::lock_guard lk{mu_};
            if (settling_) return errc::settle_inside_probe;
            settling_ = true;
        }
        struct done {
            host& h;
            ~done() {
                std::lock_guard lk{h.mu_};
                h.settling_ = false;
            }
        } guard{*this};
        for (;;) {
            lock_t lk{mu_};
            auto item = queue_.pop_due(clock_->now());
            if (!item) break;
            if (pool_ && async_attach_locked(*item)) {
                std::vector<detail::work_item> batch;
                batch.push_back(std::move(*item));
                while (auto const* next = queue_.peek_due(clock_->now())) {
                    if (!async_attach_locked(*next)) break;
                    batch.push_back(*queue_.pop_due(clock_->now()));
                }
                lk.unlock();
                run_batch(batch);
            } else {
                lk.unlock();
                run_item(*item);
            }
            reap();
        }
        return {};
    }

    /// Move the clock to `t`, running every item in time order as it becomes due.
    status run_until(vtime t) {
        if (context()) return errc::settle_inside_probe;
        for (;;) {
            if (auto ok = settle(); !ok) return ok;
            std::optional<vtime> next;
            {
                std::lock_guard lk{mu_};
                next = queue_.next_due();
            }
            if (!next || *next > t) break;
            clock_->advance_to(*next);
        }
        clock_->advance_to(t);
        return settle();
    }
    status advance(vtime d) { return run_until(clock_->now() + d); }

    /// Run `fn` when the clock reaches `t` (at once if `t` has passed) from the executor,
    /// without the host's lock.
    void call_at(vtime t, std::function<void()> fn) {
        std::lock_guard lk{mu_};
        effect([this, t, fn = std::move(fn)]() mutable {
            queue_.push(
                {std::max(t, clock_->now()), 0, detail::work_kind::call, 0, 0, std::move(fn)});
        });
    }

    /// Nothing is due now.
    bool idle() const {
        std::lock_guard lk{mu_};
        return queue_.peek_due(clock_->now()) == nullptr;
    }
    /// Items queued, due or not.
    std::size_t queued() const {
        std::lock_guard lk{mu_};
        return queue_.size();
    }

    /// Remove every device (roots newest first, each subtree children first) and
    /// unregister every driver (newest first); drop what is queued.
    status teardown() {
        if (context()) return errc::settle_inside_probe;
        scope s{*this};
        {
            lock_t lk{mu_};
            std::vector<device*> roots;
            for (device* d : all_)
                if (!d->book_.parent) roots.push_back(d);
            for (device* d : roots)
                pin(*d);
            for (auto it = roots.rbegin(); it != roots.rend(); ++it)
                if (!(*it)->book_.removing) remove_tree_locked(lk, **it);
            for (device* d : roots)
                unpin(*d);
            while (!by_name_.empty()) { // devices added but not yet placed
                auto before = by_name_.size();
                device* d = by_name_.begin()->second;
                while (d->book_.parent && !d->book_.parent->book_.removed)
                    d = d->book_.parent;
                remove_tree_locked(lk, *d);
                if (by_name_.size() >= before) break; // cannot happen; never spin
            }
            while (!drivers_.empty()) {
                driver* drv =
                    driver_order_.empty() ? drivers_.begin()->second.get() : driver_order_.back();
                unregister_locked(lk, *drv);
            }
            queue_.clear();
            waiting_.clear();
            pending_.clear();
        }
        s.finish();
        reap();
        return {};
    }

    // --- observation -----------------------------------------------------------------------

    probe_counters counters() const {
        std::lock_guard lk{mu_};
        return totals_;
    }

    /// Empty for a device of another host.
    device_info info(device const& dev) const {
        std::lock_guard lk{mu_};
        device_info i;
        if (!mine(dev)) return i;
        auto const& b = dev.book_;
        i.name = dev.name();
        i.bus = dev.bus_name();
        if (b.parent) i.parent = b.parent->name();
        if (auto* drv = dev.bound_driver()) i.driver = drv->name();
        i.state = dev.state();
        i.waiting_on = b.waiting_on;
        i.reason = b.reason;
        if (b.deferred_by && i.driver.empty()) i.driver = b.deferred_by->name();
        i.error = b.error;
        i.message = b.message;
        i.counters = dev.counters();
        i.resources = dev.devres().size();
        return i;
    }

    /// Devices waiting, by name (Linux debugfs devices_deferred).
    std::vector<deferred_entry> deferred() const {
        std::lock_guard lk{mu_};
        std::vector<deferred_entry> out;
        for (auto const& [name, d] : by_name_) {
            auto const& b = d->book_;
            if (d->state() != device_state::deferred || !b.waiting_on) continue;
            out.push_back({name, b.deferred_by ? b.deferred_by->name() : std::string{},
                           *b.waiting_on, b.reason, b.episode_start});
        }
        return out;
    }

    /// What every device's bindings still hold (removed devices whose probe is still
    /// running included); zero after a teardown.
    resource_report resources_held() const {
        std::lock_guard lk{mu_};
        resource_report r;
        auto add = [&r](device const& d) {
            for (auto& n : d.devres().names())
                r.items.push_back({d.name(), std::move(n)});
        };
        for (auto const& [name, d] : by_name_)
            add(*d);
        for (auto const& [ptr, d] : zombies_)
            add(*d);
        r.count = r.items.size();
        return r;
    }

private:
    using lock_t = std::unique_lock<std::mutex>;

    struct bus_entry {
        std::unique_ptr<bus_type> bus;
        std::list<device*> devices;   // add order
        std::vector<driver*> drivers; // registration order
    };

    enum class counter { attempts, binds, failures, deferrals, wakeups, timeouts, unbinds };

    /// Collects what hooks do while it is the thread's current context; finish() hands it
    /// to the enclosing context of this host, or applies it (under the lock) if none.
    class scope {
    public:
        explicit scope(host& h) : h_{h}, saved_{detail::current_context} {
            ctx_.owner = &h;
            ctx_.parent = saved_ && saved_->owner == &h ? saved_ : nullptr;
            detail::current_context = &ctx_;
        }
        ~scope() { finish(); }
        scope(scope const&) = delete;
        scope& operator=(scope const&) = delete;

        void finish() {
            if (done_) return;
            done_ = true;
            detail::current_context = saved_;
            if (auto* p = ctx_.parent) {
                for (auto& e : ctx_.events)
                    p->events.push_back(std::move(e));
                for (auto& op : ctx_.ops)
                    p->ops.push_back(std::move(op));
            } else {
                h_.flush(ctx_);
            }
        }

    private:
        host& h_;
        detail::probe_context* saved_;
        detail::probe_context ctx_;
        bool done_ = false;
    };

    host(virtual_clock* clock, host_options options)
        : clock_{clock ? clock : &own_clock_}, opts_{std::move(options)}, sink_{opts_.sink} {
        buses_["pci"].bus = std::make_unique<pci_bus>();
        buses_["platform"].bus = std::make_unique<platform_bus>();
        if (opts_.async_workers > 0)
            pool_ = std::make_unique<detail::worker_pool>(opts_.async_workers);
    }

    // --- registration (the checked bodies of the public templates) -----------------------

    template <class B>
    result<B*> add_bus_impl(std::unique_ptr<B> bus) {
        if (!bus) return errc::null_object;
        if (bus->name().empty()) return errc::invalid_name;
        std::lock_guard lk{mu_};
        if (buses_.contains(bus->name())) return errc::bus_exists;
        B* raw = bus.get();
        buses_[raw->name()].bus = std::move(bus);
        return raw;
    }
    template <class D>
    result<D*> add_device_impl(std::unique_ptr<D> dev, device* parent) {
        if (!dev) return errc::null_object;
        if (dev->name().empty()) return errc::invalid_name;
        std::lock_guard lk{mu_};
        auto bus = buses_.find(dev->bus_name());
        if (bus == buses_.end()) return errc::unknown_bus;
        if (auto ok = bus->second.bus->admit(*dev); !ok) return ok.error();
        if (by_name_.contains(dev->name())) return errc::device_exists;
        if (parent && (!mine(*parent) || parent->book_.removing || parent->book_.removed))
            return errc::parent_absent;
        D* raw = dev.get();
        device& d = *raw;
        auto& b = d.book_;
        b.owner = this;
        b.id = ++next_id_;
        b.parent = parent;
        b.bus = bus->second.bus.get();
        by_name_.emplace(d.name(), &d);
        if (parent) {
            b.child_pos = parent->book_.children.insert(parent->book_.children.end(), &d);
            pin(*parent); // a child holds its parent until it is destroyed (Linux device_add)
        }
        owned_.emplace(b.id, std::move(dev));
        if (tracing()) {
            auto e = event(trace_kind::device_added, &d, nullptr);
            if (parent) e.text = parent->name();
            emit(std::move(e));
        }
        effect([this, id = b.id] { place_device_locked(id); });
        return raw;
    }

    template <class D>
    result<D*> register_driver_impl(std::unique_ptr<D> drv) {
        if (!drv) return errc::null_object;
        if (drv->name().empty()) return errc::invalid_name;
        std::lock_guard lk{mu_};
        auto bus = buses_.find(drv->bus_name());
        if (bus == buses_.end()) return errc::unknown_bus;
        if (drivers_.contains(drv->name())) return errc::driver_exists;
        D* raw = drv.get();
        driver& d = *raw;
        d.book_.owner = this;
        d.book_.bus = bus->second.bus.get();
        drivers_.emplace(d.name(), std::move(drv));
        if (tracing()) emit(event(trace_kind::driver_registered, nullptr, &d));
        pin(d); // until it is placed
        effect([this, &d] {
            place_driver_locked(d);
            unpin(d);
        });
        return raw;
    }

    // --- contexts, trace, effects --------------------------------------------------------

    detail::probe_context* context() const noexcept {
        auto* c = detail::current_context;
        return c && c->owner == this ? c : nullptr;
    }

    bool tracing() const noexcept { return sink_.load(std::memory_order_acquire) != nullptr; }

    trace_event event(trace_kind kind, device const* d, driver const* drv) const {
        trace_event e;
        e.kind = kind;
        e.time = clock_->now();
        if (d) {
            e.device = d->name();
            e.bus = d->bus_name();
        }
        if (drv) e.driver = drv->name();
        return e;
    }

    /// Into the current context, or (lock held) straight to the sink.
    void emit(trace_event e) {
        auto* sink = sink_.load(std::memory_order_acquire);
        if (!sink) return;
        if (auto* c = context())
            c->events.push_back(std::move(e));
        else
            sink->on_event(e);
    }

    /// Lock held. A change of the executor's queue or of the ordered lists: deferred to the
    /// end of the running probe, so concurrent probes apply theirs in a fixed order.
    template <class F>
    void effect(F&& op) {
        if (auto* c = context())
            c->ops.emplace_back(std::forward<F>(op));
        else
            op();
    }

    void flush(detail::probe_context& c) {
        std::lock_guard lk{mu_};
        if (auto* sink = sink_.load(std::memory_order_acquire))
            for (auto const& e : c.events)
                sink->on_event(e);
        for (auto& op : c.ops)
            op();
        c.events.clear();
        c.ops.clear();
    }

    // --- bookkeeping (lock held) -----------------------------------------------------------

    bool mine(device const& d) const noexcept { return d.book_.owner == this; }

    device* by_id_locked(std::uint64_t id) const {
        auto it = owned_.find(id);
        return it == owned_.end() ? nullptr : it->second.get();
    }

    static void set_state(device& d, device_state s) noexcept {
        d.state_.store(s, std::memory_order_release);
    }

    void bump(device& d, counter c) {
        auto& a = d.counters_;
        constexpr auto r = std::memory_order_relaxed;
        switch (c) {
        case counter::attempts:
            a.attempts.fetch_add(1, r), ++totals_.attempts;
            break;
        case counter::binds:
            a.binds.fetch_add(1, r), ++totals_.binds;
            break;
        case counter::failures:
            a.failures.fetch_add(1, r), ++totals_.failures;
            break;
        case counter::deferrals:
            a.deferrals.fetch_add(1, r), ++totals_.deferrals;
            break;
        case counter::wakeups:
            a.wakeups.fetch_add(1, r), ++totals_.wakeups;
            break;
        case counter::timeouts:
            a.timeouts.fetch_add(1, r), ++totals_.timeouts;
            break;
        case counter::unbinds:
            a.unbinds.fetch_add(1, r), ++totals_.unbinds;
            break;
        }
    }

    // Pins keep an object alive while a procedure holds it across an unlock (Linux
    // get_device/put_device); a removed device or unregistered driver is destroyed by
    // reap() once unpinned.
    static void pin(device& d) noexcept { ++d.book_.pins; }
    void unpin(device& d) {
        if (--d.book_.pins == 0 && d.book_.removed) {
            auto it = zombies_.find(&d);
            if (it == zombies_.end()) return;
            if (device* parent = d.book_.parent) unpin(*parent);
            doomed_.push_back(std::move(it->second));
            zombies_.erase(it);
        }
    }
    static void pin(driver& drv) noexcept { ++drv.book_.users; }
    void unpin(driver& drv) {
        if (--drv.book_.users == 0 && drv.book_.unregistering) {
            auto it = std::find_if(driver_zombies_.begin(), driver_zombies_.end(),
                                   [&](auto const& p) { return p.get() == &drv; });
            if (it == driver_zombies_.end()) return;
            doomed_drivers_.push_back(std::move(*it));
            driver_zombies_.erase(it);
        }
    }

    /// Destroy what was removed and is no longer held, outside the lock.
    void reap() {
        std::vector<std::unique_ptr<device>> devs;
        std::vector<std::unique_ptr<driver>> drvs;
        {
            std::lock_guard lk{mu_};
            devs.swap(doomed_);
            drvs.swap(doomed_drivers_);
        }
    }

    bus_entry& entry_of(device const& d) { return buses_.find(d.bus_name())->second; }

    static bool attachable(device const& d) noexcept {
        auto s = d.state();
        return !d.book_.removing && (s == device_state::unbound || s == device_state::failed);
    }

    driver* next_driver_locked(device const& d, std::uint64_t after) {
        auto& e = entry_of(d);
        for (driver* drv : e.drivers)
            if (drv->book_.reg_seq > after && !drv->book_.unregistering && e.bus->match(d, *drv))
                return drv;
        return nullptr;
    }

    device* unbound_supplier_locked(device const& d) const {
        for (device* s : d.book_.suppliers)
            if (s->state() != device_state::bound) return s;
        return nullptr;
    }

    /// Whether `a` depends on `b` through links.
    bool depends_on_locked(device const& a, device const& b) const {
        std::vector<device const*> todo{&a}, seen;
        while (!todo.empty()) {
            device const* x = todo.back();
            todo.pop_back();
            if (x == &b) return true;
            if (std::find(seen.begin(), seen.end(), x) != seen.end()) continue;
            seen.push_back(x);
            for (device const* s : x->book_.suppliers)
                todo.push_back(s);
        }
        return false;
    }

    /// Bound consumers of `d`, direct and indirect, newest binding first; pinned.
    std::vector<device*> bound_consumers_locked(device& d) {
        std::vector<device*> todo = d.book_.consumers, seen, out;
        while (!todo.empty()) {
            device* x = todo.back();
            todo.pop_back();
            if (std::find(seen.begin(), seen.end(), x) != seen.end()) continue;
            seen.push_back(x);
            if (x->state() == device_state::bound) out.push_back(x);
            for (device* c : x->book_.consumers)
                todo.push_back(c);
        }
        std::sort(out.begin(), out.end(),
                  [](device* a, device* b) { return a->book_.bind_seq > b->book_.bind_seq; });
        for (device* x : out)
            pin(*x);
        return out;
    }

    // --- queueing and deferral (lock held) -------------------------------------------------

    void queue_attach_locked(device& d) {
        auto& b = d.book_;
        if (b.queued || b.removing) return;
        b.queued = true;
        queue_.push({clock_->now(), 0, detail::work_kind::attach, b.id, b.ticket, {}});
    }

    void place_device_locked(std::uint64_t id) {
        device* d = by_id_locked(id);
        if (!d || d->book_.removing) return;
        auto& b = d->book_;
        auto& e = entry_of(*d);
        b.bus_pos = e.devices.insert(e.devices.end(), d);
        b.all_pos = all_.insert(all_.end(), d);
        b.placed = true;
        if (attachable(*d)) queue_attach_locked(*d);
    }

    /// Linux bus_add_driver + driver_attach: matchable from now on; queue what it matches.
    void place_driver_locked(driver& drv) {
        if (drv.book_.unregistering) return;
        drv.book_.reg_seq = ++seq_;
        drv.book_.placed = true;
        auto& e = buses_.find(drv.bus_name())->second;
        e.drivers.push_back(&drv);
        driver_order_.push_back(&drv);
        key_appeared_locked(dep_key::driver(drv.name()));
        for (device* d : e.devices)
            if (attachable(*d) && e.bus->match(*d, drv)) queue_attach_locked(*d);
    }

    void rescan_locked(std::string const& bus) {
        auto it = buses_.find(bus);
        if (it == buses_.end()) return;
        std::string cause = "rescan:" + bus;
        for (device* d : it->second.devices) {
            if (d->state() == device_state::deferred)
                requeue_locked(*d, cause);
            else if (attachable(*d))
                queue_attach_locked(*d);
        }
    }

    /// Something a deferred device may wait for has appeared.
    void key_appeared_locked(dep_key const& key) {
        if (opts_.mode == deferral_mode::retry_all) return trigger_locked();
        auto it = waiting_.find(key);
        if (it == waiting_.end()) return;
        auto list = std::move(it->second);
        waiting_.erase(it);
        std::string cause = to_string(key);
        for (auto [id, gen] : list)
            if (device* d = by_id_locked(id); d && d->book_.wait_gen == gen)
                requeue_locked(*d, cause);
    }

    /// Linux driver_deferred_probe_trigger(): every waiting device is queued again.
    void trigger_locked() {
        ++triggers_;
        auto list = std::exchange(pending_, {});
        for (auto [id, gen] : list)
            if (device* d = by_id_locked(id); d && d->book_.wait_gen == gen)
                requeue_locked(*d, "trigger");
    }

    /// A parked deferred device goes back to the queue.
    bool requeue_locked(device& d, std::string_view cause) {
        auto& b = d.book_;
        if (d.state() != device_state::deferred || !b.parked || b.removing) return false;
        b.parked = false;
        ++b.wait_gen;
        bump(d, counter::wakeups);
        if (tracing()) {
            auto e = event(trace_kind::wakeup, &d, nullptr);
            e.key = std::string{cause};
            emit(std::move(e));
        }
        queue_attach_locked(d);
        return true;
    }

    /// Whether `key` appeared after the point `seq` (a probe's start).
    bool seen_since_locked(dep_key const& key, std::uint64_t seq) const {
        switch (key.kind) {
        case dep_kind::device_bound: {
            auto it = by_name_.find(key.name);
            return it != by_name_.end() && it->second->state() == device_state::bound &&
                   it->second->book_.bind_seq > seq;
        }
        case dep_kind::driver_registered: {
            auto it = drivers_.find(key.name);
            return it != drivers_.end() && it->second->book_.placed &&
                   it->second->book_.reg_seq > seq;
        }
        case dep_kind::event: {
            auto it = signalled_.find(key.name);
            return it != signalled_.end() && it->second > seq;
        }
        }
        return false;
    }

    /// The deferral, applied in order: into the wait index (targeted) or the pending list
    /// (retry-all). A key that appeared while the device probed wakes it at once (Linux
    /// checks deferred_trigger_count for the same race).
    void park_locked(std::uint64_t id, std::uint64_t gen, std::uint64_t start,
                     std::uint64_t triggers) {
        device* d = by_id_locked(id);
        if (!d || d->state() != device_state::deferred || d->book_.wait_gen != gen) return;
        auto& b = d->book_;
        b.parked = true;
        if (opts_.mode == deferral_mode::targeted) {
            if (seen_since_locked(*b.waiting_on, start)) {
                requeue_locked(*d, to_string(*b.waiting_on));
                return;
            }
            waiting_[*b.waiting_on].emplace_back(id, gen);
        } else {
            pending_.emplace_back(id, gen);
            if (triggers_ != triggers) trigger_locked();
        }
        arm_timeout_locked(*d);
    }

    void arm_timeout_locked(device& d) {
        auto& b = d.book_;
        if (!opts_.deferral_timeout || b.timeout_armed || !b.in_episode) return;
        b.timeout_armed = true;
        queue_.push({std::max(clock_->now(), b.episode_start + *opts_.deferral_timeout),
                     0,
                     detail::work_kind::timeout,
                     b.id,
                     b.episode,
                     {}});
    }

    /// Out of the wait index, keeping the wait episode (a re-probe of a waiting device).
    static void leave_wait(device& d) noexcept {
        d.book_.parked = false;
        ++d.book_.wait_gen;
    }
    static void end_wait(device& d) noexcept {
        auto& b = d.book_;
        leave_wait(d);
        b.in_episode = false;
        b.timeout_armed = false;
        b.waiting_on.reset();
        b.reason.clear();
        b.deferred_by = nullptr;
    }

    /// A deferred device stops waiting without being probed (unbind request, its driver
    /// unregistered).
    void cancel_wait_locked(device& d, std::string_view cause) {
        auto& b = d.book_;
        driver* drv = b.deferred_by;
        end_wait(d);
        ++b.ticket;
        b.queued = false;
        set_state(d, device_state::unbound);
        bump(d, counter::unbinds);
        if (tracing()) {
            auto e = event(trace_kind::unbind_begin, &d, drv);
            e.text = "wait cancelled: " + std::string{cause};
            emit(e);
            e.kind = trace_kind::unbind_end;
            emit(std::move(e));
        }
    }

    // --- probing ---------------------------------------------------------------------------

    struct hook_result {
        probe_outcome outcome;
        bool decided; // bound, deferred or discarded; false: failed, the next driver may try
    };

    static probe_outcome call_hook(driver& drv, device& d, dep_key const* timed_out) {
        try {
            return timed_out ? drv.on_deferral_timeout(d, *timed_out) : drv.probe(d);
        } catch (std::exception const& e) {
            return failed(errc::probe_exception, e.what());
        } catch (...) {
            return failed(errc::probe_exception, "unknown exception");
        }
    }

    /// Release what the binding owns, newest first (Linux devres_release_all). Lock not
    /// held; always inside a scope, so the events go to its context.
    void release_devres(device& d, driver const* drv) {
        d.devres().release_all([&](std::string_view name) {
            if (!tracing()) return;
            auto e = event(trace_kind::resource_released, &d, drv);
            e.text = std::string{name};
            emit(std::move(e));
        });
    }

    /// Linux driver_probe_device()/really_probe(): the matching drivers in registration
    /// order until one binds or defers; a failed probe lets the next one try.
    probe_outcome attach_locked(lock_t& lk, device& d, driver* only) {
        auto& b = d.book_;
        if (b.removing || b.removed) return failed(errc::device_removed, d.name());
        switch (d.state()) {
        case device_state::bound:
            return failed(errc::already_bound, d.name());
        case device_state::probing:
        case device_state::unbinding:
            return failed(errc::probe_in_progress, d.name());
        default:
            break;
        }
        if (d.state() == device_state::deferred) leave_wait(d);
        ++b.ticket; // a queued attach of this device is now stale
        b.queued = false;
        set_state(d, device_state::probing);
        b.probe_start = ++seq_;
        b.triggers_at_start = triggers_;
        pin(d);
        probe_outcome result = failed(errc::no_driver, "no driver matches " + d.name());
        bool tried = false, decided = false;
        std::uint64_t after = 0;
        while (!decided && !b.removing) {
            driver* drv = only ? (tried ? nullptr : only) : next_driver_locked(d, after);
            if (!drv) break;
            tried = true;
            after = drv->book_.reg_seq;
            auto r = run_hook_locked(lk, d, *drv, nullptr);
            result = std::move(r.outcome);
            decided = r.decided;
        }
        if (!decided) {
            if (b.removing) result = failed(errc::device_removed, d.name());
            if (tried && !b.removing) {
                finish_failed_locked(d, result);
            } else {
                set_state(d, device_state::unbound);
                end_wait(d);
                b.error = result.error();
                b.message = result.message();
            }
        }
        unpin(d);
        return result;
    }

    /// One hook call (probe, or on_deferral_timeout when `timed_out`) and what follows.
    hook_result run_hook_locked(lock_t& lk, device& d, driver& drv, dep_key const* timed_out) {
        auto& b = d.book_;
        // Linux device_links_check_suppliers(): no probe before the suppliers are bound.
        if (!timed_out)
            if (device* s = unbound_supplier_locked(d)) {
                auto out = base::deferred(dep_key::device(s->name()),
                                          "supplier " + s->name() + " has no driver");
                commit_deferral_locked(d, drv, out);
                return {std::move(out), true};
            }
        pin(drv);
        d.driver_.store(&drv, std::memory_order_release);
        bump(d, counter::attempts);
        if (tracing()) {
            auto e = event(trace_kind::probe_begin, &d, &drv);
            e.text = timed_out ? "on_deferral_timeout" : "probe";
            emit(std::move(e));
        }
        lk.unlock();
        probe_outcome out = call_hook(drv, d, timed_out);
        lk.lock();

        auto discard_reason = [&]() -> std::error_code {
            if (b.removing || b.removed) return errc::device_removed;
            if (drv.book_.unregistering) return errc::driver_unregistered;
            return {};
        };
        std::error_code discard = discard_reason();
        if (!discard && out.is_bound())
            if (device* s = unbound_supplier_locked(d))
                out = base::deferred(dep_key::device(s->name()),
                                     "supplier " + s->name() + " lost its driver during the probe");
        if (tracing()) {
            auto e = event(trace_kind::probe_end, &d, &drv);
            e.outcome = discard ? outcome_kind::discarded : out.kind();
            e.error = discard ? discard : out.error();
            if (out.is_deferred()) e.key = to_string(out.key());
            e.text = discard ? "probe returned " + out.describe() : out.message();
            emit(std::move(e));
        }
        if (!discard && out.is_bound()) {
            commit_bound_locked(d, drv);
            unpin(drv);
            return {std::move(out), true};
        }

        // The binding ends before it began: release what the probe acquired.
        lk.unlock();
        release_devres(d, &drv);
        d.clear_drvdata();
        lk.lock();
        d.driver_.store(nullptr, std::memory_order_release);
        if (!discard) discard = discard_reason(); // a release may have removed the device
        hook_result r{std::move(out), true};
        if (discard) {
            set_state(d, device_state::unbound);
            end_wait(d);
            b.error = discard;
            b.message = "probe discarded";
            r.outcome = failed(discard, "probe of " + d.name() + " discarded");
        } else if (r.outcome.is_deferred()) {
            commit_deferral_locked(d, drv, r.outcome);
        } else {
            bump(d, counter::failures);
            b.error = r.outcome.error();
            b.message = r.outcome.message();
            r.decided = false;
        }
        unpin(drv);
        return r;
    }

    void commit_bound_locked(device& d, driver& drv) {
        auto& b = d.book_;
        set_state(d, device_state::bound);
        d.driver_.store(&drv, std::memory_order_release);
        b.bind_seq = ++seq_;
        b.error = {};
        b.message.clear();
        end_wait(d);
        bump(d, counter::binds);
        effect([this, key = dep_key::device(d.name())] { key_appeared_locked(key); });
    }

    void commit_deferral_locked(device& d, driver& drv, probe_outcome const& out) {
        auto& b = d.book_;
        set_state(d, device_state::deferred);
        b.waiting_on = out.key();
        b.reason = out.message();
        b.deferred_by = &drv;
        b.parked = false;
        std::uint64_t gen = ++b.wait_gen;
        if (!b.in_episode) {
            b.in_episode = true;
            b.timeout_armed = false;
            ++b.episode;
            b.episode_start = clock_->now();
        }
        bump(d, counter::deferrals);
        if (tracing()) {
            auto e = event(trace_kind::deferred, &d, &drv);
            e.key = to_string(out.key());
            e.text = out.message();
            emit(std::move(e));
        }
        effect([this, id = b.id, gen, start = b.probe_start, trig = b.triggers_at_start] {
            park_locked(id, gen, start, trig);
        });
    }

    void finish_failed_locked(device& d, probe_outcome const& out) {
        auto& b = d.book_;
        set_state(d, device_state::failed);
        end_wait(d);
        b.error = out.error();
        b.message = out.message();
    }

    probe_outcome attach_request(device& dev, driver* only) {
        scope s{*this};
        probe_outcome out = bound();
        {
            lock_t lk{mu_};
            if (!mine(dev)) return failed(errc::unknown_device);
            if (dev.book_.removed) return failed(errc::device_removed, dev.name());
            if (only) {
                auto const& db = only->book_;
                if (db.owner != this || db.unregistering || !db.placed)
                    return failed(errc::unknown_driver, only->name());
                if (db.bus != dev.book_.bus || !dev.book_.bus->match(dev, *only))
                    return failed(errc::driver_mismatch, only->name() + " for " + dev.name());
            }
            out = attach_locked(lk, dev, only);
        }
        s.finish();
        reap();
        return out;
    }

    // --- executor items (lock not held) --------------------------------------------------

    bool async_attach_locked(detail::work_item const& item) {
        if (item.kind != detail::work_kind::attach) return false;
        device* d = by_id_locked(item.device);
        if (!d || d->book_.ticket != item.ticket) return false;
        if (!attachable(*d) && d->state() != device_state::deferred) return false;
        driver* drv = next_driver_locked(*d, 0);
        return drv && drv->probe_type() == probe_type::prefer_async;
    }

    void run_item(detail::work_item& item) {
        switch (item.kind) {
        case detail::work_kind::attach:
            run_attach_item(item);
            break;
        case detail::work_kind::timeout:
            run_timeout_item(item);
            break;
        case detail::work_kind::call:
            if (item.fn) item.fn();
            break;
        }
    }

    void run_attach_item(detail::work_item const& item) {
        scope s{*this};
        lock_t lk{mu_};
        device* d = by_id_locked(item.device);
        if (!d || d->book_.ticket != item.ticket) return;
        d->book_.queued = false;
        auto st = d->state();
        if (st != device_state::unbound && st != device_state::failed &&
            st != device_state::deferred)
            return;
        attach_locked(lk, *d, nullptr);
    }

    /// The deadline of a wait: its driver decides (Linux deferred_probe_timeout_work_func).
    void run_timeout_item(detail::work_item const& item) {
        scope s{*this};
        lock_t lk{mu_};
        device* d = by_id_locked(item.device);
        if (!d) return;
        auto& b = d->book_;
        if (!b.in_episode || b.episode != item.ticket) return;
        b.timeout_armed = false;
        // A device being retried right now re-arms at its next deferral.
        if (d->state() != device_state::deferred || !b.parked || b.removing || !b.deferred_by ||
            !b.waiting_on)
            return;
        driver& drv = *b.deferred_by;
        dep_key key = *b.waiting_on;
        end_wait(*d); // the hook decides afresh; deferring again starts a new wait
        ++b.ticket;
        b.queued = false;
        set_state(*d, device_state::probing);
        b.probe_start = ++seq_;
        b.triggers_at_start = triggers_;
        pin(*d);
        bump(*d, counter::timeouts);
        if (tracing()) {
            auto e = event(trace_kind::deferral_timeout, d, &drv);
            e.key = to_string(key);
            emit(std::move(e));
        }
        auto r = run_hook_locked(lk, *d, drv, &key);
        if (!r.decided) finish_failed_locked(*d, r.outcome);
        unpin(*d);
    }

    /// Prefer-async attaches, probed on the pool; their effects are applied in queue
    /// order afterwards, as if they had run one after the other.
    void run_batch(std::vector<detail::work_item>& batch) {
        std::vector<detail::probe_context> ctxs(batch.size());
        std::vector<std::function<void()>> jobs;
        jobs.reserve(batch.size());
        for (std::size_t i = 0; i < batch.size(); ++i) {
            ctxs[i].owner = this;
            jobs.emplace_back([this, &ctxs, &batch, i] {
                detail::current_context = &ctxs[i];
                run_attach_item(batch[i]);
                detail::current_context = nullptr;
            });
        }
        pool_->run(jobs);
        for (auto& c : ctxs)
            flush(c);
    }

    // --- unbind, removal, unregister (lock held; may unlock) -------------------------------

    /// Linux device_release_driver(): bound consumers first (newest binding first), then
    /// remove(), then the binding's devres.
    void unbind_locked(lock_t& lk, device& d, std::string_view cause) {
        if (d.state() != device_state::bound) return;
        auto& b = d.book_;
        set_state(d, device_state::unbinding);
        pin(d);
        unbind_consumers_locked(lk, d);
        driver& drv = *d.bound_driver();
        pin(drv);
        bump(d, counter::unbinds);
        if (tracing()) {
            auto e = event(trace_kind::unbind_begin, &d, &drv);
            e.text = std::string{cause};
            emit(std::move(e));
        }
        lk.unlock();
        try {
            drv.remove(d);
        } catch (...) { // nothing crosses layers; the binding ends regardless
        }
        release_devres(d, &drv);
        d.clear_drvdata();
        lk.lock();
        d.driver_.store(nullptr, std::memory_order_release);
        b.bind_seq = 0;
        b.error = {};
        b.message.clear();
        set_state(d, device_state::unbound);
        if (tracing()) {
            auto e = event(trace_kind::unbind_end, &d, &drv);
            e.text = std::string{cause};
            emit(std::move(e));
        }
        unpin(drv);
        unpin(d);
    }

    void unbind_consumers_locked(lock_t& lk, device& d) {
        auto consumers = bound_consumers_locked(d);
        std::string cause = "supplier " + d.name() + " going away";
        for (device* c : consumers)
            unbind_locked(lk, *c, cause);
        for (device* c : consumers)
            unpin(*c);
    }

    /// Post-order: every device's children (newest first) before the device.
    static std::vector<device*> subtree_locked(device& root) {
        using rit = std::list<device*>::const_reverse_iterator;
        std::vector<device*> order;
        std::vector<std::pair<device*, rit>> stack{{&root, root.book_.children.crbegin()}};
        while (!stack.empty()) {
            auto& [d, next] = stack.back();
            if (next != d->book_.children.crend()) {
                device* kid = *next++;
                stack.emplace_back(kid, kid->book_.children.crbegin());
            } else {
                order.push_back(d);
                stack.pop_back();
            }
        }
        return order;
    }

    void remove_tree_locked(lock_t& lk, device& root) {
        auto order = subtree_locked(root);
        for (device* d : order) {
            d->book_.removing = true;
            pin(*d);
        }
        for (device* d : order)
            remove_one_locked(lk, *d);
        for (device* d : order)
            unpin(*d);
    }

    void remove_one_locked(lock_t& lk, device& d) {
        auto& b = d.book_;
        if (b.removed) return;
        unbind_consumers_locked(lk, d);
        unbind_locked(lk, d, "removal");
        if (b.removed) return;
        if (d.state() == device_state::deferred) cancel_wait_locked(d, "removal");
        ++b.ticket;
        b.queued = false;
        // A running probe or unbind releases its own resources; otherwise release what
        // was added outside any binding.
        bool busy = d.state() == device_state::probing || d.state() == device_state::unbinding;
        if (!busy && !d.devres().empty()) {
            lk.unlock();
            release_devres(d, nullptr);
            lk.lock();
            if (b.removed) return;
        }
        detach_locked(d);
    }

    void detach_locked(device& d) {
        auto& b = d.book_;
        b.removed = true;
        if (tracing()) emit(event(trace_kind::device_removed, &d, nullptr));
        by_name_.erase(d.name());
        if (b.placed) {
            entry_of(d).devices.erase(b.bus_pos);
            all_.erase(b.all_pos);
            b.placed = false;
        }
        if (device* p = b.parent) p->book_.children.erase(b.child_pos);
        for (device* s : b.suppliers)
            std::erase(s->book_.consumers, &d);
        for (device* c : b.consumers)
            std::erase(c->book_.suppliers, &d);
        b.suppliers.clear();
        b.consumers.clear();
        auto it = owned_.find(b.id);
        zombies_.emplace(&d, std::move(it->second));
        owned_.erase(it);
        pin(d); // and release at once: destroyed now unless a procedure holds it
        unpin(d);
    }

    void unregister_locked(lock_t& lk, driver& drv) {
        auto& db = drv.book_;
        db.unregistering = true;
        pin(drv);
        auto it = drivers_.find(drv.name());
        driver_zombies_.push_back(std::move(it->second));
        drivers_.erase(it);
        if (db.placed) {
            std::erase(buses_.find(drv.bus_name())->second.drivers, &drv);
            std::erase(driver_order_, &drv);
        }
        std::vector<device*> bound_devs;
        for (auto const& [name, d] : by_name_) {
            if (d->state() == device_state::bound && d->bound_driver() == &drv)
                bound_devs.push_back(d);
            else if (d->state() == device_state::deferred && d->book_.deferred_by == &drv)
                cancel_wait_locked(*d, "driver unregistered");
        }
        std::sort(bound_devs.begin(), bound_devs.end(),
                  [](device* a, device* b) { return a->book_.bind_seq > b->book_.bind_seq; });
        for (device* d : bound_devs)
            pin(*d);
        for (device* d : bound_devs)
            unbind_locked(lk, *d, "driver unregistered");
        for (device* d : bound_devs)
            unpin(*d);
        if (tracing()) emit(event(trace_kind::driver_unregistered, nullptr, &drv));
        unpin(drv);
    }

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
