// The steps of region setup and teardown that more than one of the core's files take (Linux
// drivers/cxl/core/core.h and region.c's internals): the path of an endpoint, the HPA search,
// the decoder setup and reset on every port of the paths, and killing a decoder's region. A
// driver uses core/region.hpp instead.
#pragma once

#include <cxlfw/config.hpp>

#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/objects.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cxlfw::core::detail {

inline std::string str(std::uint64_t v) {
    return std::to_string(v);
}

/// "[0x1000000000-0x101fffffff]": `size` bytes from `base`, as the core's messages write them.
CXLFW_DECL std::string range_text(std::uint64_t base, std::uint64_t size);

/// The ports an endpoint's traffic passes, endpoint first, up to (not including) the root.
CXLFW_DECL std::vector<port*> path_of(port& ep);

/// The root's dport (a host bridge) above an endpoint.
CXLFW_DECL dport* root_dport_of(port& ep);

/// The root decoder's target index for a position (Linux calc_hb: cxl_hb_modulo, cxl_hb_xor).
CXLFW_DECL unsigned root_target_index(region const& r, unsigned pos);

/// MMIO inside a root decoder's window: a BAR of a PCI function, a host bridge's CHBCR or an
/// RCH's RCRB that the window (a firmware bug) covers. No region may take it.
struct busy_range {
    std::uint64_t base = 0;
    std::uint64_t size = 0;
    std::string what; ///< "BAR0 of 0000:0d:00.0"
};

/// The MMIO a root decoder's window covers, by address; each range noted once in the core's
/// messages (Linux inserts the window into iomem_resource with insert_resource_expand_to_fit,
/// so such MMIO stays busy below it and alloc_free_mem_region never hands it out).
CXLFW_DECL std::vector<busy_range> busy_mmio(cxl_core& core, decoder const& root);

/// The free HPA of a root decoder: the lowest `align`ed range of `size` bytes that no region
/// uses and no MMIO (busy_mmio) occupies.
CXLFW_DECL std::optional<std::uint64_t> find_free_hpa(cxl_core& core, decoder const& root,
                                                      std::uint64_t size, std::uint64_t align,
                                                      region const* except = nullptr);

CXLFW_DECL std::uint64_t largest_free_hpa(cxl_core& core, decoder const& root);

/// Drop the region's hold on a port's decoder once no position passes the port.
CXLFW_DECL void release_port_decoder(region& r, port& p);

/// Linux cxl_region_decode_reset(count): positions count-1 .. 0, each path top down.
CXLFW_DECL void decode_reset(region& r, unsigned count);

/// Linux cxl_region_teardown_targets(): decoders above the endpoints forget the setup.
CXLFW_DECL void teardown_targets(region& r);

/// Linux cxl_region_setup_targets() + cxl_port_setup_targets(), once every position is set.
CXLFW_DECL fact_result<void> setup_targets(region& r);

/// create_region, naming the region after the reservation made for `key` (a device).
CXLFW_DECL fact_result<region*> create_region_for(decoder& root, partition_mode mode,
                                                  target_type type, std::string const& key);

/// The committed decoder of `p` that maps exactly `r`'s range and is in no other region (Linux
/// match_switch_decoder_by_range()): what a firmware-committed target attaches through.
CXLFW_DECL decoder* committed_decoder(port& p, region const& r);

/// Linux cxl_region_attach(): attach_target (`firmware` false), or a target firmware
/// committed, on the committed decoders that map the region's range (true).
CXLFW_DECL fact_result<void> attach(region& r, decoder& ep, unsigned pos, bool firmware);

/// Linux cxl_add_to_region(): the region of an endpoint decoder firmware committed, found or
/// created on the root decoder whose window holds it, with the decoder at the position the
/// committed decoders above route to it; committed once every position is there. What does
/// not assemble is a fact (the core notes it) and the decoders stay as firmware left them.
CXLFW_DECL fact_result<region*> add_to_region(decoder& ep);

/// Linux cxl_decoder_kill_region(): an endpoint decoder is going away.
CXLFW_DECL void kill_region(decoder& ep);

} // namespace cxlfw::core::detail

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/core/detail/impl/region.ipp>
#endif
