// Memory devices (Linux core/memdev.c): memN, a child of its PCI function on the cxl bus.
//
//   | call                                   | what happens                                       |
//   |----------------------------------------|----------------------------------------------------|
//   | add_memdev(pdev, desc)                 | memN waits on the bus for cxl_mem (classic Type-3) |
//   | add_memdev(pdev, desc, probe)          | Linux 7.0 cxl_memdev_attach: cxl_mem binds it now; |
//   |                                        | no cxl_mem -> no_mem_driver, its failure -> its    |
//   |                                        | fact; either way memN is unregistered again.       |
//   |                                        | Bound, the PCI function becomes a consumer of      |
//   |                                        | memN: when memN detaches (link loss), the PCI      |
//   |                                        | driver is released                                 |
//   | add_memdev(pdev, desc{.direct = true}) | direct attach: cxl_mem never binds memN; the       |
//   |                                        | caller runs enumerate_ports + add_endpoint         |
//
// The memdev is unregistered when the caller's binding ends (devres of the PCI function's
// binding when called from its probe).
#pragma once

#include <cxlfw/config.hpp>

#include <cxlfw/base/device.hpp>
#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/objects.hpp>

#include <cstdint>

namespace cxlfw::core {

/// When an attach callback runs.
enum class attach_when : std::uint8_t {
    now,      ///< cxl_mem binds the memdev before add_memdev returns, or the memdev is removed
              ///< and the fact returned (Linux 7.0 struct cxl_memdev_attach)
    whenever, ///< the memdev waits on the bus; the callback runs when cxl_mem binds it
    /// As `now`, without the device link: when the memdev loses its path, cxl_mem lets it go
    /// and the owner's detach handler (core/port.hpp) decides, instead of the owner's driver
    /// being released. What a driver that degrades and later upgrades wants.
    now_owner_decides,
};

/// Linux devm_cxl_add_memdev(): memN below `parent` (the device's PCI function). The memdev
/// belongs to `parent`'s binding (it is removed when that ends).
CXLFW_DECL fact_result<memdev*> add_memdev(base::device& parent, memdev_desc desc,
                                           attach_probe probe = {},
                                           attach_when when = attach_when::now);

/// Unregister a memdev now (its driver unbinds first).
CXLFW_DECL void remove_memdev(memdev& md);

} // namespace cxlfw::core

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/core/impl/memdev.ipp>
#endif
