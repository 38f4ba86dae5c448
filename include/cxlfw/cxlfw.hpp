// Everything a driver author needs. The report/ layer is separate (<cxlfw/report/...>)
// because it pulls in a JSON library.
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
