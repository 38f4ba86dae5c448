// From a device description (devices.hpp) to the static profile of its registers: which
// DVSECs in which order, which register blocks where, what each capability register says.
// Profiles are shared: a platform holds one per distinct description.
//
//   | node             | BAR0 (64-bit)                         | Register Locator entries |
//   |------------------|---------------------------------------|--------------------------|
//   | endpoint         | component at 0 (if RAS or HDM),       | component, device, empty |
//   |                  | device registers after it (64 KiB on) |                          |
//   | RCD              | device registers at 0                 | device, empty, empty     |
//   | root/switch port | component at 0 (if RAS or HDM)        | component, empty, empty  |
//
// Three Register Locator entries (length 0x24), unused ones empty, as QEMU and the real
// Xilinx device both have.
#pragma once

#include <cxlfw/config.hpp>
#include <cxlfw/emu/component.hpp>
#include <cxlfw/emu/config_space.hpp>
#include <cxlfw/emu/device_regs.hpp>
#include <cxlfw/emu/devices.hpp>
#include <cxlfw/emu/errc.hpp>
#include <cxlfw/emu/hdm.hpp>
#include <cxlfw/result.hpp>

#include <cstdint>
#include <optional>

namespace cxlfw::emu {

/// Everything static about a node's registers.
struct function_profile {
    device_type type = device_type::none;
    config_profile config;  ///< PCI functions
    config_state initial{}; ///< power-on values of the writable config registers
    std::optional<component_profile> component{};
    std::optional<device_regs_profile> device{};
    std::optional<config_profile> rcrb{}; ///< RCH: downstream-port RCRB; RCD: upstream-port RCRB
    config_state rcrb_initial{};
    bool component_in_bar = false;   ///< at BAR0 + 0; otherwise a separate block or the CHBS
    std::uint64_t device_offset = 0; ///< device registers at BAR0 + this
};

namespace detail {
/// Whether an HDM description is one the Decoder Count and Target Count fields encode.
CXLFW_DECL status check_hdm(hdm_spec const& h);
} // namespace detail

/// The rules an endpoint description must follow (CXL 2.0 §8.1.3, §8.2.8).
CXLFW_DECL status check_endpoint_spec(endpoint_spec const& s, bool rcd);

/// A Type-1/2/3 device below a port, or (rcd) an RCD below an RCH.
CXLFW_DECL function_profile make_endpoint_profile(endpoint_spec const& s, bool rcd);

/// A root port (kind root_port) or a switch downstream port (kind downstream_port).
CXLFW_DECL function_profile make_port_profile(node_kind kind, pci_ids ids, bool ras);

/// A switch upstream port with `dports` downstream ports.
CXLFW_DECL function_profile make_upstream_port_profile(switch_spec const& s, unsigned dports);

/// A host bridge with `dports` root ports: VH (CHBCR with HDM decoders) or RCH (RAS behind the
/// downstream port's RCRB).
CXLFW_DECL function_profile make_host_bridge_profile(host_bridge_spec const& s, unsigned dports);

} // namespace cxlfw::emu

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/emu/impl/profiles.ipp>
#endif
