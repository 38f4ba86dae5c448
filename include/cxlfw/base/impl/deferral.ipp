// Out-of-line definitions for <cxlfw/base/host.hpp>: the work queue and deferral (rescans,
// signals, wake-ups, timeouts) and the executor that runs them (settle, async batches).
#pragma once

#include <cxlfw/base/host.hpp>

#include <algorithm>

namespace cxlfw::base {

// --- rescan, signal ----------------------------------------------------------------------

CXLFW_DECL status host::rescan(std::string_view bus) {
    std::lock_guard lk{mu_};
    if (!buses_.contains(bus)) return errc::unknown_bus;
    effect([this, name = std::string{bus}] { rescan_locked(name); });
    return {};
}

CXLFW_DECL status host::signal(std::string_view name) {
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

// --- executor ----------------------------------------------------------------------------

CXLFW_DECL status host::settle() {
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

CXLFW_DECL status host::run_until(vtime t) {
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

CXLFW_DECL void host::call_at(vtime t, std::function<void()> fn) {
    std::lock_guard lk{mu_};
    effect([this, t, fn = std::move(fn)]() mutable {
        queue_.push({std::max(t, clock_->now()), 0, detail::work_kind::call, 0, 0, std::move(fn)});
    });
}

CXLFW_DECL bool host::idle() const {
    std::lock_guard lk{mu_};
    return queue_.peek_due(clock_->now()) == nullptr;
}

CXLFW_DECL std::size_t host::queued() const {
    std::lock_guard lk{mu_};
    return queue_.size();
}

// --- queueing and deferral (lock held) ---------------------------------------------------

CXLFW_DECL void host::queue_attach_locked(device& d) {
    auto& b = d.book_;
    if (b.queued || b.removing) return;
    b.queued = true;
    queue_.push({clock_->now(), 0, detail::work_kind::attach, b.id, b.ticket, {}});
}

CXLFW_DECL void host::place_device_locked(std::uint64_t id) {
    device* d = by_id_locked(id);
    if (!d || d->book_.removing) return;
    auto& b = d->book_;
    auto& e = entry_of(*d);
    b.bus_pos = e.devices.insert(e.devices.end(), d);
    b.all_pos = all_.insert(all_.end(), d);
    b.placed = true;
    if (attachable(*d)) queue_attach_locked(*d);
}

CXLFW_DECL void host::place_driver_locked(driver& drv) {
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

CXLFW_DECL void host::rescan_locked(std::string const& bus) {
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

CXLFW_DECL void host::key_appeared_locked(dep_key const& key) {
    if (opts_.mode == deferral_mode::retry_all) return trigger_locked();
    auto it = waiting_.find(key);
    if (it == waiting_.end()) return;
    auto list = std::move(it->second);
    waiting_.erase(it);
    std::string cause = to_string(key);
    for (auto [id, gen] : list)
        if (device* d = by_id_locked(id); d && d->book_.wait_gen == gen) requeue_locked(*d, cause);
}

CXLFW_DECL void host::trigger_locked() {
    ++triggers_;
    auto list = std::exchange(pending_, {});
    for (auto [id, gen] : list)
        if (device* d = by_id_locked(id); d && d->book_.wait_gen == gen)
            requeue_locked(*d, "trigger");
}

CXLFW_DECL bool host::requeue_locked(device& d, std::string_view cause) {
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

CXLFW_DECL bool host::seen_since_locked(dep_key const& key, std::uint64_t seq) const {
    switch (key.kind) {
    case dep_kind::device_bound: {
        auto it = by_name_.find(key.name);
        return it != by_name_.end() && it->second->state() == device_state::bound &&
               it->second->book_.bind_seq > seq;
    }
    case dep_kind::driver_registered: {
        auto it = drivers_.find(key.name);
        return it != drivers_.end() && it->second->book_.placed && it->second->book_.reg_seq > seq;
    }
    case dep_kind::event: {
        auto it = signalled_.find(key.name);
        return it != signalled_.end() && it->second > seq;
    }
    }
    return false;
}

CXLFW_DECL void host::park_locked(std::uint64_t id, std::uint64_t gen, std::uint64_t start,
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

CXLFW_DECL void host::arm_timeout_locked(device& d) {
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

CXLFW_DECL void host::leave_wait(device& d) noexcept {
    d.book_.parked = false;
    ++d.book_.wait_gen;
}

CXLFW_DECL void host::end_wait(device& d) noexcept {
    auto& b = d.book_;
    leave_wait(d);
    b.in_episode = false;
    b.timeout_armed = false;
    b.waiting_on.reset();
    b.reason.clear();
    b.deferred_by = nullptr;
}

CXLFW_DECL void host::cancel_wait_locked(device& d, std::string_view cause) {
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

// --- executor items (lock not held) ------------------------------------------------------

CXLFW_DECL bool host::async_attach_locked(detail::work_item const& item) {
    if (item.kind != detail::work_kind::attach) return false;
    device* d = by_id_locked(item.device);
    if (!d || d->book_.ticket != item.ticket) return false;
    if (!attachable(*d) && d->state() != device_state::deferred) return false;
    driver* drv = next_driver_locked(*d, 0);
    return drv && drv->probe_type() == probe_type::prefer_async;
}

CXLFW_DECL void host::run_item(detail::work_item& item) {
    switch (item.kind) {
    case detail::work_kind::attach:
        run_attach_item(item);
        break;
    case detail::work_kind::timeout:
        run_timeout_item(item);
        break;
    case detail::work_kind::call:
        if (item.fn) {
            // Counted as a hook: what it holds outlives a removal it causes (host.hpp).
            lock_t lk{mu_};
            call_out(lk, [&] { item.fn(); });
        }
        break;
    }
}

CXLFW_DECL void host::run_attach_item(detail::work_item const& item) {
    scope s{*this};
    lock_t lk{mu_};
    device* d = by_id_locked(item.device);
    if (!d || d->book_.ticket != item.ticket) return;
    d->book_.queued = false;
    auto st = d->state();
    if (st != device_state::unbound && st != device_state::failed && st != device_state::deferred)
        return;
    attach_locked(lk, *d, nullptr);
}

CXLFW_DECL void host::run_timeout_item(detail::work_item const& item) {
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

CXLFW_DECL void host::run_batch(std::vector<detail::work_item>& batch) {
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

} // namespace cxlfw::base
