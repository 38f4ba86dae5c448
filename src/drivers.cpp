// cxlfw::compiled: the out-of-line code of the drivers layer (include/cxlfw/drivers/impl/*.ipp),
// compiled once. include/cxlfw/config.hpp says how the two modes work.
#include <cxlfw/config.hpp>
