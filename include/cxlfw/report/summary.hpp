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
//   warnings:
//     cxl_acpi: pci0000:0c (UID 12): its CHBS (CEDT subtable 1) says CXL 2.0+, ...
//   probes: 14 attempts, 14 binds, 0 failures, 0 deferrals, 0 wake-ups, 0 timeouts; 0 waiting
//
// The warnings (the CXL core's messages) appear only when there are some.
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
#include <cxlfw/config.hpp>
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
    /// The CXL core's messages, in order: what cxl_acpi skipped (CEDT subtables, host bridges
    /// whose CHBS is missing, flipped or unmapped) and MMIO a window covers -- what Linux
    /// prints with dev_warn/dev_err. summary_text lists them before the totals.
    std::vector<std::string> warnings;
    base::probe_counters totals;      ///< the host's counters
    std::size_t waiting = 0;          ///< devices deferred now
    std::size_t attached_memdevs = 0; ///< memdevs with an endpoint
};

struct summary_options {
    bool bridges = false; ///< list PCI bridges (root ports, switch ports) too
};

namespace detail {
/// "0d93": a PCI id as lspci prints it (the DOT view uses it too).
CXLFW_DECL std::string hex4(unsigned v);
/// A root port or switch port: a PCI-to-PCI bridge (header type 1).
CXLFW_DECL bool is_bridge(base::pci_device const& p);
} // namespace detail

/// The summary of `h`'s devices (see above); `notes` says which bound devices are degraded.
CXLFW_DECL host_summary device_summary(base::host const& h, note_source const& notes = {},
                                       summary_options opts = {});

/// The summary as aligned text, one line per device, then the totals.
CXLFW_DECL std::string summary_text(host_summary const& s);

} // namespace cxlfw::report

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/report/impl/summary.ipp>
#endif
