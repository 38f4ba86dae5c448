// What both hand-written baselines do with a device's component registers, written once:
// the HDM Decoder Capability (at least one decoder) and the RAS capability, with every
// uncorrectable error unmasked (Linux cxl_pci_ras_unmask).
#pragma once

#include <cxlfw/base/pci.hpp>
#include <cxlfw/core/regs.hpp>
#include <cxlfw/spec/component.hpp>

#include <optional>
#include <string>

namespace bench::baseline {

namespace base = cxlfw::base;
namespace core = cxlfw::core;
namespace spec = cxlfw::spec;

inline core::fact mismatch(base::pci_device const& pdev, std::string const& what) {
    return core::fact{cxlfw::errc::capability_mismatch, pdev.name() + ": " + what};
}

/// Probes the block at `comp`; on success `component` and `caps` hold it.
inline std::optional<core::fact> probe_hdm_and_ras(base::pci_device const& pdev,
                                                   core::reg_block const& comp,
                                                   std::optional<core::reg_block>& component,
                                                   std::optional<core::component_map>& caps) {
    auto found = core::probe_component_regs(comp);
    if (!found) return found.error();
    if (!found->hdm) return mismatch(pdev, "no HDM Decoder Capability");
    auto reg = found->hdm->window().template read<spec::hdm::capability>();
    if (!reg) return core::fact{reg.error(), pdev.name() + ": HDM capability"};
    auto cap = spec::hdm::decoder_capability::decode(*reg);
    if (!cap || cap->decoder_count < 1) return mismatch(pdev, "no HDM decoders");
    if (!found->ras) return mismatch(pdev, "no RAS capability");
    if (auto ok = found->ras->window().template write<spec::ras::uncorrectable_mask>(0); !ok)
        return core::fact{ok.error(), pdev.name() + ": unmasking RAS errors"};
    component = comp;
    caps = *found;
    return std::nullopt;
}

} // namespace bench::baseline
