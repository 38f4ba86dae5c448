// Deferral: targeted wake-ups against Linux's retry-all, counted; every kind of key; the
// race of a key appearing while its waiter probes; determinism.
#include "support.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace cxlfw;
using namespace cxlfw::base;
using namespace cxlfw::base::testing;

namespace {

std::string chain_name(int i) {
    return "d" + std::to_string(i);
}

/// d0 <- d1 <- ... <- d(n-1): d(i) binds only once d(i-1) is bound. One driver matches
/// all; the devices are added in reverse order (the worst order), then the host settles.
void run_chain(bed& b, int n) {
    b.driver("chain", [](device& dev) {
        int i = std::stoi(dev.name().substr(1));
        if (i == 0) return bound();
        return needs(chain_name(i - 1))(dev);
    });
    for (int i = n - 1; i >= 0; --i)
        b.add(chain_name(i));
    REQUIRE(b.host.settle());
    for (int i = 0; i < n; ++i)
        REQUIRE(b.host.find_device(chain_name(i))->is_bound());
}

} // namespace

TEST_CASE("a reversed chain of 100 settles in 2N-1 probes with targeted wake-ups",
          "[base][deferral][counts]") {
    constexpr std::uint64_t n = 100;
    bed b{{.mode = deferral_mode::targeted}};
    run_chain(b, n);
    auto c = b.host.counters();
    // d(n-1)..d1 each defer once (n-1 probes), d0 binds (1), and each bind wakes exactly the
    // one device waiting on it (n-1 more probes).
    REQUIRE(c.attempts == 2 * n - 1);
    REQUIRE(c.attempts <= 2 * n);
    REQUIRE(c.deferrals == n - 1);
    REQUIRE(c.wakeups == n - 1);
    REQUIRE(c.binds == n);
    REQUIRE(b.host.find_device("d0")->counters().attempts == 1);
    for (int i = 1; i < static_cast<int>(n); ++i)
        REQUIRE(b.host.find_device(chain_name(i))->counters().attempts == 2);
}

TEST_CASE("a reversed chain of 100 takes N(N+1)/2 probes with retry-all (Linux)",
          "[base][deferral][counts]") {
    constexpr std::uint64_t n = 100;
    bed b{{.mode = deferral_mode::retry_all}};
    run_chain(b, n);
    auto c = b.host.counters();
    // The queue holds d(n-1)..d0. Pass 0: d(n-1)..d1 defer (n-1 probes), d0 binds (1) and
    // triggers. Round k (k = 1..n-1): the pending list d(n-1)..d(k) is queued again in
    // deferral order; all but the last defer again, d(k) binds and triggers the next round:
    // n-k probes, n-k-1 deferrals, n-k wake-ups. So d(i) is probed i+1 times and
    //   attempts  = (n-1) + 1 + sum_{k=1}^{n-1} (n-k)  = n(n+1)/2   = 5050
    //   deferrals = (n-1) + sum_{k=1}^{n-1} (n-k-1)    = n(n-1)/2   = 4950
    //   wakeups   = sum_{k=1}^{n-1} (n-k)              = n(n-1)/2   = 4950
    REQUIRE(c.attempts == n * (n + 1) / 2);
    REQUIRE(c.attempts == 5050);
    REQUIRE(c.deferrals == n * (n - 1) / 2);
    REQUIRE(c.wakeups == n * (n - 1) / 2);
    REQUIRE(c.binds == n);
    for (int i = 0; i < static_cast<int>(n); ++i)
        REQUIRE(b.host.find_device(chain_name(i))->counters().attempts ==
                static_cast<std::uint64_t>(i + 1));
}

TEST_CASE("targeted mode wakes a device only for its own key; retry-all on every bind",
          "[base][deferral]") {
    auto mode = GENERATE(deferral_mode::targeted, deferral_mode::retry_all);
    bed b{{.mode = mode}};
    b.driver(
        "waiter", [](device&) { return deferred(dep_key::event("fw"), "firmware"); }, named({"w"}));
    b.driver("other", bind_always, [](device const& d) { return d.name() != "w"; });
    auto& w = b.add("w");
    REQUIRE(b.host.settle());
    for (int i = 0; i < 10; ++i) {
        b.add("o" + std::to_string(i));
        REQUIRE(b.host.settle());
    }
    if (mode == deferral_mode::targeted) {
        REQUIRE(w.counters().attempts == 1);
        REQUIRE(w.counters().wakeups == 0);
    } else {
        REQUIRE(w.counters().attempts == 11); // once, then after each of the 10 binds
        REQUIRE(w.counters().wakeups == 10);
        REQUIRE(b.sink.of(trace_kind::wakeup).back().key == "trigger");
    }
    REQUIRE(w.state() == device_state::deferred);
}

