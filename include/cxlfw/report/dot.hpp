// The settled CXL topology as a Graphviz digraph (`dot -Tsvg`), left to right:
//
//   root0 ──pci0000:00──> port1 ──0000:00:00.0──> port2 ──0000:02:00.0──> endpoint3 ─ ─ mem0
//     :d1 ═══════════════════════════> region0 ══pos 0══> endpoint3:d0
//
// | node      | shape                 | label                                              |
// |-----------|-----------------------|----------------------------------------------------|
// | root0     | record                | root0, its uport, then a field per root decoder    |
// | portN     | record                | port, kind, uport, driver state, active decoders   |
// | endpointN | record                | endpoint, memdev, driver state, active decoders    |
// | memN      | box                   | memdev, PCI function and ids, sizes, serial, state |
// | regionN   | box, rounded          | region, type, HPA, ways and granularity, state     |
// | PCI       | box                   | a non-bridge PCI function without a memdev         |
//
// Edges: port tree edges carry the dport (device name and id); an endpoint's memdev hangs off
// it (dashed); a memdev not attached and a PCI function without CXL hang (dotted) off the
// nearest port above them, labelled with the slot they sit in. A root decoder field points to
// its regions (bold blue); a region points to each endpoint decoder field by position.
//
// Marks (the legend in docs/report.md): deferred = dashed orange, "deferred on <key>";
// degraded (a bound device with a note) = filled light yellow, "degraded: <mode>: <reason>";
// failed = red, "failed: <error>"; no driver = grey; a port or memdev not bound = dashed red.
// A link known down at a dport makes its edge red and dashed.
//
// The output is a function of the topology only: objects by id, devices by name, one
// statement per line, no addresses of objects, no times.
#pragma once

#include <cxlfw/base/host.hpp>
#include <cxlfw/base/pci.hpp>
#include <cxlfw/config.hpp>
#include <cxlfw/core/bus.hpp>
#include <cxlfw/core/objects.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/report/notes.hpp>
#include <cxlfw/report/summary.hpp>
#include <cxlfw/spec/cedt.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cxlfw::report {

struct dot_options {
    bool idle_decoders = false; ///< one field per decoder, not only the active ones
    bool legend = false;        ///< a legend cluster with one sample node per mark
};

/// The DOT text of `h`'s CXL topology and its PCI functions without CXL.
CXLFW_DECL std::string dot(base::host const& h, note_source const& notes = {},
                           dot_options options = {});

} // namespace cxlfw::report

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/report/impl/dot.ipp>
#endif
