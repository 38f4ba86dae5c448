// The executor: a time-ordered queue; settle() runs what is due without moving the clock.
#include "support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace cxlfw;
using namespace cxlfw::base;
using namespace cxlfw::base::testing;
using namespace std::chrono_literals;

TEST_CASE("scheduled callbacks run in time order, ties in the order they were scheduled",
          "[base][executor]") {
    host h;
    std::vector<std::string> log;
    auto at = [&](std::string name) {
        return [&log, &h, name] { log.push_back(name + "@" + std::to_string(h.now().count())); };
    };
    h.call_at(3s, at("c"));
    h.call_at(1s, at("a"));
    h.call_at(1s, at("b"));
    h.call_at(0s, at("now"));
    REQUIRE(h.queued() == 4);
    REQUIRE_FALSE(h.idle());

    REQUIRE(h.settle());
    REQUIRE(log == std::vector<std::string>{"now@0"});
    REQUIRE(h.now() == 0s);
    REQUIRE(h.idle());

    REQUIRE(h.run_until(2s));
    REQUIRE(log == std::vector<std::string>{"now@0", "a@1000000000", "b@1000000000"});
    REQUIRE(h.now() == 2s);

    REQUIRE(h.advance(5s));
    REQUIRE(log.back() == "c@3000000000");
    REQUIRE(h.now() == 7s);
    REQUIRE(h.run_until(1s)); // time never runs backwards
    REQUIRE(h.now() == 7s);
    REQUIRE(h.queued() == 0);
}

TEST_CASE("the executor refuses to run from inside a callback or a hook", "[base][executor]") {
    bed b;
    status from_callback, from_probe_settle, from_probe_run, from_probe_teardown;
    b.host.call_at(0s, [&] { from_callback = b.host.settle(); });
    b.driver("drv", [&](device& dev) {
        from_probe_settle = dev.host()->settle();
        from_probe_run = dev.host()->advance(1s);
        from_probe_teardown = dev.host()->teardown();
        return bound();
    });
    auto& dev = b.add("dev");
    REQUIRE(b.host.settle());
    REQUIRE(dev.is_bound());
    REQUIRE(from_callback.error() == errc::settle_inside_probe);
    REQUIRE(from_probe_settle.error() == errc::settle_inside_probe);
    REQUIRE(from_probe_run.error() == errc::settle_inside_probe);
    REQUIRE(from_probe_teardown.error() == errc::settle_inside_probe);
    REQUIRE(b.host.now() == 0s);
}

TEST_CASE("callbacks may hot-plug devices at a virtual time", "[base][executor]") {
    bed b;
    b.driver("drv", bind_always);
    b.host.call_at(5s, [&] { b.add("hotplug"); });
    b.host.call_at(8s, [&] { REQUIRE(b.host.remove_device(*b.host.find_device("hotplug"))); });
    REQUIRE(b.host.run_until(6s));
    REQUIRE(b.host.find_device("hotplug")->is_bound());
    REQUIRE(b.sink.of(trace_kind::probe_end).at(0).time == 5s);
    REQUIRE(b.host.run_until(10s));
    REQUIRE(b.host.find_device("hotplug") == nullptr);
    REQUIRE(b.sink.of(trace_kind::device_removed).at(0).time == 8s);
}

TEST_CASE("a throwing probe is a failure with its message", "[base][executor]") {
    bed b;
    b.driver("bad", [](device&) -> probe_outcome { throw std::runtime_error("boom"); });
    auto& dev = b.add("dev");
    REQUIRE(b.host.settle());
    REQUIRE(dev.state() == device_state::failed);
    REQUIRE(b.host.info(dev).error == errc::probe_exception);
    REQUIRE(b.host.info(dev).message == "boom");
}
