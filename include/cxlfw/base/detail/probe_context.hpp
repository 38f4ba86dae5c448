// What a running hook does to its host is collected here and applied when the hook's probe
// completes, so that concurrent probes apply theirs in a fixed order (host.hpp, "Rules").
// Only the host uses it.
#pragma once

#include <cxlfw/base/trace.hpp>
#include <cxlfw/config.hpp>

#include <functional>
#include <vector>

namespace cxlfw::base::detail {

/// What a running hook did to its host, applied when the hook's probe completes.
struct probe_context {
    void const* owner = nullptr;
    probe_context* parent = nullptr;
    std::vector<trace_event> events;
    std::vector<std::function<void()>> ops; // run under the host's lock
};
inline thread_local probe_context* current_context = nullptr;

/// Collects what hooks do while it is the thread's current context; finish() hands it
/// to the enclosing context of this owner, or has the owner apply it (Owner::flush, under
/// its lock) if none. A template only so that this header need not know the host, which
/// includes it.
template <class Owner>
class probe_scope {
public:
    explicit probe_scope(Owner& owner) : owner_{owner}, saved_{current_context} {
        ctx_.owner = &owner;
        ctx_.parent = saved_ && saved_->owner == &owner ? saved_ : nullptr;
        current_context = &ctx_;
    }
    ~probe_scope() { finish(); }
    probe_scope(probe_scope const&) = delete;
    probe_scope& operator=(probe_scope const&) = delete;

    void finish() {
        if (done_) return;
        done_ = true;
        current_context = saved_;
        if (auto* p = ctx_.parent) {
            for (auto& e : ctx_.events)
                p->events.push_back(std::move(e));
            for (auto& op : ctx_.ops)
                p->ops.push_back(std::move(op));
        } else {
            owner_.flush(ctx_);
        }
    }

private:
    Owner& owner_;
    probe_context* saved_;
    probe_context ctx_;
    bool done_ = false;
};

} // namespace cxlfw::base::detail
