// Fault points and access counters.
//
// Every config-space and MMIO access and every mailbox command of the platform goes through
// one fault_hook. Unarmed, the hook is a single predictable branch (`effect_on()` below); armed,
// it matches the access against the rules a test set:
//
//   | rule                                   | effect                                          |
//   |----------------------------------------|-------------------------------------------------|
//   | fail_nth(k, filter, count, effect)     | accesses k .. k+count-1 matching `filter` (from |
//   |                                        | arming; 1-based) take `effect` (below)          |
//   | fail_register(node, region, off, len)  | every access overlapping the register fails     |
//   | fail_command(node, opcode, rc)         | that mailbox command completes with `rc`        |
//   | keep_media_not_ready(node)             | Memory_Active never sets, media stays not ready |
//   | never_commit(node, decoder)            | Commit stays set; neither Committed nor Error   |
//   |                                        | Not Committed ever appears                      |
//   | after_nth(k, filter, action)           | `action` runs once, right after access k        |
//   |                                        | matching `filter` completes, outside the        |
//   |                                        | platform's lock (a removal, a link drop)        |
//
// The effects of a fail_nth rule on an access (fault_effect):
//
//   | effect          | a read                          | a write                          |
//   |-----------------|---------------------------------|----------------------------------|
//   | fail (default)  | hw::errc::access_fault          | dropped, hw::errc::access_fault  |
//   | all_ones        | all ones, no error (what a      | dropped, no error                |
//   |                 | surprise-removed device gives)  |                                  |
//   | delayed(d)      | completes after `d` of virtual  | the same                         |
//   |                 | time (the clock moves on)       |                                  |
//
// fail_register rules fail. A command that a fail_nth rule (kind `command`) hits completes with
// Internal Error, whatever the effect.
//
// access_counts are kept per node and region whether or not the hook is armed, so a test can
// say "this driver made no RAS access". record(true) keeps every access in order: the fault
// points of a path, which a test then visits one by one (testing/fault_points.hpp).
#pragma once

#include <cxlfw/clock.hpp>
#include <cxlfw/config.hpp>
#include <cxlfw/emu/types.hpp>
#include <cxlfw/hw/window.hpp>
#include <cxlfw/spec/device_regs.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <variant>
#include <vector>

namespace cxlfw::emu {

/// Accesses made to one node, per region. Reads and writes are bus accesses of any width;
/// commands are mailbox commands the device executed.
struct access_counts {
    std::array<std::uint32_t, region_count> reads{};
    std::array<std::uint32_t, region_count> writes{};
    std::uint32_t commands = 0;

    std::uint64_t in(region r) const noexcept {
        auto const i = static_cast<std::size_t>(r);
        return std::uint64_t{reads[i]} + writes[i];
    }
    std::uint64_t total() const noexcept;
    void count(access const& a) noexcept;
    friend bool operator==(access_counts const&, access_counts const&) = default;
};

/// Which accesses a fail_nth rule counts; an empty field matches anything.
struct access_filter {
    std::optional<node_id> node{};
    std::optional<emu::region> region{};
    std::optional<access_kind> kind{};

    bool matches(access const& a) const noexcept {
        return (!node || *node == a.node) && (!region || *region == a.region) &&
               (!kind || *kind == a.kind);
    }
};

enum class fault_rule_id : std::uint32_t {};

/// What a fail_nth rule does to the accesses it hits (the table above).
struct fault_effect {
    enum class kind : std::uint8_t { fail, all_ones, delay };
    kind what = kind::fail;
    vtime delay{}; ///< for kind::delay

    static constexpr fault_effect fail() noexcept { return {}; }
    static constexpr fault_effect all_ones() noexcept { return {kind::all_ones, {}}; }
    static constexpr fault_effect delayed(vtime d) noexcept { return {kind::delay, d}; }
    friend bool operator==(fault_effect const&, fault_effect const&) = default;
};

class fault_hook {
public:
    fault_hook();
    fault_hook(fault_hook const&) = delete;
    fault_hook& operator=(fault_hook const&) = delete;
    ~fault_hook();

    bool armed() const noexcept { return armed_.load(std::memory_order_relaxed); }

    /// The hook on every register access: what happens to it, if a rule hits it (several
    /// rules: a failure over all ones over a delay; delays add up). Unarmed, this is the one
    /// branch an access pays.
    std::optional<fault_effect> effect_on(access const& a) {
        if (!armed_.load(std::memory_order_relaxed)) [[likely]]
            return std::nullopt;
        return match_access(a);
    }

    /// The hook on every mailbox command: the return code to complete it with instead of
    /// executing it, if a rule says so.
    std::optional<spec::return_code> command_fault(access const& a) {
        if (!armed_.load(std::memory_order_relaxed)) [[likely]]
            return std::nullopt;
        return match_command(a);
    }

    bool media_never_ready(node_id n) const;

    bool decoder_never_commits(node_id n, unsigned decoder) const;

    // --- arming ------------------------------------------------------------------------------

