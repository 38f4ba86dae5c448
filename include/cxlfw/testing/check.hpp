// The invariant checker: what the core believes against what the hardware and the driver model
// hold, on a testing::machine. Tests call it after every step of a scenario (a fault, a
// removal, a recovery) and require it to be empty.
//
//   auto bad = testing::invariant_violations(*m);
//   INFO(testing::join(bad));
//   REQUIRE(bad.empty());
//
// | invariant                                         | a violation names                      |
// |---------------------------------------------------|----------------------------------------|
// | a memdev bound to cxl_mem has a live endpoint     | the memdev                             |
// | a composed binding in CXL mode has its memdev and | the PCI device and its memdev          |
// | a live endpoint (status_of(dev).mode == cxl)      |                                        |
// | a port's decoder is enabled in the core exactly   | the decoder, both states, base and     |
// | when the hardware decoder is committed, at the    | size                                   |
// | same base and size; one whose reset is owed is in |                                        |
// | use in the core, whatever the hardware holds      |                                        |
// | a committed region's targets are enabled and name | the region and the target              |
// | it                                                |                                        |
// | a device that is not bound holds no devres        | the device and what it holds           |
//
// Hardware state is read through the emulator's introspection (emu::platform::decoder), which
// is not a register access: checking changes no counter and trips no fault rule.
#pragma once

#include <cxlfw/config.hpp>

#include <string>
#include <vector>

namespace cxlfw::testing {

class machine;

/// Every invariant of the table above that does not hold now, one line each.
CXLFW_DECL std::vector<std::string> invariant_violations(machine& m);

/// The lines, one per line, for a test's INFO().
CXLFW_DECL std::string join(std::vector<std::string> const& lines);

} // namespace cxlfw::testing

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/testing/impl/check.ipp>
#endif
