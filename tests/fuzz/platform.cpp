// Stateful libFuzzer target (issue 13): the input is a sequence of operations on a fresh
// cxl_test machine with its Type-2 window (one boot per input), and the invariant checker
// (testing::invariant_violations, docs/reliability.md) runs after every operation. The target
// traps, printing the violations and the operations so far, when it finds one; ASan, UBSan and
// LSan catch what the checker cannot see (a freed port a hook still uses, a leaked binding).
//
// Encoding: at most 64 operations, each an opcode byte (taken modulo the table's length) and
// a fixed number of argument bytes (missing bytes read as 0). Devices, nodes, drivers, regions
// and decoders are picked by index modulo what exists now, so every byte string is an input.
//
// | op | name          | arguments      | what                                                |
// |----|---------------|----------------|-----------------------------------------------------|
// | 0  | load          | d              | register_driver<mapping_accel> (d&1: mediated)      |
// | 1  | unload        | d              | host.unregister_driver of that driver               |
// | 2  | stock         | s              | cxl_acpi/port/mem/pci (s%4) unregistered, or again  |
// | 3  | surprise      | n              | platform.surprise_remove of a switch or endpoint    |
// | 4  | hot_add       | n t            | platform.hot_add into an empty port (t&1: Type-2)   |
// | 5  | host_remove   | i              | host.remove_device of a PCI device (sysfs remove)   |
// | 6  | link          | n u            | platform.set_link(port, u&1)                        |
// | 7  | acpi_root     | u              | add_acpi_root (u&1) or remove_acpi_root             |
// | 8  | unbind        | i              | host.unbind of host.devices()[i]                    |
// | 9  | attach        | i              | host.attach of host.devices()[i]                    |
// | 10 | rescan        | b              | host.rescan("cxl") (b&1: "pci")                     |
// | 11 | region_create | r w g s m      | create_region, set_granularity, set_ways, set_size  |
// | 12 | region_target | r md pos       | DPA on the memdev's next decoder, attach_target     |
// | 13 | region_commit | r              | commit_region                                       |
// | 14 | region_reset  | r              | reset_region                                        |
// | 15 | region_delete | r              | delete_region                                       |
// | 16 | fail_nth      | k k n reg c kd | faults().fail_nth(k, filter, count, effect): c%8+1  |
// |    |               |                | accesses; (c>>3)%3: fail, all ones on a node until  |
// |    |               |                | cleared, or a delay of 1 ms, 25 ms or 61 s (c>>5)%3 |
// | 17 | fail_register | n reg o o kd   | faults().fail_register(node, region, offset, 4)     |
// | 18 | fault_clear   |                | faults().clear()                                    |
// | 19 | loss_after    | k k what n     | faults().after_nth(k): surprise, root or link loss  |
// | 20 | settle        |                | host.settle()                                       |
// | 21 | advance       | t              | host.advance(1 ms << t%12)                          |
//
// Regions: the target touches only host-only-coherent (Type-3) regions, the ones it creates;
// the Type-2 driver's own region belongs to the driver. Region targets are Type-3 memdevs.
//
// A loss armed with loss_after fires at once inside host-driven work (probes, remove(), devres
// releases, executor callbacks: the host's grace covers them, base/host.hpp "Lifetime"); inside
// the target's own core calls and platform changes it waits until that call returns, as a
// removal on another thread waits for the core's lock.
//
// CXLFW_FUZZ_TRACE=1 in the environment prints each operation and its result as it runs: the
// way to read a reproducer (`fuzz_platform crash-...`).
#include "../support/mapping_accel.hpp"

#include <cxlfw/core/dpa.hpp>
#include <cxlfw/core/region.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/drivers/stock.hpp>
#include <cxlfw/emu/platform.hpp>
#include <cxlfw/emu/topologies.hpp>
#include <cxlfw/policy/policy.hpp>
#include <cxlfw/testing/check.hpp>
#include <cxlfw/testing/machine.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

using namespace cxlfw;
using namespace cxlfw::policy;

