// Out-of-line definitions for <cxlfw/base/devres.hpp>: the list's locking, its release on
// destruction, and the action node.
#pragma once

#include <cxlfw/base/devres.hpp>

namespace cxlfw::base {

CXLFW_DECL devres_list::devres_list() = default;

CXLFW_DECL devres_list::~devres_list() {
    release_all([](std::string_view) {});
}

CXLFW_DECL void devres_list::add_action(std::string name, std::function<void()> release) {
    push(std::make_unique<action_node>(std::move(name), std::move(release)));
}

CXLFW_DECL devres_list::group_id devres_list::open_group(std::string name) {
    auto n = std::make_unique<mark_node>(std::move(name));
    std::lock_guard lk{mu_};
    n->group = next_group_++;
    group_id const id = n->group;
    nodes_.push_back(std::move(n));
    return id;
}

CXLFW_DECL std::size_t devres_list::size() const {
    std::lock_guard lk{mu_};
    std::size_t count = 0;
    for (auto const& n : nodes_)
        count += n->group == 0 ? 1 : 0;
    return count;
}

CXLFW_DECL std::vector<std::string> devres_list::names() const {
    std::lock_guard lk{mu_};
    std::vector<std::string> out;
    out.reserve(nodes_.size());
    for (auto const& n : nodes_)
        if (n->group == 0) out.push_back(n->name);
    return out;
}

CXLFW_DECL void devres_list::action_node::release() {
    if (auto f = std::exchange(fn, nullptr)) f();
}

CXLFW_DECL void devres_list::push(std::unique_ptr<node> n) {
    std::lock_guard lk{mu_};
    nodes_.push_back(std::move(n));
}

} // namespace cxlfw::base
