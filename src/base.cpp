// cxlfw::compiled: the out-of-line code of the base layer (include/cxlfw/base/impl/*.ipp),
// compiled once. include/cxlfw/config.hpp says how the two modes work.
#include <cxlfw/config.hpp>

#include <cxlfw/base/impl/bus.ipp>
#include <cxlfw/base/impl/deferral.ipp>
#include <cxlfw/base/impl/device.ipp>
#include <cxlfw/base/impl/devres.ipp>
#include <cxlfw/base/impl/driver.ipp>
#include <cxlfw/base/impl/executor.ipp>
#include <cxlfw/base/impl/host.ipp>
#include <cxlfw/base/impl/lifetime.ipp>
#include <cxlfw/base/impl/outcome.ipp>
#include <cxlfw/base/impl/pci.ipp>
#include <cxlfw/base/impl/platform.ipp>
#include <cxlfw/base/impl/probe.ipp>
#include <cxlfw/base/impl/trace.ipp>
