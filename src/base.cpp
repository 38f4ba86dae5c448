// cxlfw::compiled: the out-of-line code of the base layer (include/cxlfw/base/impl/*.ipp),
// compiled once. include/cxlfw/config.hpp says how the two modes work.
#include <cxlfw/config.hpp>
