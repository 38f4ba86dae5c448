// Out-of-line definitions for <cxlfw/core/memdev.hpp>: adding a memdev (and binding it at once
// for an attach callback) and removing it.
#pragma once

#include <cxlfw/core/memdev.hpp>

#include <cxlfw/base/host.hpp>
#include <cxlfw/core/bus.hpp>
#include <cxlfw/core/detail/bus.hpp>
#include <cxlfw/core/detail/port_access.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/units.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace cxlfw::core {

CXLFW_DECL fact_result<memdev*> add_memdev(base::device& parent, memdev_desc desc,
                                           attach_probe probe, attach_when when) {
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
    if (when == attach_when::now) (void)h.add_link(parent, *raw);
    return raw;
}

CXLFW_DECL void remove_memdev(memdev& md) {
    (void)md.core().host().remove_device(md);
}

} // namespace cxlfw::core