namespace {

// The sfc-like Type-2 driver the sweeps load too.
using cxlfw_test::mapping_accel;
using direct_accel = mapping_accel<attach::direct>;
using mediated_accel = mapping_accel<attach::mediated>;

constexpr std::size_t max_ops = 64;

enum class op : std::uint8_t {
    load,
    unload,
    stock,
    surprise,
    hot_add,
    host_remove,
    link,
    acpi_root,
    unbind,
    attach,
    rescan,
    region_create,
    region_target,
    region_commit,
    region_reset,
    region_delete,
    fail_nth,
    fail_register,
    fault_clear,
    loss_after,
    settle,
    advance,
    count_,
};

constexpr std::size_t arg_count[] = {1, 1, 1, 1, 2, 1, 2, 1, 1, 1, 1,
                                     5, 3, 1, 1, 1, 6, 5, 0, 4, 0, 1};
static_assert(std::size(arg_count) == static_cast<std::size_t>(op::count_));

constexpr std::string_view op_name[] = {
    "load",          "unload",        "stock",        "surprise",      "hot_add",  "host_remove",
    "link",          "acpi_root",     "unbind",       "attach",        "rescan",   "region_create",
    "region_target", "region_commit", "region_reset", "region_delete", "fail_nth", "fail_register",
    "fault_clear",   "loss_after",    "settle",       "advance"};
static_assert(std::size(op_name) == static_cast<std::size_t>(op::count_));

constexpr emu::region all_regions[] = {emu::region::config,          emu::region::rcrb,
                                       emu::region::component_ras,   emu::region::component_hdm,
                                       emu::region::component_other, emu::region::device_caps,
                                       emu::region::device_status,   emu::region::mailbox,
                                       emu::region::memdev};
constexpr emu::access_kind all_kinds[] = {emu::access_kind::read, emu::access_kind::write,
                                          emu::access_kind::command};

/// The i-th element modulo the size (a copy: the lists are temporaries).
template <class T>
std::optional<T> pick(std::vector<T> const& v, std::uint8_t i) {
    if (v.empty()) return std::nullopt;
    return v[i % v.size()];
}

std::string text(status const& s) {
    return s ? "ok" : s.error().message();
}
template <class T>
std::string text(core::fact_result<T> const& r) {
    if (r) return "ok";
    return r.error().code.message() + (r.error().detail.empty() ? "" : ": " + r.error().detail);
}

/// One input's run: the machine, the operations so far, and the losses waiting for the
/// target's own call to return.
class run {
public:
    explicit run(std::unique_ptr<testing::machine> m)
        : m_{std::move(m)}, trace_{std::getenv("CXLFW_FUZZ_TRACE") != nullptr} {}
    ~run() {
        // Rules left armed (an action that never fired) must not act during the teardown.
        m_->platform().faults().clear();
    }

    void step(op o, std::uint8_t const* a) {
        std::string what{op_name[static_cast<std::size_t>(o)]};
        std::string result = perform(o, a, what);
        log_.push_back(what + " -> " + result);
        if (trace_) std::fprintf(stderr, "[%zu] %s\n", log_.size(), log_.back().c_str());
        auto bad = testing::invariant_violations(*m_);
        if (bad.empty()) return;
        std::fprintf(stderr, "fuzz_platform: invariant violated after step %zu\n", log_.size());
        std::fprintf(stderr, "%s", testing::join(bad).c_str());
        std::fprintf(stderr, "operations:\n");
        for (std::size_t i = 0; i < log_.size(); ++i)
            std::fprintf(stderr, "  [%zu] %s\n", i + 1, log_[i].c_str());
        std::abort();
    }

private:
    emu::platform& plat() { return m_->platform(); }
    base::host& host() { return m_->host(); }
    core::cxl_core& cxl() { return m_->cxl(); }

    /// Present nodes that satisfy `keep`, in id order.
    template <class Pred>
    std::vector<emu::node_id> nodes(Pred keep) {
        std::vector<emu::node_id> out;
        for (auto id : plat().enumeration_order())
            if (keep(plat().at(id))) out.push_back(id);
        return out;
    }
    std::vector<emu::node_id> removable() {
        return nodes([](emu::node const& n) {
            return n.kind() == emu::node_kind::upstream_port || n.is_endpoint();
        });
    }
    std::vector<emu::node_id> link_ports() {
        return nodes([](emu::node const& n) { return n.has_link(); });
    }
    std::vector<emu::node_id> empty_ports() {
        return nodes([this](emu::node const& n) {
            if (n.kind() != emu::node_kind::root_port &&
                n.kind() != emu::node_kind::downstream_port)
                return false;
            for (auto c : n.children())
                if (plat().at(c).present()) return false;
            return true;
        });
    }
    std::string node_name(emu::node_id id) { return std::string{plat().at(id).name()}; }

