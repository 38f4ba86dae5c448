// Everything a driver author needs: the vocabulary, the register layouts (spec/), register
// access (hw/: buses, windows, config space), the driver model (base/), the CXL core (core/),
// the composition (policy/) and the stock drivers (drivers/).
//
// Not here, on purpose (each costs every driver's translation unit and no driver uses it):
//
// | header                        | what                               | who includes it       |
// |-------------------------------|------------------------------------|-----------------------|
// | <cxlfw/report/...>            | cxl list JSON, DOT, Chrome trace   | tools (nlohmann-json) |
// | <cxlfw/testing/machine.hpp>   | a ready emulated machine           | tests, tools          |
// | <cxlfw/emu/emu.hpp>           | the emulated platform              | tests, tools          |
// | <cxlfw/spec/cedt.hpp>         | the CEDT parser (cxl_acpi's job)   | tools, tests          |
// | <cxlfw/spec/cedt_builder.hpp> | CEDT bytes from windows            | the emulator, tests   |
// | <cxlfw/hw/lspci.hpp>,         | config space from an lspci dump or | tools (file access)   |
// | <cxlfw/hw/config_image.hpp>   | a binary image                     |                       |
#pragma once

#include <cxlfw/clock.hpp>
#include <cxlfw/config.hpp>
#include <cxlfw/result.hpp>
#include <cxlfw/units.hpp>

#include <cxlfw/spec/bits.hpp>
#include <cxlfw/spec/component.hpp>
#include <cxlfw/spec/device_regs.hpp>
#include <cxlfw/spec/dvsec.hpp>
#include <cxlfw/spec/errc.hpp>
#include <cxlfw/spec/interleave.hpp>
#include <cxlfw/spec/interleave_math.hpp>
#include <cxlfw/spec/mailbox.hpp>
#include <cxlfw/spec/pci.hpp>
#include <cxlfw/spec/uuid.hpp>

#include <cxlfw/hw/bus.hpp>
#include <cxlfw/hw/config_space.hpp>
#include <cxlfw/hw/window.hpp>

#include <cxlfw/base/base.hpp>

#include <cxlfw/core/core.hpp>

#include <cxlfw/policy/policy.hpp>

#include <cxlfw/drivers/drivers.hpp>
