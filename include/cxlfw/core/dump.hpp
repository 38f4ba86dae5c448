// A canonical text dump of the CXL topology: the same topology gives the same text, whatever
// order drivers loaded and devices arrived in. Tests compare it; the report layer can parse
// it or walk the objects itself. One line per object, objects by id, members indented:
//
//   root0 root uport=ACPI0017:00 depth=0
//     dport pci0000:0c id=0x0
//     decoder0.1 root hpa=0x1000000000+0x80000000 ways=2 gran=4096 targets=0,1 caps=type3,ram
//   port1 host-bridge uport=pci0000:0c parent=root0 dport=pci0000:0c depth=1 driver=cxl_port
//     dport 0000:0c:00.0 id=0x0
//     decoder1.0 switch committed hpa=0x1000000000+0x20000000 ways=2 gran=8192 targets=0,1
//       region=region0
//   endpoint4 endpoint uport=mem0 parent=port3 dport=0000:0f:00.0 depth=3 driver=cxl_port
//     decoder4.0 endpoint committed hpa=... ways=2 gran=4096 dpa=0x0+0x10000000 skip=0x0
//       mode=ram region=region0 pos=0
//   mem0 host=0000:10:00.0 type3 serial=0x1 ram=0x40000000 pmem=0x40000000 endpoint=endpoint4
//     driver=cxl_mem
//   region0 root=decoder0.1 mode=ram type=hostonly hpa=... ways=2 gran=4096 state=committed
//     targets=0:decoder4.0,1:decoder8.0
//
// (Lines are not wrapped in the output.) Decoders without a range show "idle".
#pragma once

#include <cxlfw/config.hpp>

#include <cxlfw/core/registry.hpp>

#include <string>

namespace cxlfw::core {

/// The canonical dump (see above), one object per line, each line ending in '\n'.
CXLFW_DECL std::string dump(cxl_core const& core);

} // namespace cxlfw::core

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/core/impl/dump.ipp>
#endif
