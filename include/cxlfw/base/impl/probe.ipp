// Out-of-line definitions for <cxlfw/base/host.hpp>: probing (Linux really_probe()) and
// what its outcome commits: a binding, a deferral or a failure.
#pragma once

#include <cxlfw/base/host.hpp>

#include <exception>

namespace cxlfw::base {

CXLFW_DECL probe_outcome host::call_hook(driver& drv, device& d, dep_key const* timed_out) {
    try {
        return timed_out ? drv.on_deferral_timeout(d, *timed_out) : drv.probe(d);
    } catch (std::exception const& e) {
        return failed(errc::probe_exception, e.what());
    } catch (...) {
        return failed(errc::probe_exception, "unknown exception");
    }
}

CXLFW_DECL void host::release_devres(device& d, driver const* drv) {
    d.devres().release_all([&](std::string_view name) {
        if (!tracing()) return;
        auto e = event(trace_kind::resource_released, &d, drv);
        e.text = std::string{name};
        emit(std::move(e));
    });
}

CXLFW_DECL probe_outcome host::attach_locked(lock_t& lk, device& d, driver* only) {
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

CXLFW_DECL host::hook_result host::run_hook_locked(lock_t& lk, device& d, driver& drv,
                                                   dep_key const* timed_out) {
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
    probe_outcome out = failed(errc::probe_exception, "the hook did not return");
    call_out(lk, [&] { out = call_hook(drv, d, timed_out); });

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
    call_out(lk, [&] {
        release_devres(d, &drv);
        d.clear_drvdata();
    });
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

CXLFW_DECL void host::commit_bound_locked(device& d, driver& drv) {
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

CXLFW_DECL void host::commit_deferral_locked(device& d, driver& drv, probe_outcome const& out) {
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

CXLFW_DECL void host::finish_failed_locked(device& d, probe_outcome const& out) {
    auto& b = d.book_;
    set_state(d, device_state::failed);
    end_wait(d);
    b.error = out.error();
    b.message = out.message();
}

CXLFW_DECL probe_outcome host::attach_request(device& dev, driver* only) {
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

} // namespace cxlfw::base
