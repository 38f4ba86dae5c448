// PROBE_PREFER_ASYNCHRONOUS: probes on the worker pool give the results, counters and
// trace of the synchronous run. Run under ThreadSanitizer by the tsan preset.
#include "support.hpp"

#include <catch2/catch.hpp>

#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace cxlfw;
using namespace cxlfw::base;
using namespace cxlfw::base::testing;

namespace {

constexpr int device_count = 200;

struct run_result {
    std::vector<trace_event> events;
    probe_counters totals;
    std::vector<std::pair<std::string, device_state>> states;
    std::vector<probe_counters> per_device;
    std::set<std::thread::id> probe_threads;
    std::size_t held_after_teardown = 0;
};

/// 200 devices of one prefer-async driver: some fail, some defer on an event, some add a
/// child and bind it synchronously from the probe (a nested probe on a worker), some remove
/// themselves; every probe acquires resources.
run_result run(unsigned workers) {
    run_result r;
    std::mutex mu;
    bed b{{.async_workers = workers}};
    b.driver("child", bind_always, [](device const& d) { return d.name().ends_with(".child"); });
    b.driver(
        "fast",
        [&](device& dev) {
            {
                std::lock_guard lk{mu};
                r.probe_threads.insert(std::this_thread::get_id());
            }
            int i = std::stoi(dev.name().substr(1));
            devm_add_action(dev, "irq", [] {});
            dev.devres().emplace_named<std::vector<int>>("buffer", 64, i);
            host& h = *dev.host();
            if (i % 7 == 0) return failed(std::make_error_code(std::errc::io_error), "no link");
            if (i % 13 == 0) {
                if (!h.remove_device(dev)) return failed(errc::unknown_device);
                return bound();
            }
            if (i % 5 == 0 && dev.counters().attempts == 1)
                return deferred(dep_key::event("late"), "waits for late");
            if (i % 11 == 0) {
                auto child =
                    h.add_device(std::make_unique<test_device>(dev.name() + ".child"), &dev);
                if (!child) return failed(child.error());
                if (!h.attach(**child).is_bound()) return failed(errc::no_driver);
            }
            return bound();
        },
        [](device const& d) { return d.name()[0] == 'a'; }, probe_type::prefer_async);
    for (int i = 0; i < device_count; ++i)
        b.add("a" + std::to_string(i));
    REQUIRE(b.host.settle());
    REQUIRE(b.host.idle());
    REQUIRE(b.host.signal("late"));
    REQUIRE(b.host.settle());

    r.totals = b.host.counters();
    for (device* d : b.host.devices()) {
        REQUIRE(d->state() != device_state::probing); // settle waited for every probe
        r.states.emplace_back(d->name(), d->state());
        r.per_device.push_back(d->counters());
    }
    REQUIRE(b.host.teardown());
    r.held_after_teardown = b.host.resources_held().count;
    r.events = b.sink.events();
    return r;
}

} // namespace

TEST_CASE("prefer-async probes on the pool match the synchronous run", "[base][async][threads]") {
    auto sync = run(0);
    auto async = run(4);

    REQUIRE(sync.probe_threads == std::set<std::thread::id>{std::this_thread::get_id()});
    REQUIRE_FALSE(async.probe_threads.contains(std::this_thread::get_id()));
    REQUIRE_FALSE(async.probe_threads.empty());

    REQUIRE(async.totals == sync.totals);
    REQUIRE(async.states == sync.states);
    REQUIRE(async.per_device == sync.per_device);
    REQUIRE(sync.held_after_teardown == 0);
    REQUIRE(async.held_after_teardown == 0);

    // The expected shape, so that "equal" is not "equally empty".
    REQUIRE(sync.totals.binds > 100);
    REQUIRE(sync.totals.failures > 20);
    REQUIRE(sync.totals.deferrals > 20);
    REQUIRE(sync.totals.wakeups == sync.totals.deferrals);

    REQUIRE(async.events.size() == sync.events.size());
    for (std::size_t i = 0; i < sync.events.size(); ++i) {
        INFO(i << ": " << to_string(sync.events[i]) << " vs " << to_string(async.events[i]));
        REQUIRE(async.events[i] == sync.events[i]);
    }
}

TEST_CASE("settle waits for async probes that take virtual time", "[base][async][threads]") {
    bed b{{.async_workers = 3}};
    std::atomic<int> done{0};
    b.driver(
        "slow",
        [&](device& dev) {
            dev.host()->clock().advance(std::chrono::milliseconds{20}); // decoder commit poll
            ++done;
            return bound();
        },
        {}, probe_type::prefer_async);
    for (int i = 0; i < 30; ++i)
        b.add("s" + std::to_string(i));
    REQUIRE(b.host.settle());
    REQUIRE(done == 30);
    REQUIRE(b.host.now() == std::chrono::milliseconds{600}); // 30 x 20 ms, whatever the order
    for (device* d : b.host.devices())
        REQUIRE(d->is_bound());
    REQUIRE(b.host.counters().attempts == 30);
}

TEST_CASE("async probes may unregister their driver and remove each other safely",
          "[base][async][threads]") {
    bed b{{.async_workers = 4}};
    auto& victim = b.driver(
        "victim",
        [](device& dev) {
            devm_add_action(dev, "v", [] {});
            return bound();
        },
        [](device const& d) { return d.name()[0] == 'v'; }, probe_type::prefer_async);
    b.driver(
        "killer",
        [&](device& dev) {
            host& h = *dev.host();
            int i = std::stoi(dev.name().substr(1));
            if (i == 0) (void)h.unregister_driver(victim);
            if (device* v = h.find_device("v" + std::to_string(i))) (void)h.remove_device(*v);
            devm_add_action(dev, "k", [] {});
            return bound();
        },
        [](device const& d) { return d.name()[0] == 'k'; }, probe_type::prefer_async);
    for (int i = 0; i < 50; ++i)
        b.add("v" + std::to_string(i));
    for (int i = 0; i < 50; ++i)
        b.add("k" + std::to_string(i));
    REQUIRE(b.host.settle());
    for (int i = 0; i < 50; ++i) {
        REQUIRE(b.host.find_device("v" + std::to_string(i)) == nullptr);
        REQUIRE(b.host.find_device("k" + std::to_string(i))->is_bound());
    }
    REQUIRE(b.host.find_driver("victim") == nullptr);
    REQUIRE(b.host.resources_held().count == 50);
    REQUIRE(b.host.teardown());
    REQUIRE(b.host.resources_held().count == 0);
}
