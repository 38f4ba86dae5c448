// The hand-written baseline of examples/drivers/efx_cxl.hpp, the sfc-like Type-2 NIC
// (type2<hdm<1>, ras>, attach::direct, when_absent::degrade; its on_cxl maps 256 MiB). The
// same probe as policy/compose.hpp runs for it, written as one plain base::pci_driver:
//
// | step (compose.hpp)                         | here                                             |
// |--------------------------------------------|--------------------------------------------------|
// | DVSEC against type2: Cache, Mem, HDM_Count | read_device_dvsec                                |
// | component registers, HDM count >= 1, RAS   | find_register_block, probe_component_regs        |
// | unmasked                                   |                                                  |
// | media ready (no mailbox: DVSEC only),      | wait_media_ready                                 |
// | capacity from the DVSEC ranges             |                                                  |
// | direct attach                              | add_memdev(direct), enumerate_ports,             |
// |                                            | add_endpoint                                     |
// | on_cxl: map_region(256 MiB)                | probe_mem(memdev, 256 MiB, -, the PCI function)  |
// | a fact: degrade                            | bound without CXL                                |
//
// Only the path with the CXL root present is compared (section 1). On a fact the baseline binds
// without CXL, as degrade does, but leaves no upgrade watcher: the composition's upgrade path
// has no hand-written counterpart here (section 2 measures it on its own).
#pragma once

#include "component.hpp"

#include <cxlfw/base/pci.hpp>
#include <cxlfw/core/memdev.hpp>
#include <cxlfw/core/pci.hpp>
#include <cxlfw/core/port.hpp>
#include <cxlfw/core/region.hpp>
#include <cxlfw/core/regs.hpp>
#include <cxlfw/spec/component.hpp>
#include <cxlfw/units.hpp>

#include <optional>
#include <string>

namespace bench::baseline {

namespace base = cxlfw::base;
namespace core = cxlfw::core;
namespace spec = cxlfw::spec;

/// What a bound NIC keeps.
struct type2_state {
    std::optional<core::reg_block> component;
    std::optional<core::component_map> caps;
    core::memdev_desc desc;
    core::memdev* memdev = nullptr;
    core::hpa_range pio{}; ///< where the PIO buffers live, on CXL
    bool pcie_only = false;
    std::error_code why; ///< the fact behind pcie_only
};

class efx_hand final : public base::pci_driver {
public:
    efx_hand() : pci_driver{"sfc_cxl", {{0x1924, 0x0b03}}} {}

    base::probe_outcome probe(base::device& dev) override {
        auto* pdev = dynamic_cast<base::pci_device*>(&dev);
        if (!pdev) return base::failed(base::errc::wrong_device_type, dev.name());
        auto& st = dev.devres().emplace_named<type2_state>("sfc_cxl_hand");
        dev.set_drvdata(&st);
        if (auto f = prepare(*pdev, st)) {
            if (f->code == cxlfw::errc::capability_mismatch)
                return base::failed(f->code, f->message());
            return degrade(st, *f);
        }
        if (auto f = attach(*pdev, st)) return degrade(st, *f);
        return base::bound();
    }

private:
    static base::probe_outcome degrade(type2_state& st, core::fact const& f) {
        st.pio = {};
        st.pcie_only = true;
        st.why = f.code;
        return base::bound();
    }

    static std::optional<core::fact> prepare(base::pci_device& pdev, type2_state& st) {
        auto dv = core::read_device_dvsec(pdev);
        if (!dv) return dv.error();
        auto const& c = dv->capability;
        if (!c.cache_capable) return mismatch(pdev, "Cache_Capable=0");
        if (!c.mem_capable) return mismatch(pdev, "Mem_Capable=0");
        if (c.hdm_count == 0) return mismatch(pdev, "HDM_Count=0");

        auto comp = core::find_register_block(pdev, spec::register_block_id::component);
        if (!comp) return mismatch(pdev, "no component registers");
        if (auto f = probe_hdm_and_ras(pdev, *comp, st.component, st.caps)) return f;

        auto& d = st.desc;
        d.type = core::memdev_type::type2;
        d.component = st.component;
        auto port_type = core::read_pcie_port_type(pdev.config());
        d.rcd = port_type && *port_type == spec::pci::pcie::port_type_value::rc_endpoint;
        d.media_ready =
            core::wait_media_ready(pdev, std::nullopt, pdev.host()->clock()).has_value();
        for (unsigned i = 0; i < dv->ranges.size() && i < c.hdm_count; ++i)
            if (dv->ranges[i].present()) d.ram_size += dv->ranges[i].size;
        auto serial = core::read_serial_number(pdev.config());
        if (!serial) return serial.error();
        d.serial = serial->value_or(0);
        return std::nullopt;
    }

    /// Direct attach: the memdev (cxl_mem never binds it), the ports, the endpoint, then what
    /// on_cxl does: 256 MiB of device memory in a committed region.
    static std::optional<core::fact> attach(base::pci_device& pdev, type2_state& st) {
        using namespace cxlfw::literals;
        if (!st.memdev) {
            auto d = st.desc;
            d.direct = true;
            auto md = core::add_memdev(pdev, std::move(d));
            if (!md) return md.error();
            st.memdev = *md;
        }
        core::memdev& md = *st.memdev;
        if (!st.desc.media_ready)
            return core::fact{cxlfw::errc::media_not_ready, md.name() + ": media not ready"};
        if (auto ok = core::enumerate_ports(md, &pdev); !ok) return ok.error();
        if (!md.endpoint())
            if (auto ep = core::add_endpoint(md, &pdev); !ep) return ep.error();
        auto range = core::probe_mem(md, 256_MiB, std::nullopt, &pdev);
        if (!range) return core::fact{range.error().code, md.name() + ": on_cxl failed"};
        st.pio = *range;
        st.pcie_only = false;
        return std::nullopt;
    }
};

} // namespace bench::baseline
