// The composed probe of a cxlfw::driver, and register_driver<D>().
//
// One probe, as data flows (each step exists only if the traits ask for it):
//   1. the CXL Device DVSEC against the traits: Cache_Capable for type1/type2, Mem_Capable
//      and HDM_Count for type2/type3, no memory for type1 -> capability_mismatch otherwise;
//   2. map what is declared: component registers for cap::hdm/cap::ras (the HDM decoder
//      count must reach N; RAS errors are unmasked as Linux cxl_pci does), device registers
//      for cap::mailbox;
//   3. memory devices: wait for Memory_Active and media ready (virtual 60 s), then the
//      capacity (Identify + Get Partition Info with a mailbox, else the DVSEC ranges);
//   4. the attach strategy: mediated = core::add_memdev with on_cxl as the attach callback,
//      bound by cxl_mem; direct = core::add_memdev + enumerate_ports + add_endpoint + on_cxl;
//   5. a fact that stops the attach goes to the absence policy, and only there.
//
// A device bound without CXL (degrade, wait) gets a watcher: a child device on the "cxlfw"
// bus that waits, with the driver model's targeted deferral, on exactly the missing piece
// and retries the attach when it appears. That is the upgrade Linux does not have.
// When CXL is lost under a bound device (a link goes down), core releases the device's driver,
// as Linux 7.0 does; the device probes again when the PCI bus is rescanned (the platform glue
// rescans when the link comes back), and its policy decides again.
#pragma once

#include <cxlfw/base/host.hpp>
#include <cxlfw/base/pci.hpp>
#include <cxlfw/core/bus.hpp>
#include <cxlfw/core/memdev.hpp>
#include <cxlfw/core/pci.hpp>
#include <cxlfw/core/port.hpp>
#include <cxlfw/core/regs.hpp>
#include <cxlfw/policy/driver.hpp>
#include <cxlfw/policy/ready.hpp>
#include <cxlfw/policy/status.hpp>
#include <cxlfw/policy/upgrade.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace cxlfw {

namespace policy::detail {

template <class D>
std::string driver_name() {
    if constexpr (requires { D::name; })
        return std::string{D::name};
    else
        return "cxlfw_driver";
}

template <class D>
std::vector<base::pci_id> id_table() {
    if constexpr (requires { D::ids; })
        return {std::begin(D::ids), std::end(D::ids)};
    else
        return {};
}

template <class D>
std::vector<base::pci_class_id> class_table() {
    if constexpr (requires { D::class_ids; })
        return {std::begin(D::class_ids), std::end(D::class_ids)};
    else
        return {};
}

/// The DVSEC against the traits, or what contradicts them.
template <class T>
std::optional<std::string> dvsec_mismatch(hw::cxl_device_dvsec const& dv) {
    auto const& c = dv.capability;
    std::string why;
    auto add = [&](std::string s) { why += (why.empty() ? "" : ", ") + std::move(s); };
    if (T::cxl_cache && !c.cache_capable) add("Cache_Capable=0 (CXL.cache is declared)");
    if (T::cxl_mem && !c.mem_capable) add("Mem_Capable=0 (CXL.mem is declared)");
    if (T::cxl_mem && c.mem_capable && c.hdm_count == 0) add("HDM_Count=0 (no memory range)");
    if (!T::cxl_mem && c.mem_capable) add("Mem_Capable=1 (the device has memory: not Type-1)");
    if (why.empty()) return std::nullopt;
    return why;
}

/// One bound device of composed driver D: D itself, and what its probe acquired.
template <class D>
struct binding final : binding_base {
    using traits = typename D::traits_type;
    using attach = typename D::attach_type;

    explicit binding(base::pci_device& p) : pci{&p} {}

    D drv{};
    base::pci_device* pci;
    mapped_registers regs;
    core::memdev_desc desc;
    /// By name: the memdev may go (a removal, a link drop) while the binding stays.
    std::string memdev_name;
    /// The devres group that holds the attach (memdev, ports' interest, endpoint, regions).
    base::devres_list::group_id cxl_group = 0;
    /// Where media readiness is read (the memdev status with a mailbox; else the DVSEC).
    std::optional<core::reg_block> media_status;
    bool prepared = false; ///< steps 1-3 succeeded (a retry after a lost link runs them again)
    cxl_mode mode = attach::attaches ? cxl_mode::waiting : cxl_mode::none;
    std::string reason;

