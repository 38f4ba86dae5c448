// Out-of-line definitions for <cxlfw/report/summary.hpp>: the device summary and its text.
#pragma once

#include <cxlfw/report/summary.hpp>

namespace cxlfw::report {

namespace detail {

CXLFW_DECL std::string hex4(unsigned v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04x", v & 0xFFFFu);
    return buf;
}

CXLFW_DECL bool is_bridge(base::pci_device const& p) {
    return (p.class_code() >> 8) == 0x0604; // PCI-to-PCI bridge
}

CXLFW_DECL std::string matching_drivers(base::host const& h, base::device const& dev) {
    std::vector<std::string> names;
    if (auto const* bus = dev.bus())
        for (auto* drv : h.drivers())
            if (drv->bus_name() == dev.bus_name() && bus->match(dev, *drv))
                names.push_back(drv->name());
    std::sort(names.begin(), names.end());
    std::string out;
    for (auto const& n : names)
        out += (out.empty() ? "" : ",") + n;
    return out;
}

CXLFW_DECL void fill_cxl(device_entry& e, base::host const& h, base::device const& dev) {
    auto const* c = core::find(h);
    if (!c) return;
    std::lock_guard lk{c->mutex()};
    for (auto* m : c->memdevs()) {
        if (m->parent() != &dev) continue;
        e.memdev = m->name();
        e.memdev_attached = m->endpoint() != nullptr;
        if (!e.memdev_attached) {
            if (m->last_fact())
                e.memdev_problem = m->last_fact()->message();
            else if (auto i = h.info(*m); i.state == base::device_state::deferred && i.waiting_on)
                e.memdev_problem = "waiting on " + base::to_string(*i.waiting_on);
            else if (i.error)
                e.memdev_problem = i.error.message();
            else if (!m->is_bound())
                e.memdev_problem = "no " + std::string{core::mem_driver_name};
        }
        if (auto* ep = m->endpoint()) {
            e.endpoint = ep->name();
            for (auto* r : c->regions())
                for (auto* t : r->targets())
                    if (t && &t->owner() == ep) {
                        e.regions.push_back(r->name());
                        break;
                    }
        }
        break;
    }
}

} // namespace detail

} // namespace cxlfw::report

namespace cxlfw::report {

CXLFW_DECL host_summary device_summary(base::host const& h, note_source const& notes,
                                       summary_options opts) {
    host_summary s;
    s.totals = h.counters();
    s.waiting = h.deferred().size();
    for (auto* dev : h.devices()) {
        auto const* pci = dynamic_cast<base::pci_device const*>(dev);
        auto const* plat = dynamic_cast<base::platform_device const*>(dev);
        auto info = h.info(*dev);
        if (pci) {
            if (detail::is_bridge(*pci) && !opts.bridges) continue;
        } else if (plat) {
            if (info.counters.attempts == 0 && info.state == base::device_state::unbound) continue;
        } else {
            continue;
        }
        device_entry e;
        e.name = dev->name();
        e.bus = dev->bus_name();
        e.ids =
            pci ? detail::hex4(pci->vendor()) + ":" + detail::hex4(pci->device_id()) : plat->hid();
        e.driver = info.driver;
        if (e.driver.empty() && info.state == base::device_state::failed)
            e.driver = detail::matching_drivers(h, *dev); // the host keeps no "failed by"
        e.state = info.state;
        e.error = info.error;
        e.message = info.message;
        e.counters = info.counters;
        e.note = detail::note_of(notes, *dev);
        switch (info.state) {
        case base::device_state::bound:
            e.outcome = e.note ? device_outcome::degraded : device_outcome::bound;
            if (e.note) e.reason = e.note->reason;
            break;
        case base::device_state::deferred:
            e.outcome = device_outcome::deferred;
            if (info.waiting_on) e.waiting_on = base::to_string(*info.waiting_on);
            e.reason = info.reason;
            break;
        case base::device_state::failed:
            e.outcome = device_outcome::failed;
            break;
        case base::device_state::unbound:
            e.outcome = device_outcome::unbound;
            break;
        default:
            e.outcome = device_outcome::busy;
            break;
        }
        detail::fill_cxl(e, h, *dev);
        if (e.memdev_attached) ++s.attached_memdevs;
        s.devices.push_back(std::move(e));
    }
    std::stable_sort(s.devices.begin(), s.devices.end(), [](auto const& a, auto const& b) {
        return std::tuple{a.bus != "platform", a.name} < std::tuple{b.bus != "platform", b.name};
    });
    if (auto const* c = core::find(h)) s.warnings = c->messages();
    return s;
}

CXLFW_DECL std::string summary_text(host_summary const& s) {
    std::vector<std::vector<std::string>> rows;
    rows.push_back(
        {"device", "ids", "driver", "outcome", "memdev", "endpoint", "regions", "detail"});
    for (auto const& e : s.devices) {
        std::string regions;
        for (auto const& r : e.regions)
            regions += (regions.empty() ? "" : ",") + r;
        rows.push_back({e.name, e.ids, e.driver.empty() ? "-" : e.driver,
                        std::string{to_string(e.outcome)}, e.memdev.empty() ? "-" : e.memdev,
                        e.endpoint.empty() ? "-" : e.endpoint, regions.empty() ? "-" : regions,
                        e.detail()});
    }
    std::vector<std::size_t> width(rows.front().size(), 0);
    for (auto const& r : rows)
        for (std::size_t i = 0; i < r.size(); ++i)
            width[i] = std::max(width[i], r[i].size());
    std::string out;
    for (auto const& r : rows) {
        std::string line;
        for (std::size_t i = 0; i < r.size(); ++i) {
            line += r[i];
            if (i + 1 < r.size()) line.append(width[i] - r[i].size() + 2, ' ');
        }
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        out += line + "\n";
    }
    if (!s.warnings.empty()) out += "warnings:\n";
    for (auto const& w : s.warnings)
        out += "  " + w + "\n";
    auto const& t = s.totals;
    out += "probes: " + std::to_string(t.attempts) + " attempts, " + std::to_string(t.binds) +
           " binds, " + std::to_string(t.failures) + " failures, " + std::to_string(t.deferrals) +
           " deferrals, " + std::to_string(t.wakeups) + " wake-ups, " + std::to_string(t.timeouts) +
           " timeouts; " + std::to_string(s.waiting) + " waiting; " +
           std::to_string(s.attached_memdevs) + " memdevs attached\n";
    return out;
}

} // namespace cxlfw::report
