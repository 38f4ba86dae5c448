// Out-of-line definitions for <cxlfw/core/registry.hpp>: lookups, names, links and messages,
// and forgetting destroyed objects (with port's and memdev's destructors, which do it).
#pragma once

#include <cxlfw/core/registry.hpp>

#include <algorithm>
#include <type_traits>
#include <utility>

namespace cxlfw::core {

CXLFW_DECL cxl_core::cxl_core(base::host& h) : host_{&h} {}

CXLFW_DECL cxl_core::~cxl_core() = default;

// --- lookup ------------------------------------------------------------------------------------

template <class T, class Map>
std::vector<T*> cxl_core::snapshot(Map const& by_id) const {
    std::lock_guard lk{mu_};
    std::vector<T*> out;
    for (auto const& [id, obj] : by_id) {
        T* raw = std::to_address(obj);
        if constexpr (std::is_same_v<T, port>)
            if (raw->dead_) continue;
        out.push_back(raw);
    }
    return out;
}

CXLFW_DECL port* cxl_core::root() const {
    std::lock_guard lk{mu_};
    return root_;
}

CXLFW_DECL port* cxl_core::port_by_uport(std::string_view uport) const {
    std::lock_guard lk{mu_};
    auto it = by_uport_.find(uport);
    return it == by_uport_.end() || it->second->dead_ ? nullptr : it->second;
}

CXLFW_DECL port* cxl_core::find_port(std::string_view name) const {
    port* p = find_port_any(name);
    return p && !p->dead_ ? p : nullptr;
}

CXLFW_DECL port* cxl_core::find_port_any(std::string_view name) const {
    std::lock_guard lk{mu_};
    auto it = port_names_.find(name);
    return it == port_names_.end() ? nullptr : it->second;
}

CXLFW_DECL std::vector<port*> cxl_core::ports() const {
    return snapshot<port>(ports_);
}

CXLFW_DECL memdev* cxl_core::find_memdev(std::string_view name) const {
    std::lock_guard lk{mu_};
    auto it = memdev_names_.find(name);
    return it == memdev_names_.end() ? nullptr : it->second;
}

CXLFW_DECL std::vector<memdev*> cxl_core::memdevs() const {
    return snapshot<memdev>(memdevs_);
}

CXLFW_DECL std::vector<region*> cxl_core::regions() const {
    return snapshot<region>(regions_);
}

CXLFW_DECL region* cxl_core::find_region(std::string_view name) const {
    std::lock_guard lk{mu_};
    for (auto const& [id, r] : regions_)
        if (r->name() == name) return r.get();
    return nullptr;
}

CXLFW_DECL decoder* cxl_core::find_decoder(std::string_view name) const {
    std::lock_guard lk{mu_};
    for (auto [id, p] : ports_)
        for (auto const& d : p->decoders_)
            if (d->name() == name && !p->dead_) return d.get();
    return nullptr;
}

CXLFW_DECL port* cxl_core::port_of_dport(std::string_view dev, dport** out) const {
    std::lock_guard lk{mu_};
    for (auto [id, p] : ports_) {
        if (p->dead_) continue;
        if (auto* d = p->find_dport(dev)) {
            if (out) *out = d;
            return p;
        }
    }
    return nullptr;
}

// --- names -------------------------------------------------------------------------------------

CXLFW_DECL void cxl_core::name_port(std::string uport, unsigned id) {
    std::lock_guard lk{mu_};
    port_hint_[std::move(uport)] = id;
    reserved_ports_.insert(id);
}

CXLFW_DECL void cxl_core::name_memdev(std::string parent, unsigned id) {
    std::lock_guard lk{mu_};
    memdev_hint_[std::move(parent)] = id;
    reserved_memdevs_.insert(id);
}

CXLFW_DECL void cxl_core::name_region(std::string parent, unsigned id) {
    std::lock_guard lk{mu_};
    region_hint_[std::move(parent)] = id;
}

CXLFW_DECL unsigned cxl_core::alloc_id(hints const& hint, std::set<unsigned> const& used,
                                       std::set<unsigned> const& reserved, std::string const& key,
                                       unsigned from) {
    if (auto it = hint.find(key); it != hint.end() && !used.contains(it->second)) return it->second;
    unsigned id = from;
    while (used.contains(id) || reserved.contains(id))
        ++id;
    return id;
}

CXLFW_DECL unsigned cxl_core::alloc_region_id(std::string const& key) const {
    if (auto it = region_hint_.find(key);
        it != region_hint_.end() && !regions_.contains(it->second))
        return it->second;
    unsigned id = 0;
    while (regions_.contains(id))
        ++id;
    return id;
}

// --- links and messages ------------------------------------------------------------------------

CXLFW_DECL bool cxl_core::link_is_down(std::string_view dport) const {
    std::lock_guard lk{mu_};
    return links_down_.contains(dport);
}

CXLFW_DECL std::vector<std::string> cxl_core::messages() const {
    std::lock_guard lk{mu_};
    return messages_;
}

CXLFW_DECL void cxl_core::note(std::string text) {
    std::lock_guard lk{mu_};
    messages_.push_back(std::move(text));
}

// --- forgetting destroyed devices (the host destroys them; the core must not keep them) --------

CXLFW_DECL void cxl_core::forget(port& p) {
    // Only the objects linked to p are visited: the teardown of N ports stays linear.
    std::lock_guard lk{mu_};
    if (std::exchange(p.forgotten_, true)) return;
    if (auto it = ports_.find(p.id()); it != ports_.end() && it->second == &p) ports_.erase(it);
    if (auto it = port_names_.find(p.name()); it != port_names_.end() && it->second == &p)
        port_names_.erase(it);
    if (auto it = by_uport_.find(p.uport()); it != by_uport_.end() && it->second == &p)
        by_uport_.erase(it);
    if (root_ == &p) root_ = nullptr;
    port_ids_.erase(p.id());
    if (memdev* m = p.memdev_) {
        if (m->endpoint_ == &p) m->endpoint_ = nullptr;
        std::erase(m->ep_ports_, &p);
    }
    if (p.parent_) std::erase(p.parent_->children_, &p);
    for (auto* q : p.children_) {
        q->parent_ = nullptr;
        q->parent_dport_ = nullptr;
    }
    for (auto const& [name, dp] : p.eps_)
        if (auto it = memdev_names_.find(name); it != memdev_names_.end())
            it->second->interest_.erase(&p);
    p.eps_.clear();
    // Regions that use this port's decoders lose them: drop them without touching hardware
    // (the orderly paths reset and delete regions before a port goes).
    for (auto it = regions_.begin(); it != regions_.end();) {
        region& r = *it->second;
        bool uses = &r.root().owner() == &p || p.region_decoders_.contains(&r);
        for (auto* t : r.targets_)
            if (t && &t->owner() == &p) uses = true;
        if (uses) {
            for (auto [id, q] : ports_) {
                if (auto d = q->region_decoders_.find(&r); d != q->region_decoders_.end()) {
                    if (d->second->region == &r) d->second->region = nullptr;
                    q->region_decoders_.erase(d);
                }
            }
            for (auto* t : r.targets_)
                if (t && t->region == &r) {
                    t->region = nullptr;
                    t->pos = -1;
                }
            // A hook may still hold it (a probe whose path went away): the host keeps it
            // until no hook runs.
            host_->retire(std::shared_ptr<region const>{std::move(it->second)});
            it = regions_.erase(it);
        } else {
            ++it;
        }
    }
}

CXLFW_DECL void cxl_core::forget(memdev& m) {
    std::lock_guard lk{mu_};
    if (std::exchange(m.forgotten_, true)) return;
    if (auto it = memdevs_.find(m.id()); it != memdevs_.end() && it->second == &m)
        memdevs_.erase(it);
    if (auto it = memdev_names_.find(m.name()); it != memdev_names_.end() && it->second == &m)
        memdev_names_.erase(it);
    memdev_ids_.erase(m.id());
    for (auto* p : m.interest_)
        p->eps_.erase(m.name());
    m.interest_.clear();
    for (auto* p : m.ep_ports_)
        if (p->memdev_ == &m) p->memdev_ = nullptr;
    m.ep_ports_.clear();
}

CXLFW_DECL void port::on_removed() noexcept {
    core_->forget(*this);
}

CXLFW_DECL port::~port() {
    core_->forget(*this);
}

CXLFW_DECL void memdev::on_removed() noexcept {
    core_->forget(*this);
}

CXLFW_DECL memdev::~memdev() {
    core_->forget(*this);
}

} // namespace cxlfw::core
