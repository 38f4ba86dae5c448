// emu::build(topology): checks a description and turns it into a platform.
//
// What build() decides (firmware's job on a real machine):
//   - node ids: the root, then each host bridge and its hierarchy depth first;
//   - bus numbers: a host bridge takes its `bus` (default: the next free one in the current
//     segment; a new segment when the hierarchy does not fit); each root, upstream and
//     downstream port takes the next bus as its secondary bus;
//   - device numbers: root ports 0, 1, ... on the root bus; downstream ports 0, 1, ... on their
//     switch's internal bus; everything else device 0; function 0 throughout;
//   - addresses: BARs (naturally aligned), CHBCRs, RCRBs and RCH/RCD component blocks from
//     [mmio_base, mmio_base + mmio_size); windows without a base from window_base, 256 MiB
//     aligned; no two ranges (windows, BARs, CHBS blocks) may overlap, and windows and given
//     CHBS bases stay out of the MMIO window; a window names each host bridge once;
//   - the CEDT: CHBS (in chbs_order, then description order), CFMWS, CXIMS, through
//     spec::cedt_builder.
//   - firmware state: the HDM decoders topology::commit_decoder names, checked
//     (impl/firmware.ipp has the rules) and then preset Committed in the registers.
// Every rule has its emu::errc; the build_diagnostic names the element or window at fault.
// The builder that applies them is impl/build.ipp's detail::platform_builder.
#pragma once

#include <cxlfw/config.hpp>
#include <cxlfw/emu/errc.hpp>
#include <cxlfw/emu/platform.hpp>
#include <cxlfw/emu/topology.hpp>
#include <cxlfw/result.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

namespace cxlfw::emu {

/// Why build() failed: the code, the element or window concerned, and what was wrong.
struct build_diagnostic {
    static constexpr std::uint32_t none = topology::none;
    std::error_code code;
    std::uint32_t element = none; ///< description element id
    std::uint32_t window = none;  ///< window index
    std::string detail;

    std::string message() const;
};

/// Builds the platform a topology describes, or says which rule it breaks.
CXLFW_DECL result<std::unique_ptr<platform>> build(topology const& t,
                                                   build_diagnostic* diag = nullptr);

} // namespace cxlfw::emu

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/emu/impl/build.ipp>
#endif