    /// The memdev this binding registered, while the core still has it.
    core::memdev* memdev() const {
        if (memdev_name.empty() || !pci->host()) return nullptr;
        core::cxl_core* c = core::find(*pci->host());
        return c ? c->find_memdev(memdev_name) : nullptr;
    }

    cxlfw::status run_on_cxl(core::memdev& md, base::device& owner) {
        cxl_ready<D> ctx{drv, *pci, md, regs, owner};
        memdev_name = md.name();
        auto ok = drv.on_cxl(ctx);
        if (ok) {
            mode = cxl_mode::cxl;
            reason.clear();
        }
        return ok;
    }

    binding_status status() const override {
        binding_status s{driver_name<D>(), D::describe(), mode, reason, {}};
        core::memdev* md = memdev();
        if (md) s.memdev = memdev_name;
        // CXL only while the memdev still has its path: a mediated memdev that cxl_mem let go
        // (its root, port or link went) waits for cxl_mem to attach it again.
        if (s.mode == cxl_mode::cxl && (!md || !md->endpoint() || !md->endpoint()->live())) {
            s.mode = cxl_mode::waiting;
            s.reason = md && md->last_fact() ? md->last_fact()->message()
                                             : memdev_name + " lost its CXL path";
        }
        return s;
    }
};

template <class D>
class composed_driver final : public composed_base {
    using T = typename D::traits_type;
    using A = typename D::attach_type;
    using P = typename D::absence_type;
    static constexpr bool needs_component = has_v<D, cap::any_hdm> || has_v<D, cap::ras>;

    static_assert(check_driver<D>());

public:
    composed_driver()
        : composed_base{driver_name<D>(), id_table<D>(), class_table<D>(), probe_type_of()} {}

    std::string composition() const override { return D::describe(); }

    base::probe_outcome probe(base::device& dev) override { return run(dev, false); }

    base::probe_outcome on_deferral_timeout(base::device& dev,
                                            base::dep_key const& waited) override {
        if constexpr (is_timed_v<P>)
            return run(dev, true);
        else
            return base::driver::on_deferral_timeout(dev, waited);
    }

private:
    static constexpr base::probe_type probe_type_of() {
        if constexpr (requires { D::probe_type; })
            return D::probe_type;
        else
            return base::probe_type::sync;
    }

    base::probe_outcome run(base::device& dev, bool timed_out) {
        auto* pci = dynamic_cast<base::pci_device*>(&dev);
        if (!pci) return base::failed(base::errc::wrong_device_type, dev.name());
        // Shared: the watcher and a re-decision after CXL is lost run outside this probe and
        // hold it while they run (a removal during one of them releases the devres).
        auto& held = dev.devres().template emplace_named<std::shared_ptr<binding<D>>>(
            "cxlfw:" + name(), std::make_shared<binding<D>>(*pci));
        binding<D>& b = *held;
        dev.set_drvdata<binding_base>(&b);
        auto f = prepare_once(b);
        if constexpr (!A::attaches) {
            // Nothing to attach, so no policy: a fact here is a failure.
            if (f) return base::failed(f->code, f->message());
            return base::bound();
        } else {
            if (f) {
                if (f->code == errc::capability_mismatch)
                    return base::failed(f->code, f->message());
                return react(b, *f, timed_out, held);
            }
            if (auto again = attach_in_group(b, held)) return react(b, *again, timed_out, held);
            return base::bound();
        }
    }

    /// Steps 1-3 until they succeed once: a retry (the watcher) after they failed on a lost
    /// link runs them again. Below a link that is down, what they read is all ones: the fact
    /// is the link's, an absence, never a capability mismatch.
    std::optional<core::fact> prepare_once(binding<D>& b) {
        if (b.prepared) return std::nullopt;
        auto f = prepare(b);
        if (f) {
            if (auto lf = link_fact(*b.pci)) return lf;
            return f;
        }
        b.prepared = true;
        return std::nullopt;
    }