TEST_CASE("a deferred device wakes when a driver registers or an event is signalled",
          "[base][deferral]") {
    bed b;
    b.driver(
        "needs-helper",
        [](device& dev) {
            if (dev.host()->find_driver("helper")) return bound();
            return deferred(dep_key::driver("helper"), "helper module not loaded");
        },
        named({"a"}));
    bool ready = false;
    b.driver(
        "needs-event",
        [&](device&) {
            return ready ? bound() : deferred(dep_key::event("fw-ready"), "firmware not loaded");
        },
        named({"e"}));
    auto& a = b.add("a");
    auto& e = b.add("e");
    REQUIRE(b.host.settle());
    REQUIRE(a.state() == device_state::deferred);
    REQUIRE(e.state() == device_state::deferred);
    REQUIRE(b.host.info(e).reason == "firmware not loaded");

    b.driver("helper", bind_always, [](device const&) { return false; });
    REQUIRE(b.host.settle());
    REQUIRE(a.is_bound());
    REQUIRE(e.state() == device_state::deferred);

    ready = true;
    REQUIRE(b.host.signal("fw-ready"));
    REQUIRE(b.host.settle());
    REQUIRE(e.is_bound());

    auto wakes = b.sink.of(trace_kind::wakeup);
    REQUIRE(wakes.size() == 2);
    REQUIRE(wakes[0].device == "a");
    REQUIRE(wakes[0].key == "driver:helper");
    REQUIRE(wakes[1].device == "e");
    REQUIRE(wakes[1].key == "event:fw-ready");
    auto defers = b.sink.of(trace_kind::deferred);
    REQUIRE(defers.size() == 2);
    REQUIRE(defers[1].key == "event:fw-ready");
    REQUIRE(defers[1].text == "firmware not loaded");
    REQUIRE(b.host.signal("").error() == errc::invalid_name);
}

TEST_CASE("a key that appears while its waiter probes wakes it at once", "[base][deferral]") {
    auto mode = GENERATE(deferral_mode::targeted, deferral_mode::retry_all);
    bed b{{.mode = mode}};
    int probes = 0;
    b.driver(
        "racer",
        [&](device& dev) {
            if (++probes == 2) return bound();
            // The dependency appears during this probe, before the deferral is recorded.
            REQUIRE(dev.host()->signal("dep"));
            REQUIRE(dev.host()->attach(*dev.host()->find_device("helper")).is_bound());
            return deferred(dep_key::event("dep"), "not yet");
        },
        named({"r"}));
    b.driver("helper", bind_always, named({"helper"}));
    (void)b.host.add_device(std::make_unique<test_device>("helper"));
    auto& r = b.add("r");
    REQUIRE(b.host.unbind(*b.host.find_device("helper")).error() == errc::not_bound);
    REQUIRE(b.host.attach(r).is_deferred());
    REQUIRE(b.host.settle());
    REQUIRE(r.is_bound());
    REQUIRE(probes == 2);
    REQUIRE(r.counters().wakeups == 1);
}

namespace {

/// A bit of everything: a reversed chain, a failure, an event, a removal, a timeout.
std::vector<trace_event> scenario(deferral_mode mode) {
    bed b{{.mode = mode, .deferral_timeout = std::chrono::seconds{5}}};
    b.driver(
        "chain",
        [](device& dev) {
            int i = std::stoi(dev.name().substr(1));
            return i == 0 ? bound() : needs("d" + std::to_string(i - 1))(dev);
        },
        [](device const& d) { return d.name()[0] == 'd'; });
    b.driver(
        "broken",
        [](device& dev) {
            devm_add_action(dev, "half", [] {});
            return failed(std::make_error_code(std::errc::io_error), "broken");
        },
        named({"x"}));
    b.driver(
        "evt",
        [](device& dev) {
            dev.devres().emplace_named<int>("counter", 7);
            return dev.host()->find_device("gate") ? bound()
                                                   : deferred(dep_key::event("go"), "gate closed");
        },
        named({"e1", "e2"}));
    b.driver(
        "slow", [](device&) { return deferred(dep_key::event("never"), "for ever"); },
        named({"t"}));
    for (int i = 4; i >= 0; --i)
        b.add("d" + std::to_string(i));
    b.add("x");
    auto& e1 = b.add("e1");
    b.add("e2", &e1);
    b.add("t");
    REQUIRE(b.host.settle());
    REQUIRE(b.host.advance(std::chrono::seconds{1}));
    b.add("gate");
    REQUIRE(b.host.signal("go"));
    REQUIRE(b.host.remove_device(e1));
    REQUIRE(b.host.run_until(std::chrono::seconds{10}));
    REQUIRE(b.host.teardown());
    REQUIRE(b.host.resources_held().count == 0);
    REQUIRE(b.sink.of(trace_kind::deferral_timeout).size() == 1);
    return b.sink.events();
}

} // namespace

TEST_CASE("the same scenario twice gives the same trace", "[base][deferral][determinism]") {
    auto mode = GENERATE(deferral_mode::targeted, deferral_mode::retry_all);
    auto first = scenario(mode);
    auto second = scenario(mode);
    REQUIRE(first.size() > 40);
    REQUIRE(first.size() == second.size());
    for (std::size_t i = 0; i < first.size(); ++i) {
        INFO(i << ": " << to_string(first[i]) << " vs " << to_string(second[i]));
        REQUIRE(first[i] == second[i]);
    }
}
