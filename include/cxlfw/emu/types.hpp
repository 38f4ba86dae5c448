// The emulator's vocabulary: node ids and kinds, device types, register regions and the
// description of one access (what the fault hook and the access counters see).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cxlfw::emu {

/// A node's stable id: its index in the platform, in build (depth-first) order, then hot-add
/// order. Ids are never reused, not even after surprise removal.
enum class node_id : std::uint32_t {};
inline constexpr node_id no_node{0xFFFF'FFFFu};

constexpr std::uint32_t index_of(node_id id) noexcept {
    return static_cast<std::uint32_t>(id);
}

enum class node_kind : std::uint8_t {
    cxl_root,        ///< the ACPI0017 CXL root object
    host_bridge,     ///< an ACPI0016 host bridge (VH: CHBS version 1; RCH: version 0)
    root_port,       ///< a PCIe root port (type-1 header, PCIe port type 4)
    upstream_port,   ///< a switch upstream port (port type 5)
    downstream_port, ///< a switch downstream port (port type 6)
    endpoint,        ///< a Type-1/2/3 device below a root or downstream port (port type 0)
    rcd,             ///< a restricted CXL device (RCiEP, port type 9) below an RCH
};

constexpr std::string_view node_kind_name(node_kind k) noexcept {
    switch (k) {
    case node_kind::cxl_root:
        return "cxl root";
    case node_kind::host_bridge:
        return "host bridge";
    case node_kind::root_port:
        return "root port";
    case node_kind::upstream_port:
        return "switch upstream port";
    case node_kind::downstream_port:
        return "switch downstream port";
    case node_kind::endpoint:
        return "endpoint";
    case node_kind::rcd:
        return "RCD";
    }
    return "unknown";
}

/// CXL device type (Linux include/cxl/cxl.h enum cxl_devtype); `none` for ports, bridges, root.
enum class device_type : std::uint8_t { none = 0, type1 = 1, type2 = 2, type3 = 3 };

/// The register regions accesses are counted in and faults can name.
enum class region : std::uint8_t {
    config,          ///< PCI config space of a function
    rcrb,            ///< a Root Complex Register Block (RCH downstream / RCD upstream port)
    component_ras,   ///< the RAS capability structure of a component block
    component_hdm,   ///< the HDM decoder capability structure of a component block
    component_other, ///< the rest of a component block (capability array, CXL.io, ...)
    device_caps,     ///< the device register block's capabilities array and headers
    device_status,   ///< device status registers (event status)
    mailbox,         ///< primary mailbox registers and payload; also every mailbox command
    memdev,          ///< memory device status
};
inline constexpr std::size_t region_count = 9;

constexpr std::string_view region_name(region r) noexcept {
    switch (r) {
    case region::config:
        return "config";
    case region::rcrb:
        return "rcrb";
    case region::component_ras:
        return "component RAS";
    case region::component_hdm:
        return "component HDM";
    case region::component_other:
        return "component other";
    case region::device_caps:
        return "device capabilities";
    case region::device_status:
        return "device status";
    case region::mailbox:
        return "mailbox";
    case region::memdev:
        return "memdev status";
    }
    return "unknown";
}

enum class access_kind : std::uint8_t {
    read,
    write,
    command, ///< a mailbox command the device executes (offset = opcode)
};

/// One access as the fault hook sees it. `offset` is relative to the region's structure: the
/// config offset for config space, the offset inside the RAS or HDM structure, inside the
/// mailbox capability, ...; for a command, the opcode.
struct access {
    node_id node = no_node;
    emu::region region = region::config;
    access_kind kind = access_kind::read;
    std::uint32_t offset = 0;
    std::uint8_t width = 0;
};

} // namespace cxlfw::emu
