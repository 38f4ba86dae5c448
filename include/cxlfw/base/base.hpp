// The driver model (Linux drivers/base): buses, devices, drivers, probe outcomes with
// deferral, managed resources, the executor and the trace. Knows nothing about CXL.
#pragma once

#include <cxlfw/base/bus.hpp>
#include <cxlfw/base/device.hpp>
#include <cxlfw/base/devres.hpp>
#include <cxlfw/base/driver.hpp>
#include <cxlfw/base/errc.hpp>
#include <cxlfw/base/executor.hpp>
#include <cxlfw/base/host.hpp>
#include <cxlfw/base/outcome.hpp>
#include <cxlfw/base/pci.hpp>
#include <cxlfw/base/platform.hpp>
#include <cxlfw/base/trace.hpp>
