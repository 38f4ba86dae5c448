// cxlfw::compiled: the out-of-line code of the testing layer (include/cxlfw/testing/impl/*.ipp),
// compiled once. include/cxlfw/config.hpp says how the two modes work.
#include <cxlfw/config.hpp>
