// The hand-written baseline of the stock Type-3 driver. drivers::cxl_pci is a composition
// (type3<mailbox, hdm<1>, ras>, attach::mediated, when_absent::wait) whose probe
// policy/compose.hpp runs; this is the same driver written by hand as one plain
// base::pci_driver that calls the core's steps directly, in the same order, doing the same
// work, no more and no less (section 1 checks with the emulator's counters that both make
// exactly the same register accesses, and that the resulting CXL state dumps the same).
//
// | step (compose.hpp)                        | here                                        |
// |-------------------------------------------|---------------------------------------------|
// | DVSEC against type3: Mem_Capable, HDM_Count | read_device_dvsec                           |
// | component registers (RCD: via its RCH)    | cxl_pci_device::component_registers' lookup |
// | HDM decoder count >= 1, RAS unmasked      | probe_component_regs, two register accesses |
// | device registers                          | find_register_block, probe_device_regs      |
// | media ready (not fatal), mailbox, capacity | wait_media_ready, mailbox::setup, read_capacity |
// | mediated + wait                           | add_memdev(..., attach_when::whenever)      |
//
// Like the composition, it reads the PCIe port type twice: once to find an RCD's component
// registers, once for the memdev description (a driver written by hand would keep the first;
// docs/benchmarks.md counts what that costs).
#pragma once

#include "component.hpp"

#include <cxlfw/base/pci.hpp>
#include <cxlfw/core/memdev.hpp>
#include <cxlfw/core/pci.hpp>
#include <cxlfw/core/regs.hpp>
#include <cxlfw/drivers/cxl_pci.hpp>
#include <cxlfw/spec/component.hpp>

#include <optional>
#include <string>

namespace bench::baseline {

namespace base = cxlfw::base;
namespace core = cxlfw::core;
namespace spec = cxlfw::spec;

/// The mailbox records the capacity came from, into the memdev description, where the core has
/// them (compose.hpp copies them when core::capacity carries them; so does the baseline).
template <class Desc, class Capacity>
void keep_mailbox_records(Desc& d, Capacity const& c) {
    if constexpr (requires {
                      d.identify = c.identify;
                      d.partition = c.partition;
                  }) {
        d.identify = c.identify;
        d.partition = c.partition;
    }
}

/// What a bound Type-3 device keeps (Linux struct cxl_dev_state), owned by the binding.
struct type3_state {
    std::optional<core::reg_block> component;
    std::optional<core::component_map> caps;
    std::optional<core::device_map> device;
    std::optional<core::mailbox> mbox;
    core::memdev* memdev = nullptr;
};

class cxl_pci_hand final : public base::pci_driver {
public:
    cxl_pci_hand()
        : pci_driver{"cxl_pci",
                     {},
                     {{spec::cxl_memory_class_code, 0xFF'FFFF}},
                     base::probe_type::prefer_async} {}

    base::probe_outcome probe(base::device& dev) override {
        auto* pdev = dynamic_cast<base::pci_device*>(&dev);
        if (!pdev) return base::failed(base::errc::wrong_device_type, dev.name());
        auto& st = dev.devres().emplace_named<type3_state>("cxl_pci_hand");
        dev.set_drvdata(&st);
        if (auto f = prepare(*pdev, st)) return base::failed(f->code, f->message());
        return base::bound();
    }

private:
    static std::optional<core::fact> prepare(base::pci_device& pdev, type3_state& st) {
        auto dv = core::read_device_dvsec(pdev);
        if (!dv) return dv.error();
        if (!dv->capability.mem_capable) return mismatch(pdev, "Mem_Capable=0");
        if (dv->capability.hdm_count == 0) return mismatch(pdev, "HDM_Count=0");

        auto comp = cxlfw::drivers::cxl_pci_device::component_registers(pdev);
        if (!comp) return mismatch(pdev, "no component registers");
        if (auto f = probe_hdm_and_ras(pdev, *comp, st.component, st.caps)) return f;

        auto blk = core::find_register_block(pdev, spec::register_block_id::device);
        if (!blk) return mismatch(pdev, "no device registers");
        auto map = core::probe_device_regs(*blk);
        if (!map) return mismatch(pdev, "device registers unusable");
        st.device = *map;

        core::memdev_desc d;
        d.type = core::memdev_type::type3;
        d.component = st.component;
        auto port_type = core::read_pcie_port_type(pdev.config());
        d.rcd = port_type && *port_type == spec::pci::pcie::port_type_value::rc_endpoint;
        cxlfw::virtual_clock& clock = pdev.host()->clock();
        d.media_ready = core::wait_media_ready(pdev, st.device->memdev, clock).has_value();
        auto mbox = core::mailbox::setup(*st.device, clock);
        if (!mbox) return mbox.error();
        st.mbox.emplace(std::move(*mbox));
        auto capacity = core::read_capacity(*st.mbox);
        if (!capacity) return capacity.error();
        d.ram_size = capacity->ram;
        d.pmem_size = capacity->pmem;
        d.firmware = capacity->firmware;
        keep_mailbox_records(d, *capacity);
        auto serial = core::read_serial_number(pdev.config());
        if (!serial) return serial.error();
        d.serial = serial->value_or(0);

        // Mediated, and absence is a wait: the memdev waits on the cxl bus for cxl_mem.
        auto md = core::add_memdev(
            pdev, std::move(d),
            [&st](core::memdev& m) -> cxlfw::status {
                st.memdev = &m;
                return {};
            },
            core::attach_when::whenever);
        if (!md) return md.error();
        st.memdev = *md;
        return std::nullopt;
    }
};

} // namespace bench::baseline
