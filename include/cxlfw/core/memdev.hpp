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

#include <cxlfw/base/host.hpp>
#include <cxlfw/base/pci.hpp>
#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/objects.hpp>
#include <cxlfw/units.hpp>

#include <algorithm>
#include <memory>
#include <string>

namespace cxlfw::core {

namespace detail {
inline bool driver_registered(base::host const& h, std::string_view name) {
    auto drivers = h.drivers();
    return std::any_of(drivers.begin(), drivers.end(),
                       [&](base::driver* d) { return d->name() == name; });
}
} // namespace detail

/// When an attach callback runs.
enum class attach_when : std::uint8_t {
    now,      ///< cxl_mem binds the memdev before add_memdev returns, or the memdev is removed
              ///< and the fact returned (Linux 7.0 struct cxl_memdev_attach)
    whenever, ///< the memdev waits on the bus; the callback runs when cxl_mem binds it
};

/// Linux devm_cxl_add_memdev(): memN below `parent` (the device's PCI function). The memdev
/// belongs to `parent`'s binding (it is removed when that ends).
inline fact_result<memdev*> add_memdev(base::device& parent, memdev_desc desc,
                                       attach_probe probe = {},
                                       attach_when when = attach_when::now) {
    if (!parent.host()) return fact{errc::invalid_topology, parent.name() + " is not in a host"};
    cxl_core& core = attach(*parent.host());
    std::lock_guard lk{core.mutex()};
    if (!is_aligned(desc.ram_size, hdm_alignment) || !is_aligned(desc.pmem_size, hdm_alignment))
        return fact{errc::invalid_size,
                    parent.name() + ": partitions of " + detail::hex(desc.ram_size) + " + " +
                        detail::hex(desc.pmem_size) + " are not multiples of 256 MiB"};
    base::host& h = core.host();
    unsigned const id = port_access::alloc_memdev_id(core, parent.name());
    bool const with_probe = static_cast<bool>(probe);
    auto md = std::make_unique<memdev>(core, "mem" + std::to_string(id), id, std::move(desc),
                                       std::move(probe));
    memdev* raw = md.get();
    if (auto ok = h.add_device(std::move(md), &parent); !ok)
        return fact{ok.error(), "adding the memdev of " + parent.name()};
    port_access::memdevs(core)[raw->id()] = raw;
    port_access::memdev_names(core)[raw->name()] = raw;
    port_access::memdev_ids(core).insert(id);
    base::devm_add_action(parent, "cxl_memdev:" + raw->name(), [&h, &core, name = raw->name()] {
        if (memdev* m = core.find_memdev(name)) (void)h.remove_device(*m);
    });
    if (!with_probe || raw->direct() || when == attach_when::whenever) return raw;
    // Linux 7.0: the attach must happen now, by cxl_mem.
    if (!detail::driver_registered(h, mem_driver_name)) {
        fact f = no_mem_driver_fact(raw->name());
        (void)h.remove_device(*raw);
        return f;
    }
    auto out = h.attach(*raw);
    if (!raw->is_bound()) {
        fact f = raw->last_fact() ? *raw->last_fact() : fact{out.error(), out.message()};
        (void)h.remove_device(*raw);
        return f;
    }
    // The PCI function depends on its memdev: losing the memdev releases the PCI driver.
    (void)h.add_link(parent, *raw);
    return raw;
}

/// Unregister a memdev now (its driver unbinds first).
inline void remove_memdev(memdev& md) {
    (void)md.core().host().remove_device(md);
}

} // namespace cxlfw::core
