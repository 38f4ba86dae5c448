// The fault points of a path: every register access (and mailbox command) it makes, in order,
// each named, so that a test can hit them one by one with a fault (emu::fault_hook::fail_nth)
// or deliver a removal after any of them (after_nth), and say which one it was.
//
//   auto m = testing::machine::boot(t).value();
//   auto points = testing::record_fault_points(*m, [](testing::machine& x) { x.load<D>(); });
//   points[k - 1].name  // "0000:17:00.0 component HDM decoder 0 Control (+0x20) read"
//
// The platform is deterministic: the same path on a machine booted the same way makes the
// same accesses, so access k of a recording is access k of the next run.
#pragma once

#include <cxlfw/config.hpp>
#include <cxlfw/emu/types.hpp>

#include <functional>
#include <string>
#include <vector>

namespace cxlfw::emu {
class platform;
} // namespace cxlfw::emu

namespace cxlfw::testing {

class machine;

/// One access of a path, and its name.
struct fault_point {
    emu::access access;
    std::string name;
    friend bool operator==(fault_point const& a, fault_point const& b) {
        return a.name == b.name && a.access.node == b.access.node;
    }
};

/// "node region register (+offset) read|write|command": HDM decoder registers by name, other
/// regions by offset, a command by opcode.
CXLFW_DECL std::string describe_access(emu::platform& p, emu::access const& a);

/// Runs `path` on `m` with the access recorder on, and returns what it accessed, in order.
CXLFW_DECL std::vector<fault_point> record_fault_points(machine& m,
                                                        std::function<void(machine&)> const& path);

} // namespace cxlfw::testing

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/testing/impl/fault_points.ipp>
#endif
