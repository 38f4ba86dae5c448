// A canonical text dump of the CXL topology: the same topology gives the same text, whatever
// order drivers loaded and devices arrived in. Tests compare it; the report layer can parse
// it or walk the objects itself. One line per object, objects by id, members indented:
//
//   root0 root uport=ACPI0017:00 depth=0
//     dport pci0000:0c id=0x0
//     decoder0.1 root hpa=0x1000000000+0x80000000 ways=2 gran=4096 targets=0,1 caps=type3,ram
//   port1 host-bridge uport=pci0000:0c parent=root0 dport=pci0000:0c depth=1 driver=cxl_port
//     dport 0000:0c:00.0 id=0x0
//     decoder1.0 switch committed hpa=0x1000000000+0x20000000 ways=2 gran=8192 targets=0,1
//       region=region0
//   endpoint4 endpoint uport=mem0 parent=port3 dport=0000:0f:00.0 depth=3 driver=cxl_port
//     decoder4.0 endpoint committed hpa=... ways=2 gran=4096 dpa=0x0+0x10000000 skip=0x0
//       mode=ram region=region0 pos=0
//   mem0 host=0000:10:00.0 type3 serial=0x1 ram=0x40000000 pmem=0x40000000 endpoint=endpoint4
//     driver=cxl_mem
//   region0 root=decoder0.1 mode=ram type=hostonly hpa=... ways=2 gran=4096 state=committed
//     targets=0:decoder4.0,1:decoder8.0
//
// (Lines are not wrapped in the output.) Decoders without a range show "idle".
#pragma once

#include <cxlfw/core/objects.hpp>
#include <cxlfw/spec/cedt.hpp>

#include <string>

namespace cxlfw::core {

namespace detail {

inline std::string driver_of(base::device const& d) {
    if (auto* drv = d.bound_driver(); drv && d.is_bound()) return " driver=" + drv->name();
    return " " + std::string{base::to_string(d.state())};
}

inline std::string caps_of(decoder const& d) {
    namespace w = spec::cfmws_restrict;
    std::string s;
    auto add = [&](std::uint16_t bit, char const* name) {
        if (d.restrictions & bit) s += (s.empty() ? "" : ",") + std::string{name};
    };
    add(w::type2, "type2");
    add(w::type3, "type3");
    add(w::volatile_, "ram");
    add(w::pmem, "pmem");
    add(w::fixed, "fixed");
    add(w::bi, "bi");
    return s.empty() ? "none" : s;
}

inline std::string dump_decoder(decoder const& d) {
    std::string s = "  " + d.name();
    switch (d.kind()) {
    case decoder_kind::root:
        s += " root hpa=" + hex(d.base) + "+" + hex(d.size) + " ways=" + std::to_string(d.ways) +
             " gran=" + std::to_string(d.granularity);
        if (d.arithmetic == spec::interleave_arithmetic::xormap) s += " xor";
        s += " targets=";
        for (std::size_t i = 0; i < d.targets.size(); ++i)
            s += (i ? "," : "") + std::to_string(d.targets[i]);
        s += " caps=" + caps_of(d) + " qos=" + std::to_string(d.qos_class);
        return s;
    case decoder_kind::switch_decoder:
        s += d.passthrough ? " passthrough" : " switch";
        break;
    case decoder_kind::endpoint:
        s += " endpoint";
        break;
    }
    s += d.enabled ? " committed" : (d.size ? " programmed" : " idle");
    if (d.size || d.enabled)
        s += " hpa=" + hex(d.base) + "+" + hex(d.size) + " ways=" + std::to_string(d.ways) +
             " gran=" + std::to_string(d.granularity) + " type=" + std::string{to_string(d.type)};
    if (d.kind() == decoder_kind::switch_decoder && !d.targets.empty()) {
        s += " targets=";
        for (std::size_t i = 0; i < d.targets.size(); ++i)
            s += (i ? "," : "") + std::to_string(d.targets[i]);
    }
    if (d.kind() == decoder_kind::endpoint) {
        if (d.dpa)
            s += " dpa=" + hex(d.dpa->base) + "+" + hex(d.dpa->size) + " skip=" + hex(d.dpa->skip);
        if (d.mode != partition_mode::none) s += " mode=" + std::string{to_string(d.mode)};
    }
    if (d.locked) s += " locked";
    if (d.region) s += " region=" + d.region->name();
    if (d.kind() == decoder_kind::endpoint && d.pos >= 0) s += " pos=" + std::to_string(d.pos);
    return s;
}

} // namespace detail

/// The canonical dump (see above), one object per line, each line ending in '\n'.
inline std::string dump(cxl_core const& core) {
    std::lock_guard lk{core.mutex()};
    std::string out;
    for (port* p : core.ports()) {
        out += p->name() + " " + std::string{to_string(p->kind())} + " uport=" + p->uport();
        if (port* parent = p->parent_port()) out += " parent=" + parent->name();
        if (dport* dp = p->parent_dport()) out += " dport=" + dp->dev;
        out += " depth=" + std::to_string(p->depth());
        if (p->kind() != port_kind::root) out += detail::driver_of(*p);
        out += "\n";
        for (auto const& d : p->dports()) {
            out += "  dport " + d->dev + " id=" + detail::hex(d->port_id);
            if (d->rch) out += " rch";
            if (core.link_is_down(d->dev)) out += " link=down";
            out += "\n";
        }
        for (auto const& d : p->decoders())
            out += detail::dump_decoder(*d) + "\n";
    }
    for (memdev* m : core.memdevs()) {
        out += m->name() + " host=" + (m->parent() ? m->parent()->name() : std::string{"-"}) +
               (m->desc().type == memdev_type::type2 ? " type2" : " type3") +
               " serial=" + detail::hex(m->desc().serial) + " ram=" + detail::hex(m->ram_size()) +
               " pmem=" + detail::hex(m->pmem_size());
        if (m->rcd()) out += " rcd";
        if (m->direct()) out += " direct";
        out += " endpoint=" + (m->endpoint() ? m->endpoint()->name() : std::string{"-"});
        out += detail::driver_of(*m) + "\n";
    }
    for (region* r : core.regions()) {
        out += r->name() + " root=" + r->root().name() +
               " mode=" + std::string{to_string(r->mode())} +
               " type=" + std::string{to_string(r->type())} + " hpa=" + detail::hex(r->base()) +
               "+" + detail::hex(r->size()) + " ways=" + std::to_string(r->ways()) +
               " gran=" + std::to_string(r->granularity()) +
               " state=" + std::string{to_string(r->state())} + " targets=";
        for (std::size_t i = 0; i < r->targets().size(); ++i)
            out += (i ? "," : "") + std::to_string(i) + ":" +
                   (r->targets()[i] ? r->targets()[i]->name() : std::string{"-"});
        out += "\n";
    }
    return out;
}

} // namespace cxlfw::core