    std::vector<core::region*> regions() {
        std::vector<core::region*> out;
        for (core::region* r : cxl().regions())
            if (r->type() == core::target_type::host_only_coherent) out.push_back(r);
        return out;
    }

    /// The target's own call (not host-driven): a loss due inside it waits until it returns.
    template <class F>
    auto own_call(F&& f) {
        ++own_depth_;
        auto r = std::forward<F>(f)();
        --own_depth_;
        if (own_depth_ == 0) deliver_pending();
        return r;
    }
    /// A loss that falls due while another is delivered waits for it too.
    void deliver_pending() {
        ++own_depth_;
        while (!pending_.empty()) {
            auto due = std::move(pending_);
            pending_.clear();
            for (auto& f : due)
                f();
        }
        --own_depth_;
    }

    template <class D>
    std::string load(std::string& what) {
        what += std::string{" "} + std::string{D::name};
        if (host().find_driver(D::name)) return "already registered";
        auto r = register_driver<D>(host());
        return r ? "ok" : r.error().message();
    }
    template <class D>
    std::string unload(std::string& what) {
        what += std::string{" "} + std::string{D::name};
        base::driver* d = host().find_driver(D::name);
        if (!d) return "not registered";
        return text(host().unregister_driver(*d));
    }

    std::string perform(op o, std::uint8_t const* a, std::string& what) {
        switch (o) {
        case op::load:
            return (a[0] & 1) ? load<mediated_accel>(what) : load<direct_accel>(what);
        case op::unload:
            return (a[0] & 1) ? unload<mediated_accel>(what) : unload<direct_accel>(what);
        case op::stock: {
            auto const s = drivers::all_stock_drivers[a[0] % 4];
            what += " " + std::string{drivers::to_string(s)};
            if (base::driver* d = host().find_driver(drivers::to_string(s)))
                return "unregister: " + text(host().unregister_driver(*d));
            auto r = host().register_driver(drivers::make_stock_driver(s));
            return r ? "registered" : "register: " + r.error().message();
        }
        case op::surprise: {
            auto const id = pick(removable(), a[0]);
            if (!id) return "nothing removable";
            what += " " + node_name(*id);
            return text(own_call([&] { return plat().surprise_remove(*id); }));
        }
        case op::hot_add: {
            auto const port = pick(empty_ports(), a[0]);
            if (!port) return "no empty port";
            bool const type2 = a[1] & 1;
            what += " " + node_name(*port) + (type2 ? " type2" : " type3");
            // cxl_test's own devices (emu/impl/topologies.ipp).
            emu::hdm_spec const mock{.decoders = 8, .ways_3_6_12 = true, .ways_16 = true};
            auto spec = type2 ? emu::endpoint_spec::type2_device(512_MiB)
                              : emu::endpoint_spec::type3_device(1_GiB, 1_GiB);
            if (!type2) spec.lsa_size = 128_KiB;
            spec.hdm = mock;
            auto r = own_call([&] { return plat().hot_add(*port, spec); });
            return r ? "added " + node_name(*r) : r.error().message();
        }
        case op::host_remove: {
            std::vector<base::device*> pci;
            for (base::device* d : host().devices())
                if (d->bus_name() == "pci") pci.push_back(d);
            auto const d = pick(pci, a[0]);
            if (!d) return "no PCI device";
            what += " " + (*d)->name();
            return text(host().remove_device(**d));
        }
        case op::link: {
            auto const port = pick(link_ports(), a[0]);
            if (!port) return "no link";
            bool const up = a[1] & 1;
            what += " " + node_name(*port) + (up ? " up" : " down");
            return text(own_call([&] { return plat().set_link(*port, up); }));
        }
        case op::acpi_root: {
            bool const add = a[0] & 1;
            what += add ? " add" : " remove";
            return text(
                own_call([&] { return add ? plat().add_acpi_root() : plat().remove_acpi_root(); }));
        }
        case op::unbind:
        case op::attach: {
            auto const devs = host().devices();
            auto const d = pick(devs, a[0]);
            if (!d) return "no device";
            what += " " + (*d)->name();
            if (o == op::unbind) return text(host().unbind(**d));
            auto out = host().attach(**d);
            return out.is_bound() ? "bound" : "not bound";
        }
        case op::rescan: {
            std::string_view const bus = (a[0] & 1) ? "pci" : "cxl";
            what += " " + std::string{bus};
            return text(host().rescan(bus));
        }
        case op::region_create:
            return own_call([&] { return region_create(a, what); });
        case op::region_target:
            return own_call([&] { return region_target(a, what); });
        case op::region_commit:
        case op::region_reset:
        case op::region_delete: {
            auto const rs = regions();
            auto const r = pick(rs, a[0]);
            if (!r) return "no region";
            what += " " + (*r)->name();
            return own_call([&]() -> std::string {
                if (o == op::region_commit) return text(core::commit_region(**r));
                if (o == op::region_reset) return text(core::reset_region(**r));
                core::delete_region(**r);
                return "ok";
            });
        }
        case op::fail_nth: {
            std::uint64_t const k = 1 + ((a[0] | (a[1] << 8)) % 4096);
            emu::access_filter f;
            auto const ns = nodes([](emu::node const&) { return true; });
            if (a[2] != 0 && !ns.empty()) f.node = ns[(a[2] - 1) % ns.size()];
            if (a[3] != 0) f.region = all_regions[(a[3] - 1) % std::size(all_regions)];
            if (a[5] != 0) f.kind = all_kinds[(a[5] - 1) % std::size(all_kinds)];
            std::uint64_t n = 1 + a[4] % 8;
            auto effect = emu::fault_effect::fail();
            switch ((a[4] >> 3) % 3) {
            case 1:
                // A function that stops answering answers nothing more: all ones on one node
                // until the faults are cleared (tests/testing/fault_sweep.cpp does the same).
                if (ns.empty()) return "no node";
                if (!f.node) f.node = ns[a[2] % ns.size()];
                n = ~std::uint64_t{0};
                effect = emu::fault_effect::all_ones();
                break;
            case 2: {
                constexpr vtime delays[] = {std::chrono::milliseconds{1},
                                            std::chrono::milliseconds{25},
                                            std::chrono::seconds{61}};
                effect = emu::fault_effect::delayed(delays[(a[4] >> 5) % 3]);
                break;
            }
            default:
                break;
            }
            what += " k=" + std::to_string(k) +
                    " count=" + (n == ~std::uint64_t{0} ? std::string{"all"} : std::to_string(n));
            if (effect.what == emu::fault_effect::kind::all_ones) what += " all_ones";
            if (effect.what == emu::fault_effect::kind::delay)
                what += " delay=" +
                        std::to_string(
                            std::chrono::duration_cast<std::chrono::milliseconds>(effect.delay)
                                .count()) +
                        "ms";
            if (f.node) what += " node=" + node_name(*f.node);
            if (f.region) what += " region=" + std::string{emu::region_name(*f.region)};
            if (f.kind) what += " kind=" + std::to_string(static_cast<int>(*f.kind));
            (void)plat().faults().fail_nth(k, f, n, effect);
            return "armed";
        }
        case op::fail_register: {
            auto const ns = nodes([](emu::node const&) { return true; });
            auto const id = pick(ns, a[0]);
            if (!id) return "no node";
            auto const r = all_regions[a[1] % std::size(all_regions)];
            std::uint32_t const off = ((a[2] | (a[3] << 8)) % 1024) * 4;
            std::optional<emu::access_kind> kind;
            if (a[4] % 3 != 0) kind = all_kinds[(a[4] % 3) - 1];
            what += " " + node_name(*id) + " " + std::string{emu::region_name(r)} + "+" +
                    std::to_string(off) +
                    (kind ? " kind=" + std::to_string(static_cast<int>(*kind)) : "");
            (void)plat().faults().fail_register(*id, r, off, 4, kind);
            return "armed";
        }
        case op::fault_clear:
            plat().faults().clear();
            pending_.clear();
            return "ok";
        case op::loss_after:
            return loss_after(a, what);
        case op::settle:
            return text(host().settle());
        case op::advance: {
            std::chrono::milliseconds const d{std::int64_t{1} << (a[0] % 12)};
            what += " " + std::to_string(d.count()) + " ms";
            return text(host().advance(d));
        }
        case op::count_:
            break;
        }
        return "?";
    }

