// cxlfw::compiled: the out-of-line code of the hw layer (include/cxlfw/hw/impl/*.ipp),
// compiled once. include/cxlfw/config.hpp says how the two modes work.
#include <cxlfw/config.hpp>
