// The stock drivers (Linux cxl_acpi, cxl_port, cxl_mem, cxl_pci) and the set of them
// (drivers/stock.hpp). docs/core.md describes their probe steps. What puts them on an emulated
// platform is the testing layer (<cxlfw/testing/platform.hpp>): this layer never sees emu/.
#pragma once

#include <cxlfw/drivers/cxl_acpi.hpp>
#include <cxlfw/drivers/cxl_mem.hpp>
#include <cxlfw/drivers/cxl_pci.hpp>
#include <cxlfw/drivers/cxl_port.hpp>
#include <cxlfw/drivers/stock.hpp>
