// The outcome matrix: a Type-2 accelerator driver on the cxl_test topology, for every attach
// strategy x absence policy x CXL root {present at probe, arrives later, never arrives}, driven
// by one table (`outcomes`) that a second test checks against docs/policy.md's.
#include <cxlfw/emu/build.hpp>
#include <cxlfw/emu/topologies.hpp>
#include <cxlfw/policy/policy.hpp>
#include <cxlfw/testing/platform.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using namespace cxlfw;
using namespace cxlfw::policy;

namespace {

constexpr std::string_view accel_name = "0000:17:00.0"; // cxl_test's accelerator

struct counts {
    int on_cxl = 0;
    int on_pcie_only = 0;
};

template <class Attach, class Policy>
struct matrix_accel
    : cxlfw::driver<matrix_accel<Attach, Policy>, type2<cap::hdm<1>>, Attach, Policy> {
    static constexpr std::string_view name = "test_accel";
    static constexpr cxlfw::pci_id ids[] = {{0x1924, 0x0b03}};
    static inline counts calls; // per instantiation: one combination per test

    cxlfw::status on_cxl(cxlfw::cxl_ready<matrix_accel>& cxl) {
        auto r = cxl.map_region(256_MiB);
        if (!r) return r.error();
        region = *r;
        ++calls.on_cxl;
        return {};
    }
    void on_pcie_only(std::error_code) { ++calls.on_pcie_only; }

    core::hpa_range region{};
};

enum class root { present, later, never };

/// What the accelerator looks like once everything has settled.
struct expected {
    base::device_state state;
    std::optional<cxl_mode> mode; ///< empty: not bound
    bool attached;                ///< its memdev has an endpoint and a committed region
    counts calls;
};

/// A cxl_test platform (with a Type-2 window for the accelerator), the stock drivers, the
/// test driver, and the ACPI root present, added after the first settle, or never.
template <class D>
struct scenario {
    std::unique_ptr<emu::platform> platform;
    std::unique_ptr<testing::platform_host> ph;

    explicit scenario(root r) {
        auto topo = emu::cxl_test_topology({.type2_window = true});
        topo.acpi_root_present = r == root::present;
        platform = emu::build(topo).value();
        ph = std::make_unique<testing::platform_host>(*platform);
        D::calls = {};
        REQUIRE(ph->populate());
        REQUIRE(ph->register_drivers());
        REQUIRE(ph->host().settle());
        REQUIRE(cxlfw::register_driver<D>(ph->host()));
        REQUIRE(ph->host().settle());
        if (r == root::later) {
            REQUIRE(platform->add_acpi_root());
            REQUIRE(ph->host().settle());
        }
    }

    base::device& device() const { return *ph->host().find_device(accel_name); }