    std::string region_create(std::uint8_t const* a, std::string& what) {
        core::port* root = cxl().root();
        if (!root || root->decoders().empty()) return "no root decoder";
        core::decoder& rd = *root->decoders()[a[0] % root->decoders().size()];
        unsigned const gran_of[] = {rd.granularity, 256, 1024, 4096};
        unsigned const ways_of[] = {rd.ways, 1, 2, 4};
        unsigned const gran = gran_of[a[1] % 4];
        unsigned const ways = ways_of[a[2] % 4];
        std::uint64_t const size = (1 + a[3] % 2) * 256_MiB * ways;
        auto const mode = (a[4] & 1) ? core::partition_mode::pmem : core::partition_mode::ram;
        what += " " + rd.name() + " " + std::string{core::to_string(mode)} +
                " gran=" + std::to_string(gran) + " ways=" + std::to_string(ways) +
                " size=" + std::to_string(size >> 20) + "M";
        auto r = core::create_region(rd, mode);
        if (!r) return "create: " + text(r);
        what += " as " + (*r)->name();
        if (auto ok = core::set_granularity(**r, gran); !ok) return "granularity: " + text(ok);
        if (auto ok = core::set_ways(**r, ways); !ok) return "ways: " + text(ok);
        if (auto ok = core::set_size(**r, size); !ok) return "size: " + text(ok);
        return "sized";
    }

