// Virtual time. Every timeout in cxlfw (media ready 60 s, decoder commit 20 ms, mailbox 2 s,
// deferred-probe timeout) runs on a virtual_clock, so no test sleeps and every run is
// repeatable. A platform owns one clock; drivers "wait" by advancing it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace cxlfw {

/// Virtual nanoseconds since the platform was created.
using vtime = std::chrono::nanoseconds;

class virtual_clock {
public:
    vtime now() const noexcept { return vtime{ns_.load(std::memory_order_acquire)}; }

    /// Let `d` pass (what msleep()/udelay() are on real hardware).
    void advance(vtime d) noexcept {
        if (d.count() > 0) ns_.fetch_add(d.count(), std::memory_order_acq_rel);
    }

    /// Move to `t` if it lies in the future; time never runs backwards.
    void advance_to(vtime t) noexcept {
        auto cur = ns_.load(std::memory_order_acquire);
        while (cur < t.count() &&
               !ns_.compare_exchange_weak(cur, t.count(), std::memory_order_acq_rel)) {
        }
    }

private:
    std::atomic<std::int64_t> ns_{0};
};

} // namespace cxlfw
