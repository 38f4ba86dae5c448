// Out-of-line definitions for <cxlfw/base/host.hpp>: construction, lookups, device links,
// observation, registration, the trace and the host's bookkeeping.
#pragma once

#include <cxlfw/base/host.hpp>

#include <algorithm>

namespace cxlfw::base {

// --- construction ------------------------------------------------------------------------

CXLFW_DECL host::host(host_options options) : host{nullptr, std::move(options)} {}

CXLFW_DECL host::host(virtual_clock& clock, host_options options)
    : host{&clock, std::move(options)} {}

CXLFW_DECL host::host(virtual_clock* clock, host_options options)
    : clock_{clock ? clock : &own_clock_}, opts_{std::move(options)}, sink_{opts_.sink} {
    buses_["pci"].bus = std::make_unique<pci_bus>();
    buses_["platform"].bus = std::make_unique<platform_bus>();
    if (opts_.async_workers > 0) pool_ = std::make_unique<detail::worker_pool>(opts_.async_workers);
}

// --- buses, devices, drivers -------------------------------------------------------------

CXLFW_DECL bus_type* host::find_bus(std::string_view name) const {
    std::lock_guard lk{mu_};
    auto it = buses_.find(name);
    return it == buses_.end() ? nullptr : it->second.bus.get();
}

CXLFW_DECL device* host::find_device(std::string_view name) const {
    std::lock_guard lk{mu_};
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : it->second;
}

CXLFW_DECL std::vector<device*> host::devices() const {
    std::lock_guard lk{mu_};
    return {all_.begin(), all_.end()};
}

CXLFW_DECL std::vector<device*> host::children(device const& dev) const {
    std::lock_guard lk{mu_};
    if (!mine(dev)) return {};
    return {dev.book_.children.begin(), dev.book_.children.end()};
}

CXLFW_DECL driver* host::find_driver(std::string_view name) const {
    std::lock_guard lk{mu_};
    auto it = drivers_.find(name);
    return it == drivers_.end() ? nullptr : it->second.get();
}

CXLFW_DECL std::vector<driver*> host::drivers() const {
    std::lock_guard lk{mu_};
    return driver_order_;
}

CXLFW_DECL status host::add_link(device& consumer, device& supplier) {
    std::lock_guard lk{mu_};
    for (device const* d : {&consumer, &supplier}) {
        if (!mine(*d)) return errc::unknown_device;
        if (d->book_.removed || d->book_.removing) return errc::device_removed;
    }
    if (&consumer == &supplier || depends_on_locked(supplier, consumer)) return errc::link_cycle;
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

// --- observation -------------------------------------------------------------------------

CXLFW_DECL probe_counters host::counters() const {
    std::lock_guard lk{mu_};
    return totals_;
}

CXLFW_DECL device_info host::info(device const& dev) const {
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

CXLFW_DECL std::vector<deferred_entry> host::deferred() const {
    std::lock_guard lk{mu_};
    std::vector<deferred_entry> out;
    for (auto const& [name, d] : by_name_) {
        auto const& b = d->book_;
        if (d->state() != device_state::deferred || !b.waiting_on) continue;
        out.push_back({name, b.deferred_by ? b.deferred_by->name() : std::string{}, *b.waiting_on,
                       b.reason, b.episode_start});
    }
    return out;
}

CXLFW_DECL resource_report host::resources_held() const {
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

// --- registration ------------------------------------------------------------------------

CXLFW_DECL result<bus_type*> host::add_bus_impl(std::unique_ptr<bus_type> bus) {
    if (!bus) return errc::null_object;
    if (bus->name().empty()) return errc::invalid_name;
    std::lock_guard lk{mu_};
    if (buses_.contains(bus->name())) return errc::bus_exists;
    bus_type* raw = bus.get();
    buses_[raw->name()].bus = std::move(bus);
    return raw;
}

CXLFW_DECL result<device*> host::add_device_impl(std::unique_ptr<device> dev, device* parent) {
    if (!dev) return errc::null_object;
    if (dev->name().empty()) return errc::invalid_name;
    std::lock_guard lk{mu_};
    auto bus = buses_.find(dev->bus_name());
    if (bus == buses_.end()) return errc::unknown_bus;
    if (auto ok = bus->second.bus->admit(*dev); !ok) return ok.error();
    if (by_name_.contains(dev->name())) return errc::device_exists;
    if (parent && (!mine(*parent) || parent->book_.removing || parent->book_.removed))
        return errc::parent_absent;
    device* raw = dev.get();
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

CXLFW_DECL result<driver*> host::register_driver_impl(std::unique_ptr<driver> drv) {
    if (!drv) return errc::null_object;
    if (drv->name().empty()) return errc::invalid_name;
    std::lock_guard lk{mu_};
    auto bus = buses_.find(drv->bus_name());
    if (bus == buses_.end()) return errc::unknown_bus;
    if (drivers_.contains(drv->name())) return errc::driver_exists;
    driver* raw = drv.get();
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

// --- contexts, trace, effects ------------------------------------------------------------

CXLFW_DECL detail::probe_context* host::context() const noexcept {
    auto* c = detail::current_context;
    return c && c->owner == this ? c : nullptr;
}

CXLFW_DECL trace_event host::event(trace_kind kind, device const* d, driver const* drv) const {
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

CXLFW_DECL void host::emit(trace_event e) {
    auto* sink = sink_.load(std::memory_order_acquire);
    if (!sink) return;
    if (auto* c = context())
        c->events.push_back(std::move(e));
    else
        sink->on_event(e);
}

CXLFW_DECL void host::flush(detail::probe_context& c) {
    std::lock_guard lk{mu_};
    if (auto* sink = sink_.load(std::memory_order_acquire))
        for (auto const& e : c.events)
            sink->on_event(e);
    for (auto& op : c.ops)
        op();
    c.events.clear();
    c.ops.clear();
}

// --- bookkeeping (lock held) -------------------------------------------------------------

CXLFW_DECL device* host::by_id_locked(std::uint64_t id) const {
    auto it = owned_.find(id);
    return it == owned_.end() ? nullptr : it->second.get();
}

CXLFW_DECL void host::bump(device& d, counter c) {
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

CXLFW_DECL host::bus_entry& host::entry_of(device const& d) {
    return buses_.find(d.bus_name())->second;
}

CXLFW_DECL bool host::attachable(device const& d) noexcept {
    auto s = d.state();
    return !d.book_.removing && (s == device_state::unbound || s == device_state::failed);
}

CXLFW_DECL driver* host::next_driver_locked(device const& d, std::uint64_t after) {
    auto& e = entry_of(d);
    for (driver* drv : e.drivers)
        if (drv->book_.reg_seq > after && !drv->book_.unregistering && e.bus->match(d, *drv))
            return drv;
    return nullptr;
}

CXLFW_DECL device* host::unbound_supplier_locked(device const& d) const {
    for (device* s : d.book_.suppliers)
        if (s->state() != device_state::bound) return s;
    return nullptr;
}

CXLFW_DECL bool host::depends_on_locked(device const& a, device const& b) const {
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

} // namespace cxlfw::base
