// The core's error category and facts: names, messages, the missing piece, conversions.
#include <cxlfw/core/errc.hpp>

#include <catch2/catch.hpp>

#include <set>
#include <stdexcept>
#include <string>
#include <system_error>

using namespace cxlfw;
namespace core = cxlfw::core;

TEST_CASE("errc: the category is \"cxlfw\" and every value has its own message", "[core][errc]") {
    std::error_code ec = errc::root_absent;
    REQUIRE(std::string{ec.category().name()} == "cxlfw");
    REQUIRE(ec.message() == "no CXL root");
    std::set<std::string> seen;
    for (int v = 1; v <= static_cast<int>(errc::address_out_of_range); ++v) {
        auto m = make_error_code(static_cast<errc>(v)).message();
        REQUIRE(m.find("cxlfw error") == std::string::npos); // a message of its own
        REQUIRE(seen.insert(m).second);
    }
}

TEST_CASE("fact: code, missing piece and detail, and its message names all three", "[core][errc]") {
    auto f = core::port_absent_fact("pci0000:0c");
    REQUIRE(f == errc::port_absent);
    REQUIRE(f.is_absence());
    REQUIRE(*f.missing == base::dep_key::event("cxl_port:pci0000:0c"));
    REQUIRE(f.message() ==
            "no CXL port for a host bridge or switch on the path: no CXL port for pci0000:0c "
            "(missing event:cxl_port:pci0000:0c)");

    REQUIRE(*core::root_absent_fact().missing == base::dep_key::event("cxl_root:root0"));
    REQUIRE(*core::no_mem_driver_fact("mem0").missing == base::dep_key::driver("cxl_mem"));
    REQUIRE(*core::no_port_driver_fact("port1").missing == base::dep_key::driver("cxl_port"));
    REQUIRE(*core::link_down_fact("0000:0d:00.0").missing ==
            base::dep_key::event("link_up:0000:0d:00.0"));
    REQUIRE(*core::port_not_bound_fact("port3", "0000:0e:00.0").missing ==
            base::dep_key::event("cxl_port:0000:0e:00.0"));

    core::fact other{errc::no_capacity, "window full"};
    REQUIRE_FALSE(other.is_absence());
    REQUIRE(other.message() == "not enough free capacity: window full");
}

TEST_CASE("fact_result: value() throws the fact, and the code converts to cxlfw::result",
          "[core][errc]") {
    core::fact_result<int> r = core::fact{errc::commit_timeout, "decoder2.0"};
    REQUIRE_FALSE(r);
    REQUIRE_THROWS_WITH(r.value(), Catch::Contains("decoder2.0"));
    std::error_code ec = r.error();
    REQUIRE(ec == errc::commit_timeout);
    result<int> plain = core::to_result(r);
    REQUIRE(plain.error() == errc::commit_timeout);
    core::fact_result<int> ok = 7;
    REQUIRE(core::to_result(ok).value() == 7);
    core::fact_result<void> fine;
    REQUIRE(core::to_result(fine).has_value());
}