    /// Fail the k-th (1-based, counted from now) access matching `filter`, and the `count - 1`
    /// after it, or give them another `effect`. `fail_nth(3)` fails the third access to
    /// anything; `fail_nth(1, {.node = n})` the next access to node n;
    /// `fail_nth(1, {}, 1, fault_effect::all_ones())` makes the next read return all ones.
    fault_rule_id fail_nth(std::uint64_t k, access_filter filter = {}, std::uint64_t count = 1,
                           fault_effect effect = fault_effect::fail());

    /// Fail every access to [offset, offset + length) of `r` at `node` (of `kind` only, if
    /// given). Offsets are relative to the region's structure (see emu::access).
    fault_rule_id fail_register(node_id node, emu::region r, std::uint32_t offset,
                                std::uint32_t length = 4,
                                std::optional<access_kind> kind = std::nullopt);

    /// The same, naming the register by its spec type: `fail_register<spec::hdm::control>(ep,
    /// region::component_hdm, 1)` is decoder 1's control register.
    template <class R>
    fault_rule_id fail_register(node_id node, emu::region r, std::size_t n = 0,
                                std::optional<access_kind> kind = std::nullopt) {
        static_assert(hw::fixed_register<R> || hw::indexed_register<R>,
                      "cxlfw: fail_register<R> needs a register type (spec::reg or "
                      "spec::reg_array); for a field, name its register: F::reg_type");
        std::size_t off = 0;
        if constexpr (hw::indexed_register<R>)
            off = R::offset_of(n);
        else if constexpr (hw::fixed_register<R>)
            off = R::offset;
        return fail_register(node, r, static_cast<std::uint32_t>(off),
                             static_cast<std::uint32_t>(sizeof(typename R::value_type)), kind);
    }

    /// Complete mailbox command `op` at `node` with `rc` (no output payload).
    fault_rule_id fail_command(node_id node, spec::opcode op, spec::return_code rc);

    /// Media never becomes ready at `node`: DVSEC Memory_Active stays clear and the memdev
    /// Media Status stays "not ready".
    fault_rule_id keep_media_not_ready(node_id node);

    /// Decoder `decoder` of the component at `node` never finishes a commit.
    fault_rule_id never_commit(node_id node, unsigned decoder);

    /// Run `action` once, right after the k-th (1-based, counted from now) access matching
    /// `filter` has completed. The platform runs it outside its lock, so the action may change
    /// the platform (surprise_remove, set_link, remove_acpi_root): what a probe sees when a
    /// device goes away between two of its accesses.
    fault_rule_id after_nth(std::uint64_t k, access_filter filter, std::function<void()> action);

    /// Whether an action's access has completed (one relaxed load: the unarmed path's cost).
    bool action_due() const noexcept { return due_pending_.load(std::memory_order_acquire); }
    /// The actions whose access has completed, in order; the platform runs them.
    std::vector<std::function<void()>> take_due();

    /// Keep every access (and command) from now on, in order; record(false) stops.
    void record(bool on);
    /// What was recorded since the last record(true).
    std::vector<access> recorded() const;

    /// Removes a rule; false if it was not armed.
    bool disarm(fault_rule_id id);

    void clear();

    std::size_t rule_count() const;

    /// Accesses and commands failed so far.
    std::uint64_t injected() const noexcept { return injected_.load(std::memory_order_relaxed); }

private:
    struct nth_rule {
        access_filter filter;
        std::uint64_t first = 1;
        std::uint64_t count = 1;
        std::uint64_t seen = 0;
        fault_effect effect{};
    };
    struct register_rule {
        node_id node;
        emu::region region;
        std::uint32_t offset;
        std::uint32_t length;
        std::optional<access_kind> kind{};
    };
    struct command_rule {
        node_id node;
        std::uint16_t opcode;
        spec::return_code rc;
    };
    struct media_rule {
        node_id node;
    };
    struct decoder_rule {
        node_id node;
        unsigned decoder;
    };
    struct action_rule {
        access_filter filter;
        std::uint64_t at = 1;
        std::uint64_t seen = 0;
        std::function<void()> action;
    };
    using rule_kind =
        std::variant<nth_rule, register_rule, command_rule, media_rule, decoder_rule, action_rule>;
    struct rule {
        fault_rule_id id;
        rule_kind what;
    };

    fault_rule_id add(rule_kind what);

    /// Advances every counting rule the access matches; the effect of those that hit it, and
    /// of register rules (which fail it).
    std::optional<fault_effect> match_nth_and_registers(access const& a);

    std::optional<fault_effect> match_access(access const& a);

    /// Lock held: whether anything needs to see accesses.
    void update_armed() noexcept {
        armed_.store(!rules_.empty() || recording_, std::memory_order_relaxed);
    }

    std::optional<spec::return_code> match_command(access const& a);

    std::atomic<bool> armed_{false};
    std::atomic<std::uint64_t> injected_{0};
    std::atomic<bool> due_pending_{false};
    mutable std::mutex mutex_;
    std::vector<rule> rules_;
    std::vector<std::function<void()>> due_;
    bool recording_ = false;
    std::vector<access> recorded_;
    std::uint32_t next_id_ = 1;
};

} // namespace cxlfw::emu

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/emu/impl/fault.ipp>
#endif
