// cxlfw::compiled: the out-of-line code of the emu layer (include/cxlfw/emu/impl/*.ipp),
// compiled once. include/cxlfw/config.hpp says how the two modes work.
#include <cxlfw/config.hpp>

#include <cxlfw/emu/impl/access.ipp>
#include <cxlfw/emu/impl/build.ipp>
#include <cxlfw/emu/impl/node.ipp>
#include <cxlfw/emu/impl/platform.ipp>
#include <cxlfw/emu/impl/topologies.ipp>
