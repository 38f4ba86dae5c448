// Out-of-line definitions for <cxlfw/core/dump.hpp>: the canonical dump, line by line.
#pragma once

#include <cxlfw/core/dump.hpp>

#include <cxlfw/base/driver.hpp>
#include <cxlfw/core/objects.hpp>
#include <cxlfw/spec/cedt.hpp>

#include <cstdint>
#include <mutex>
#include <string_view>
#include <vector>

namespace cxlfw::core {

namespace detail {

/// Appends each piece in turn. The dump is built this way, not with `"x" + std::string{...}`
/// chains, which g++ 12 at -O3 flags with a false -Wrestrict (GCC bug 105329).
template <class... Parts>
void put(std::string& s, Parts const&... parts) {
    (s.append(std::string_view{parts}), ...);
}

CXLFW_DECL std::string driver_of(base::device const& d) {
    std::string s;
    if (auto* drv = d.bound_driver(); drv && d.is_bound())
        put(s, " driver=", drv->name());
    else
        put(s, " ", base::to_string(d.state()));
    return s;
}

CXLFW_DECL std::string caps_of(decoder const& d) {
    namespace w = spec::cfmws_restrict;
    std::string s;
    auto add = [&](std::uint16_t bit, char const* name) {
        if (d.restrictions & bit) put(s, s.empty() ? "" : ",", name);
    };
    add(w::type2, "type2");
    add(w::type3, "type3");
    add(w::volatile_, "ram");
    add(w::pmem, "pmem");
    add(w::fixed, "fixed");
    add(w::bi, "bi");
    return s.empty() ? "none" : s;
}

CXLFW_DECL void put_targets(std::string& s, std::vector<std::uint32_t> const& targets) {
    put(s, " targets=");
    for (std::size_t i = 0; i < targets.size(); ++i)
        put(s, i ? "," : "", std::to_string(targets[i]));
}

CXLFW_DECL std::string dump_decoder(decoder const& d) {
    std::string s;
    put(s, "  ", d.name());
    switch (d.kind()) {
    case decoder_kind::root:
        put(s, " root hpa=", hex(d.base), "+", hex(d.size), " ways=", std::to_string(d.ways),
            " gran=", std::to_string(d.granularity));
        if (d.arithmetic == spec::interleave_arithmetic::xormap) put(s, " xor");
        put_targets(s, d.targets);
        put(s, " caps=", caps_of(d), " qos=", std::to_string(d.qos_class));
        return s;
    case decoder_kind::switch_decoder:
        put(s, d.passthrough ? " passthrough" : " switch");
        break;
    case decoder_kind::endpoint:
        put(s, " endpoint");
        break;
    }
    put(s, d.enabled ? " committed" : (d.size ? " programmed" : " idle"));
    if (d.size || d.enabled)
        put(s, " hpa=", hex(d.base), "+", hex(d.size), " ways=", std::to_string(d.ways),
            " gran=", std::to_string(d.granularity), " type=", to_string(d.type));
    if (d.kind() == decoder_kind::switch_decoder && !d.targets.empty()) put_targets(s, d.targets);
    if (d.kind() == decoder_kind::endpoint) {
        if (d.dpa)
            put(s, " dpa=", hex(d.dpa->base), "+", hex(d.dpa->size), " skip=", hex(d.dpa->skip));
        if (d.mode != partition_mode::none) put(s, " mode=", to_string(d.mode));
    }
    if (d.locked) put(s, " locked");
    if (d.region) put(s, " region=", d.region->name());
    if (d.kind() == decoder_kind::endpoint && d.pos >= 0) put(s, " pos=", std::to_string(d.pos));
    return s;
}

} // namespace detail

CXLFW_DECL std::string dump(cxl_core const& core) {
    using detail::put;
    std::lock_guard lk{core.mutex()};
    std::string out;
    for (port* p : core.ports()) {
        put(out, p->name(), " ", to_string(p->kind()), " uport=", p->uport());
        if (port* parent = p->parent_port()) put(out, " parent=", parent->name());
        if (dport* dp = p->parent_dport()) put(out, " dport=", dp->dev);
        put(out, " depth=", std::to_string(p->depth()));
        if (p->kind() != port_kind::root) put(out, detail::driver_of(*p));
        put(out, "\n");
        for (auto const& d : p->dports()) {
            put(out, "  dport ", d->dev, " id=", detail::hex(d->port_id));
            if (d->rch) put(out, " rch");
            if (core.link_is_down(d->dev)) put(out, " link=down");
            put(out, "\n");
        }
        for (auto const& d : p->decoders())
            put(out, detail::dump_decoder(*d), "\n");
    }
    for (memdev* m : core.memdevs()) {
        put(out, m->name(), " host=", m->parent() ? m->parent()->name() : std::string{"-"},
            m->desc().type == memdev_type::type2 ? " type2" : " type3",
            " serial=", detail::hex(m->desc().serial), " ram=", detail::hex(m->ram_size()),
            " pmem=", detail::hex(m->pmem_size()));
        if (m->rcd()) put(out, " rcd");
        if (m->direct()) put(out, " direct");
        put(out, " endpoint=", m->endpoint() ? m->endpoint()->name() : std::string{"-"},
            detail::driver_of(*m), "\n");
    }
    for (region* r : core.regions()) {
        put(out, r->name(), " root=", r->root().name(), " mode=", to_string(r->mode()),
            " type=", to_string(r->type()), " hpa=", detail::hex(r->base()), "+",
            detail::hex(r->size()), " ways=", std::to_string(r->ways()),
            " gran=", std::to_string(r->granularity()), " state=", to_string(r->state()),
            " targets=");
        for (std::size_t i = 0; i < r->targets().size(); ++i)
            put(out, i ? "," : "", std::to_string(i), ":",
                r->targets()[i] ? r->targets()[i]->name() : std::string{"-"});
        if (r->auto_assembled()) put(out, " auto");
        if (r->locked()) put(out, " locked");
        put(out, "\n");
    }
    return out;
}

} // namespace cxlfw::core
