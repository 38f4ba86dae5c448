// What the compiler accepts: traits and their queries, the policies' reaction table, and
// composed drivers that describe themselves.
#include <cxlfw/policy/driver.hpp>

#include <catch2/catch.hpp>

using namespace cxlfw::policy;

namespace {

struct efx_cxl
    : cxlfw::driver<efx_cxl, type2<cap::hdm<1>, cap::ras>, attach::direct, when_absent::degrade> {
    static constexpr cxlfw::pci_id ids[] = {{0x1924, 0x0b03}};
    cxlfw::status on_cxl(cxlfw::cxl_ready<efx_cxl>&) { return {}; }
    void on_pcie_only(std::error_code) {}
};

struct static_accel
    : cxlfw::driver<static_accel, type2<cap::hdm<2>>, attach::mediated, when_absent::defer> {
    static constexpr cxlfw::pci_id ids[] = {{0x1af4, 0x10f0}};
    cxlfw::status on_cxl(cxlfw::cxl_ready<static_accel>&) { return {}; }
};

struct cache_accel : cxlfw::driver<cache_accel, type1<cap::ras>> {
    static constexpr cxlfw::pci_class_id class_ids[] = {{0x120000, 0xFF0000}};
};

struct expander : cxlfw::driver<expander, type3<cap::mailbox, cap::hdm<1>, cap::ras>,
                                attach::mediated, when_absent::wait> {
    static constexpr cxlfw::pci_class_id class_ids[] = {{0x050210}};
    cxlfw::status on_cxl(cxlfw::cxl_ready<expander>&) { return {}; }
};

struct timed_nic : cxlfw::driver<timed_nic, type2<cap::hdm<1>>, attach::direct,
                                 when_absent::timed<when_absent::degrade>> {
    static constexpr cxlfw::pci_id ids[] = {{0x1924, 0x0b03}};
    cxlfw::status on_cxl(cxlfw::cxl_ready<timed_nic>&) { return {}; }
    void on_pcie_only(std::error_code) {}
};

} // namespace

TEST_CASE("traits derive CXL.io/cache/mem from the type and hold capabilities in sets",
          "[policy][traits]") {
    using t1 = type1<cap::ras>;
    using t2 = type2<cap::hdm<1>, cap::ras>;
    using t3 = type3<cap::mailbox, cap::hdm<2>>;
    STATIC_REQUIRE(t1::cxl_cache && !t1::cxl_mem);
    STATIC_REQUIRE(t2::cxl_cache && t2::cxl_mem);
    STATIC_REQUIRE(!t3::cxl_cache && t3::cxl_mem);
    STATIC_REQUIRE(cxlfw::has_v<t2, cap::ras>);
    STATIC_REQUIRE_FALSE(cxlfw::has_v<t2, cap::mailbox>);
    STATIC_REQUIRE(cxlfw::has_v<t3, cap::hdm<2>>);
    STATIC_REQUIRE_FALSE(cxlfw::has_v<t3, cap::hdm<1>>);
    STATIC_REQUIRE(cxlfw::has_v<t3, cap::any_hdm>);
    STATIC_REQUIRE_FALSE(cxlfw::has_v<t1, cap::any_hdm>);
    STATIC_REQUIRE(cxlfw::hdm_count_v<t3> == 2);
    STATIC_REQUIRE(cxlfw::hdm_count_v<t1> == 0);
    STATIC_REQUIRE(device_traits<t1> && device_traits<t2> && device_traits<t3>);
    STATIC_REQUIRE_FALSE(device_traits<cap::ras>);
    // Drivers answer the same queries as their traits.
    STATIC_REQUIRE(cxlfw::has_v<efx_cxl, cap::ras>);
    STATIC_REQUIRE(cxlfw::hdm_count_v<static_accel> == 2);
    REQUIRE(t3::name() == "type3<mailbox,hdm<2>>");
    REQUIRE(type1<>::name() == "type1<>");
}

TEST_CASE("every HDM decoder count a device can report is accepted", "[policy][traits]") {
    STATIC_REQUIRE(cap::hdm<1>::decoders == 1);
    STATIC_REQUIRE(cap::hdm<10>::decoders == 10);
    STATIC_REQUIRE(detail::device_decoder_count(6));
    STATIC_REQUIRE_FALSE(detail::device_decoder_count(3));
    STATIC_REQUIRE_FALSE(detail::device_decoder_count(12)); // switches and host bridges only
    STATIC_REQUIRE_FALSE(detail::device_decoder_count(0));
}

TEST_CASE("absence policies are a pure table from the kind of fact to a reaction",
          "[policy][when_absent]") {
    using enum reaction_kind;
    STATIC_REQUIRE(react<when_absent::defer>(true) == defer);
    STATIC_REQUIRE(react<when_absent::defer>(false) == fail);
    STATIC_REQUIRE(react<when_absent::degrade>(true) == bind_without_cxl);
    STATIC_REQUIRE(react<when_absent::degrade>(false) == bind_without_cxl);
    STATIC_REQUIRE(react<when_absent::fail>(true) == fail);
    STATIC_REQUIRE(react<when_absent::wait>(true) == bind_and_wait);
    STATIC_REQUIRE(react<when_absent::wait>(false) == fail);
    using timed_wait = when_absent::timed<when_absent::wait>;
    STATIC_REQUIRE(react<timed_wait>(true) == defer);
    STATIC_REQUIRE(react<timed_wait>(true, true) == bind_and_wait);
    STATIC_REQUIRE(react<when_absent::timed<when_absent::fail>>(true, true) == fail);
    // The timeout changes nothing for a policy that is not timed.
    STATIC_REQUIRE(react<when_absent::defer>(true, true) == defer);
    STATIC_REQUIRE(may_bind_without_cxl_v<when_absent::degrade>);
    STATIC_REQUIRE(may_bind_without_cxl_v<when_absent::timed<when_absent::degrade>>);
    STATIC_REQUIRE_FALSE(may_bind_without_cxl_v<when_absent::wait>);
    REQUIRE(when_absent::timed<when_absent::degrade>::name() == "timed<degrade>");
}

TEST_CASE("composed drivers pass their checks and describe themselves", "[policy][driver]") {
    STATIC_REQUIRE(cxlfw::check_driver<efx_cxl>());
    STATIC_REQUIRE(cxlfw::check_driver<static_accel>());
    STATIC_REQUIRE(cxlfw::check_driver<cache_accel>());
    STATIC_REQUIRE(cxlfw::check_driver<expander>());
    STATIC_REQUIRE(cxlfw::check_driver<timed_nic>());
    REQUIRE(efx_cxl::describe() == "type2<hdm<1>,ras> attach=direct when_absent=degrade");
    REQUIRE(static_accel::describe() == "type2<hdm<2>> attach=mediated when_absent=defer");
    REQUIRE(cache_accel::describe() == "type1<ras> attach=none");
    REQUIRE(expander::describe() == "type3<mailbox,hdm<1>,ras> attach=mediated when_absent=wait");
    REQUIRE(timed_nic::describe() == "type2<hdm<1>> attach=direct when_absent=timed<degrade>");
}
