// cxlfw::compiled: the out-of-line code of the spec layer (include/cxlfw/spec/impl/*.ipp),
// compiled once. include/cxlfw/config.hpp says how the two modes work.
#include <cxlfw/config.hpp>

#include <cxlfw/spec/impl/cedt.ipp>
#include <cxlfw/spec/impl/cedt_builder.ipp>
