// The emulated CXL platform, all of it (docs/emulator.md describes what is modelled).
//
//   | header           | what                                                           |
//   |------------------|----------------------------------------------------------------|
//   | types.hpp        | node ids and kinds, device types, register regions, accesses   |
//   | errc.hpp         | emu::errc                                                      |
//   | fault.hpp        | the fault hook and access counters                             |
//   | events.hpp       | device add/remove and link events                              |
//   | devices.hpp      | device descriptions: ids, HDM capabilities, memory, readiness  |
//   | config_space.hpp | PCI config space: header, PCIe capability, DVSECs              |
//   | component.hpp    | component register block: capability array, RAS               |
//   | hdm.hpp          | HDM decoders: commit, lock, reset, why a commit fails          |
//   | device_regs.hpp  | device registers: status, memdev status, the mailbox doorbell  |
//   | mailbox.hpp      | the mailbox command set                                        |
//   | profiles.hpp     | descriptions -> shared register profiles                       |
//   | node.hpp         | a node and its registers; the config and MMIO buses            |
//   | platform.hpp     | nodes, the CEDT, events, hot-add and removal, faults, clock    |
//   | topology.hpp     | describing a topology in code                                  |
//   | build.hpp        | emu::build(topology)                                           |
//   | topologies.hpp   | cxl_test, QEMU q35, the generator                              |
#pragma once

#include <cxlfw/emu/build.hpp>
#include <cxlfw/emu/component.hpp>
#include <cxlfw/emu/config_space.hpp>
#include <cxlfw/emu/device_regs.hpp>
#include <cxlfw/emu/devices.hpp>
#include <cxlfw/emu/errc.hpp>
#include <cxlfw/emu/events.hpp>
#include <cxlfw/emu/fault.hpp>
#include <cxlfw/emu/hdm.hpp>
#include <cxlfw/emu/mailbox.hpp>
#include <cxlfw/emu/node.hpp>
#include <cxlfw/emu/platform.hpp>
#include <cxlfw/emu/profiles.hpp>
#include <cxlfw/emu/topologies.hpp>
#include <cxlfw/emu/topology.hpp>
#include <cxlfw/emu/types.hpp>
