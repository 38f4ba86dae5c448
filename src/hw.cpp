// cxlfw::compiled: the out-of-line code of the hw layer (include/cxlfw/hw/impl/*.ipp),
// compiled once. include/cxlfw/config.hpp says how the two modes work.
#include <cxlfw/config.hpp>

#include <cxlfw/hw/impl/config_image.ipp>
#include <cxlfw/hw/impl/config_space.ipp>
#include <cxlfw/hw/impl/lspci.ipp>

// The bus_ref instantiations config_space.hpp declares extern.
namespace cxlfw::hw {
CXLFW_HW_BUS_REF_INSTANTIATIONS(, bus_ref, bus_ref&&);
CXLFW_HW_BUS_REF_INSTANTIATIONS(, bus_ref&, bus_ref&);
} // namespace cxlfw::hw
