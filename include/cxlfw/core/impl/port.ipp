// Out-of-line definitions for <cxlfw/core/port.hpp>: the root, dports, root decoders, ports,
// enumeration, the endpoint and links, and unregistering a port with everything below it.
#pragma once

#include <cxlfw/core/port.hpp>

#include <cxlfw/base/host.hpp>
#include <cxlfw/base/pci.hpp>
#include <cxlfw/core/detail/bus.hpp>
#include <cxlfw/core/detail/port_access.hpp>
#include <cxlfw/core/detail/region.hpp>
#include <cxlfw/core/region.hpp>

#include <algorithm>
#include <memory>
#include <mutex>

namespace cxlfw::core {

namespace detail {

CXLFW_DECL base::device* grandparent(base::device const* dev) {
    return dev && dev->parent() ? dev->parent()->parent() : nullptr;
}

/// The memdev went away while a hook worked on it (a removal delivered inside a probe).
CXLFW_DECL fact removed_fact(memdev const& md) {
    return fact{base::errc::device_removed, md.name() + " is being removed"};
}

/// A host error as a fact.
CXLFW_DECL fact host_fact(std::error_code ec, std::string detail) {
    return fact{ec, std::move(detail)};
}

/// The fact for a parent port without a driver: the driver, or the port's binding.
CXLFW_DECL fact unbound_fact(base::host const& h, port const& p) {
    if (!driver_registered(h, port_driver_name)) return no_port_driver_fact(p.name());
    return port_not_bound_fact(p.name(), p.uport());
}

CXLFW_DECL void register_port(cxl_core& core, port& p) {
    port_access::ports(core)[p.id()] = &p;
    port_access::port_names(core)[p.name()] = &p;
    if (port* parent = p.parent_port()) port_access::children(*parent).push_back(&p);
    if (memdev* m = p.endpoint_memdev()) port_access::ep_ports(*m).push_back(&p);
    port_access::by_uport(core)[p.uport()] = &p;
    port_access::port_ids(core).insert(p.id());
}

/// Linux find_component_registers(): a PCI uport's component block, if it has one. A Register
/// Locator that could not be read is the access's fact: taking it for "no component
/// registers" would make the port a passthrough one (issue 13).
CXLFW_DECL fact_result<std::optional<reg_block>> component_of(base::device const& dev) {
    auto const* pdev = dynamic_cast<base::pci_device const*>(&dev);
    if (!pdev) return std::optional<reg_block>{};
    auto blk = find_register_block(*pdev, spec::register_block_id::component);
    if (!blk && is_access_failure(blk.error().code)) return blk.error();
    if (!blk) return std::optional<reg_block>{};
    return std::optional<reg_block>{*blk};
}

/// The dport of `p` for `dev`, added now if `p` has none yet (switch dports are added lazily,
/// when a memdev below them arrives). Its id is the PCIe Port Number.
CXLFW_DECL fact_result<dport*> find_or_add_dport(port& p, base::device& dev) {
    if (dport* d = p.find_dport(dev.name())) return d;
    auto const* pdev = dynamic_cast<base::pci_device const*>(&dev);
    if (!pdev)
        return fact{errc::invalid_topology, dev.name() + " is not a PCI port below " + p.name()};
    auto id = read_pcie_port_number(pdev->config());
    if (!id)
        return fact{id.error().code,
                    dev.name() + ": reading its port number: " + id.error().detail};
    return add_dport(p, dev, *id);
}

CXLFW_DECL void unregister_port(port& p);

/// The memdev lost its path: release the binding that holds its attach (Linux
/// schedule_cxl_memdev_detach). With an attach callback, the device link releases the
/// memdev's PCI driver first.
CXLFW_DECL void detach_memdev(cxl_core& core, memdev& md) {
    base::host& h = core.host();
    if (md.is_bound()) {
        // Mediated: cxl_mem lets it go (and with the device link of attach_when::now, the
        // owner's driver goes first); an owner that decides for itself is told.
        if (auto& handler = port_access::on_detach(md)) (void)handler(md);
        (void)h.unbind(md);
        return;
    }
    std::string const owner = port_access::owner(md);
    if (!owner.empty() && owner != md.name())
        if (base::device* o = h.find_device(owner); o && o->is_bound()) {
            auto& handler = port_access::on_detach(md);
            if (!handler || !handler(md)) {
                (void)h.unbind(*o);
                return;
            }
            // The owner's binding took it over: the endpoint goes now, the rest with its
            // attach when the binding releases it.
        }
    if (port* ep = md.endpoint()) {
        port_access::endpoint(md) = nullptr;
        unregister_port(*ep);
    }
}

/// Linux cxl_detach_ep(): the memdev's interest in its ports ends; switch ports nobody is
/// interested in any more go (host-bridge ports stay: the root owns them).
CXLFW_DECL void detach_ep(cxl_core& core, std::string const& md_name) {
    std::lock_guard lk{core.mutex()};
    memdev* md = core.find_memdev(md_name);
    if (!md) return; // its destruction already ended its interest
    // The ports on its path, deepest first.
    std::vector<std::pair<unsigned, std::string>> names; // removing a port may destroy others
    for (port* p : port_access::interest(*md))
        if (!port_access::dead(*p)) names.emplace_back(p->depth(), p->name());
    std::sort(names.rbegin(), names.rend());
    for (auto const& [depth, name] : names) {
        port* p = core.find_port(name);
        if (!p || !port_access::del_ep(*p, *md)) continue;
        port* parent = p->parent_port();
        if (p->endpoints().empty() && p->kind() == port_kind::switch_port && parent &&
            parent->is_bound())
            unregister_port(*p);
    }
}

/// Linux delete_endpoint(): the memdev's endpoint goes, also when the memdev went first (a
/// mediated Type-2 memdev whose owner's driver was released by the device link: the owner's
/// devres removed the memdev before cxl_mem's binding ended). By name, checked: the endpoint
/// of that memdev, not a later port that took the same id.
CXLFW_DECL void delete_endpoint(cxl_core& core, std::string const& md_name,
                                std::string const& ep_name) {
    std::lock_guard lk{core.mutex()};
    port* ep = core.find_port(ep_name);
    if (!ep || ep->kind() != port_kind::endpoint || ep->uport() != md_name) return;
    memdev* md = core.find_memdev(md_name);
    if (md ? md->endpoint() != ep : ep->endpoint_memdev() != nullptr) return; // not this one's
    if (md) port_access::endpoint(*md) = nullptr;
    unregister_port(*ep);
}

/// Linux unregister_port() for a port and everything below it: child ports first, memdevs
/// that reached their endpoint through it detached, regions on its decoders ended.
CXLFW_DECL void unregister_port(port& p) {
    cxl_core& core = p.core();
    std::lock_guard lk{core.mutex()};
    if (port_access::dead(p)) return;
    port_access::dead(p) = true;
    // Newest first; by name, since unregistering one may destroy another.
    std::vector<std::pair<unsigned, std::string>> children;
    for (port* q : port_access::children(p))
        if (!port_access::dead(*q)) children.emplace_back(q->id(), q->name());
    std::sort(children.rbegin(), children.rend());
    for (auto const& [id, name] : children)
        if (port* c = core.find_port_any(name)) unregister_port(*c);
    std::string orphan; // a memdev whose endpoint goes from under its binding
    if (p.kind() == port_kind::endpoint) {
        // A copy: a region's reset makes register accesses, and a removal delivered between
        // two of them may end the port's driver, whose release retires these decoders and
        // clears the port's list (they stay allocated while a hook runs).
        std::vector<decoder*> decs;
        for (auto const& d : p.decoders())
            decs.push_back(d.get());
        for (decoder* d : decs)
            kill_region(*d);
        if (memdev* md = p.endpoint_memdev(); md && md->endpoint() == &p) {
            port_access::endpoint(*md) = nullptr;
            orphan = md->name();
        }
    } else {
        auto eps = port_access::eps(p);
        for (auto const& [name, dp] : eps)
            if (memdev* md = core.find_memdev(name); md && md->endpoint())
                detail::detach_memdev(core, *md);
    }
    if (p.kind() == port_kind::root) {
        for (region* r : core.regions())
            if (&r->root().owner() == &p) delete_region(*r);
        // Regions and running hooks may point at them: retired, not destroyed here.
        for (auto& d : port_access::decoders(p))
            core.host().retire(std::shared_ptr<decoder const>{std::move(d)});
        port_access::decoders(p).clear();
        port_access::root(core) = nullptr;
    }
    auto& by = port_access::by_uport(core);
    if (auto it = by.find(p.uport()); it != by.end() && it->second == &p) by.erase(it);
    (void)core.host().remove_device(p);
    // An endpoint that went with a port above it (the root, a switch, a link): the binding that
    // holds the memdev's attach is released too, so nothing stays bound on a path that is gone
    // (Linux: the port's removal schedules cxl_memdev detach). A binding ending on its own
    // path got here through its own release and is not bound any more.
    if (!orphan.empty())
        if (memdev* md = core.find_memdev(orphan)) detail::detach_memdev(core, *md);
}

enum class step { added, again };

/// Linux add_port_attach_ep(): add the port of `uport_dev` if its parent port is there.
CXLFW_DECL fact_result<step> add_port_attach_ep(cxl_core& core, memdev& md, base::device& uport_dev,
                                                base::device& dport_dev) {
    base::device* dparent = grandparent(&dport_dev);
    if (!dparent) {
        // uport_dev is a host bridge: its port comes with the root.
        if (!core.root()) return root_absent_fact();
        if (!core.root()->find_dport(uport_dev.name()))
            return port_absent_fact(uport_dev.name(),
                                    uport_dev.name() + " is not a CXL host bridge of root0");
        return port_absent_fact(uport_dev.name());
    }
    base::device* pu = dparent->parent();
    if (!pu) return fact{errc::invalid_topology, dparent->name() + " has no parent"};
    port* parent = core.port_by_uport(pu->name());
    if (!parent) return step::again;
    auto pdport = find_or_add_dport(*parent, *dparent);
    if (!pdport) return pdport.error();
    if (!parent->is_bound()) return unbound_fact(core.host(), *parent);
    auto comp = component_of(uport_dev);
    if (!comp) return comp.error();
    auto p = add_port(*parent, uport_dev, **pdport, *comp);
    if (!p) return p.error();
    auto dp = find_or_add_dport(**p, dport_dev);
    if (!dp) return dp.error();
    port_access::add_ep(**p, md, *dp);
    return step::added;
}

} // namespace detail

// --- the root ------------------------------------------------------------------------------

CXLFW_DECL fact_result<port*> add_root(cxl_core& core, base::device& uport) {
    std::lock_guard lk{core.mutex()};
    if (core.root()) return fact{errc::dport_exists, "root0 already exists"};
    auto p = std::make_unique<port>(core, "root0", port_kind::root, 0, uport.name());
    port* raw = p.get();
    if (auto ok = core.host().add_device(std::move(p), &uport); !ok)
        return detail::host_fact(ok.error(), "adding root0");
    detail::register_port(core, *raw);
    port_access::root(core) = raw;
    return raw;
}

CXLFW_DECL fact_result<dport*> add_dport(port& p, base::device& dev, std::uint32_t port_id,
                                         dport_options opts) {
    std::lock_guard lk{p.core().mutex()};
    if (p.find_dport(dev.name()) || p.find_dport(port_id))
        return fact{errc::dport_exists, p.name() + " already has a dport " + dev.name() +
                                            " or port id " + std::to_string(port_id)};
    auto d = std::make_unique<dport>();
    d->owner = &p;
    d->dev = dev.name();
    d->port_id = port_id;
    d->rch = opts.rch;
    d->rcrb = opts.rcrb;
    dport* raw = d.get();
    auto& list = port_access::dports(p);
    list.push_back(std::move(d));
    std::sort(list.begin(), list.end(),
              [](auto const& a, auto const& b) { return a->port_id < b->port_id; });
    return raw;
}

CXLFW_DECL root_decoder_desc root_decoder_desc::from(spec::cfmws const& w, spec::xormap_list maps) {
    root_decoder_desc d;
    d.base = w.base_hpa;
    d.size = w.window_size;
    d.ways = w.ways();
    d.granularity = w.granularity();
    d.restrictions = w.restrictions;
    d.qos_class = w.qtg_id;
    d.arithmetic = w.arithmetic;
    d.xormaps = maps;
    for (auto t : w.targets)
        d.targets.push_back(t);
    d.window = w.index;
    return d;
}

CXLFW_DECL fact_result<decoder*> add_root_decoder(port& root, root_decoder_desc const& w) {
    std::lock_guard lk{root.core().mutex()};
    if (root.kind() != port_kind::root)
        return fact{errc::invalid_target, root.name() + " is not the root"};
    if (!spec::valid_ways(w.ways) || w.targets.size() != w.ways ||
        !spec::valid_granularity(w.granularity))
        return fact{errc::invalid_window,
                    "window " + std::to_string(w.window) + ": " + std::to_string(w.ways) +
                        " ways, " + std::to_string(w.targets.size()) + " targets, granularity " +
                        std::to_string(w.granularity)};
    if (w.size == 0 || !is_aligned(w.base, hdm_alignment) || !is_aligned(w.size, hdm_alignment))
        return fact{errc::invalid_window,
                    "window " + std::to_string(w.window) + ": base or size not 256 MiB aligned"};
    for (auto uid : w.targets)
        if (!root.find_dport(uid))
            return fact{errc::invalid_window, "window " + std::to_string(w.window) +
                                                  " targets host bridge UID " +
                                                  std::to_string(uid) + ", not a dport of root0"};
    // One host bridge at two ways: positions would collide below it (spec/cedt.hpp skips such
    // a CFMWS; a description built by hand is refused here too).
    for (std::size_t i = 1; i < w.targets.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (w.targets[i] == w.targets[j])
                return fact{errc::invalid_window,
                            "window " + std::to_string(w.window) + " at " + detail::hex(w.base) +
                                " lists host bridge UID " + std::to_string(w.targets[i]) +
                                " at targets " + std::to_string(j) + " and " + std::to_string(i)};
    auto& list = port_access::decoders(root);
    auto const id = static_cast<unsigned>(list.size());
    auto d =
        std::make_unique<decoder>(decoder_kind::root, root, id, "decoder0." + std::to_string(id));
    d->base = w.base;
    d->size = w.size;
    d->ways = w.ways;
    d->granularity = w.granularity;
    d->restrictions = w.restrictions;
    d->qos_class = w.qos_class;
    d->arithmetic = w.arithmetic;
    d->xormaps = w.xormaps;
    d->targets = w.targets;
    d->window = w.window;
    d->enabled = true; // Linux: a root decoder from a CFMWS is always enabled
    d->locked = (w.restrictions & spec::cfmws_restrict::fixed) != 0;
    d->type = (w.restrictions & spec::cfmws_restrict::type3) ? target_type::host_only_coherent
                                                             : target_type::device_coherent;
    decoder* raw = d.get();
    list.push_back(std::move(d));
    return raw;
}

CXLFW_DECL void remove_root(cxl_core& core) {
    std::lock_guard lk{core.mutex()};
    if (port* r = core.root()) detail::unregister_port(*r);
}

// --- ports -------------------------------------------------------------------------------------

CXLFW_DECL fact_result<port*> add_port(port& parent, base::device& uport, dport& parent_dport,
                                       std::optional<reg_block> component) {
    cxl_core& core = parent.core();
    std::lock_guard lk{core.mutex()};
    if (!parent.live() || uport.removing())
        return port_absent_fact(uport.name(),
                                parent.name() + " or " + uport.name() + " is going away");
    if (port* p = core.port_by_uport(uport.name())) return p;
    unsigned const id = port_access::alloc_port_id(core, uport.name());
    auto const kind =
        parent.kind() == port_kind::root ? port_kind::host_bridge : port_kind::switch_port;
    auto p = std::make_unique<port>(core, "port" + std::to_string(id), kind, id, uport.name());
    port* raw = p.get();
    port_access::parent(*raw) = &parent;
    port_access::parent_dport(*raw) = &parent_dport;
    port_access::depth(*raw) = parent.depth() + 1;
    port_access::component(*raw) = std::move(component);
    if (auto ok = core.host().add_device(std::move(p), &parent); !ok)
        return detail::host_fact(ok.error(), "adding a port for " + uport.name());
    detail::register_port(core, *raw);
    (void)core.host().attach(*raw);
    return raw;
}

// --- enumeration and the endpoint --------------------------------------------------------------

CXLFW_DECL fact_result<void> enumerate_ports(memdev& md, base::device* owner) {
    cxl_core& core = md.core();
    std::lock_guard lk{core.mutex()};
    if (md.removing()) return detail::removed_fact(md);
    if (md.rcd()) return {};
    base::device& own = owner ? *owner : md;
    port_access::owner(md) = own.name();
    base::devm_add_action(own, "cxl_detach_ep:" + md.name(),
                          [&core, name = md.name()] { detail::detach_ep(core, name); });
    // Each pass adds at most one port; a tree deeper than this is not a topology.
    for (unsigned pass = 0; pass < 64; ++pass) {
        bool added = false;
        for (base::device* iter = &md; iter && !added; iter = detail::grandparent(iter)) {
            base::device* dport_dev = detail::grandparent(iter);
            if (!dport_dev) return {};
            base::device* uport_dev = dport_dev->parent();
            if (!uport_dev)
                return fact{errc::invalid_topology,
                            "at " + iter->name() + " no parent for dport " + dport_dev->name()};
            if (core.link_is_down(dport_dev->name())) return link_down_fact(dport_dev->name());
            if (port* p = core.port_by_uport(uport_dev->name())) {
                auto dp = detail::find_or_add_dport(*p, *dport_dev);
                if (!dp) return dp.error();
                port_access::add_ep(*p, md, *dp);
                if (p->kind() == port_kind::host_bridge) return {};
                continue;
            }
            auto r = detail::add_port_attach_ep(core, md, *uport_dev, *dport_dev);
            if (!r) return r.error();
            added = *r == detail::step::added;
        }
        if (!added) return {};
    }
    return fact{errc::invalid_topology, md.name() + ": port enumeration did not settle"};
}

CXLFW_DECL fact_result<std::pair<port*, dport*>> find_endpoint_parent(memdev& md) {
    cxl_core& core = md.core();
    std::lock_guard lk{core.mutex()};
    base::device* gp = detail::grandparent(&md);
    if (!gp) return fact{errc::invalid_topology, md.name() + " has no grandparent"};
    if (base::device* u = gp->parent()) {
        port* parent = core.port_by_uport(u->name());
        if (!parent) {
            if (!core.root()) return root_absent_fact();
            return port_absent_fact(u->name());
        }
        auto dp = detail::find_or_add_dport(*parent, *gp);
        if (!dp) return dp.error();
        return std::pair{parent, *dp};
    }
    port* root = core.root();
    if (!root) return root_absent_fact();
    dport* dp = root->find_dport(gp->name());
    if (!dp) return port_absent_fact(gp->name(), gp->name() + " is not a host bridge of root0");
    return std::pair{root, dp};
}

CXLFW_DECL void unregister_children(port& p) {
    cxl_core& core = p.core();
    std::lock_guard lk{core.mutex()};
    std::vector<std::pair<unsigned, std::string>> children; // by name: one may take others
    for (port* q : port_access::children(p))
        if (!port_access::dead(*q)) children.emplace_back(q->id(), q->name());
    std::sort(children.rbegin(), children.rend());
    for (auto const& [id, name] : children)
        if (port* c = core.find_port_any(name)) detail::unregister_port(*c);
    if (p.kind() == port_kind::endpoint)
        if (memdev* md = p.endpoint_memdev(); md && md->endpoint() == &p && !md->removing())
            detail::detach_memdev(core, *md);
}

CXLFW_DECL void set_detach_handler(memdev& md, detach_handler handler) {
    std::lock_guard lk{md.core().mutex()};
    port_access::on_detach(md) = std::move(handler);
}

CXLFW_DECL std::optional<fact> path_absence(memdev& md) {
    cxl_core& core = md.core();
    std::lock_guard lk{core.mutex()};
    if (md.removing()) return detail::removed_fact(md);
    auto at = find_endpoint_parent(md);
    if (!at) {
        if (at.error().is_absence()) return at.error();
        return std::nullopt;
    }
    if (core.link_is_down(at->second->dev)) return link_down_fact(at->second->dev);
    // A port on the path whose driver went (an unbind): the absence is its driver's binding.
    for (port* q = at->first; q && q != core.root(); q = q->parent_port())
        if (!q->is_bound()) return port_not_bound_fact(q->name(), q->uport());
    return std::nullopt;
}

CXLFW_DECL fact_result<void> still_attached(memdev& md) {
    std::lock_guard lk{md.core().mutex()};
    if (md.removing()) return detail::removed_fact(md);
    if (port* ep = md.endpoint(); ep && ep->live()) return {};
    if (auto f = path_absence(md)) return *f;
    return port_absent_fact(md.name(), md.name() + " lost its endpoint while it was probed");
}

CXLFW_DECL fact_result<port*> add_endpoint(memdev& md, base::device* owner) {
    cxl_core& core = md.core();
    std::lock_guard lk{core.mutex()};
    if (md.removing()) return detail::removed_fact(md);
    if (md.endpoint())
        return fact{errc::already_attached, md.name() + " has " + md.endpoint()->name()};
    auto at = find_endpoint_parent(md);
    if (!at) return at.error();
    auto [parent, dp] = *at;
    if (core.link_is_down(dp->dev)) return link_down_fact(dp->dev);
    base::host& h = core.host();
    if (parent->kind() == port_kind::root) {
        // An RCD's endpoint needs the ACPI root driver bound (Linux: endpoint_parent is
        // the root's uport).
        base::device* acpi = h.find_device(parent->uport());
        if (!acpi || !acpi->is_bound()) return root_absent_fact("the CXL root has no driver");
    } else if (!parent->is_bound()) {
        return detail::unbound_fact(h, *parent);
    }
    base::device& own = owner ? *owner : md;
    std::string const key = md.parent() ? md.parent()->name() : md.name();
    unsigned const id = port_access::alloc_port_id(core, key);
    auto p = std::make_unique<port>(core, "endpoint" + std::to_string(id), port_kind::endpoint, id,
                                    md.name());
    port* ep = p.get();
    port_access::parent(*ep) = parent;
    port_access::parent_dport(*ep) = dp;
    port_access::depth(*ep) = parent->depth() + 1;
    port_access::component(*ep) = md.desc().component;
    port_access::memdev_of(*ep) = &md;
    if (auto ok = h.add_device(std::move(p), parent); !ok)
        return detail::host_fact(ok.error(), "adding the endpoint of " + md.name());
    detail::register_port(core, *ep);
    auto out = h.attach(*ep);
    if (!ep->is_bound()) {
        fact f = out.error() == base::errc::no_driver ? no_port_driver_fact(ep->name())
                 : ep->last_fact()                    ? *ep->last_fact()
                                                      : fact{out.error(), out.message()};
        // Removed while it probed: its path went (the root, a port, the link). Say which, as
        // an absence a policy can wait on, rather than the endpoint's discarded probe.
        if (ep->removing() && !md.removing()) {
            if (auto path = find_endpoint_parent(md); !path)
                f = path.error();
            else if (core.link_is_down(path->second->dev))
                f = link_down_fact(path->second->dev);
        }
        detail::unregister_port(*ep);
        return f;
    }
    port_access::endpoint(md) = ep;
    port_access::owner(md) = own.name();
    base::devm_add_action(own, "cxl_delete_endpoint:" + md.name(),
                          [&core, name = md.name(), ep_name = ep->name()] {
                              detail::delete_endpoint(core, name, ep_name);
                          });
    return ep;
}

// --- links -------------------------------------------------------------------------------------

CXLFW_DECL void set_link(cxl_core& core, std::string const& dport_dev, bool up) {
    std::lock_guard lk{core.mutex()};
    auto& down = port_access::links_down(core);
    if (up) {
        if (!down.erase(dport_dev)) return;
        (void)core.host().signal(link_up_event(dport_dev));
        (void)core.host().rescan(cxl_bus_name);
        return;
    }
    if (!down.insert(dport_dev).second) return;
    std::vector<std::string> below; // detaching one may destroy another: look each up again
    for (memdev* md : core.memdevs())
        for (base::device const* d = md; d; d = d->parent())
            if (d->name() == dport_dev) {
                below.push_back(md->name());
                break;
            }
    for (auto const& name : below)
        if (memdev* md = core.find_memdev(name); md && (md->endpoint() || md->is_bound()))
            detail::detach_memdev(core, *md);
}

} // namespace cxlfw::core
