// The stock drivers (Linux cxl_acpi, cxl_port, cxl_mem, cxl_pci) and the platform glue.
// docs/core.md describes their probe steps.
#pragma once

#include <cxlfw/drivers/cxl_acpi.hpp>
#include <cxlfw/drivers/cxl_mem.hpp>
#include <cxlfw/drivers/cxl_pci.hpp>
#include <cxlfw/drivers/cxl_port.hpp>
#include <cxlfw/drivers/platform.hpp>
