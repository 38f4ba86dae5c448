// Binding in any order, unbinding, removal (also during a probe), links and rescans.
#include "support.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <system_error>
#include <vector>

using namespace cxlfw;
using namespace cxlfw::base;
using namespace cxlfw::base::testing;
using namespace std::chrono_literals;

TEST_CASE("a driver registered before its device binds it once the executor runs",
          "[base][binding]") {
    bed b{{.mode = GENERATE(deferral_mode::targeted, deferral_mode::retry_all)}};
    auto& drv = b.driver("drv", bind_always);
    auto& dev = b.add("dev0");
    REQUIRE(dev.state() == device_state::unbound); // adding queues, it does not probe
    REQUIRE(b.host.settle());
    REQUIRE(dev.state() == device_state::bound);
    REQUIRE(dev.bound_driver() == &drv);
    REQUIRE(dev.counters().attempts == 1);
    REQUIRE(dev.counters().binds == 1);
    REQUIRE(b.host.info(dev).driver == "drv");
}

TEST_CASE("a device added before its driver binds when the driver registers", "[base][binding]") {
    bed b{{.mode = GENERATE(deferral_mode::targeted, deferral_mode::retry_all)}};
    auto& dev = b.add("dev0");
    REQUIRE(b.host.settle());
    REQUIRE(dev.state() == device_state::unbound);
    REQUIRE(b.host.info(dev).error == errc::no_driver);
    REQUIRE(dev.counters().attempts == 0);

    auto& drv = b.driver("drv", bind_always);
    REQUIRE(dev.state() == device_state::unbound);
    REQUIRE(b.host.settle());
    REQUIRE(dev.bound_driver() == &drv);
    REQUIRE(b.host.counters().attempts == 1);
}

TEST_CASE("a deferred device that is unbound stops waiting", "[base][binding][deferral]") {
    bed b;
    b.driver("consumer", needs("supplier"), named({"c"}));
    b.driver("plain", bind_always, named({"supplier"}));
    auto& c = b.add("c");
    REQUIRE(b.host.settle());
    REQUIRE(c.state() == device_state::deferred);
    REQUIRE(b.host.info(c).waiting_on == dep_key::device("supplier"));
    REQUIRE(b.host.deferred().size() == 1);
    REQUIRE(b.host.deferred()[0].driver == "consumer");

    REQUIRE(b.host.unbind(c));
    REQUIRE(c.state() == device_state::unbound);
    REQUIRE(b.host.deferred().empty());
    REQUIRE(b.host.unbind(c).error() == errc::not_bound);

    b.add("supplier");
    REQUIRE(b.host.settle());
    REQUIRE(b.host.find_device("supplier")->is_bound());
    REQUIRE(c.state() == device_state::unbound); // its key appeared: nobody woke it
    REQUIRE(c.counters().attempts == 1);
    REQUIRE(c.counters().wakeups == 0);
    REQUIRE(b.devices_of(trace_kind::wakeup).empty());
}

TEST_CASE("a device removed during its own probe: the result is discarded, resources released",
          "[base][binding][removal]") {
    bed b;
    std::vector<std::string> log;
    auto& drv = b.driver("drv", [&](device& dev) {
        devm_add_action(dev, "r1", [&] { log.push_back("r1"); });
        devm_add_action(dev, "r2", [&] { log.push_back("r2"); });
        REQUIRE(dev.host()->remove_device(dev));
        REQUIRE(dev.host()->find_device("self") == nullptr); // detached at once
        devm_add_action(dev, "r3", [&] { log.push_back("r3"); });
        return bound();
    });
    drv.on_remove = [&](device&) { log.push_back("remove"); };
    b.add("self");
    REQUIRE(b.host.settle());

    REQUIRE(b.host.find_device("self") == nullptr);
    REQUIRE(log == std::vector<std::string>{"r3", "r2", "r1"}); // remove() never ran
    REQUIRE(b.host.resources_held().count == 0);
    REQUIRE(b.host.counters().binds == 0);
    auto ends = b.sink.of(trace_kind::probe_end);
    REQUIRE(ends.size() == 1);
    REQUIRE(ends[0].outcome == outcome_kind::discarded);
    REQUIRE(ends[0].error == errc::device_removed);

    std::vector<trace_kind> kinds;
    for (auto const& e : b.sink.events())
        if (e.device == "self") kinds.push_back(e.kind);
    REQUIRE(kinds == std::vector<trace_kind>{trace_kind::device_added, trace_kind::probe_begin,
                                             trace_kind::device_removed, trace_kind::probe_end,
                                             trace_kind::resource_released,
                                             trace_kind::resource_released,
                                             trace_kind::resource_released});
}

