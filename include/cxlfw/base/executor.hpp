// The host's executor: a time-ordered queue of work (attach a device, a deferral timeout, a
// scheduled callback) and the worker pool that runs PROBE_PREFER_ASYNCHRONOUS probes.
//
// Items run in (due time, push order): the same inputs give the same order. The pool only
// changes which thread runs a probe, never the order in which results are applied.
#pragma once

#include <cxlfw/clock.hpp>
#include <cxlfw/config.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace cxlfw::base::detail {

enum class work_kind : std::uint8_t {
    attach,  ///< try to bind a device (Linux device_attach)
    timeout, ///< a device's deferral timeout
    call,    ///< a callback scheduled with host::call_at
};

struct work_item {
    vtime due{};
    std::uint64_t seq = 0; // push order, breaks ties between equal times
    work_kind kind = work_kind::attach;
    std::uint64_t device = 0; // device id (attach, timeout)
    std::uint64_t ticket = 0; // attach: the device's queue ticket; timeout: its wait episode
    std::function<void()> fn; // call
};

/// A min-heap on (due, seq).
class work_queue {
public:
    void push(work_item item);

    /// The first item due at or before `now`, removed from the queue.
    std::optional<work_item> pop_due(vtime now);
    /// The first item, if it is due at or before `now` (stays queued).
    work_item const* peek_due(vtime now) const {
        return items_.empty() || items_.front().due > now ? nullptr : &items_.front();
    }
    std::optional<vtime> next_due() const {
        if (items_.empty()) return std::nullopt;
        return items_.front().due;
    }
    std::size_t size() const noexcept { return items_.size(); }
    bool empty() const noexcept { return items_.empty(); }
    void clear() { items_.clear(); }

private:
    static bool later(work_item const& a, work_item const& b) noexcept {
        return a.due != b.due ? a.due > b.due : a.seq > b.seq;
    }
    std::vector<work_item> items_;
    std::uint64_t seq_ = 0;
};

/// A fixed set of threads that runs one batch of jobs at a time; run() returns when every
/// job of the batch has returned.
class worker_pool {
public:
    explicit worker_pool(unsigned threads);
    ~worker_pool();
    worker_pool(worker_pool const&) = delete;
    worker_pool& operator=(worker_pool const&) = delete;

    std::size_t size() const noexcept { return threads_.size(); }

    void run(std::vector<std::function<void()>>& jobs);

private:
    void loop();

    std::mutex mu_;
    std::condition_variable work_cv_, done_cv_;
    std::deque<std::function<void()>*> jobs_;
    std::size_t remaining_ = 0;
    bool stop_ = false;
    std::vector<std::thread> threads_;
};

} // namespace cxlfw::base::detail

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/base/impl/executor.ipp>
#endif
