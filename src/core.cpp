// cxlfw::compiled: the out-of-line code of the core layer (include/cxlfw/core/impl/*.ipp and
// include/cxlfw/core/detail/impl/*.ipp), compiled once. include/cxlfw/config.hpp says how the
// two modes work.
#include <cxlfw/config.hpp>

#include <cxlfw/core/detail/impl/bus.ipp>
#include <cxlfw/core/detail/impl/dpa.ipp>
#include <cxlfw/core/detail/impl/port_access.ipp>
#include <cxlfw/core/detail/impl/region.ipp>
#include <cxlfw/core/impl/bus.ipp>
#include <cxlfw/core/impl/dpa.ipp>
#include <cxlfw/core/impl/dump.ipp>
#include <cxlfw/core/impl/hdm.ipp>
#include <cxlfw/core/impl/memdev.ipp>
#include <cxlfw/core/impl/objects.ipp>
#include <cxlfw/core/impl/pci.ipp>
#include <cxlfw/core/impl/port.ipp>
#include <cxlfw/core/impl/region.ipp>
#include <cxlfw/core/impl/registry.ipp>
#include <cxlfw/core/impl/regs.ipp>
