// Out-of-line definitions for <cxlfw/emu/fault.hpp>: access counting, arming and disarming
// rules, and matching an access or a command against them.
#pragma once

#include <cxlfw/emu/fault.hpp>

#include <utility>

namespace cxlfw::emu {

CXLFW_DECL std::uint64_t access_counts::total() const noexcept {
    std::uint64_t t = commands;
    for (std::size_t i = 0; i < region_count; ++i)
        t += std::uint64_t{reads[i]} + writes[i];
    return t;
}

CXLFW_DECL void access_counts::count(access const& a) noexcept {
    auto const i = static_cast<std::size_t>(a.region);
    switch (a.kind) {
    case access_kind::read:
        ++reads[i];
        break;
    case access_kind::write:
        ++writes[i];
        break;
    case access_kind::command:
        ++commands;
        break;
    }
}

CXLFW_DECL fault_hook::fault_hook() = default;

CXLFW_DECL fault_hook::~fault_hook() = default;

CXLFW_DECL bool fault_hook::media_never_ready(node_id n) const {
    if (!armed_.load(std::memory_order_relaxed)) [[likely]]
        return false;
    std::lock_guard lock{mutex_};
    for (auto const& r : rules_)
        if (auto const* m = std::get_if<media_rule>(&r.what); m && m->node == n) return true;
    return false;
}

CXLFW_DECL bool fault_hook::decoder_never_commits(node_id n, unsigned decoder) const {
    if (!armed_.load(std::memory_order_relaxed)) [[likely]]
        return false;
    std::lock_guard lock{mutex_};
    for (auto const& r : rules_)
        if (auto const* d = std::get_if<decoder_rule>(&r.what);
            d && d->node == n && d->decoder == decoder)
            return true;
    return false;
}

CXLFW_DECL fault_rule_id fault_hook::fail_nth(std::uint64_t k, access_filter filter,
                                              std::uint64_t count, fault_effect effect) {
    return add(nth_rule{filter, k == 0 ? 1 : k, count, 0, effect});
}

CXLFW_DECL fault_rule_id fault_hook::fail_register(node_id node, emu::region r,
                                                   std::uint32_t offset, std::uint32_t length,
                                                   std::optional<access_kind> kind) {
    return add(register_rule{node, r, offset, length == 0 ? 1 : length, kind});
}

CXLFW_DECL fault_rule_id fault_hook::fail_command(node_id node, spec::opcode op,
                                                  spec::return_code rc) {
    return add(command_rule{node, static_cast<std::uint16_t>(op), rc});
}

CXLFW_DECL fault_rule_id fault_hook::keep_media_not_ready(node_id node) {
    return add(media_rule{node});
}

CXLFW_DECL fault_rule_id fault_hook::never_commit(node_id node, unsigned decoder) {
    return add(decoder_rule{node, decoder});
}

CXLFW_DECL fault_rule_id fault_hook::after_nth(std::uint64_t k, access_filter filter,
                                               std::function<void()> action) {
    return add(action_rule{filter, k == 0 ? 1 : k, 0, std::move(action)});
}

CXLFW_DECL std::vector<std::function<void()>> fault_hook::take_due() {
    std::lock_guard lock{mutex_};
    due_pending_.store(false, std::memory_order_release);
    return std::exchange(due_, {});
}

CXLFW_DECL void fault_hook::record(bool on) {
    std::lock_guard lock{mutex_};
    if (on) recorded_.clear();
    recording_ = on;
    update_armed();
}

CXLFW_DECL std::vector<access> fault_hook::recorded() const {
    std::lock_guard lock{mutex_};
    return recorded_;
}

CXLFW_DECL bool fault_hook::disarm(fault_rule_id id) {
    std::lock_guard lock{mutex_};
    for (auto it = rules_.begin(); it != rules_.end(); ++it) {
        if (it->id == id) {
            rules_.erase(it);
            update_armed();
            return true;
        }
    }
    return false;
}

CXLFW_DECL void fault_hook::clear() {
    std::lock_guard lock{mutex_};
    rules_.clear();
    due_.clear();
    due_pending_.store(false, std::memory_order_release);
    update_armed();
}

CXLFW_DECL std::size_t fault_hook::rule_count() const {
    std::lock_guard lock{mutex_};
    return rules_.size();
}

CXLFW_DECL fault_rule_id fault_hook::add(rule_kind what) {
    std::lock_guard lock{mutex_};
    auto const id = fault_rule_id{next_id_++};
    rules_.push_back(rule{id, std::move(what)});
    update_armed();
    return id;
}

namespace detail {
/// Two rules on one access: a failure over all ones over a delay; delays add up.
inline void combine(std::optional<fault_effect>& into, fault_effect e) noexcept {
    using k = fault_effect::kind;
    if (!into) {
        into = e;
    } else if (e.what == k::delay && into->what == k::delay) {
        into->delay += e.delay;
    } else if (static_cast<int>(e.what) < static_cast<int>(into->what)) {
        into = e;
    }
}
} // namespace detail

CXLFW_DECL std::optional<fault_effect> fault_hook::match_nth_and_registers(access const& a) {
    if (recording_) recorded_.push_back(a);
    std::optional<fault_effect> effect;
    bool spent = false;
    for (auto& r : rules_) {
        if (auto* act = std::get_if<action_rule>(&r.what)) {
            if (!act->filter.matches(a) || ++act->seen != act->at) continue;
            due_.push_back(std::exchange(act->action, {}));
            due_pending_.store(true, std::memory_order_release);
            spent = true;
            continue;
        }
        if (auto* n = std::get_if<nth_rule>(&r.what)) {
            if (!n->filter.matches(a)) continue;
            ++n->seen;
            if (n->seen >= n->first && n->seen - n->first < n->count)
                detail::combine(effect, n->effect);
        } else if (auto const* g = std::get_if<register_rule>(&r.what)) {
            if (g->node != a.node || g->region != a.region) continue;
            if (g->kind && *g->kind != a.kind) continue;
            std::uint64_t const lo = a.offset;
            std::uint64_t const hi = lo + (a.width == 0 ? 1 : a.width);
            if (lo < std::uint64_t{g->offset} + g->length && g->offset < hi)
                detail::combine(effect, fault_effect::fail());
        }
    }
    if (spent) {
        std::erase_if(rules_, [](rule const& r) {
            auto const* act = std::get_if<action_rule>(&r.what);
            return act && !act->action;
        });
        update_armed();
    }
    return effect;
}

CXLFW_DECL std::optional<fault_effect> fault_hook::match_access(access const& a) {
    std::lock_guard lock{mutex_};
    auto const effect = match_nth_and_registers(a);
    if (effect) injected_.fetch_add(1, std::memory_order_relaxed);
    return effect;
}

CXLFW_DECL std::optional<spec::return_code> fault_hook::match_command(access const& a) {
    std::lock_guard lock{mutex_};
    std::optional<spec::return_code> rc{};
    for (auto const& r : rules_)
        if (auto const* c = std::get_if<command_rule>(&r.what);
            c && c->node == a.node && c->opcode == a.offset) {
            rc = c->rc;
            break;
        }
    if (match_nth_and_registers(a) && !rc) rc = spec::return_code::internal_error;
    if (rc) injected_.fetch_add(1, std::memory_order_relaxed);
    return rc;
}

} // namespace cxlfw::emu
