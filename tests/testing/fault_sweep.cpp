// Every register access of a path hit in turn by one fault (issue 13, "Exhaustive tests"): the
// access fails, or completes late, or the function stops answering there (all ones from that
// access on, what a surprise-removed device answers before its removal is noticed).
// After the path the invariant checker is clean (core and hardware agree, nothing bound without
// its endpoint, no devres on an unbound device); with the fault gone and the failed or
// degraded devices bound again (what an operator does), the state equals the one a path
// without the fault reaches.
//
// Bounded by default (every 5th access, plus the first and the last); CXLFW_EXHAUSTIVE=1 visits
// every one (docs/reliability.md records that run).
#include "support.hpp"

#include <algorithm>
#include <cstddef>
#include <string>

using namespace cxlfw;
using namespace cxlfw::testing::test_support;

namespace {

using emu::fault_effect;

std::string to_string(fault_effect e) {
    switch (e.what) {
    case fault_effect::kind::fail:
        return "failed";
    case fault_effect::kind::all_ones:
        return "all ones";
    case fault_effect::kind::delay:
        return "delayed " +
               std::to_string(std::chrono::duration_cast<std::chrono::seconds>(e.delay).count()) +
               " s";
    }
    return "?";
}

/// Past every timeout the core polls against (media 60 s, mailbox 2 s, commit 20 ms).
constexpr fault_effect late = fault_effect::delayed(std::chrono::seconds{61});

void fault_everywhere(probe_path const& p, fault_effect effect) {
    auto const points = points_of(p);
    auto const n = points.size();
    INFO(p.name << ": " << n << " accesses");
    REQUIRE(n > 3); // a path makes accesses: if not, the recording is broken
    // What the path reaches without a fault, after the same recovery (which then does nothing).
    std::string expected;
    {
        auto m = boot(p);
        p.run(*m);
        REQUIRE(m->host().settle());
        require_clean(*m, p.name + " without a fault");
        recover(*m);
        if (p.again) p.again(*m);
        expected = snapshot(*m);
    }
    std::uint64_t hit = 0;
    for (auto k : visit(n)) {
        auto m = boot(p);
        auto& plat = m->platform();
        auto const before = plat.faults().injected();
        if (effect.what == fault_effect::kind::all_ones) {
            // A function that stops answering answers nothing more: all ones from access k
            // on, on its node, until the recovery (what a surprise removal looks like before
            // the removal is noticed).
            emu::node_id const node = points[k - 1].access.node;
            auto const j = static_cast<std::uint64_t>(std::count_if(
                points.begin(), points.begin() + static_cast<std::ptrdiff_t>(k),
                [&](testing::fault_point const& f) { return f.access.node == node; }));
            plat.faults().fail_nth(j, {.node = node}, ~std::uint64_t{0}, effect);
        } else {
            plat.faults().fail_nth(k, {}, 1, effect);
        }
        p.run(*m);
        REQUIRE(m->host().settle());
        std::string const at = p.name + ", access " + std::to_string(k) + " of " +
                               std::to_string(n) + " (" + points[k - 1].name + ") " +
                               to_string(effect);
        INFO(at << ": " << m->describe(p.device));
        if (plat.faults().injected() > before) ++hit;
        require_clean(*m, at);
        recover(*m);
        if (p.again) p.again(*m);
        require_clean(*m, at + ", after recovery");
        auto const now = snapshot(*m);
        INFO("expected (-) and after recovery (+):\n" << diff_lines(expected, now));
        REQUIRE(now == expected);
    }
    REQUIRE(hit == visit(n).size()); // every visited access was hit
}

} // namespace

TEST_CASE("a fault at every access of the Type-2 direct probe", "[testing][fault_sweep]") {
    auto e = GENERATE(fault_effect::fail(), fault_effect::all_ones(), late);
    fault_everywhere(direct_path(), e);
}

TEST_CASE("a fault at every access of the Type-2 mediated probe", "[testing][fault_sweep]") {
    auto e = GENERATE(fault_effect::fail(), fault_effect::all_ones(), late);
    fault_everywhere(mediated_path(), e);
}

TEST_CASE("a fault at every access of the Type-3 boot probe", "[testing][fault_sweep]") {
    auto e = GENERATE(fault_effect::fail(), fault_effect::all_ones(), late);
    fault_everywhere(type3_path(), e);
}

TEST_CASE("a fault at every access of the Type-2 teardown", "[testing][fault_sweep]") {
    auto e = GENERATE(fault_effect::fail(), fault_effect::all_ones(), late);
    fault_everywhere(teardown_path(), e);
}

TEST_CASE("a fault at every access of a region's create, commit and delete",
          "[testing][fault_sweep]") {
    auto e = GENERATE(fault_effect::fail(), fault_effect::all_ones(), late);
    fault_everywhere(region_path(), e);
}