TEST_CASE("a probe that removes its parent: the parent is unbound and both are gone",
          "[base][binding][removal]") {
    bed b;
    int parent_removes = 0;
    auto& pdrv = b.driver("parent_drv", bind_always, named({"p"}));
    pdrv.on_remove = [&](device&) { ++parent_removes; };
    auto& cdrv = b.driver(
        "child_drv",
        [](device& dev) {
            devm_add_action(dev, "child-res", [] {});
            REQUIRE(dev.host()->remove_device(*dev.parent()));
            REQUIRE(dev.parent()->name() == "p"); // still readable: the child holds it
            return bound();
        },
        named({"c"}));
    (void)cdrv;
    auto& p = b.add("p");
    REQUIRE(b.host.settle());
    b.add("c", &p);
    REQUIRE(b.host.settle());

    REQUIRE(b.host.devices().empty());
    REQUIRE(parent_removes == 1);
    REQUIRE(b.host.resources_held().count == 0);
    REQUIRE(b.devices_of(trace_kind::device_removed) == std::vector<std::string>{"c", "p"});
    REQUIRE(b.sink.of(trace_kind::probe_end).back().outcome == outcome_kind::discarded);
}

TEST_CASE("removing or unbinding a supplier unbinds its consumers first, newest binding first",
          "[base][binding][links]") {
    bed b;
    std::vector<std::string> removed;
    auto& drv = b.driver("drv", bind_always);
    drv.on_remove = [&](device& d) { removed.push_back(d.name()); };
    auto& s = b.add("s");
    auto& c1 = b.add("c1");
    auto& c2 = b.add("c2");
    auto& c3 = b.add("c3");
    REQUIRE(b.host.add_link(c1, s));
    REQUIRE(b.host.add_link(c2, s));
    REQUIRE(b.host.add_link(c3, c1)); // indirect consumer of s
    REQUIRE(b.host.settle());
    for (device* d : {&s, &c1, &c2, &c3})
        REQUIRE(d->is_bound());

    std::vector<std::string> const expected{"c3", "c2", "c1", "s"};
    SECTION("unbind") {
        REQUIRE(b.host.unbind(s));
        REQUIRE(b.devices_of(trace_kind::unbind_begin) == expected);
        REQUIRE(b.devices_of(trace_kind::unbind_end) == expected);
        REQUIRE(removed == expected);
        for (device* d : {&s, &c1, &c2, &c3})
            REQUIRE(d->state() == device_state::unbound);
        REQUIRE(b.host.devices().size() == 4);
    }
    SECTION("removal") {
        REQUIRE(b.host.remove_device(s));
        REQUIRE(b.devices_of(trace_kind::unbind_begin) == expected);
        REQUIRE(removed == expected);
        REQUIRE(b.devices_of(trace_kind::device_removed) == std::vector<std::string>{"s"});
        // The consumers stay, unbound, and do not probe again on their own.
        REQUIRE(b.host.settle());
        for (device* d : {&c1, &c2, &c3})
            REQUIRE(d->state() == device_state::unbound);
        REQUIRE(b.host.counters().attempts == 4);
    }
}

TEST_CASE("children are removed before their parent, newest first", "[base][binding][removal]") {
    bed b;
    auto& drv = b.driver("drv", bind_always);
    std::error_code late_child;
    drv.on_remove = [&](device& dev) {
        if (dev.name() == "p")
            late_child = dev.host()
                             ->add_device(std::make_unique<test_device>("late"), &dev)
                             .error(); // being removed: no new children
    };
    auto& p = b.add("p");
    auto& a = b.add("a", &p);
    b.add("b", &p);
    b.add("a1", &a);
    REQUIRE(b.host.settle());
    REQUIRE(b.host.children(p).size() == 2);
    REQUIRE(b.host.remove_device(p));
    std::vector<std::string> const order{"b", "a1", "a", "p"};
    REQUIRE(b.devices_of(trace_kind::unbind_begin) == order);
    REQUIRE(b.devices_of(trace_kind::device_removed) == order);
    REQUIRE(b.host.devices().empty());
    REQUIRE(late_child == errc::parent_absent);
}

