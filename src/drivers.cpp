// cxlfw::compiled: the out-of-line code of the drivers layer (include/cxlfw/drivers/impl/*.ipp),
// compiled once. include/cxlfw/config.hpp says how the two modes work.
#include <cxlfw/drivers/impl/cxl_acpi.ipp>
#include <cxlfw/drivers/impl/cxl_mem.ipp>
#include <cxlfw/drivers/impl/cxl_pci.ipp>
#include <cxlfw/drivers/impl/cxl_port.ipp>
#include <cxlfw/drivers/impl/stock.ipp>
