// Managed resources: released newest first whenever a binding ends, and nothing is left.
#include "support.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace cxlfw;
using namespace cxlfw::base;
using namespace cxlfw::base::testing;

namespace {

/// An object a binding owns; its destructor writes to the log.
struct widget {
    widget(std::vector<std::string>& log, std::string name) : log_{&log}, name_{std::move(name)} {}
    ~widget() { log_->push_back(name_); }
    widget(widget const&) = delete;
    widget& operator=(widget const&) = delete;
    std::vector<std::string>* log_;
    std::string name_;
};

constexpr int steps = 5;

/// Acquire r0..r(k-1), alternating actions and owned objects; then fail, defer or bind.
struct stepper {
    std::vector<std::string>& log;
    int fail_at;
    bool defer;

    probe_outcome operator()(device& dev) const {
        for (int i = 0; i < steps; ++i) {
            if (i == fail_at)
                return defer ? deferred(dep_key::event("later"), "step " + std::to_string(i))
                             : failed(std::make_error_code(std::errc::no_such_device),
                                      "step " + std::to_string(i));
            std::string name = "r" + std::to_string(i);
            if (i % 2 == 0)
                devm_add_action(dev, name, [&log = log, name] { log.push_back(name); });
            else
                dev.devres().emplace_named<widget>(name, log, name);
        }
        return bound();
    }
};

std::vector<std::string> reversed_names(int k) {
    std::vector<std::string> out;
    for (int i = k - 1; i >= 0; --i)
        out.push_back("r" + std::to_string(i));
    return out;
}

} // namespace

TEST_CASE("a probe that fails at any acquisition step leaves nothing held", "[base][devres]") {
    auto defer = GENERATE(false, true);
    auto k = GENERATE(range(0, steps));
    INFO("fails at step " << k << (defer ? " by deferring" : " with an error"));
    bed b;
    std::vector<std::string> log;
    b.driver("stepper", stepper{log, k, defer});
    auto& dev = b.add("dev");
    REQUIRE(b.host.settle());

    REQUIRE(dev.state() == (defer ? device_state::deferred : device_state::failed));
    REQUIRE(b.host.resources_held().count == 0);
    REQUIRE(dev.devres().empty());
    REQUIRE(log == reversed_names(k));
    REQUIRE(b.released() == reversed_names(k));
    REQUIRE(dev.drvdata<int>() == nullptr);
}

TEST_CASE("unbind and removal release in reverse order, after remove()", "[base][devres]") {
    bed b;
    std::vector<std::string> log;
    auto& drv = b.driver("stepper", stepper{log, steps, false});
    drv.on_remove = [&](device& dev) {
        log.push_back("remove");
        REQUIRE(dev.devres().size() == steps); // remove() runs while the resources exist
    };
    auto& dev = b.add("dev");
    REQUIRE(b.host.settle());
    REQUIRE(dev.is_bound());
    auto held = b.host.resources_held();
    REQUIRE(held.count == steps);
    REQUIRE(held.items.front() == held_resource{"dev", "r0"});
    REQUIRE(held.items.back() == held_resource{"dev", "r4"});
    REQUIRE(dev.devres().names() == std::vector<std::string>{"r0", "r1", "r2", "r3", "r4"});

    std::vector<std::string> expected{"remove"};
    for (auto const& n : reversed_names(steps))
        expected.push_back(n);

    SECTION("unbind") {
        REQUIRE(b.host.unbind(dev));
    }
    SECTION("removal") {
        REQUIRE(b.host.remove_device(dev));
    }
    SECTION("driver unregistered") {
        REQUIRE(b.host.unregister_driver(drv));
    }
    REQUIRE(log == expected);
    REQUIRE(b.released() == reversed_names(steps));
    REQUIRE(b.host.resources_held().count == 0);
    // The releases sit between the unbind's begin and end on the device's track.
    auto events = b.sink.events();
    auto begin = std::find_if(events.begin(), events.end(),
                              [](auto const& e) { return e.kind == trace_kind::unbind_begin; });
    REQUIRE(begin != events.end());
    for (int i = 1; i <= steps; ++i)
        REQUIRE((begin + i)->kind == trace_kind::resource_released);
    REQUIRE((begin + steps + 1)->kind == trace_kind::unbind_end);
}

TEST_CASE("driver data lives with the binding and is typed", "[base][devres]") {
    bed b;
    struct state {
        int value = 42;
    };
    int seen_in_remove = 0;
    auto& drv = b.driver("drv", [](device& dev) {
        auto& st = dev.devres().emplace<state>();
        dev.set_drvdata(&st);
        return bound();
    });
    drv.on_remove = [&](device& dev) {
        if (auto* st = dev.drvdata<state>()) seen_in_remove = st->value;
    };
    auto& dev = b.add("dev");
    REQUIRE(b.host.settle());
    REQUIRE(dev.drvdata<state>() != nullptr);
    REQUIRE(dev.drvdata<state>()->value == 42);
    REQUIRE(dev.drvdata<int>() == nullptr); // another type: no pointer
    REQUIRE(dev.devres().names().at(0).find("state") != std::string::npos);
    REQUIRE(b.host.unbind(dev));
    REQUIRE(seen_in_remove == 42);
    REQUIRE(dev.drvdata<state>() == nullptr);
}

TEST_CASE("resources added outside a binding are released when the device goes", "[base][devres]") {
    bed b;
    bool released = false;
    auto& dev = b.add("orphan");
    devm_add_action(dev, "firmware-node", [&] { released = true; });
    REQUIRE(b.host.resources_held().count == 1);
    REQUIRE(b.host.resources_held().items.at(0) == held_resource{"orphan", "firmware-node"});
    REQUIRE(b.host.remove_device(dev));
    REQUIRE(released);
    REQUIRE(b.host.resources_held().count == 0);
}

TEST_CASE("a release action may acquire again; a throwing release is still released",
          "[base][devres]") {
    devres_list list;
    std::vector<std::string> log;
    list.add_action("a", [&] { log.push_back("a"); });
    list.add_action("b", [&] {
        log.push_back("b");
        list.add_action("c", [&] { log.push_back("c"); });
    });
    list.add_action("throws", [] { throw std::runtime_error("release failed"); });
    std::vector<std::string> released;
    auto n = list.release_all([&](std::string_view name) { released.emplace_back(name); });
    REQUIRE(n == 4);
    REQUIRE(log == std::vector<std::string>{"b", "c", "a"});
    REQUIRE(released == std::vector<std::string>{"throws", "b", "c", "a"});
    REQUIRE(list.empty());
}

TEST_CASE("teardown releases everything and leaves an empty host", "[base][devres]") {
    bed b;
    std::vector<std::string> log;
    b.driver("stepper", stepper{log, steps, false});
    auto& root = b.add("root");
    auto& mid = b.add("mid", &root);
    b.add("leaf", &mid);
    b.add("other");
    REQUIRE(b.host.settle());
    REQUIRE(b.host.resources_held().count == 4 * steps);
    REQUIRE(b.host.teardown());
    REQUIRE(b.host.resources_held().count == 0);
    REQUIRE(b.host.devices().empty());
    REQUIRE(b.host.drivers().empty());
    REQUIRE(log.size() == 4 * steps);
    REQUIRE(b.devices_of(trace_kind::device_removed) ==
            std::vector<std::string>{"other", "leaf", "mid", "root"});
}
