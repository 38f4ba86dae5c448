// Everything a driver author needs. Separate: the report/ layer (<cxlfw/report/...>, it pulls
// in a JSON library), the emulator (<cxlfw/emu/emu.hpp>) and the glue that puts an emulated
// platform under a host (<cxlfw/drivers/platform.hpp>).
#pragma once

#include <cxlfw/clock.hpp>
#include <cxlfw/result.hpp>
#include <cxlfw/units.hpp>

#include <cxlfw/spec/bits.hpp>
#include <cxlfw/spec/cedt.hpp>
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
#include <cxlfw/hw/config_image.hpp>
#include <cxlfw/hw/config_space.hpp>
#include <cxlfw/hw/lspci.hpp>
#include <cxlfw/hw/window.hpp>

#include <cxlfw/base/base.hpp>

#include <cxlfw/core/core.hpp>

#include <cxlfw/policy/policy.hpp>

#include <cxlfw/drivers/cxl_acpi.hpp>
#include <cxlfw/drivers/cxl_mem.hpp>
#include <cxlfw/drivers/cxl_pci.hpp>
#include <cxlfw/drivers/cxl_port.hpp>