TEST_CASE("a failed probe lets the next matching driver try; unregistering unbinds",
          "[base][binding]") {
    bed b;
    auto& first = b.driver("first", [](device&) {
        return failed(std::make_error_code(std::errc::io_error), "no link");
    });
    auto& second = b.driver("second", bind_always);
    int removes = 0;
    second.on_remove = [&](device&) { ++removes; };
    auto& dev = b.add("dev");
    REQUIRE(b.host.settle());
    REQUIRE(dev.bound_driver() == &second);
    REQUIRE(dev.counters().attempts == 2);
    REQUIRE(dev.counters().failures == 1);

    REQUIRE(b.host.unregister_driver(second));
    REQUIRE(removes == 1);
    REQUIRE(dev.state() == device_state::unbound);
    REQUIRE(b.host.find_driver("second") == nullptr);
    REQUIRE(b.host.drivers() == std::vector<driver*>{&first});
    REQUIRE(b.sink.of(trace_kind::driver_unregistered).at(0).driver == "second");
    REQUIRE(b.host.settle());
    REQUIRE(dev.state() == device_state::unbound); // Linux: no re-probe after unbind

    REQUIRE(b.host.rescan("test"));
    REQUIRE(b.host.settle());
    REQUIRE(dev.state() == device_state::failed);
    REQUIRE(b.host.info(dev).error == std::errc::io_error);
    REQUIRE(b.host.info(dev).message == "no link");
}

TEST_CASE("bind, attach and unbind on request", "[base][binding]") {
    bed b;
    auto& yes = b.driver("yes", bind_always);
    auto& no = b.driver("no", bind_always, [](device const&) { return false; });
    auto& dev = b.add("dev");

    REQUIRE(b.host.bind(dev, no).error() == errc::driver_mismatch);
    auto out = b.host.bind(dev, yes);
    REQUIRE(out.is_bound());
    REQUIRE(dev.bound_driver() == &yes);
    REQUIRE(b.host.bind(dev, yes).error() == errc::already_bound);
    REQUIRE(b.host.attach(dev).error() == errc::already_bound);
    REQUIRE(b.host.settle()); // the queued attach of dev is stale now
    REQUIRE(dev.counters().attempts == 1);

    REQUIRE(b.host.unbind(dev));
    REQUIRE(b.host.unbind(dev).error() == errc::not_bound);
    REQUIRE(b.host.attach(dev).is_bound());

    bed other;
    auto& foreign = other.driver("foreign", bind_always);
    REQUIRE(b.host.bind(dev, foreign).error() == errc::unknown_driver);
    REQUIRE(b.host.unregister_driver(foreign).error() == errc::unknown_driver);
    auto& stranger = other.add("stranger");
    REQUIRE(b.host.attach(stranger).error() == errc::unknown_device);
    REQUIRE(b.host.unbind(stranger).error() == errc::unknown_device);
    REQUIRE(b.host.remove_device(stranger).error() == errc::unknown_device);

    auto& lonely = *b.host.add_device(std::make_unique<platform_device>("lonely")).value();
    auto none = b.host.attach(lonely);
    REQUIRE(none.error() == errc::no_driver);
    REQUIRE(lonely.state() == device_state::unbound);
}

TEST_CASE("a hook cannot bind, unbind or settle its own device", "[base][binding]") {
    bed b;
    probe_outcome inner = bound();
    status unbind_result, settle_result;
    b.driver("drv", [&](device& dev) {
        inner = dev.host()->attach(dev);
        unbind_result = dev.host()->unbind(dev);
        settle_result = dev.host()->settle();
        return bound();
    });
    auto& dev = b.add("dev");
    REQUIRE(b.host.settle());
    REQUIRE(dev.is_bound());
    REQUIRE(inner.error() == errc::probe_in_progress);
    REQUIRE(unbind_result.error() == errc::probe_in_progress);
    REQUIRE(settle_result.error() == errc::settle_inside_probe);
}