    std::string region_target(std::uint8_t const* a, std::string& what) {
        auto const rs = regions();
        auto const r = pick(rs, a[0]);
        if (!r) return "no region";
        std::vector<core::memdev*> mds;
        for (core::memdev* md : cxl().memdevs())
            if (md->desc().type == core::memdev_type::type3) mds.push_back(md);
        auto const md = pick(mds, a[1]);
        if (!md) return "no Type-3 memdev";
        unsigned const pos = a[2] % ((*r)->ways() ? (*r)->ways() : 1);
        what += " " + (*r)->name() + " " + (*md)->name() + " pos=" + std::to_string(pos);
        core::port* ep = (*md)->endpoint();
        if (!ep) return "no endpoint";
        core::decoder* d = ep->find_decoder(static_cast<unsigned>(ep->hdm_end() + 1));
        if (!d) return "no free endpoint decoder";
        what += " " + d->name();
        bool allocated = false;
        if ((*r)->ways() && (*r)->size()) {
            if (auto ok = core::dpa_set_mode(*d, (*r)->mode()); !ok) return "mode: " + text(ok);
            if (auto ok = core::dpa_alloc(*d, (*r)->size() / (*r)->ways()); !ok)
                return "dpa: " + text(ok);
            allocated = true;
        }
        auto ok = core::attach_target(**r, *d, pos);
        if (!ok && allocated) (void)core::dpa_free(*d); // as a user would
        return "attach: " + text(ok);
    }

    std::string loss_after(std::uint8_t const* a, std::string& what) {
        std::uint64_t const k = 1 + ((a[0] | (a[1] << 8)) % 4096);
        what += " k=" + std::to_string(k);
        std::function<void()> loss;
        emu::platform* p = &plat();
        switch (a[2] % 3) {
        case 0: {
            auto const id = pick(removable(), a[3]);
            if (!id) return "nothing removable";
            what += " surprise " + node_name(*id);
            loss = [p, id = *id] { (void)p->surprise_remove(id); };
            break;
        }
        case 1:
            what += " acpi_root remove";
            loss = [p] { (void)p->remove_acpi_root(); };
            break;
        default: {
            auto const port = pick(link_ports(), a[3]);
            if (!port) return "no link";
            what += " link down " + node_name(*port);
            loss = [p, port = *port] { (void)p->set_link(port, false); };
            break;
        }
        }
        (void)plat().faults().after_nth(k, {}, [this, loss] {
            if (own_depth_ > 0)
                pending_.push_back(loss);
            else
                loss();
        });
        return "armed";
    }

    std::unique_ptr<testing::machine> m_;
    bool trace_;
    std::vector<std::string> log_;
    int own_depth_ = 0;
    std::vector<std::function<void()>> pending_;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    auto m = testing::machine::boot(emu::cxl_test_topology({.type2_window = true}));
    if (!m) __builtin_trap(); // the reference machine always boots
    run r{std::move(*m)};
    std::size_t at = 0;
    for (std::size_t n = 0; n < max_ops && at < size; ++n) {
        auto const o = static_cast<op>(data[at++] % static_cast<std::size_t>(op::count_));
        std::uint8_t args[8]{};
        for (std::size_t i = 0; i < arg_count[static_cast<std::size_t>(o)]; ++i)
            args[i] = at < size ? data[at++] : 0;
        r.step(o, args);
    }
    return 0;
}
