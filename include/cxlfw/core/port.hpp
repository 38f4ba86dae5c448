// The port topology (Linux core/port.c): the root and its dports and root decoders,
// host-bridge and switch ports, endpoints, and what happens when a path goes. The port
// driver's probe, HDM decoder enumeration, is core/hdm.hpp (probe_port).
//
//   | operation               | Linux                           | facts                           |
//   |-------------------------|---------------------------------|---------------------------------|
//   | add_root / add_dport /  | devm_cxl_add_root,              | dport_exists, invalid_window    |
//   | add_root_decoder        | devm_cxl_add_dport,             |                                 |
//   |                         | cxl_root_decoder_alloc          |                                 |
//   | add_port                | devm_cxl_add_port (+ a          | -                               |
//   |                         | synchronous attach)             |                                 |
//   | enumerate_ports(memdev) | devm_cxl_enumerate_ports        | root_absent, port_absent,       |
//   |                         |                                 | port_not_bound, no_port_driver, |
//   |                         |                                 | link_down                       |
//   | add_endpoint(memdev)    | cxl_mem_find_port +             | the same, and the port          |
//   |                         | devm_cxl_add_endpoint           | driver's fact                   |
//   | set_link(dport, up)     | (link events; Linux has pciehp) | -                               |
//
// enumerate_ports walks up by grandparents (PCIe alternates upstream and downstream ports):
// dport_dev = grandparent(iter), uport_dev = its parent. A missing switch port is added under
// its parent port and the walk restarts from the memdev, so ports appear top-down; dports are
// added lazily, when a memdev below them arrives; the memdev registers its interest in each
// port. RCDs (below an RCH) skip it: their endpoint hangs off the root's RCH dport.
//
// What an attach acquires belongs to the binding of `owner` (default: the memdev, i.e. cxl_mem's
// binding; a driver that attaches directly passes its own device): the endpoint is deleted and
// the interest in the ports dropped, newest first, when that binding ends. A switch port no
// memdev is interested in any more is removed (Linux cxl_detach_ep).
#pragma once

#include <cxlfw/config.hpp>

#include <cxlfw/base/device.hpp>
#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/objects.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/core/regs.hpp>
#include <cxlfw/spec/cedt.hpp>
#include <cxlfw/spec/interleave_math.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cxlfw::core {

// --- the root ------------------------------------------------------------------------------

/// Linux devm_cxl_add_root(): root0 below `uport` (the ACPI0017 device). The root has no
/// driver of its own: the ACPI root driver that adds it owns it.
CXLFW_DECL fact_result<port*> add_root(cxl_core& core, base::device& uport);

struct dport_options {
    bool rch = false;
    std::uint64_t rcrb = 0;
};

/// Linux devm_cxl_add_dport(): `dev` becomes a dport of `p` with `port_id`.
CXLFW_DECL fact_result<dport*> add_dport(port& p, base::device& dev, std::uint32_t port_id,
                                         dport_options opts = {});

/// A CFMWS window, as a root decoder (Linux cxl_parse_cfmws).
struct root_decoder_desc {
    std::uint64_t base = 0;
    std::uint64_t size = 0;
    unsigned ways = 1;
    unsigned granularity = 256;
    std::uint16_t restrictions = 0;
    std::uint16_t qos_class = 0;
    spec::interleave_arithmetic arithmetic = spec::interleave_arithmetic::modulo;
    spec::xormap_list xormaps{};
    std::vector<std::uint32_t> targets; ///< host bridge UIDs, one per way
    unsigned window = 0;                ///< CFMWS subtable index (reports)

    /// The decoder an accepted CFMWS describes (granularity 256 B for 1-way windows).
    static root_decoder_desc from(spec::cfmws const& w, spec::xormap_list maps = {});
};

/// Linux cxl_root_decoder_alloc + cxl_decoder_add: decoder0.N; every target must be a dport
/// of the root (invalid_window otherwise: Linux skips such a window), each named once.
CXLFW_DECL fact_result<decoder*> add_root_decoder(port& root, root_decoder_desc const& w);

/// Unregister root0 and every port below it (the ACPI root driver's binding ends).
CXLFW_DECL void remove_root(cxl_core& core);

// --- ports -------------------------------------------------------------------------------------

/// Linux devm_cxl_add_port() and the synchronous attach that follows (cxl_port probes
/// synchronously): a host-bridge port below the root, or a switch port below `parent`.
/// The port exists whether or not it binds.
CXLFW_DECL fact_result<port*> add_port(port& parent, base::device& uport, dport& parent_dport,
                                       std::optional<reg_block> component = std::nullopt);

// --- enumeration and the endpoint --------------------------------------------------------------

/// Linux devm_cxl_enumerate_ports(): the ports between the memdev and the root.
CXLFW_DECL fact_result<void> enumerate_ports(memdev& md, base::device* owner = nullptr);

/// The port and dport the memdev's endpoint hangs off (Linux cxl_mem_find_port).
CXLFW_DECL fact_result<std::pair<port*, dport*>> find_endpoint_parent(memdev& md);

/// Linux devm_cxl_add_endpoint(): endpointN below the memdev's parent dport, bound to the port
/// driver at once; its HDM decoders come from the memdev's component registers.
CXLFW_DECL fact_result<port*> add_endpoint(memdev& md, base::device* owner = nullptr);

/// Whether the memdev is still attached: not being removed, with a live endpoint. A probe asks
/// this after its hooks ran, because a removal, a root loss or a link drop delivered while
/// they ran detaches the memdev under it (Linux re-checks cxlmd->endpoint under the port
/// lock for the same reason). The fact says what went: device_removed, or the absence fact
/// of the missing piece (root_absent, port_absent, link_down) so the policy can wait for it.
CXLFW_DECL fact_result<void> still_attached(memdev& md);

/// When an attach failed: the absence behind it, if its path is gone (device_removed, or
/// root_absent, port_absent, link_down). A register read of all ones or a commit that never
/// completes is what a lost path looks like from below; this says what it is, so a policy
/// waits for the piece instead of failing the device for good.
CXLFW_DECL std::optional<fact> path_absence(memdev& md);

/// The ports below `p` go (children first), and the memdevs that reached their endpoint
/// through them are detached; for an endpoint, its own memdev is detached (its attach loses
/// its decoders). Linux adds a port with devm on its parent port's driver, so unbinding that
/// driver does this; the port driver's probe (core::probe_port) registers it.
CXLFW_DECL void unregister_children(port& p);

/// Direct attach: what the binding that attached `md` does when the memdev loses its path
/// (instead of having its driver released). Called under the core's lock from the removal or
/// link drop that detaches it; it must not call back into the core (queue the work).
CXLFW_DECL void set_detach_handler(memdev& md, detach_handler handler);

// --- links -------------------------------------------------------------------------------------

/// The link below `dport` (a root port, downstream port or RCH) went down or came back.
/// Down: every memdev below it is detached (its regions reset, its endpoint deleted; with an
/// attach callback its PCI driver is released first). Up: "link_up:<dport>" is signalled and
/// the cxl bus rescanned, so the memdevs attach again.
CXLFW_DECL void set_link(cxl_core& core, std::string const& dport_dev, bool up);

} // namespace cxlfw::core

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/core/impl/port.ipp>
#endif