TEST_CASE("hooks add devices, register drivers and attach synchronously", "[base][binding]") {
    bed b;
    probe_outcome eager_result = failed(errc::no_driver), late_result = bound();
    bool seen_bound = false;
    auto& root = b.driver(
        "root",
        [&](device& dev) {
            host& h = *dev.host();
            auto& c1 = *h.add_device(std::make_unique<test_device>("c1"), &dev).value();
            auto& c2 = *h.add_device(std::make_unique<test_device>("c2"), &dev).value();
            REQUIRE(h.find_device("c1") == &c1); // a hook sees its own changes at once
            eager_result = h.attach(c1);         // a driver registered before: binds now
            seen_bound = c1.is_bound();
            auto late = std::make_unique<test_driver>("late", bind_always);
            late->matches = [](device const& d) { return d.name() == "c2"; };
            REQUIRE(h.register_driver(std::move(late)));
            late_result = h.attach(c2); // registered from this probe: matchable when it ends
            return bound();
        },
        named({"root0"}));
    (void)root;
    b.driver("eager", bind_always, named({"c1"}));
    b.add("root0");
    REQUIRE(b.host.settle());

    REQUIRE(eager_result.is_bound());
    REQUIRE(seen_bound);
    REQUIRE(late_result.error() == errc::no_driver);
    REQUIRE(b.host.find_device("c2")->is_bound()); // queued by the registration
    REQUIRE(b.host.find_device("c2")->bound_driver()->name() == "late");

    std::vector<std::string> seq;
    for (auto const& e : b.sink.events())
        seq.push_back(std::string{to_string(e.kind)} + ":" + e.device + e.driver);
    auto at = std::find(seq.begin(), seq.end(), "probe_begin:root0root");
    REQUIRE(at != seq.end());
    std::vector<std::string> const during{
        "probe_begin:root0root", "device_added:c1",    "device_added:c2",
        "probe_begin:c1eager",   "probe_end:c1eager",  "driver_registered:late",
        "probe_end:root0root",   "probe_begin:c2late", "probe_end:c2late",
    };
    REQUIRE(std::vector<std::string>(at, at + during.size()) == during);
}

TEST_CASE("a consumer does not probe before its supplier is bound", "[base][binding][links]") {
    bed b;
    int consumer_probes = 0;
    b.driver(
        "cdrv",
        [&](device&) {
            ++consumer_probes;
            return bound();
        },
        named({"c"}));
    auto& sdrv = b.driver("sdrv", bind_always, named({"s"}));
    auto& c = b.add("c");
    auto& s = *b.host.add_device(std::make_unique<test_device>("s")).value();
    REQUIRE(b.host.add_link(c, s));
    REQUIRE(b.host.unregister_driver(sdrv)); // the supplier cannot bind yet
    REQUIRE(b.host.settle());
    REQUIRE(consumer_probes == 0);
    REQUIRE(c.state() == device_state::deferred);
    REQUIRE(b.host.info(c).waiting_on == dep_key::device("s"));

    b.driver("sdrv2", bind_always, named({"s"}));
    REQUIRE(b.host.settle());
    REQUIRE(s.is_bound());
    REQUIRE(c.is_bound());
    REQUIRE(consumer_probes == 1);
    REQUIRE(c.counters().deferrals == 1);
    REQUIRE(c.counters().wakeups == 1);
}

TEST_CASE("device links refuse cycles, strangers and bound consumers of unbound suppliers",
          "[base][binding][links]") {
    bed b;
    auto& x = b.add("x");
    auto& y = b.add("y");
    auto& z = b.add("z");
    REQUIRE(b.host.add_link(x, x).error() == errc::link_cycle);
    REQUIRE(b.host.add_link(x, y));
    REQUIRE(b.host.add_link(x, y)); // idempotent
    REQUIRE(b.host.add_link(y, z));
    REQUIRE(b.host.add_link(z, x).error() == errc::link_cycle);
    bed other;
    REQUIRE(b.host.add_link(x, other.add("w")).error() == errc::unknown_device);

    b.driver("drv", bind_always, named({"q"}));
    auto& q = b.add("q");
    REQUIRE(b.host.settle());
    REQUIRE(q.is_bound());
    REQUIRE(b.host.add_link(q, z).error() == errc::supplier_unbound);
}