    /// Step 4 in a devres group: a failed attach leaves nothing behind (the device goes on
    /// without CXL objects), and a lost one can be released while the binding stays.
    std::optional<core::fact> attach_in_group(binding<D>& b,
                                              std::shared_ptr<binding<D>> const& self) {
        auto& res = b.pci->devres();
        auto const g = res.open_group("cxl_attach");
        auto f = try_attach(b, self);
        if (f) {
            res.release_group(g, [](std::string_view) {});
            return f;
        }
        b.cxl_group = g;
        // A mediated memdev that waits (attach_when::whenever) is cxl_mem's to attach again,
        // as Linux's Type-3 memdevs are; every other attach is this binding's to decide.
        constexpr bool cxl_mem_retries = std::is_same_v<A, attach::mediated> &&
                                         policy::react<P>(true) == reaction_kind::bind_and_wait;
        if constexpr (!cxl_mem_retries)
            if (core::memdev* md = b.memdev())
                core::set_detach_handler(*md, [this, w = std::weak_ptr<binding<D>>{self}](
                                                  core::memdev&) { return lost(w); });
        return std::nullopt;
    }

    /// The attach's path went (core::set_detach_handler). A policy that fails without CXL has
    /// its driver released, as Linux 7.0 does; one that defers is released too and probed
    /// again, so it defers until the piece returns; one that binds without CXL says so at
    /// once and decides again once the core is done: its attach released, then tried again,
    /// then degraded or waiting with a watcher (later upgraded) by its own rules.
    bool lost(std::weak_ptr<binding<D>> const& w) {
        constexpr auto r = policy::react<P>(true);
        if (r == reaction_kind::fail) return false;
        auto b = w.lock();
        if (!b) return false;
        if (r == reaction_kind::defer) {
            // Released now (the core unbinds the device), then probed again: that probe
            // defers on the missing piece, so the device binds when it returns, as it did
            // at boot. Linux 7.0 leaves it unbound until someone binds it. Not when the
            // binding is ending anyway (an unbind releasing the attach): that stays unbound.
            if (b->pci->state() != base::device_state::bound || b->pci->removing()) return false;
            base::host& h = *b->pci->host();
            h.call_at(h.now(), [&h, name = b->pci->name()] {
                if (base::device* d = h.find_device(name); d && !d->is_bound() && !d->removing())
                    (void)h.attach(*d);
            });
            return false;
        }
        b->mode = cxl_mode::waiting;
        b->reason = "the CXL path went away; deciding again";
        base::host& h = *b->pci->host();
        h.call_at(h.now(), [this, w] {
            if (auto sb = w.lock()) decide_again(*sb, sb);
        });
        return true;
    }

    void decide_again(binding<D>& b, std::shared_ptr<binding<D>> const& self) {
        base::pci_device& pci = *b.pci;
        pci.devres().release_group(std::exchange(b.cxl_group, 0), [](std::string_view) {});
        if (pci.removing() || !pci.is_bound()) return;
        auto f = attach_in_group(b, self);
        if (!f) return; // the path is back already
        base::host& h = *pci.host();
        if (base::device* old = h.find_device(pci.name() + ":cxl_upgrade"))
            (void)h.remove_device(*old);
        switch (policy::react<P>(f->is_absence(), false)) {
        case reaction_kind::bind_without_cxl:
            if constexpr (may_bind_without_cxl_v<P>) b.drv.on_pcie_only(f->code);
            b.mode = cxl_mode::pcie_only;
            (void)bind_and_watch(b, *f, self);
            return;
        case reaction_kind::bind_and_wait:
            b.mode = cxl_mode::waiting;
            (void)bind_and_watch(b, *f, self);
            return;
        case reaction_kind::defer:
        case reaction_kind::fail:
            break;
        }
        (void)h.unbind(pci);
    }

