// HDM decoders (Linux core/hdm.c): enumerate a port's decoders as the component left them (the
// port driver's probe), program and commit one, reset one.
//
//   | operation         | Linux                                  | facts                       |
//   |-------------------|----------------------------------------|-----------------------------|
//   | probe_port(port)  | cxl_port_probe: devm_cxl_setup_hdm +   | registers_absent,           |
//   |                   | devm_cxl_enumerate_decoders            | hdm_invalid                 |
//   | commit_decoder(d) | cxl_decoder_commit                     | registers_absent,           |
//   |                   |                                        | decoder_busy,               |
//   |                   |                                        | commit_timeout,             |
//   |                   |                                        | commit_failed               |
//   | reset_decoder(d)  | cxl_decoder_reset                      | reset_failed (the decoder   |
//   |                   |                                        | stays enabled: in use)      |
//
// Commit follows CXL 2.0 §8.2.5.12.20: decoders commit in id order; software polls Committed /
// Error Not Committed for 20 ms (the spec's 10 ms plus Linux's margin), on the virtual clock.
//
//   if (auto ok = core::commit_decoder(dec); !ok) ... ok.error() == errc::commit_timeout
#pragma once

#include <cxlfw/config.hpp>

#include <cxlfw/clock.hpp>
#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/objects.hpp>
#include <cxlfw/spec/component.hpp>

#include <chrono>
#include <cstdint>

namespace cxlfw::core {

/// Linux COMMIT_TIMEOUT_MS, polled once a millisecond.
inline constexpr vtime commit_timeout = std::chrono::milliseconds{20};
inline constexpr vtime commit_poll = std::chrono::milliseconds{1};

/// One decoder's registers, as read.
struct decoder_regs {
    std::uint64_t base = 0;
    std::uint64_t size = 0;
    std::uint64_t targets = 0; ///< target list, or DPA skip
    spec::hdm::decoder_control control{};
    std::uint32_t control_raw = 0;
};

CXLFW_DECL fact_result<decoder_regs> read_decoder_regs(hdm_map const& hdm, unsigned n);

/// Linux cxl_decoder_commit(): decoders commit in id order (decoder_busy otherwise); poll
/// for 20 ms of virtual time. A passthrough decoder (no registers) commits at once.
CXLFW_DECL fact_result<void> commit_decoder(decoder& d);

/// Linux cxl_decoder_reset(): clear Commit and the range; out-of-order resets are done but
/// leave commit_end where it is, as Linux does.
CXLFW_DECL fact_result<void> reset_decoder(decoder& d);

/// The resets `p`'s decoders are owed (decoder::reset_owed: a reset or a failed commit's undo
/// that the component did not answer), tried again: when a region looks for a decoder at the
/// port, and (for a port that went and came back) when the port is enumerated. Each attempt
/// is a core message (cxl_core::messages()).
CXLFW_DECL void retry_owed_resets(port& p);

// --- HDM decoder enumeration: the port driver's probe ------------------------------------------

/// Linux devm_cxl_setup_hdm + devm_cxl_enumerate_decoders (+ the passthrough decoder of a
/// port without HDM registers). Decoders found committed must be in id order with non-zero
/// size (hdm_invalid); an endpoint's committed decoders claim their DPA.
CXLFW_DECL fact_result<void> enumerate_decoders(port& p);

/// The port driver's probe (Linux cxl_port_probe): the decoders, owned by the binding.
CXLFW_DECL fact_result<void> probe_port(port& p);

} // namespace cxlfw::core

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/core/impl/hdm.ipp>
#endif
