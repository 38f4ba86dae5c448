// The report views depend on the topology only: the same platform brought up with other
// arrival seeds, driver orders and devices before or after the drivers lists and draws the
// same bytes.
#include "support.hpp"

#include <cxlfw/report/cxl_list.hpp>
#include <cxlfw/report/dot.hpp>

#include <catch2/catch.hpp>

#include <algorithm>

using namespace cxlfw;
using namespace cxlfw::report::test_support;

namespace {

struct views {
    std::string list, dot;
    friend bool operator==(views const&, views const&) = default;
};

views bring_up(which w, std::optional<std::uint64_t> seed,
               std::array<drivers::stock_driver, 4> order, bool drivers_first) {
    bed b{topology_of(w), seed, order, drivers_first};
    commit(b, plan_of(w, b));
    return {report::list_text(report::cxl_list(b.cxl(), flags("vv"))), report::dot(b.host())};
}

} // namespace

TEST_CASE("report views are byte-identical across arrival seeds, driver orders and arrival "
          "modes",
          "[report][determinism]") {
    for (auto w : {which::cxl_test, which::qemu}) {
        INFO((w == which::cxl_test ? "cxl_test" : "qemu"));
        auto const reference = bring_up(w, std::nullopt, drivers::all_stock_drivers, false);
        REQUIRE(reference.list.find("region0") != std::string::npos);
        std::array<drivers::stock_driver, 4> order = drivers::all_stock_drivers;
        std::sort(order.begin(), order.end());
        unsigned permutation = 0;
        do {
            ++permutation;
            // Every fourth order, both arrival modes, a seed per run: 12 bring-ups.
            if (permutation % 4 != 1) continue;
            for (bool drivers_first : {false, true}) {
                std::uint64_t const seed = permutation * 7 + (drivers_first ? 1 : 0);
                INFO("permutation " << permutation << ", seed " << seed << ", drivers first "
                                    << drivers_first);
                auto const v = bring_up(w, seed, order, drivers_first);
                if (v.list != reference.list) FAIL_CHECK(first_difference(reference.list, v.list));
                if (v.dot != reference.dot) FAIL_CHECK(first_difference(reference.dot, v.dot));
            }
        } while (std::next_permutation(order.begin(), order.end()));
        REQUIRE(permutation == 24);
    }
}
