// Removal, root loss and link loss delivered after every register access of a probe path
// (issue 13, "Lifetimes"): no dangling pointer (this runs under ASan+UBSan in CI), the invariant
// checker clean right after, and again once the piece comes back, with what should re-attach
// re-attached.
//
// Bounded by default (every 5th access, plus the first and the last); CXLFW_EXHAUSTIVE=1 visits
// every one (docs/reliability.md records that run).
#include "support.hpp"

#include <cxlfw/emu/platform.hpp>
#include <cxlfw/policy/policy.hpp>

#include <cstdlib>
#include <functional>
#include <string>

using namespace cxlfw;
using namespace cxlfw::policy;
using namespace cxlfw::testing::test_support;

namespace {

enum class loss { device, root, link };

std::string_view to_string(loss l) {
    switch (l) {
    case loss::device:
        return "device removed";
    case loss::root:
        return "ACPI root removed";
    case loss::link:
        return "link down";
    }
    return "?";
}

void deliver_everywhere(probe_path const& p, loss l) {
    auto const n = points_of(p).size();
    REQUIRE(n > 20); // a probe path makes accesses: if not, the recording is broken
    for (auto k : visit(n)) {
        auto m = boot(p);
        auto& plat = m->platform();
        auto* dev = plat.find(p.device);
        REQUIRE(dev);
        auto const id = dev->id();
        auto const port = dev->parent();
        plat.faults().after_nth(k, {}, [&plat, l, id, port] {
            switch (l) {
            case loss::device:
                (void)plat.surprise_remove(id);
                break;
            case loss::root:
                (void)plat.remove_acpi_root();
                break;
            case loss::link:
                (void)plat.set_link(port, false);
                break;
            }
        });
        p.run(*m);
        REQUIRE(m->host().settle());
        std::string const at = p.name + ", " + std::string{to_string(l)} + " after access " +
                               std::to_string(k) + " of " + std::to_string(n);
        INFO(at << ": " << m->describe(p.device));
        REQUIRE(plat.faults().rule_count() == 0); // the removal was delivered
        require_clean(*m, at);
        if (l == loss::device) {
            REQUIRE(m->find(p.device) == nullptr);
            continue;
        }
        // The piece comes back: what should re-attach re-attaches.
        if (l == loss::root)
            REQUIRE(plat.add_acpi_root());
        else
            REQUIRE(plat.set_link(port, true));
        REQUIRE(m->host().settle());
        INFO("after recovery: " << m->describe(p.device));
        require_clean(*m, at + ", after recovery");
        core::memdev* md = m->memdev_of(p.device);
        REQUIRE(md);
        REQUIRE(md->endpoint());
    }
}

} // namespace

TEST_CASE("the access recorder and after_nth see a probe's accesses", "[testing][removal]") {
    auto p = direct_path();
    auto const points = points_of(p);
    REQUIRE(points == points_of(p)); // deterministic
    auto const n = points.size();
    // An action after the last access runs; one past it never does.
    auto m = boot(p);
    int ran = 0;
    m->platform().faults().after_nth(n, {}, [&] { ++ran; });
    m->platform().faults().after_nth(n + 1'000'000, {}, [&] { ++ran; });
    p.run(*m);
    REQUIRE(ran == 1);
    REQUIRE(m->platform().faults().rule_count() == 1);
}

TEST_CASE("removal, root loss and link loss at every access of the Type-2 direct probe",
          "[testing][removal]") {
    auto l = GENERATE(loss::device, loss::root, loss::link);
    deliver_everywhere(direct_path(), l);
}

TEST_CASE("removal, root loss and link loss at every access of the Type-2 mediated probe",
          "[testing][removal]") {
    auto l = GENERATE(loss::device, loss::root, loss::link);
    deliver_everywhere(mediated_path(), l);
}

TEST_CASE("removal, root loss and link loss at every access of the Type-3 boot probe",
          "[testing][removal]") {
    auto l = GENERATE(loss::device, loss::root, loss::link);
    deliver_everywhere(type3_path(), l);
}
