// What firmware committed before the OS (topology::commit_decoder), checked by emu::build()
// before the registers take it. impl/firmware.ipp has the rules; a user describes firmware
// state with topology::commit_decoder and never calls this.
#pragma once

#include <cxlfw/config.hpp>

#include <cxlfw/emu/build.hpp>
#include <cxlfw/emu/hdm.hpp>
#include <cxlfw/emu/topology.hpp>
#include <cxlfw/spec/cedt.hpp>

#include <cstdint>
#include <functional>
#include <span>
#include <system_error>
#include <vector>

namespace cxlfw::emu::detail {

/// What the check needs from the platform being built.
struct firmware_view {
    /// The element's HDM structure (nullptr: it has none).
    std::function<hdm_profile const*(topology::element_id)> hdm;
    /// A root or downstream port element's Port Number (what target lists hold).
    std::function<std::uint8_t(topology::element_id)> port_number;
};

/// One decoder's registers as firmware left them.
struct firmware_preset {
    topology::element_id element = topology::none;
    unsigned id = 0;
    hdm_decoders::decoder regs{};
};

/// Checks topology::firmware() against the elements, the windows and each other; on success
/// `out` holds the registers to preset, in element and id order.
CXLFW_DECL std::error_code check_firmware(topology const& t, std::span<const spec::cfmws> wins,
                                          firmware_view const& view,
                                          std::vector<firmware_preset>& out,
                                          build_diagnostic* diag);

} // namespace cxlfw::emu::detail

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/emu/impl/firmware.ipp>
#endif
