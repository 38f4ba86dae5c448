// cxlfw::compiled: the out-of-line code of the emu layer (include/cxlfw/emu/impl/*.ipp),
// compiled once. include/cxlfw/config.hpp says how the two modes work.
#include <cxlfw/config.hpp>

#include <cxlfw/emu/impl/access.ipp>
#include <cxlfw/emu/impl/build.ipp>
#include <cxlfw/emu/impl/component.ipp>
#include <cxlfw/emu/impl/config_space.ipp>
#include <cxlfw/emu/impl/device_regs.ipp>
#include <cxlfw/emu/impl/devices.ipp>
#include <cxlfw/emu/impl/fault.ipp>
#include <cxlfw/emu/impl/firmware.ipp>
#include <cxlfw/emu/impl/hdm.ipp>
#include <cxlfw/emu/impl/mailbox.ipp>
#include <cxlfw/emu/impl/memory.ipp>
#include <cxlfw/emu/impl/node.ipp>
#include <cxlfw/emu/impl/platform.ipp>
#include <cxlfw/emu/impl/profiles.ipp>
#include <cxlfw/emu/impl/topologies.ipp>
#include <cxlfw/emu/impl/topology.ipp>
