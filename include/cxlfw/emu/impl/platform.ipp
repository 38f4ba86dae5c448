// Out-of-line definitions for <cxlfw/emu/platform.hpp>: the nodes, the ACPI0017 root, events,
// hot-add, removal, links and resets, introspection, and the state changes behind them.
#pragma once

#include <cxlfw/emu/platform.hpp>

#include <cxlfw/hw/lspci.hpp> // node names are their PCI addresses

#include <algorithm>

namespace cxlfw::emu {

namespace detail {

/// splitmix64: arrival_order()'s own generator, so a seed means the same order everywhere.
struct splitmix64 {
    std::uint64_t state;
    std::uint64_t next() noexcept {
        std::uint64_t z = (state += 0x9E37'79B9'7F4A'7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58'476D'1CE4'E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D0'49BB'1331'11EBull;
        return z ^ (z >> 31);
    }
    std::size_t below(std::size_t n) noexcept { return static_cast<std::size_t>(next() % n); }
};

} // namespace detail

CXLFW_DECL platform::platform() : mmio_{this} {}

CXLFW_DECL platform::~platform() = default;

CXLFW_DECL std::vector<node_id> node::children() const {
    std::lock_guard lock{platform_->mutex_};
    return children_;
}

// --- nodes ---------------------------------------------------------------------------------------

CXLFW_DECL std::size_t platform::node_count() const {
    std::lock_guard lock{mutex_};
    return nodes_.size();
}

CXLFW_DECL node& platform::at(node_id id) {
    std::lock_guard lock{mutex_};
    return nodes_.at(index_of(id));
}

CXLFW_DECL node const& platform::at(node_id id) const {
    std::lock_guard lock{mutex_};
    return nodes_.at(index_of(id));
}

CXLFW_DECL node* platform::find(node_id id) noexcept {
    std::lock_guard lock{mutex_};
    return index_of(id) < nodes_.size() ? &nodes_[index_of(id)] : nullptr;
}

CXLFW_DECL node* platform::find(std::string_view name) noexcept {
    std::lock_guard lock{mutex_};
    for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it)
        if (it->name_ == name) return &*it;
    return nullptr;
}

CXLFW_DECL node* platform::host_bridge(std::uint32_t uid) noexcept {
    std::lock_guard lock{mutex_};
    for (auto& n : nodes_)
        if (n.kind_ == node_kind::host_bridge && n.uid_ == uid) return &n;
    return nullptr;
}

CXLFW_DECL std::vector<node_id> platform::of_kind(node_kind k) const {
    std::lock_guard lock{mutex_};
    std::vector<node_id> out;
    for (auto const& n : nodes_)
        if (n.kind_ == k && n.present()) out.push_back(n.id_);
    return out;
}

CXLFW_DECL std::vector<node_id> platform::endpoints() const {
    std::lock_guard lock{mutex_};
    std::vector<node_id> out;
    for (auto const& n : nodes_)
        if (n.is_endpoint() && n.present()) out.push_back(n.id_);
    return out;
}

CXLFW_DECL bool platform::reachable(node_id id) const {
    std::lock_guard lock{mutex_};
    return index_of(id) < nodes_.size() && reachable(nodes_[index_of(id)]);
}

CXLFW_DECL std::vector<node_id> platform::enumeration_order() const {
    std::lock_guard lock{mutex_};
    std::vector<node_id> out;
    for (auto const& n : nodes_)
        if (n.present()) out.push_back(n.id_);
    return out;
}

CXLFW_DECL std::vector<node_id> platform::arrival_order(std::uint64_t seed, arrival mode) const {
    std::lock_guard lock{mutex_};
    detail::splitmix64 rng{seed};
    std::vector<node_id> out;
    if (mode == arrival::any) {
        for (auto const& n : nodes_)
            if (n.present()) out.push_back(n.id_);
        for (std::size_t i = out.size(); i > 1; --i)
            std::swap(out[i - 1], out[rng.below(i)]);
        return out;
    }
    std::vector<node_id> ready;
    for (auto const& n : nodes_)
        if (n.present() && n.parent_ == no_node) ready.push_back(n.id_);
    while (!ready.empty()) {
        auto const i = rng.below(ready.size());
        node_id const next = ready[i];
        ready[i] = ready.back();
        ready.pop_back();
        out.push_back(next);
        for (auto c : nodes_[index_of(next)].children_)
            if (nodes_[index_of(c)].present()) ready.push_back(c);
    }
    return out;
}

// --- the ACPI0017 root ---------------------------------------------------------------------------

CXLFW_DECL status platform::add_acpi_root() {
    std::vector<event> out;
    {
        std::lock_guard lock{mutex_};
        if (nodes_.front().present()) return errc::already_present;
        nodes_.front().present_ = true;
        out.push_back(record(event_kind::device_added, cxl_root()));
    }
    dispatch(out);
    return {};
}

CXLFW_DECL status platform::remove_acpi_root() {
    std::vector<event> out;
    {
        std::lock_guard lock{mutex_};
        if (!nodes_.front().present()) return errc::node_absent;
        nodes_.front().present_ = false;
        out.push_back(record(event_kind::device_removed, cxl_root()));
    }
    dispatch(out);
    return {};
}

// --- events --------------------------------------------------------------------------------------

CXLFW_DECL subscription_id platform::subscribe(event_listener listener) {
    std::lock_guard lock{mutex_};
    auto const id = subscription_id{++next_subscription_};
    listeners_.emplace_back(id, std::move(listener));
    return id;
}

CXLFW_DECL bool platform::unsubscribe(subscription_id id) {
    std::lock_guard lock{mutex_};
    auto it = std::find_if(listeners_.begin(), listeners_.end(),
                           [&](auto const& l) { return l.first == id; });
    if (it == listeners_.end()) return false;
    listeners_.erase(it);
    return true;
}

CXLFW_DECL std::vector<event> platform::event_log() const {
    std::lock_guard lock{mutex_};
    return log_;
}

// --- changes -------------------------------------------------------------------------------------

CXLFW_DECL result<node_id> platform::hot_add(node_id port, endpoint_spec const& spec,
                                             std::optional<std::uint64_t> serial) {
    if (auto ok = check_endpoint_spec(spec, false); !ok) return ok.error();
    std::vector<event> out;
    node_id id;
    {
        std::lock_guard lock{mutex_};
        if (index_of(port) >= nodes_.size()) return errc::no_such_node;
        node& p = nodes_[index_of(port)];
        if (p.kind_ != node_kind::root_port && p.kind_ != node_kind::downstream_port)
            return errc::not_a_port;
        if (!p.present()) return errc::node_absent;
        for (auto c : p.children_)
            if (nodes_[index_of(c)].present()) return errc::port_occupied;
        auto const* profile = endpoint_profile(spec, false);
        std::uint64_t bar = 0;
        if (profile->config.has_bar) {
            bar = allocate_mmio(profile->config.bar_size);
            if (!bar) return errc::mmio_exhausted;
        }
        id = node_id{static_cast<std::uint32_t>(nodes_.size())};
        node& n = nodes_.emplace_back(detail::node_key{}, this, id, node_kind::endpoint);
        attach(n, &p, profile, p.segment_, p.secondary_, 0);
        n.type_ = spec.type;
        n.bar_ = bar;
        n.serial_ = serial ? *serial : next_serial_++;
        n.powered_at_ = clock_.now();
        if (bar) insert_range({bar, profile->config.bar_size, &n, block::bar0});
        out.push_back(record(event_kind::device_added, id));
    }
    dispatch(out);
    return id;
}

CXLFW_DECL status platform::surprise_remove(node_id id) {
    std::vector<event> out;
    {
        std::lock_guard lock{mutex_};
        if (index_of(id) >= nodes_.size()) return errc::no_such_node;
        node& n = nodes_[index_of(id)];
        if (n.kind_ != node_kind::upstream_port && !n.is_endpoint()) return errc::not_removable;
        if (!n.present()) return errc::node_absent;
        remove_subtree(n, out);
    }
    dispatch(out);
    return {};
}

CXLFW_DECL status platform::set_link(node_id port, bool up) {
    std::vector<event> out;
    {
        std::lock_guard lock{mutex_};
        if (index_of(port) >= nodes_.size()) return errc::no_such_node;
        node& n = nodes_[index_of(port)];
        if (!n.has_link()) return errc::not_a_port;
        if (!n.present()) return errc::node_absent;
        if (n.link_up() == up) return {};
        n.link_up_ = up;
        if (up)
            for (auto c : n.children_)
                reset_subtree(nodes_[index_of(c)]);
        out.push_back(record(up ? event_kind::link_up : event_kind::link_down, port));
    }
    dispatch(out);
    return {};
}

CXLFW_DECL status platform::reset(node_id id) {
    std::lock_guard lock{mutex_};
    if (index_of(id) >= nodes_.size()) return errc::no_such_node;
    reset_node(nodes_[index_of(id)]);
    return {};
}

// --- introspection -------------------------------------------------------------------------------

CXLFW_DECL access_counts platform::counts(node_id id) const {
    std::lock_guard lock{mutex_};
    return index_of(id) < nodes_.size() ? nodes_[index_of(id)].counts_ : access_counts{};
}

CXLFW_DECL void platform::clear_counts() {
    std::lock_guard lock{mutex_};
    for (auto& n : nodes_)
        n.counts_ = {};
    total_accesses_ = 0;
}

CXLFW_DECL std::uint64_t platform::total_accesses() const {
    std::lock_guard lock{mutex_};
    return total_accesses_;
}

CXLFW_DECL hdm_decoders::decoder platform::decoder(node_id id, unsigned n) {
    std::lock_guard lock{mutex_};
    if (index_of(id) >= nodes_.size()) return {};
    node& x = nodes_[index_of(id)];
    if (!x.profile_ || !x.profile_->component || !x.profile_->component->hdm) return {};
    return x.comp_.hdm().state(*x.profile_->component->hdm, hdm_ctx(x, {}), n);
}

CXLFW_DECL status platform::inject_ras(node_id id, std::uint32_t uncorrectable,
                                       std::uint32_t correctable) {
    std::lock_guard lock{mutex_};
    if (index_of(id) >= nodes_.size()) return errc::no_such_node;
    node& x = nodes_[index_of(id)];
    if (!x.profile_ || !x.profile_->component || !x.profile_->component->ras)
        return errc::invalid_device_spec;
    x.comp_.inject_ras(uncorrectable, correctable);
    return {};
}

CXLFW_DECL bool platform::mailbox_allocated(node_id id) const {
    std::lock_guard lock{mutex_};
    return index_of(id) < nodes_.size() && nodes_[index_of(id)].dev_.mailbox_allocated();
}

// --- state changes (mutex held) ------------------------------------------------------------------

CXLFW_DECL event platform::record(event_kind kind, node_id id) {
    log_.push_back(event{++sequence_, clock_.now(), kind, id});
    return log_.back();
}

CXLFW_DECL void platform::dispatch(std::vector<event> const& events) {
    if (events.empty()) return;
    std::vector<event_listener> listeners;
    {
        std::lock_guard lock{mutex_};
        for (auto const& l : listeners_)
            listeners.push_back(l.second);
    }
    for (auto const& e : events)
        for (auto const& l : listeners)
            l(e);
}

CXLFW_DECL void platform::remove_subtree(node& n, std::vector<event>& out) {
    for (auto it = n.children_.rbegin(); it != n.children_.rend(); ++it) {
        node& c = nodes_[index_of(*it)];
        if (c.present()) remove_subtree(c, out);
    }
    n.present_ = false;
    out.push_back(record(event_kind::device_removed, n.id_));
}

CXLFW_DECL void platform::reset_node(node& n) {
    if (n.profile_) {
        n.cfg_ = n.profile_->initial;
        if (n.rcrb_cfg_) *n.rcrb_cfg_ = n.profile_->rcrb_initial;
    }
    n.comp_.reset();
    n.dev_.reset();
    n.powered_at_ = clock_.now();
}

CXLFW_DECL void platform::reset_subtree(node& n) {
    reset_node(n);
    for (auto c : n.children_)
        reset_subtree(nodes_[index_of(c)]);
}

CXLFW_DECL void platform::insert_range(mmio_range r) {
    auto it = std::upper_bound(ranges_.begin(), ranges_.end(), r.base,
                               [](std::uint64_t a, mmio_range const& x) { return a < x.base; });
    ranges_.insert(it, r);
}

CXLFW_DECL function_profile const* platform::endpoint_profile(endpoint_spec const& s, bool rcd) {
    for (auto it = endpoint_profiles_.rbegin(); it != endpoint_profiles_.rend(); ++it)
        if (it->rcd == rcd && it->spec == s) return it->profile;
    profiles_.push_back(std::make_unique<function_profile>(make_endpoint_profile(s, rcd)));
    endpoint_profiles_.push_back({s, rcd, profiles_.back().get()});
    return profiles_.back().get();
}

CXLFW_DECL void platform::attach(node& n, node* parent, function_profile const* profile,
                                 std::uint16_t segment, std::uint8_t bus, std::uint8_t devfn) {
    n.parent_ptr_ = parent;
    n.parent_ = parent ? parent->id_ : no_node;
    n.profile_ = profile;
    n.segment_ = segment;
    n.bus_ = bus;
    n.devfn_ = devfn;
    if (profile) {
        n.cfg_ = profile->initial;
        if (profile->rcrb) n.rcrb_cfg_ = std::make_unique<config_state>(profile->rcrb_initial);
    }
    if (n.is_pci()) n.name_ = n.address().to_string();
    if (parent) parent->children_.push_back(n.id_);
}

CXLFW_DECL std::uint64_t platform::allocate_mmio(std::uint64_t size) noexcept {
    std::uint64_t const at = (mmio_next_ + size - 1) & ~(size - 1);
    if (at < mmio_next_ || at + size > mmio_end_ || at + size < at) return 0;
    mmio_next_ = at + size;
    return at;
}

} // namespace cxlfw::emu