TEST_CASE("a rescan attaches unbound devices and wakes waiting ones", "[base][binding]") {
    bed b;
    int tries = 0;
    b.driver(
        "flaky",
        [&](device&) {
            return ++tries == 1 ? failed(std::make_error_code(std::errc::device_or_resource_busy))
                                : bound();
        },
        named({"f"}));
    b.driver(
        "waiter", [](device&) { return deferred(dep_key::event("never"), "waits for ever"); },
        named({"w"}));
    auto& f = b.add("f");
    auto& w = b.add("w");
    REQUIRE(b.host.settle());
    REQUIRE(f.state() == device_state::failed);
    REQUIRE(w.state() == device_state::deferred);

    REQUIRE(b.host.rescan("test"));
    REQUIRE(b.host.settle());
    REQUIRE(f.is_bound());
    REQUIRE(w.state() == device_state::deferred);
    REQUIRE(w.counters().attempts == 2);
    auto wakes = b.sink.of(trace_kind::wakeup);
    REQUIRE(wakes.size() == 1);
    REQUIRE(wakes[0].device == "w");
    REQUIRE(wakes[0].key == "rescan:test");
    REQUIRE(b.host.rescan("nope").error() == errc::unknown_bus);
}

TEST_CASE("a driver unregistered during its own probe: the result is discarded",
          "[base][binding][removal]") {
    bed b;
    bool released = false;
    b.driver("suicidal", [&](device& dev) {
        devm_add_action(dev, "held", [&] { released = true; });
        REQUIRE(dev.host()->unregister_driver(*dev.bound_driver()));
        REQUIRE(dev.host()->find_driver("suicidal") == nullptr);
        return bound(); // the driver object lives until this returns
    });
    auto& dev = b.add("dev");
    REQUIRE(b.host.settle());
    REQUIRE(dev.state() == device_state::unbound);
    REQUIRE(b.host.info(dev).error == errc::driver_unregistered);
    REQUIRE(released);
    REQUIRE(b.host.resources_held().count == 0);
    auto end = b.sink.of(trace_kind::probe_end).at(0);
    REQUIRE(end.outcome == outcome_kind::discarded);
    REQUIRE(end.error == errc::driver_unregistered);
    REQUIRE(end.text == "probe returned bound");
}

TEST_CASE("devices waiting on a driver's deferral stop waiting when it unregisters",
          "[base][binding][deferral]") {
    bed b;
    auto& waiter = b.driver("waiter", needs("s"), named({"w"}));
    auto& w = b.add("w");
    REQUIRE(b.host.settle());
    REQUIRE(w.state() == device_state::deferred);
    REQUIRE(b.host.unregister_driver(waiter));
    REQUIRE(w.state() == device_state::unbound);
    REQUIRE(b.host.deferred().empty());
    b.driver("plain", bind_always, named({"s"}));
    b.add("s");
    REQUIRE(b.host.settle());
    REQUIRE(w.state() == device_state::unbound);
    REQUIRE(w.counters().attempts == 1);
    REQUIRE(w.counters().wakeups == 0);
}

TEST_CASE("binding a waiting device to a driver on request probes it now",
          "[base][binding][deferral]") {
    bed b;
    b.driver("waiter", needs("s"), named({"w"}));
    auto& other = b.driver("other", bind_always, named({"w"}));
    auto& w = b.add("w");
    REQUIRE(b.host.settle());
    REQUIRE(w.state() == device_state::deferred);
    REQUIRE(b.host.bind(w, other).is_bound());
    REQUIRE(w.bound_driver() == &other);
    REQUIRE(b.host.deferred().empty());
    b.add("s"); // no driver for s: nothing to wake anyway
    REQUIRE(b.host.settle());
    REQUIRE(w.counters().attempts == 2);
}

TEST_CASE("an object_hold keeps what is removed or retired until it ends",
          "[base][binding][removal]") {
    bed b;
    auto& dev = b.add("dev0");
    REQUIRE(b.host.settle());
    auto flag = std::make_shared<int>(1);
    std::weak_ptr<int> retired = flag;
    {
        host::object_hold hold{b.host};
        b.host.retire(std::move(flag));
        REQUIRE(b.host.remove_device(dev));
        REQUIRE(b.host.find_device("dev0") == nullptr); // gone from the host at once
        REQUIRE(!retired.expired());                    // still alive while held
        REQUIRE(dev.removing());                        // and so is the device
        { host::object_hold nested{b.host}; }
        REQUIRE(!retired.expired()); // an inner hold's end does not release the outer's
    }
    REQUIRE(retired.expired());
}
