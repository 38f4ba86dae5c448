// HDM decoders that behave (CXL 2.0 §8.2.5.12; Linux drivers/cxl/core/hdm.c, QEMU
// hw/mem/cxl_type3.c hdm_decoder_commit()). One hdm_decoders object is the HDM Decoder Capability
// structure of one component: a host bridge's CHBCR, a switch upstream port, an endpoint.
//
// Register behaviour, per decoder:
//   - Base/Size Low keep what software writes, bits [27:0] included: QEMU masks those bits
//     away; we keep them so that a misaligned base or size is caught at commit (Error Not
//     Committed) rather than silently rounded. DPA Skip Low keeps bits [31:28] only.
//   - Base, Size and Target List / DPA Skip are writable only while the decoder is idle
//     (Commit clear); otherwise writes are dropped.
//   - Control's writable bits are 0x13FF (QEMU's mask): Committed [10] and Error Not
//     Committed [11] are the device's.
//   - Commit 0 -> 1 checks the programming (validate() below, one commit_error per rule) and,
//     `decoder_commit` of virtual time later, shows Committed or Error Not Committed. The
//     result is computed lazily when a register is read: no threads, no timers. A
//     never_commit fault keeps it pending forever.
//   - Commit 1 -> 0 de-commits an unlocked decoder. Committed with Lock On Commit makes every
//     register of the decoder read-only until reset().
//   - Global Control's HDM Decoder Enable [1] (and Poison On Decode Error Enable [0]) are
//     plain read/write bits, as in QEMU: committing does not depend on them, and the
//     emulator decodes no memory. Linux sets the bit before using decoders
//     (devm_cxl_enable_hdm); tests can read it back.
#pragma once

#include <cxlfw/clock.hpp>
#include <cxlfw/config.hpp>
#include <cxlfw/emu/fault.hpp>
#include <cxlfw/emu/types.hpp>
#include <cxlfw/spec/component.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace cxlfw::emu {

/// Why a commit ended in Error Not Committed. Each is one rule, checked in this order.
enum class commit_error : std::uint8_t {
    none = 0,
    invalid_ig,                ///< IG above 6 (Linux cxl.h eig_to_granularity)
    invalid_iw,                ///< IW outside {0-4, 8-10} (Linux cxl.h eiw_to_ways)
    ways_not_supported,        ///< 3/6/12 or 16 ways without the capability bit, or more ways
                               ///< than the Target Count (host bridge, switch)
    granularity_not_supported, ///< the HPA bits that select a position are not ones the
                               ///< capability's interleave bits [11:8]/[14:12] allow (Linux hdm.c)
    out_of_order,              ///< decoder n committed while decoder n-1 is not (Linux hdm.c)
    base_not_aligned,          ///< Base bits [27:0] not zero
    size_not_aligned,          ///< Size bits [27:0] not zero, or (endpoint) Size not a
                               ///< multiple of 256 MiB x ways
    base_below_previous,       ///< Base below decoder n-1's Base + Size (HPA order)
    dpa_beyond_capacity,       ///< endpoint: DPA base + Skip + Size / ways past the capacity
    invalid_target,            ///< a target list position names no downstream port of this
                               ///< component
};

constexpr std::string_view commit_error_name(commit_error e) noexcept {
    switch (e) {
    case commit_error::none:
        return "none";
    case commit_error::invalid_ig:
        return "invalid IG encoding";
    case commit_error::invalid_iw:
        return "invalid IW encoding";
    case commit_error::ways_not_supported:
        return "interleave ways not allowed by the capability register";
    case commit_error::granularity_not_supported:
        return "interleave granularity not allowed by the capability register";
    case commit_error::out_of_order:
        return "decoder committed before the previous decoder";
    case commit_error::base_not_aligned:
        return "base not 256 MiB aligned";
    case commit_error::size_not_aligned:
        return "size not 256 MiB (x ways) aligned";
    case commit_error::base_below_previous:
        return "base below the previous decoder's end";
    case commit_error::dpa_beyond_capacity:
        return "DPA skip + size beyond the device capacity";
    case commit_error::invalid_target:
        return "target list names a port that is not a downstream port";
    }
    return "unknown";
}

/// What a decoder shows, decoded (tests and reports).
enum class decoder_phase : std::uint8_t { idle, pending, committed, failed };

/// The static part of an HDM structure (shared by every component built from one spec).
struct hdm_profile {
    spec::hdm::decoder_capability cap{};
    std::uint32_t cap_raw = 0;
    bool endpoint = false;          ///< DPA Skip instead of a target list
    std::uint64_t dpa_capacity = 0; ///< endpoints: RAM + PMEM
    unsigned decoders() const noexcept { return cap.decoder_count; }
    std::size_t length() const noexcept { return spec::hdm::structure_length(cap.decoder_count); }
};

/// What an access needs to know from the platform.
struct hdm_context {
    vtime now{};
    vtime commit_delay{};
    fault_hook* faults = nullptr;
    node_id node = no_node;
    /// Port IDs of this component's downstream ports (host bridge: root ports; switch:
    /// downstream ports). Only consulted when a commit is requested.
    std::span<const std::uint8_t> dports{};
};

class hdm_decoders {
public:
    struct decoder {
        std::uint64_t base = 0;    ///< as written, low bits included
        std::uint64_t size = 0;    ///< as written, low bits included
        std::uint64_t targets = 0; ///< target list, or DPA skip (bits [27:0] dropped)
        std::uint32_t control = 0; ///< software-writable bits only
        decoder_phase phase = decoder_phase::idle;
        commit_error error = commit_error::none;
        vtime due{};
    };

    hdm_decoders() noexcept;
    ~hdm_decoders();

    std::uint32_t read32(hdm_profile const& p, hdm_context const& ctx, std::uint64_t off);

    void write32(hdm_profile const& p, hdm_context const& ctx, std::uint64_t off,
                 std::uint32_t value, std::uint32_t mask);

    /// Back to power-on state (conventional reset): every decoder idle and unlocked.
    void reset() noexcept;

    /// Decoder n as it stands now (resolving a commit that is due).
    decoder state(hdm_profile const& p, hdm_context const& ctx, unsigned n);

    /// Firmware's programming before the OS (emu::build, topology::commit_decoder): decoder n
    /// as given, Committed, and HDM Decoder Enable set. The builder checks it (validate()).
    void preset(hdm_profile const& p, unsigned n, decoder const& d);

    /// Global Control's HDM Decoder Enable: the decoders decode only while it is set.
    bool decoding() const noexcept { return spec::hdm::hdm_decoder_enable::get(global_) != 0; }

    /// Whether any register was written since power-on (decoder storage is allocated lazily).
    bool allocated() const noexcept { return decoders_ != nullptr; }

    /// The rules a commit of decoder n is checked against, in order; `none` if it may commit.
    static commit_error validate(hdm_profile const& p, decoder const* all, unsigned n,
                                 std::span<const std::uint8_t> dports);

private:
    static bool locked(decoder const& d) noexcept {
        return d.phase == decoder_phase::committed && spec::hdm::lock_on_commit::get(d.control);
    }

    void write_control(hdm_profile const& p, hdm_context const& ctx, unsigned n,
                       std::uint32_t next);

    void resolve(hdm_context const& ctx, unsigned n);

    std::unique_ptr<decoder[]> decoders_;
    std::uint32_t global_ = 0;
};

} // namespace cxlfw::emu

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/emu/impl/hdm.ipp>
#endif
