// cxlfw::compiled: the out-of-line code of the testing layer (include/cxlfw/testing/impl/*.ipp),
// compiled once. include/cxlfw/config.hpp says how the two modes work.
#include <cxlfw/testing/impl/check.ipp>
#include <cxlfw/testing/impl/fault_points.ipp>
#include <cxlfw/testing/impl/machine.ipp>
#include <cxlfw/testing/impl/platform.ipp>
