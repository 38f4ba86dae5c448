// The devices outside the CXL topology, as a cxlfw user wants to see them after a run: per PCI
// function (and per platform device a driver looked at), its driver and outcome, and what it
// has in the CXL topology (memdev, endpoint, regions). `cxlfw-probe run` prints this.
//
//   auto s = report::device_summary(host, notes.source());
//   std::cout << report::summary_text(s);
//
//   device        ids        driver    outcome   memdev  endpoint   regions  detail
//   ACPI0017:00   ACPI0017   cxl_acpi  bound
//   0000:03:00.0  8086:0d93  cxl_pci   bound     mem0    endpoint3  region0
//   0000:17:00.0  1e98:0002  sfc_cxl   degraded                              pcie-only: ...
//   probes: 14 attempts, 14 binds, 0 failures, 0 deferrals, 0 wake-ups, 0 timeouts; 0 waiting
//
// | outcome  | when                                       | detail                         |
// |----------|--------------------------------------------|--------------------------------|
// | bound    | a driver owns it                           | (memdev not attached: why)     |
// | degraded | bound, and the note source has a note      | "<mode>: <reason>"             |
// | deferred | a probe deferred; it waits                 | "on <key>: <reason>"           |
// | failed   | every matching driver's probe failed       | "<error>: <message>"           |
// | unbound  | no driver matched, or it was unbound       | "no driver" / the last error   |
// | busy     | a probe or an unbind is running right now  | -                              |
//
// Which devices: every PCI function but bridges (root ports, switch ports; `bridges = true`
// keeps them), and every platform device a driver probed. Devices on the "cxl" bus are the
// topology (report::cxl_list); other buses (the policy layer's watchers) are internal.
// Platform devices come first, then PCI functions, each by name.
#pragma once

#include <cxlfw/base/host.hpp>
#include <cxlfw/base/pci.hpp>
#include <cxlfw/base/platform.hpp>
#include <cxlfw/core/bus.hpp>
#include <cxlfw/core/objects.hpp>
#include <cxlfw/report/notes.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <vector>

namespace cxlfw::report {

enum class device_outcome : std::uint8_t { bound, degraded, deferred, failed, unbound, busy };

constexpr std::string_view to_string(device_outcome o) noexcept {
    switch (o) {
    case device_outcome::bound:
        return "bound";
    case device_outcome::degraded:
        return "degraded";
    case device_outcome::deferred:
        return "deferred";
    case device_outcome::failed:
        return "failed";
    case device_outcome::unbound:
        return "unbound";
    case device_outcome::busy:
        return "busy";
    }
    return "?";
}

/// One device of the summary.
struct device_entry {
    std::string name;
    std::string bus;    ///< "pci" or "platform"
    std::string ids;    ///< PCI "vendor:device" (lspci's form); platform: the ACPI HID
    std::string driver; ///< bound, probing, or the one that deferred or failed last
    base::device_state state{};
    device_outcome outcome = device_outcome::unbound;
    std::string waiting_on; ///< deferred: "event:cxl_root:root0" (base::to_string(dep_key))
    std::string reason;     ///< deferred: the driver's reason; degraded: the note's reason
    std::error_code error;  ///< failed or unbound: the last error
    std::string message;    ///< ... and its message
    std::optional<device_note> note;
    std::string memdev; ///< memN registered for this device, if any
    bool memdev_attached = false;
    std::string memdev_problem;       ///< why memN is not attached (its last fact or error)
    std::string endpoint;             ///< endpointN of that memdev
    std::vector<std::string> regions; ///< regions mapping that endpoint's decoders, by id
    base::probe_counters counters;

    /// The detail column: what the outcome waits on or failed with.
    std::string detail() const {
        std::string d;
        switch (outcome) {
        case device_outcome::degraded:
            d = note ? note->mode + (note->reason.empty() ? "" : ": " + note->reason) : "";
            break;
        case device_outcome::deferred:
            d = "on " + waiting_on + (reason.empty() ? "" : ": " + reason);
            break;
        case device_outcome::failed:
        case device_outcome::unbound:
            if (outcome == device_outcome::unbound && counters.attempts == 0)
                d = "no driver"; // (the host's error says no driver matched)
            else if (error)
                d = error.message() + (message.empty() ? "" : ": " + message);
            break;
        default:
            break;
        }
        // The why is left out when the outcome already said it (a degraded direct attach).
        if (!memdev.empty() && !memdev_attached)
            d += (d.empty() ? "" : "; ") + memdev + " not attached" +
                 (memdev_problem.empty() || d.find(memdev_problem) != std::string::npos
                      ? ""
                      : ": " + memdev_problem);
        return d;
    }
};

struct host_summary {
    std::vector<device_entry> devices;
    base::probe_counters totals;      ///< the host's counters
    std::size_t waiting = 0;          ///< devices deferred now
    std::size_t attached_memdevs = 0; ///< memdevs with an endpoint
};

struct summary_options {
    bool bridges = false; ///< list PCI bridges (root ports, switch ports) too
};

namespace detail {

inline std::string hex4(unsigned v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04x", v & 0xFFFFu);
    return buf;
}

inline bool is_bridge(base::pci_device const& p) {
    return (p.class_code() >> 8) == 0x0604; // PCI-to-PCI bridge
}

/// The drivers of the device's bus that match it, by name, comma-separated: after a failed
/// probe these are the drivers that failed (every matching one did).
inline std::string matching_drivers(base::host const& h, base::device const& dev) {
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

inline void fill_cxl(device_entry& e, base::host const& h, base::device const& dev) {
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

/// The summary of `h`'s devices (see above); `notes` says which bound devices are degraded.
inline host_summary device_summary(base::host const& h, note_source const& notes = {},
                                   summary_options opts = {}) {
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
    return s;
}

/// The summary as aligned text, one line per device, then the totals.
inline std::string summary_text(host_summary const& s) {
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
    auto const& t = s.totals;
    out += "probes: " + std::to_string(t.attempts) + " attempts, " + std::to_string(t.binds) +
           " binds, " + std::to_string(t.failures) + " failures, " + std::to_string(t.deferrals) +
           " deferrals, " + std::to_string(t.wakeups) + " wake-ups, " + std::to_string(t.timeouts) +
           " timeouts; " + std::to_string(s.waiting) + " waiting; " +
           std::to_string(s.attached_memdevs) + " memdevs attached\n";
    return out;
}

} // namespace cxlfw::report
