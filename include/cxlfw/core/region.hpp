// Regions (Linux core/region.c): HPA from a root decoder, interleaved over endpoint decoders by
// position, decoded by one decoder on every port of every path.
//
// Setup order (Linux sysfs order): create on a root decoder -> granularity -> ways -> size
// (HPA allocated) -> a target per position -> commit. The rules, each its own fact:
//
//   | rule                                                                   | fact               |
//   |------------------------------------------------------------------------|--------------------|
//   | the window allows the type: Type-3 RAM/PMEM, or device memory (Type-2) | window_restricted  |
//   | ways valid (1,2,4,8,16,3,6,12), a power-of-two multiple of the root's  | invalid_interleave |
//   | granularity 256 B-16 KiB; equal to the root's when the root            | invalid_interleave |
//   | interleaves                                                            |                    |
//   | size a non-zero multiple of 256 MiB x ways; free HPA in the window     | invalid_size,      |
//   |                                                                        | no_capacity        |
//   | granularity, ways and size fixed once sized; targets after sizing      | region_busy,       |
//   |                                                                        | region_not_ready   |
//   | a target is an endpoint decoder below one of the root's host bridges   | invalid_target     |
//   | the root routes that position to that host bridge; a position once; a  | invalid_position   |
//   | memdev once                                                            |                    |
//   | decoder mode and type are the region's; its DPA x ways = region size   | mode_mismatch,     |
//   |                                                                        | invalid_size       |
//   | the decoder has DPA and no region                                      | dpa_unallocated,   |
//   |                                                                        | decoder_busy       |
//   | regions attach to a port in increasing HPA order                       | hpa_order          |
//   | a free decoder on every port                                           | decoder_busy       |
//   | switch decoders: power-of-two target counts within the Target Count,   | invalid_interleave |
//   | a granularity they can decode                                          |                    |
//   | every position through a port routes to one dport, consistently        | invalid_position   |
//   | (Linux cxl_calc_interleave_pos; an unbalanced interleave fails here)   |                    |
//   | commit in decoder order; Committed within 20 ms                        | decoder_busy,      |
//   |                                                                        | commit_timeout,    |
//   |                                                                        | commit_failed      |
//
// A decoder at a port with `A` ways of interleave above it (the root's ways, power-of-two part,
// times the target counts of the ports in between) decodes at granularity g * A and sends
// position p to its target (p / A) % n; that is what commit programs and what the position
// rule checks.
//
//   auto r = core::create_region(root_decoder, core::partition_mode::ram).value();
//   core::set_granularity(*r, 4096); core::set_ways(*r, 2); core::set_size(*r, 512_MiB);
//   core::attach_target(*r, ep0_decoder, 0); core::attach_target(*r, ep1_decoder, 1);
//   core::commit_region(*r);
//   core::dpa_to_hpa(*r, ep0_decoder, dpa);  core::hpa_to_dpa(*r, hpa);
#pragma once

#include <cxlfw/config.hpp>

#include <cxlfw/base/device.hpp>
#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/objects.hpp>
#include <cxlfw/spec/interleave_math.hpp>

#include <cstdint>
#include <iosfwd>
#include <optional>

namespace cxlfw::core {

// --- creation and the interleave parameters ------------------------------------------------------

/// Linux create_{ram,pmem}_region / the kernel API for Type-2 regions: a region on `root`.
CXLFW_DECL fact_result<region*> create_region(decoder& root, partition_mode mode,
                                              target_type type = target_type::host_only_coherent);

/// Linux interleave_granularity_store().
CXLFW_DECL fact_result<void> set_granularity(region& r, unsigned granularity);

/// Linux interleave_ways_store().
CXLFW_DECL fact_result<void> set_ways(region& r, unsigned ways);

/// Linux size_store() -> alloc_hpa() (0 frees: free_hpa()).
CXLFW_DECL fact_result<void> set_size(region& r, std::uint64_t size);

// --- targets -----------------------------------------------------------------------------------

/// Linux cxl_region_attach(): the endpoint decoder `ep` at position `pos`.
CXLFW_DECL fact_result<void> attach_target(region& r, decoder& ep, unsigned pos);

/// Linux cxl_region_detach(): the target at `pos` leaves (a committed region is reset).
CXLFW_DECL fact_result<void> detach_target(region& r, unsigned pos);

// --- commit and reset --------------------------------------------------------------------------

/// Linux cxl_region_decode_commit(): each position's path bottom-up; a failure resets what
/// was committed.
CXLFW_DECL fact_result<void> commit_region(region& r);

/// Linux commit_store(0): reset every decoder, in the reverse of the commit order.
CXLFW_DECL fact_result<void> reset_region(region& r);

/// Linux delete_region_store(): reset, detach every target, free the HPA, forget it.
CXLFW_DECL void delete_region(region& r);

// --- translation -------------------------------------------------------------------------------

/// The interleave geometry of position `pos` (spec/interleave_math.hpp).
CXLFW_DECL spec::interleave_geometry geometry(region const& r, unsigned pos);

/// Where a memdev's DPA (device address) appears in a committed region.
CXLFW_DECL fact_result<std::uint64_t> dpa_to_hpa(region const& r, decoder const& ep,
                                                 std::uint64_t dpa);

/// What decodes an HPA of a committed region: the target, its position, and the DPA.
struct dpa_location {
    decoder* target = nullptr;
    unsigned position = 0;
    std::uint64_t dpa = 0;
    friend std::ostream& operator<<(std::ostream& os, dpa_location const& l);
};

CXLFW_DECL fact_result<dpa_location> hpa_to_dpa(region const& r, std::uint64_t hpa);

// --- the Type-2 helper ------------------------------------------------------------------------

/// Linux 7.x devm_cxl_probe_mem()-like: `size` bytes of the memdev's memory mapped in a
/// committed 1-way region. Allocates DPA on the next endpoint decoder, picks the first root
/// decoder (by id) that allows `type` RAM over the endpoint's host bridge with room, and
/// creates, attaches and commits the region. Facts: endpoint_absent, decoder_busy, the DPA
/// facts, window_restricted (no window allows it there), no_capacity (none has room), the
/// commit facts. The region is deleted, and the DPA freed, when `owner`'s binding ends
/// (default: the memdev's).
/// Linux 7.2 `cxl_memdev_attach_region()` (core/region.c), what `devm_cxl_probe_mem()` runs
/// for an accelerator: the HPA range of the committed region with one target that an
/// endpoint decoder of the memdev is mapped to -- in practice the one firmware committed and
/// the core assembled at boot. It creates nothing and holds nothing. Facts: endpoint_absent,
/// region_absent (naming what each decoder lacks).
CXLFW_DECL fact_result<hpa_range> attach_region(memdev& md);

CXLFW_DECL fact_result<hpa_range> probe_mem(memdev& md, std::uint64_t size,
                                            std::optional<target_type> type = std::nullopt,
                                            base::device* owner = nullptr);

} // namespace cxlfw::core

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/core/impl/region.ipp>
#endif
