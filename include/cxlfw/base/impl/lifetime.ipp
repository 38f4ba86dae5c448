// Out-of-line definitions for <cxlfw/base/host.hpp>: how bindings and objects end: unbind,
// removal, unregistering, teardown, and the pins that keep objects alive until reaped.
#pragma once

#include <cxlfw/base/host.hpp>

#include <algorithm>

namespace cxlfw::base {

CXLFW_DECL host::~host() {
    sink_.store(nullptr, std::memory_order_release);
    (void)teardown();
    pool_.reset();
    reap();
}

CXLFW_DECL status host::remove_device(device& dev) {
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

CXLFW_DECL status host::unregister_driver(driver& drv) {
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

CXLFW_DECL status host::unbind(device& dev) {
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

CXLFW_DECL status host::teardown() {
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

// --- pins and reaping --------------------------------------------------------------------

CXLFW_DECL void host::unpin(device& d) {
    if (--d.book_.pins == 0 && d.book_.removed) {
        auto it = zombies_.find(&d);
        if (it == zombies_.end()) return;
        if (device* parent = d.book_.parent) unpin(*parent);
        doomed_.push_back(std::move(it->second));
        zombies_.erase(it);
    }
}

CXLFW_DECL void host::unpin(driver& drv) {
    if (--drv.book_.users == 0 && drv.book_.unregistering) {
        auto it = std::find_if(driver_zombies_.begin(), driver_zombies_.end(),
                               [&](auto const& p) { return p.get() == &drv; });
        if (it == driver_zombies_.end()) return;
        doomed_drivers_.push_back(std::move(*it));
        driver_zombies_.erase(it);
    }
}

CXLFW_DECL void host::reap() {
    std::vector<std::unique_ptr<device>> devs;
    std::vector<std::unique_ptr<driver>> drvs;
    std::vector<std::shared_ptr<void const>> objs;
    {
        std::lock_guard lk{mu_};
        if (in_hooks_ != 0) return; // a running hook may hold them: the last one's caller reaps
        devs.swap(doomed_);
        drvs.swap(doomed_drivers_);
        objs.swap(retired_);
    }
    // Newest first, as they were released.
    while (!objs.empty())
        objs.pop_back();
    while (!devs.empty())
        devs.pop_back();
}

CXLFW_DECL host::object_hold::object_hold(host& h) : h_{&h} {
    std::lock_guard lk{h.mu_};
    ++h.in_hooks_; // counted as a running hook: reap() waits for it
}

CXLFW_DECL host::object_hold::~object_hold() {
    {
        std::lock_guard lk{h_->mu_};
        --h_->in_hooks_;
    }
    h_->reap();
}

CXLFW_DECL void host::retire(std::shared_ptr<void const> object) {
    {
        std::lock_guard lk{mu_};
        retired_.push_back(std::move(object));
    }
    if (!context()) reap();
}

CXLFW_DECL std::vector<device*> host::bound_consumers_locked(device& d) {
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

// --- unbind, removal, unregister (lock held; may unlock) ---------------------------------

CXLFW_DECL void host::unbind_locked(lock_t& lk, device& d, std::string_view cause) {
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
    call_out(lk, [&] {
        try {
            drv.remove(d);
        } catch (...) { // nothing crosses layers; the binding ends regardless
        }
        release_devres(d, &drv);
        d.clear_drvdata();
    });
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

CXLFW_DECL void host::unbind_consumers_locked(lock_t& lk, device& d) {
    auto consumers = bound_consumers_locked(d);
    std::string cause = "supplier " + d.name() + " going away";
    for (device* c : consumers)
        unbind_locked(lk, *c, cause);
    for (device* c : consumers)
        unpin(*c);
}

CXLFW_DECL std::vector<device*> host::subtree_locked(device& root) {
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

CXLFW_DECL void host::remove_tree_locked(lock_t& lk, device& root) {
    auto order = subtree_locked(root);
    for (device* d : order) {
        d->book_.removing = true;
        d->removing_.store(true, std::memory_order_release);
        pin(*d);
    }
    for (device* d : order)
        remove_one_locked(lk, *d);
    for (device* d : order)
        unpin(*d);
}

CXLFW_DECL void host::remove_one_locked(lock_t& lk, device& d) {
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
        call_out(lk, [&] { release_devres(d, nullptr); });
        if (b.removed) return;
    }
    detach_locked(d);
    // The device is gone from the host; what registered it elsewhere forgets it now, though
    // it is destroyed only after the running hooks return.
    call_out(lk, [&] { d.on_removed(); });
}

CXLFW_DECL void host::detach_locked(device& d) {
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

CXLFW_DECL void host::unregister_locked(lock_t& lk, driver& drv) {
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

} // namespace cxlfw::base