    void check(expected const& want) const {
        base::host& h = ph->host();
        auto info = h.info(device());
        INFO("accelerator: " << base::to_string(info.state) << " " << info.error.message() << " "
                             << info.message);
        REQUIRE(info.state == want.state);
        auto st = cxlfw::status_of(device());
        REQUIRE(st.has_value() == want.mode.has_value());
        if (want.mode) REQUIRE(st->mode == *want.mode);
        REQUIRE(D::calls.on_cxl == want.calls.on_cxl);
        REQUIRE(D::calls.on_pcie_only == want.calls.on_pcie_only);

        auto* drv = cxlfw::driver_of<D>(device());
        core::memdev* md = nullptr;
        for (core::memdev* m : core::find(h)->memdevs())
            if (m->parent() == &device()) md = m;
        if (want.attached) {
            REQUIRE(md != nullptr);
            REQUIRE(md->endpoint() != nullptr);
            REQUIRE(drv != nullptr);
            REQUIRE(drv->region.size == 256_MiB);
            bool committed = false;
            for (auto const* reg : core::find(h)->regions())
                committed |= reg->base() == drv->region.start &&
                             reg->state() == core::region_state::committed;
            REQUIRE(committed);
        } else {
            REQUIRE((md == nullptr || md->endpoint() == nullptr));
        }
    }
};

template <class A, class P>
void run(root r, expected const& want) {
    scenario<matrix_accel<A, P>> s{r};
    s.check(want);
}

using enum base::device_state;
constexpr counts none{0, 0};
constexpr counts attached_once{1, 0};
constexpr counts degraded{0, 1};
constexpr counts upgraded{1, 1};

/// One row of docs/policy.md's outcome table: a combination and its three cells.
struct row {
    std::string_view attach, policy;
    expected present, later, never;
};

// The final states a cell can have.
constexpr expected cxl_once{bound, cxl_mode::cxl, true, attached_once};
constexpr expected cxl_upgraded{bound, cxl_mode::cxl, true, upgraded}; // on_pcie_only, then on_cxl
constexpr expected pcie_only{bound, cxl_mode::pcie_only, false, degraded};
constexpr expected waiting{bound, cxl_mode::waiting, false, none};
constexpr expected stays_deferred{deferred, std::nullopt, false, none};
constexpr expected stays_failed{failed, std::nullopt, false, none};

// The outcome table, as docs/policy.md states it (the test "docs/policy.md's outcome table says
// what the matrix asserts" checks the document says the same).
// clang-format off
constexpr row outcomes[] = {
    // attach    policy     root present  root arrives later  root never arrives
    {"mediated", "defer",   cxl_once,     cxl_once,           stays_deferred},
    {"mediated", "degrade", cxl_once,     cxl_upgraded,       pcie_only},
    {"mediated", "fail",    cxl_once,     stays_failed,       stays_failed},
    {"mediated", "wait",    cxl_once,     cxl_once,           waiting},
    {"direct",   "defer",   cxl_once,     cxl_once,           stays_deferred},
    {"direct",   "degrade", cxl_once,     cxl_upgraded,       pcie_only},
    {"direct",   "fail",    cxl_once,     stays_failed,       stays_failed},
    {"direct",   "wait",    cxl_once,     cxl_once,           waiting},
};
// clang-format on

row const& row_of(std::string_view attach, std::string_view policy) {
    for (auto const& r : outcomes)
        if (r.attach == attach && r.policy == policy) return r;
    FAIL("no row for " << attach << " + " << policy);
    return outcomes[0];
}

template <class A, class P>
struct combination {
    using attach = A;
    using policy = P;
};

/// The final state a cell of the document names: its text after the last "then".
std::string final_clause(std::string const& cell) {
    auto at = cell.rfind("then ");
    return at == std::string::npos ? cell : cell.substr(at + 5);
}

/// The words of the document that say `want`.
std::string phrase_of(expected const& want) {
    if (want.state == deferred) return "deferred";
    if (want.state == failed) return "failed";
    switch (want.mode.value_or(cxl_mode::none)) {
    case cxl_mode::cxl:
        return "CXL";
    case cxl_mode::pcie_only:
        return "PCIe-only";
    case cxl_mode::waiting:
        return "waiting";
    case cxl_mode::none:
        break;
    }
    return "?";
}

/// docs/policy.md's outcome table: (attach, policy) -> the three cells' text.
std::map<std::pair<std::string, std::string>, std::array<std::string, 3>> document_table() {
    std::ifstream in{std::string{CXLFW_DOCS_DIR} + "/policy.md"};
    REQUIRE(in);
    std::map<std::pair<std::string, std::string>, std::array<std::string, 3>> out;
    bool in_section = false;
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("## ")) in_section = line == "## Outcomes on the cxl_test topology";
        if (!in_section || !line.starts_with("| ")) continue;
        std::vector<std::string> cells;
        std::istringstream s{line.substr(1)};
        for (std::string c; std::getline(s, c, '|');)
            cells.push_back(c.substr(1, c.size() > 1 ? c.size() - 2 : 0));
        if (cells.size() != 5 || cells[0] == "attach" || cells[0].starts_with("-")) continue;
        out[{cells[0], cells[1]}] = {cells[2], cells[3], cells[4]};
    }
    return out;
}

} // namespace

// One test per combination (Catch names it after the type); a section per root.
TEMPLATE_TEST_CASE("outcome matrix: a Type-2 accelerator with the CXL root present, late, never",
                   "[policy][matrix]", (combination<attach::mediated, when_absent::defer>),
                   (combination<attach::mediated, when_absent::degrade>),
                   (combination<attach::mediated, when_absent::fail>),
                   (combination<attach::mediated, when_absent::wait>),
                   (combination<attach::direct, when_absent::defer>),
                   (combination<attach::direct, when_absent::degrade>),
                   (combination<attach::direct, when_absent::fail>),
                   (combination<attach::direct, when_absent::wait>)) {
    using A = typename TestType::attach;
    using P = typename TestType::policy;
    row const& r = row_of(A::name, P::name());
    INFO(r.attach << " + " << r.policy);
    for (auto [when, want] : {std::pair{root::present, r.present}, std::pair{root::later, r.later},
                              std::pair{root::never, r.never}}) {
        DYNAMIC_SECTION("root " << (when == root::present ? "present"
                                    : when == root::later ? "later"
                                                          : "never")) {
            scenario<matrix_accel<A, P>> s{when};
            s.check(want);
        }
    }
}

TEST_CASE("docs/policy.md's outcome table says what the matrix asserts", "[policy][matrix][docs]") {
    auto doc = document_table();
    REQUIRE(doc.size() == std::size(outcomes));
    for (auto const& r : outcomes) {
        auto it = doc.find({std::string{r.attach}, std::string{r.policy}});
        INFO(r.attach << " + " << r.policy);
        REQUIRE(it != doc.end());
        expected const* cells[] = {&r.present, &r.later, &r.never};
        for (int i = 0; i < 3; ++i) {
            auto const& text = it->second[static_cast<std::size_t>(i)];
            INFO("cell " << i << ": " << text);
            REQUIRE(final_clause(text).find(phrase_of(*cells[i])) != std::string::npos);
            // The cells where the driver's hooks both ran say so.
            bool const upgrade = cells[i]->calls.on_cxl == 1 && cells[i]->calls.on_pcie_only == 1;
            REQUIRE((text.find("upgraded") != std::string::npos) == upgrade);
        }
    }
}
