// Out-of-line definitions for <cxlfw/base/executor.hpp>: the work queue's heap and the
// worker pool's threads.
#pragma once

#include <cxlfw/base/executor.hpp>

#include <algorithm>
#include <utility>

namespace cxlfw::base::detail {

CXLFW_DECL void work_queue::push(work_item item) {
    item.seq = ++seq_;
    items_.push_back(std::move(item));
    std::push_heap(items_.begin(), items_.end(), later);
}

CXLFW_DECL std::optional<work_item> work_queue::pop_due(vtime now) {
    if (items_.empty() || items_.front().due > now) return std::nullopt;
    std::pop_heap(items_.begin(), items_.end(), later);
    work_item item = std::move(items_.back());
    items_.pop_back();
    return item;
}

CXLFW_DECL worker_pool::worker_pool(unsigned threads) {
    threads_.reserve(threads);
    for (unsigned i = 0; i < threads; ++i)
        threads_.emplace_back([this] { loop(); });
}

CXLFW_DECL worker_pool::~worker_pool() {
    {
        std::lock_guard lk{mu_};
        stop_ = true;
    }
    work_cv_.notify_all();
    for (auto& t : threads_)
        t.join();
}

CXLFW_DECL void worker_pool::run(std::vector<std::function<void()>>& jobs) {
    std::unique_lock lk{mu_};
    for (auto& job : jobs)
        jobs_.push_back(&job);
    remaining_ += jobs.size();
    work_cv_.notify_all();
    done_cv_.wait(lk, [this] { return remaining_ == 0; });
}

CXLFW_DECL void worker_pool::loop() {
    std::unique_lock lk{mu_};
    for (;;) {
        work_cv_.wait(lk, [this] { return stop_ || !jobs_.empty(); });
        if (jobs_.empty()) return; // stop_
        auto* job = jobs_.front();
        jobs_.pop_front();
        lk.unlock();
        (*job)();
        lk.lock();
        if (--remaining_ == 0) done_cv_.notify_all();
    }
}

} // namespace cxlfw::base::detail
