// Errors of the emulated platform: a topology description it cannot build, an address no
// device decodes, an event asked of a node that cannot have it.
#pragma once

#include <cxlfw/result.hpp>

namespace cxlfw::emu {

enum class errc {
    // Topology descriptions (build)
    duplicate_uid = 1,       ///< two host bridges with the same _UID
    invalid_parent,          ///< an element attached where the hierarchy does not allow it
    port_occupied,           ///< a second device below a downstream port (or an RCH)
    too_many_functions,      ///< more than 32 devices on one PCI bus
    bus_numbers_exhausted,   ///< a host bridge's hierarchy needs more than 256 bus numbers
    bus_number_conflict,     ///< a host bridge's bus range overlaps another's in its segment
    invalid_capacity,        ///< a memory size that is zero where needed or not 256 MiB aligned
    invalid_device_spec,     ///< a device description its type does not allow
    invalid_hdm_spec,        ///< an HDM decoder count or target count no register encodes
    invalid_payload_size,    ///< a mailbox payload size outside 256 B .. 1 MiB
    invalid_window,          ///< a window with invalid ways, granularity, size or alignment
    unknown_window_target,   ///< a window target UID no host bridge has
    duplicate_window_target, ///< a window lists one host bridge (UID) at two positions
    address_overlap,         ///< two address ranges (windows, CHBS, BARs, MMIO) overlap
    mmio_exhausted,          ///< the MMIO window cannot hold every BAR and register block
    // Firmware state (topology::commit_decoder)
    invalid_firmware_decoder,  ///< on an element without HDM decoders, past the decoder count,
                               ///< or programming the capability or the commit rules refuse
    firmware_decoder_order,    ///< decoder n committed while decoder n-1 is not, or twice
    firmware_decoder_overlap,  ///< a decoder's range starts below its previous decoder's end
    firmware_decoder_target,   ///< a target that is no root or downstream port of the element,
                               ///< or not one target per way
    firmware_decoder_window,   ///< a host bridge's (or RCD's) range outside every window that
                               ///< routes to it
    firmware_decoder_mismatch, ///< no decoder of a port above maps the same range to the path
    // Run time
    no_such_node,     ///< a node id the platform does not have
    no_config_space,  ///< a config access to a node that is not a PCI function
    not_a_port,       ///< a link or hot-add request at a node without a downstream link
    not_removable,    ///< surprise removal of a node that cannot leave (root port, bridge)
    node_absent,      ///< an operation on a node that was removed (or not added yet)
    already_present,  ///< adding an object that is already there
    unmapped_address, ///< an MMIO access to an address no BAR or register block decodes
    hpa_not_decoded,  ///< an HPA in a window that no committed decoder on its way claims
};

} // namespace cxlfw::emu

template <>
struct cxlfw::error_enum_traits<cxlfw::emu::errc> {
    using enum emu::errc;
    static constexpr const char* name = "cxlfw.emu";
    static constexpr std::array<error_message<emu::errc>, 29> messages{{
        {duplicate_uid, "two host bridges have the same _UID"},
        {invalid_parent, "element attached where the CXL/PCIe hierarchy does not allow it"},
        {port_occupied, "a downstream port (or RCH) already has a device below it"},
        {too_many_functions, "more than 32 devices on one PCI bus"},
        {bus_numbers_exhausted, "a host bridge's hierarchy needs more than 256 bus numbers"},
        {bus_number_conflict, "a host bridge's bus numbers overlap another's in its segment"},
        {invalid_capacity, "memory size is zero where required or not a multiple of 256 MiB"},
        {invalid_device_spec, "device description not allowed for its device type"},
        {invalid_hdm_spec, "HDM decoder count or target count that no register can encode"},
        {invalid_payload_size, "mailbox payload size outside 256 B .. 1 MiB (log2 8..20)"},
        {invalid_window, "fixed memory window with invalid ways, granularity, size or base"},
        {unknown_window_target, "fixed memory window targets a UID no host bridge has"},
        {duplicate_window_target, "fixed memory window lists one host bridge twice"},
        {address_overlap, "address ranges (windows, BARs, CHBS, register blocks) overlap"},
        {mmio_exhausted, "the MMIO window is too small for every BAR and register block"},
        {invalid_firmware_decoder, "firmware decoder the element's HDM capability or the "
                                   "commit rules do not allow"},
        {firmware_decoder_order, "firmware decoders not committed in id order"},
        {firmware_decoder_overlap, "firmware decoder range below its previous decoder's end"},
        {firmware_decoder_target, "firmware decoder target is not a port below the element"},
        {firmware_decoder_window, "firmware decoder range outside every window routing to it"},
        {firmware_decoder_mismatch, "firmware decoders disagree between levels"},
        {no_such_node, "no node with this id"},
        {no_config_space, "the node is not a PCI function and has no config space"},
        {not_a_port, "the node has no downstream link (root port, downstream port or RCH)"},
        {not_removable, "the node cannot be removed (only switches and devices below a port)"},
        {node_absent, "the node is not present (removed, or not added yet)"},
        {already_present, "the object is already present"},
        {unmapped_address, "MMIO address decoded by no BAR or register block"},
        {hpa_not_decoded, "host physical address claimed by no committed HDM decoder"},
    }};
};

CXLFW_ERROR_CODE_ENUM(cxlfw::emu, errc);
