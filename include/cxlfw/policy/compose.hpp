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
    core::memdev* memdev = nullptr;
    cxl_mode mode = attach::attaches ? cxl_mode::waiting : cxl_mode::none;
    std::string reason;

    cxlfw::status run_on_cxl(core::memdev& md, base::device& owner) {
        cxl_ready<D> ctx{drv, *pci, md, regs, owner};
        memdev = &md;
        auto ok = drv.on_cxl(ctx);
        if (ok) {
            mode = cxl_mode::cxl;
            reason.clear();
        }
        return ok;
    }

    binding_status status() const override {
        binding_status s{driver_name<D>(), D::describe(), mode, reason, {}};
        if (memdev) s.memdev = memdev->name();
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
        auto& b = dev.devres().template emplace_named<binding<D>>("cxlfw:" + name(), *pci);
        dev.set_drvdata<binding_base>(&b);
        auto f = prepare(b);
        if constexpr (!A::attaches) {
            // Nothing to attach, so no policy: a fact here is a failure.
            if (f) return base::failed(f->code, f->message());
            return base::bound();
        } else {
            if (f) {
                if (f->code == errc::capability_mismatch)
                    return base::failed(f->code, f->message());
                return react(b, *f, timed_out);
            }
            if (auto again = try_attach(b)) return react(b, *again, timed_out);
            return base::bound();
        }
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
            if (!blk) return mismatch("no device registers (" + blk.error().message() + ")");
            auto map = core::probe_device_regs(*blk);
            if (!map) return mismatch("device registers unusable (" + map.error().message() + ")");
            b.regs.device = *map;
        }
        if constexpr (T::cxl_mem) {
            virtual_clock& clock = pci.host()->clock();
            auto& d = b.desc;
            d.type =
                T::type == device_type::type3 ? core::memdev_type::type3 : core::memdev_type::type2;
            if constexpr (has_v<D, cap::any_hdm>) d.component = b.regs.component;
            auto port_type = core::read_pcie_port_type(pci.config());
            d.rcd = port_type && *port_type == spec::pci::pcie::port_type_value::rc_endpoint;
            std::optional<core::reg_block> media_status;
            if constexpr (has_v<D, cap::mailbox>) media_status = b.regs.device->memdev;
            // Not fatal here (Linux cxl_pci): the memdev records it, the attach reports it.
            d.media_ready = core::wait_media_ready(pci, media_status, clock).has_value();
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
                for (unsigned i = 0; i < dv->ranges.size() && i < dv->capability.hdm_count; ++i)
                    if (dv->ranges[i].present()) d.ram_size += dv->ranges[i].size;
            }
            d.serial = core::read_serial_number(pci.config()).value_or(0);
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
    std::optional<core::fact> try_attach(binding<D>& b) {
        base::pci_device& pci = *b.pci;
        if constexpr (std::is_same_v<A, attach::mediated>) {
            constexpr bool wait = policy::react<P>(true) == reaction_kind::bind_and_wait;
            auto when = wait ? core::attach_when::whenever : core::attach_when::now;
            auto md = core::add_memdev(
                pci, b.desc, [&b](core::memdev& m) { return b.run_on_cxl(m, m); }, when);
            if (!md) return md.error();
            b.memdev = *md;
            return std::nullopt;
        } else {
            if (!b.memdev) {
                auto d = b.desc;
                d.direct = true;
                auto md = core::add_memdev(pci, std::move(d));
                if (!md) return md.error();
                b.memdev = *md;
            }
            core::memdev& md = *b.memdev;
            // Kept on the memdev as cxl_mem keeps its own: reports say why it is not attached.
            auto f = attach_direct(b, md);
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
        return std::nullopt;
    }

    /// Step 5: the absence policy's reaction to a fact, and nothing else.
    base::probe_outcome react(binding<D>& b, core::fact const& f, bool timed_out) {
        switch (policy::react<P>(f.is_absence(), timed_out)) {
        case reaction_kind::defer:
            return base::deferred(*f.missing, f.message());
        case reaction_kind::bind_without_cxl:
            if constexpr (may_bind_without_cxl_v<P>) b.drv.on_pcie_only(f.code);
            b.mode = cxl_mode::pcie_only;
            return bind_and_watch(b, f);
        case reaction_kind::bind_and_wait:
            b.mode = cxl_mode::waiting;
            return bind_and_watch(b, f);
        case reaction_kind::fail:
            break;
        }
        return base::failed(f.code, f.message());
    }

    base::probe_outcome bind_and_watch(binding<D>& b, core::fact const& f) {
        b.reason = f.message();
        if (!f.missing) return base::bound(); // nothing that arrives can change it
        base::pci_device& pci = *b.pci;
        base::host& h = *pci.host();
        auto watcher = std::make_unique<upgrade_device>(pci.name() + ":cxl_upgrade",
                                                        [this, &b]() -> std::optional<core::fact> {
                                                            if constexpr (A::attaches) {
                                                                auto again = try_attach(b);
                                                                if (again)
                                                                    b.reason = again->message();
                                                                return again;
                                                            } else {
                                                                return std::nullopt;
                                                            }
                                                        });
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
