// Reference topologies: Linux's cxl_test mock, QEMU's q35 CXL machine, and a generator for
// large platforms.
//
// cxl_test (Linux tools/testing/cxl/test/cxl.c):
//   | element                  | count / value                                         |
//   |--------------------------|-------------------------------------------------------|
//   | host bridges UID 0, 1    | 2 root ports each, a 2-port switch on each → 8 memdevs |
//   | host bridge UID 2        | 1 root port, a 2-port switch → 2 memdevs; plus a      |
//   |                          | second root port with the 512 MiB Type-2 accelerator  |
//   | host bridge UID 3 (RCH)  | 1 RCD (a memdev like the others)                      |
//   | HDM decoders             | 8 per port and device (NR_CXL_PORT_DECODERS), any ways |
//   | memdev                   | 2 GiB = 1 GiB RAM + 1 GiB PMEM, align 256 MiB, LSA 128 KiB |
//   | windows (modulo set)     | 0: 1 GiB RAM [0]; 1: 2 GiB RAM [0,1]; 2: 1 GiB PMEM [0]; |
//   |                          | 3: 2 GiB PMEM [0,1]; 4: 1 GiB PMEM [2]; 5: 256 MiB RAM [3] |
//   |                          | all Type-3, 4 KiB granularity, QTG 42                  |
// Options: the XOR window set instead (windows 6-8 and the CXIMS of interleave_arithmetic=1),
// and a DEVMEM window for the accelerator (cxl_test has none).
//
// QEMU q35 (tests/data/qemu/CEDT.cxl, bios-tables-test "cxl"): host bridges UID (= bus) 12 and
// 222 with two root ports each, a 256 MiB persistent Type-3 per root port; CHBS 222 then 12;
// two 4 GiB windows at 8 KiB granularity. Its CEDT is byte for byte QEMU's.
#pragma once

#include <cxlfw/config.hpp>
#include <cxlfw/emu/devices.hpp>
#include <cxlfw/emu/errc.hpp>
#include <cxlfw/emu/topology.hpp>
#include <cxlfw/result.hpp>
#include <cxlfw/units.hpp>

#include <cstdint>

namespace cxlfw::emu {

struct cxl_test_options {
    /// Linux's module parameter: 0 the modulo window set, 1 the XOR set (the mock's windows
    /// 6-8 and its CXIMS).
    unsigned interleave_arithmetic = 0;
    bool accelerator = true;   ///< the 512 MiB Type-2 device on host bridge 2, root port 1
    bool type2_window = false; ///< a 512 MiB DEVMEM window on host bridge 2 for it
    /// The region firmware left committed (Linux mock_init_hdm_decoder()): decoder 0 of the
    /// two devices below host bridge 0's first switch (2 ways, 256 MiB of DPA each), of that
    /// switch (2 targets) and of host bridge 0 (1 target), 512 MiB at the base of window 0,
    /// granularity 4 KiB, host-only coherent. Modulo set only (Linux puts it in window 0).
    bool auto_region = true;
    /// Linux's module parameter: the second device's decoder is left idle ("simulate missing
    /// cxl_mem.4 configuration"), so the region cannot assemble.
    bool fail_autoassemble = false;
};

inline constexpr std::uint16_t cxl_test_qtg = 42; // FAKE_QTG_ID

CXLFW_DECL topology cxl_test_topology(cxl_test_options const& o = {});

CXLFW_DECL topology qemu_q35_topology();

/// A regular tree: host_bridges x root_ports x fanout^switch_depth endpoints.
struct generator_spec {
    unsigned host_bridges = 1;
    unsigned root_ports = 1;   ///< per host bridge
    unsigned switch_depth = 0; ///< switch levels below each root port
    unsigned fanout = 2;       ///< downstream ports per switch
    endpoint_spec device = endpoint_spec::type3_device(256_MiB, 0);
    hdm_spec hdm{};           ///< host bridges and switches
    unsigned window_ways = 1; ///< host bridges each window interleaves (1, 2, 4, 8, 16, 3, 6, 12)
    std::uint64_t window_granularity = 4_KiB;
};

/// The generated description (build it with emu::build). Windows: consecutive groups of
/// window_ways host bridges (UIDs 0, 1, ...), each window as large as the memory below them;
/// the MMIO window is placed above the windows.
CXLFW_DECL result<topology> generated_topology(generator_spec const& g);

} // namespace cxlfw::emu

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/emu/impl/topologies.ipp>
#endif