    /// Steps 1-3: identity, registers, media and capacity.
    std::optional<core::fact> prepare(binding<D>& b) {
        base::pci_device& pci = *b.pci;
        auto mismatch = [&](std::string what) {
            return core::fact{errc::capability_mismatch,
                              pci.name() + ": " + what + "; the driver declares " + T::name()};
        };
        auto dv = core::read_device_dvsec(pci);
        if (!dv) return dv.error();
        if (auto bad = dvsec_mismatch<T>(*dv)) return mismatch(*bad);

        if constexpr (needs_component) {
            auto comp = component_registers(pci);
            if (!comp && core::is_access_failure(comp.error().code)) return comp.error();
            if (!comp) return mismatch("no component registers (" + comp.error().message() + ")");
            auto caps = core::probe_component_regs(*comp);
            if (!caps) return caps.error();
            if constexpr (has_v<D, cap::any_hdm>) {
                if (!caps->hdm) return mismatch("no HDM Decoder Capability");
                auto reg = caps->hdm->window().template read<spec::hdm::capability>();
                if (!reg) return core::fact{reg.error(), pci.name() + ": HDM capability"};
                auto cap = spec::hdm::decoder_capability::decode(*reg);
                if (!cap || cap->decoder_count < hdm_count_v<D>)
                    return mismatch("the HDM capability reports " +
                                    (cap ? std::to_string(cap->decoder_count) : "no valid") +
                                    " decoders");
            }
            if constexpr (has_v<D, cap::ras>) {
                if (!caps->ras) return mismatch("no RAS capability");
                // Linux cxl_pci_ras_unmask(): report every uncorrectable error.
                auto w = caps->ras->window();
                if (auto ok = w.template write<spec::ras::uncorrectable_mask>(0); !ok)
                    return core::fact{ok.error(), pci.name() + ": unmasking RAS errors"};
            }
            b.regs.component = *comp;
            b.regs.caps = *caps;
        }
        if constexpr (has_v<D, cap::mailbox>) {
            auto blk = core::find_register_block(pci, spec::register_block_id::device);
            if (!blk && core::is_access_failure(blk.error().code)) return blk.error();
            if (!blk) return mismatch("no device registers (" + blk.error().message() + ")");
            auto map = core::probe_device_regs(*blk);
            if (!map && core::is_access_failure(map.error().code))
                return core::fact{map.error().code, pci.name() + ": " + map.error().detail};
            if (!map) return mismatch("device registers unusable (" + map.error().message() + ")");
            b.regs.device = *map;
        }
        if constexpr (T::cxl_mem) {
            virtual_clock& clock = pci.host()->clock();
            auto& d = b.desc;
            d.type =
                T::type == device_type::type3 ? core::memdev_type::type3 : core::memdev_type::type2;
            if constexpr (has_v<D, cap::any_hdm>) d.component = b.regs.component;
            // A failed read is a fact, not "not an RCD" (issue 13); no PCIe capability is.
            auto port_type = core::read_pcie_port_type(pci.config());
            if (!port_type && core::is_access_failure(port_type.error().code))
                return core::fact{port_type.error().code,
                                  pci.name() + ": " + port_type.error().detail};
            d.rcd = port_type && *port_type == spec::pci::pcie::port_type_value::rc_endpoint;
            if constexpr (has_v<D, cap::mailbox>) b.media_status = b.regs.device->memdev;
            // Media not ready is not fatal here (Linux cxl_pci): the memdev records it, the
            // attach reports it. A wait that could not read the registers is not "not ready":
            // it is the access's fact, and the next probe waits again.
            auto media = core::wait_media_ready(pci, b.media_status, clock);
            if (!media && media.error() != errc::media_not_ready) return media.error();
            d.media_ready = media.has_value();
            if constexpr (has_v<D, cap::mailbox>) {
                auto mbox = core::mailbox::setup(*b.regs.device, clock);
                if (!mbox) return mbox.error();
                b.regs.mbox.emplace(std::move(*mbox));
                auto cap = core::read_capacity(*b.regs.mbox);
                if (!cap) return cap.error();
                d.ram_size = cap->ram;
                d.pmem_size = cap->pmem;
                d.firmware = cap->firmware;
                d.identify = cap->identify;
                d.partition = cap->partition;
            } else {
                d.ram_size = 0; // prepare may run again after a lost link
                for (unsigned i = 0; i < dv->ranges.size() && i < dv->capability.hdm_count; ++i)
                    if (dv->ranges[i].present()) d.ram_size += dv->ranges[i].size;
            }
            auto serial = core::read_serial_number(pci.config());
            if (!serial)
                return core::fact{serial.error().code, pci.name() + ": " + serial.error().detail};
            d.serial = serial->value_or(0);
        }
        return std::nullopt;
    }

