// Device physical address allocation (Linux core/hdm.c cxl_dpa_*): a memdev's DPA is its
// RAM partition [0, ram) then its PMEM partition [ram, ram + pmem). Each endpoint decoder
// claims one extent:
//   - decoders allocate in id order (decoder N after N-1: dpa_order);
//   - an allocation appends at the end of its partition; unused space of lower partitions
//     between the previous allocation and this one becomes the decoder's DPA skip;
//   - sizes are non-zero multiples of 256 MiB (invalid_size);
//   - only the last allocation can be freed (dpa_order), and not while the decoder is in a
//     region or committed (decoder_busy).
//
//   core::dpa_set_mode(dec, core::partition_mode::pmem);
//   core::dpa_alloc(dec, 512_MiB);     // dec.dpa = {base, size, skip}
#pragma once

#include <cxlfw/config.hpp>

#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/objects.hpp>

#include <cstdint>
#include <vector>

namespace cxlfw::core {

/// One partition of a memdev's DPA.
struct dpa_partition {
    partition_mode mode = partition_mode::none;
    std::uint64_t base = 0;
    std::uint64_t size = 0;
    std::uint64_t end() const noexcept { return base + size; }
};

/// RAM then PMEM; partitions of zero size are left out (Linux add_dpa_res "no capacity").
CXLFW_DECL std::vector<dpa_partition> partitions(memdev const& md);

/// Linux cxl_dpa_set_part(): the partition the decoder's next allocation comes from.
CXLFW_DECL fact_result<void> dpa_set_mode(decoder& d, partition_mode mode);

/// Linux cxl_dpa_alloc(): `size` bytes at the end of the decoder's partition.
CXLFW_DECL fact_result<void> dpa_alloc(decoder& d, std::uint64_t size);

/// Linux cxl_dpa_free(): only the last allocation, and not while it is in use.
CXLFW_DECL fact_result<void> dpa_free(decoder& d);

/// Free DPA left on a memdev's endpoint decoders: what the next allocation of `mode`
/// could have at most (Linux cxl_dpa_*: for reports and the Type-2 helper).
CXLFW_DECL std::uint64_t dpa_available(port const& ep, partition_mode mode);

} // namespace cxlfw::core

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/core/impl/dpa.ipp>
#endif
