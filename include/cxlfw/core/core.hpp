// The CXL core (Linux drivers/cxl/core): facts, objects, the registry and the cxl bus, ports,
// memdevs, HDM decoders, DPA, regions, the PCI probe steps and the canonical dump. docs/core.md
// describes it. The core's internals (core/detail/) are not included: drivers never need them.
#pragma once

#include <cxlfw/config.hpp>

#include <cxlfw/core/bus.hpp>
#include <cxlfw/core/dpa.hpp>
#include <cxlfw/core/dump.hpp>
#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/hdm.hpp>
#include <cxlfw/core/memdev.hpp>
#include <cxlfw/core/objects.hpp>
#include <cxlfw/core/pci.hpp>
#include <cxlfw/core/port.hpp>
#include <cxlfw/core/region.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/core/regs.hpp>
