// The deferral timeout (Linux deferred_probe_timeout) on the virtual clock.
#include "support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace cxlfw;
using namespace cxlfw::base;
using namespace cxlfw::base::testing;
using namespace std::chrono_literals;

namespace {
probe_outcome wait_forever(device&) {
    return deferred(dep_key::event("never"), "optional dependency");
}
} // namespace

TEST_CASE("nothing is told before the deadline; at it the driver's default fails the device",
          "[base][timeout]") {
    virtual_clock clock;
    recording_sink sink;
    host h{clock, {.deferral_timeout = 10s, .sink = &sink}};
    REQUIRE(h.add_bus(std::make_unique<test_bus>()));
    REQUIRE(h.register_driver(std::make_unique<test_driver>("opt", wait_forever)));
    auto& dev = *h.add_device(std::make_unique<test_device>("dev")).value();
    REQUIRE(h.settle());
    REQUIRE(clock.now() == 0s); // settle does not move time

    REQUIRE(h.advance(9s));
    REQUIRE(h.run_until(10s - 1ns));
    REQUIRE(sink.of(trace_kind::deferral_timeout).empty());
    REQUIRE(dev.state() == device_state::deferred);
    REQUIRE(dev.counters().timeouts == 0);

    REQUIRE(h.advance(1ns));
    REQUIRE(clock.now() == 10s);
    auto told = sink.of(trace_kind::deferral_timeout);
    REQUIRE(told.size() == 1);
    REQUIRE(told[0].time == 10s);
    REQUIRE(told[0].key == "event:never");
    REQUIRE(dev.state() == device_state::failed);
    REQUIRE(h.info(dev).error == errc::deferral_timeout);
    REQUIRE(h.info(dev).error.category().name() == std::string{"cxlfw.base"});
    REQUIRE(dev.counters().timeouts == 1);
    REQUIRE(dev.counters().attempts == 2); // the probe and the timeout hook
    REQUIRE(h.deferred().empty());

    REQUIRE(h.advance(1h));
    REQUIRE(sink.of(trace_kind::deferral_timeout).size() == 1);
}

TEST_CASE("the driver decides at the deadline: bind without the dependency, or wait again",
          "[base][timeout]") {
    bed b{{.deferral_timeout = 2s}};
    std::vector<std::string> log;
    auto& drv = b.driver("opt", wait_forever);
    drv.on_timeout = [&](device& dev, dep_key const& key) {
        log.push_back(dev.name() + "@" + std::to_string(b.host.now().count()) + ":" + key.name);
        if (dev.name() == "degrade") {
            devm_add_action(dev, "pio-only", [&] { log.push_back("released"); });
            return bound();
        }
        return deferred(key, "still waiting");
    };
    auto& degrade = b.add("degrade");
    auto& patient = b.add("patient");
    REQUIRE(b.host.run_until(5s));

    REQUIRE(degrade.is_bound());
    REQUIRE(b.host.resources_held().count == 1);
    REQUIRE(patient.state() == device_state::deferred);
    // The patient one deferred again at 2 s: a new wait, told again at 4 s.
    REQUIRE(log == std::vector<std::string>{"degrade@2000000000:never", "patient@2000000000:never",
                                            "patient@4000000000:never"});
    REQUIRE(b.host.deferred().at(0).since == 4s);

    REQUIRE(b.host.unbind(degrade));
    REQUIRE(log.back() == "released");
    REQUIRE(b.host.resources_held().count == 0);
}

TEST_CASE("a device that binds before its deadline is never told; re-probes keep the deadline",
          "[base][timeout]") {
    bed b{{.deferral_timeout = 10s}};
    bool open = false;
    b.driver(
        "gate",
        [&](device&) { return open ? bound() : deferred(dep_key::event("open"), "closed"); },
        named({"early"}));
    b.driver(
        "stubborn", [](device&) { return deferred(dep_key::event("kick"), "never enough"); },
        named({"late"}));
    auto& early = b.add("early");
    auto& late = b.add("late");
    REQUIRE(b.host.settle());

    REQUIRE(b.host.advance(3s));
    open = true;
    REQUIRE(b.host.signal("open"));
    REQUIRE(b.host.signal("kick")); // `late` is probed again at 3 s and defers again
    REQUIRE(b.host.settle());
    REQUIRE(early.is_bound());
    REQUIRE(late.counters().attempts == 2);

    REQUIRE(b.host.run_until(10s - 1ns));
    REQUIRE(b.sink.of(trace_kind::deferral_timeout).empty());
    REQUIRE(b.host.advance(1ns)); // 10 s after the first deferral, not 13 s
    auto told = b.sink.of(trace_kind::deferral_timeout);
    REQUIRE(told.size() == 1);
    REQUIRE(told[0].device == "late");
    REQUIRE(told[0].time == 10s);
    REQUIRE(late.state() == device_state::failed);
    REQUIRE(early.counters().timeouts == 0);
    REQUIRE(b.host.advance(1h));
    REQUIRE(b.host.counters().timeouts == 1);
}

TEST_CASE("a probe that advances the clock past a deadline lets the timeout run in settle",
          "[base][timeout]") {
    bed b{{.deferral_timeout = 1s}};
    b.driver("waiter", wait_forever, named({"w"}));
    b.driver(
        "poller",
        [](device& dev) {
            dev.host()->clock().advance(5s); // polls hardware for 5 s
            return bound();
        },
        named({"p"}));
    auto& w = b.add("w");
    REQUIRE(b.host.settle());
    b.add("p");
    REQUIRE(b.host.settle());
    REQUIRE(b.host.now() == 5s);
    REQUIRE(w.state() == device_state::failed);
    REQUIRE(b.sink.of(trace_kind::deferral_timeout).at(0).time == 5s);
}

TEST_CASE("without a deferral timeout a device waits for ever", "[base][timeout]") {
    bed b;
    auto& drv = b.driver("opt", wait_forever);
    bool told = false;
    drv.on_timeout = [&](device&, dep_key const&) {
        told = true;
        return bound();
    };
    auto& dev = b.add("dev");
    REQUIRE(b.host.advance(24h));
    REQUIRE(b.host.now() == 24h);
    REQUIRE_FALSE(told);
    REQUIRE(dev.state() == device_state::deferred);
    REQUIRE(b.host.queued() == 0);
}