    /// The component register block: the driver's own lookup if it has one (the stock
    /// Type-3 driver finds an RCD's through its RCH), else the Register Locator.
    static core::fact_result<core::reg_block> component_registers(base::pci_device& pci) {
        if constexpr (requires { D::component_registers(pci); })
            return D::component_registers(pci);
        else
            return core::find_register_block(pci, spec::register_block_id::component);
    }

    /// Step 4. Empty: attached (on_cxl has run) or, for mediated + wait, registered to be.
    std::optional<core::fact> try_attach(binding<D>& b, std::shared_ptr<binding<D>> const& self) {
        base::pci_device& pci = *b.pci;
        if (!b.desc.media_ready) {
            // Not ready at probe time. Below a link that is down that is the link's fact (a
            // retry comes when it is up); otherwise it may have become ready since.
            if (auto f = link_fact(pci)) return f;
            auto media = core::wait_media_ready(pci, b.media_status, pci.host()->clock());
            if (!media && media.error() != errc::media_not_ready) return media.error();
            b.desc.media_ready = media.has_value();
        }
        if constexpr (std::is_same_v<A, attach::mediated>) {
            // Waiting: cxl_mem attaches whenever it can. Degrading: attached now, and a lost
            // path is this binding's to decide (degrade, later upgrade). Otherwise Linux 7.0:
            // attached now, and a lost path releases this driver.
            constexpr auto r = policy::react<P>(true);
            auto when = r == reaction_kind::bind_and_wait ? core::attach_when::whenever
                        : r == reaction_kind::bind_without_cxl
                            ? core::attach_when::now_owner_decides
                            : core::attach_when::now;
            // The callback may run long after this probe (cxl_mem attaching whenever), and
            // while this device's binding ends (its removal): it holds the binding meanwhile.
            auto on_attach = [w = std::weak_ptr<binding<D>>{self}](core::memdev& m) -> status {
                auto sb = w.lock();
                if (!sb) return base::errc::device_removed;
                return sb->run_on_cxl(m, m);
            };
            auto md = core::add_memdev(pci, b.desc, std::move(on_attach), when);
            if (!md) {
                if (auto lf = md.error().is_absence() ? std::nullopt : link_fact(pci)) return lf;
                return md.error();
            }
            b.memdev_name = (*md)->name();
            if (pci.removing()) return core::fact{base::errc::device_removed, pci.name()};
            // Attached now: a link drop or root loss after cxl_mem bound it (while this probe
            // still ran) has detached it again, and nothing would tell this binding later.
            if (when != core::attach_when::whenever)
                if (auto ok = core::still_attached(**md); !ok) return ok.error();
            return std::nullopt;
        } else {
            core::memdev* found = b.memdev();
            if (!found) {
                auto d = b.desc;
                d.direct = true;
                auto md = core::add_memdev(pci, std::move(d));
                if (!md) return md.error();
                b.memdev_name = (*md)->name();
                found = *md;
            }
            core::memdev& md = *found;
            // Kept on the memdev as cxl_mem keeps its own: reports say why it is not attached.
            auto f = attach_direct(b, md);
            if (f && !f->is_absence())
                if (auto gone = core::path_absence(md)) f = *gone;
            md.set_last_fact(f);
            return f;
        }
    }

