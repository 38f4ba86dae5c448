// Test doubles for the driver model: a "test" bus whose drivers are lambdas.
#pragma once

#include <cxlfw/base/base.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace cxlfw::base::testing {

struct test_device : device {
    explicit test_device(std::string name) : device{std::move(name), "test"} {}
};

struct test_driver : driver {
    using probe_fn = std::function<probe_outcome(device&)>;

    test_driver(std::string name, probe_fn fn, base::probe_type type = base::probe_type::sync)
        : driver{std::move(name), "test", type}, on_probe{std::move(fn)} {}

    probe_outcome probe(device& dev) override { return on_probe(dev); }
    void remove(device& dev) override {
        if (on_remove) on_remove(dev);
    }
    probe_outcome on_deferral_timeout(device& dev, dep_key const& key) override {
        return on_timeout ? on_timeout(dev, key) : driver::on_deferral_timeout(dev, key);
    }

    probe_fn on_probe;
    std::function<void(device&)> on_remove;
    std::function<probe_outcome(device&, dep_key const&)> on_timeout;
    std::function<bool(device const&)> matches = [](device const&) { return true; };
};

struct test_bus final : bus_type {
    test_bus() : bus_type{"test"} {}
    bool match(device const& dev, driver const& drv) const override {
        auto const* t = dynamic_cast<test_driver const*>(&drv);
        return t && t->matches(dev);
    }
};

/// A host with a recording sink and the test bus.
struct bed {
    explicit bed(host_options opts = {}) : host{with_sink(opts)} {
        (void)host.add_bus(std::make_unique<test_bus>());
    }
    host_options with_sink(host_options opts) {
        opts.sink = &sink;
        return opts;
    }

    test_device& add(std::string name, device* parent = nullptr) {
        return *host.add_device(std::make_unique<test_device>(std::move(name)), parent).value();
    }
    /// Register a driver on the test bus; `match` (default: every device) is set before
    /// the driver becomes matchable.
    test_driver& driver(std::string name, test_driver::probe_fn fn,
                        std::function<bool(device const&)> match = {},
                        base::probe_type type = base::probe_type::sync) {
        auto drv = std::make_unique<test_driver>(std::move(name), std::move(fn), type);
        if (match) drv->matches = std::move(match);
        return *host.register_driver(std::move(drv)).value();
    }

    /// Device names of the events of one kind, in order.
    std::vector<std::string> devices_of(trace_kind kind) const {
        std::vector<std::string> out;
        for (auto const& e : sink.of(kind))
            out.push_back(e.device);
        return out;
    }
    /// Resource names released, in order.
    std::vector<std::string> released() const {
        std::vector<std::string> out;
        for (auto const& e : sink.of(trace_kind::resource_released))
            out.push_back(e.text);
        return out;
    }

    recording_sink sink; // declared first: it outlives the host
    base::host host;
};

/// Matches the devices of these names.
inline std::function<bool(device const&)> named(std::vector<std::string> names) {
    return [names = std::move(names)](device const& d) {
        for (auto const& n : names)
            if (d.name() == n) return true;
        return false;
    };
}

inline probe_outcome bind_always(device&) {
    return bound();
}

/// A probe that binds once the named device is bound, and defers on it before.
inline test_driver::probe_fn needs(std::string supplier) {
    return [supplier](device& dev) {
        device* s = dev.host()->find_device(supplier);
        if (s && s->is_bound()) return bound();
        return deferred(dep_key::device(supplier), supplier + " not bound");
    };
}

} // namespace cxlfw::base::testing
