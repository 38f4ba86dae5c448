// The policy layer: compose a driver from device traits, an attach strategy and an absence
// policy, then register it (docs/policy.md).
//
//   using namespace cxlfw::policy;
//   struct my_accel : cxlfw::driver<my_accel, type2<cap::hdm<1>>, attach::mediated,
//                                   when_absent::defer> { ... };
//   cxlfw::register_driver<my_accel>(host);
#pragma once

#include <cxlfw/policy/attach.hpp>
#include <cxlfw/policy/caps.hpp>
#include <cxlfw/policy/checks.hpp>
#include <cxlfw/policy/compose.hpp>
#include <cxlfw/policy/driver.hpp>
#include <cxlfw/policy/ready.hpp>
#include <cxlfw/policy/status.hpp>
#include <cxlfw/policy/traits.hpp>
#include <cxlfw/policy/upgrade.hpp>
#include <cxlfw/policy/when_absent.hpp>
#include <cxlfw/units.hpp>

namespace cxlfw::policy {
// Size literals where drivers are written: `cxl.map_region(256_MiB)`.
using namespace cxlfw::literals;
} // namespace cxlfw::policy