    std::optional<core::fact> attach_direct(binding<D>& b, core::memdev& md) {
        base::pci_device& pci = *b.pci;
        if (!b.desc.media_ready)
            return core::fact{errc::media_not_ready, md.name() + ": media not ready"};
        if (auto ok = core::enumerate_ports(md, &pci); !ok) return ok.error();
        if (!md.endpoint())
            if (auto ep = core::add_endpoint(md, &pci); !ep) return ep.error();
        if (auto ok = b.run_on_cxl(md, pci); !ok)
            return core::fact{ok.error(), md.name() + ": on_cxl failed"};
        // on_cxl may have run while the path went (a removal, a root loss, a link drop).
        if (auto ok = core::still_attached(md); !ok) return ok.error();
        return std::nullopt;
    }

    /// link_down when the link above the function (its root or downstream port) is down.
    static std::optional<core::fact> link_fact(base::pci_device const& pci) {
        core::cxl_core* c = pci.host() ? core::find(*pci.host()) : nullptr;
        if (!c || !pci.parent() || !c->link_is_down(pci.parent()->name())) return std::nullopt;
        return core::link_down_fact(pci.parent()->name());
    }

    /// Step 5: the absence policy's reaction to a fact, and nothing else.
    base::probe_outcome react(binding<D>& b, core::fact const& f, bool timed_out,
                              std::shared_ptr<binding<D>> const& self) {
        switch (policy::react<P>(f.is_absence(), timed_out)) {
        case reaction_kind::defer:
            return base::deferred(*f.missing, f.message());
        case reaction_kind::bind_without_cxl:
            if constexpr (may_bind_without_cxl_v<P>) b.drv.on_pcie_only(f.code);
            b.mode = cxl_mode::pcie_only;
            return bind_and_watch(b, f, self);
        case reaction_kind::bind_and_wait:
            b.mode = cxl_mode::waiting;
            return bind_and_watch(b, f, self);
        case reaction_kind::fail:
            break;
        }
        return base::failed(f.code, f.message());
    }

    base::probe_outcome bind_and_watch(binding<D>& b, core::fact const& f,
                                       std::shared_ptr<binding<D>> const& self) {
        b.reason = f.message();
        if (!f.missing) return base::bound(); // nothing that arrives can change it
        base::pci_device& pci = *b.pci;
        base::host& h = *pci.host();
        auto retry = [this, w = std::weak_ptr<binding<D>>{self}]() -> std::optional<core::fact> {
            auto sb = w.lock(); // the device's binding may end while the watcher probes
            if (!sb) return core::fact{base::errc::device_removed, "the binding ended"};
            if constexpr (A::attaches) {
                auto again = prepare_once(*sb);
                if (!again) again = attach_in_group(*sb, sb);
                if (again) sb->reason = again->message();
                return again;
            } else {
                return std::nullopt;
            }
        };
        auto watcher = std::make_unique<upgrade_device>(pci.name() + ":cxl_upgrade", retry);
        auto added = h.add_device(std::move(watcher), &pci);
        if (!added) return base::failed(added.error(), "adding the CXL upgrade watcher");
        base::devm_add_action(pci, "cxl_upgrade", [&h, name = pci.name() + ":cxl_upgrade"] {
            if (base::device* w = h.find_device(name)) (void)h.remove_device(*w);
        });
        return base::bound();
    }
};

} // namespace policy::detail

/// Register composed driver D with a host (checks D first: check_driver<D>()).
template <class D>
result<base::driver*> register_driver(base::host& h) {
    static_assert(check_driver<D>());
    static_assert(std::is_default_constructible_v<D>,
                  "cxlfw: the framework creates one driver object per bound device; give the "
                  "driver a default constructor");
    if (auto ok = policy::detail::ensure_upgrade_support(h); !ok) return ok.error();
    auto drv = h.register_driver(std::make_unique<policy::detail::composed_driver<D>>());
    if (!drv) return drv.error();
    return static_cast<base::driver*>(*drv);
}

/// The driver object a composed driver created for `dev` (nullptr for other devices).
template <class D>
D* driver_of(base::device& dev) {
    auto* b =
        dynamic_cast<policy::detail::binding<D>*>(dev.drvdata<policy::detail::binding_base>());
    return b ? &b->drv : nullptr;
}

} // namespace cxlfw
