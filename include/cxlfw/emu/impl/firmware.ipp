// Out-of-line definitions for <cxlfw/emu/detail/firmware.hpp>: checking what a topology says
// firmware committed (topology::commit_decoder) before any register is set.
//
// The rules, each its own error naming the element and the decoder:
//
//   | rule                                                                  | errc                     |
//   |-----------------------------------------------------------------------|--------------------------|
//   | the element has HDM decoders (VH host bridge, switch, device), the id | invalid_firmware_decoder |
//   | is below their count, ways and granularity encode                     |                          |
//   | a port decoder has one target per way, each a root or downstream     | firmware_decoder_target  |
//   | port of that element                                                  |                          |
//   | the commit rules of the hardware (hdm_decoders::validate): capability | invalid_firmware_decoder |
//   | ways and granularity, 256 MiB alignment, DPA within capacity,         |                          |
//   | id order (decoder n-1 committed, each id once),                       | firmware_decoder_order   |
//   | base at or above the previous decoder's end                           | firmware_decoder_overlap |
//   | a host bridge's (or an RCD's) range lies in a window listing its UID  | firmware_decoder_window  |
//   | every port above a switch or device decoder has a decoder with the    | firmware_decoder_mismatch|
//   | same range whose targets include the port on the path (Linux matches  |                          |
//   | switch decoders by exact range: match_switch_decoder_by_range())      |                          |
//
// What firmware may leave that Linux then refuses or cannot assemble (interleave ways that do
// not multiply up, a granularity that disagrees between levels) is not a build error: it is
// the core's to report (docs/core.md, "Firmware state and auto-assembly").
#pragma once

#include <cxlfw/emu/detail/firmware.hpp>
#include <cxlfw/emu/detail/text.hpp>

#include <cxlfw/spec/component.hpp>
#include <cxlfw/spec/interleave.hpp>

#include <algorithm>
#include <map>
#include <string>

namespace cxlfw::emu::detail {

CXLFW_DECL std::error_code check_firmware(topology const& t, std::span<const spec::cfmws> wins,
                                          firmware_view const& view,
                                          std::vector<firmware_preset>& out,
                                          build_diagnostic* diag) {
    using element_id = topology::element_id;
    auto fail = [&](errc e, element_id el, std::string detail) {
        if (diag) *diag = {make_error_code(e), el, build_diagnostic::none, std::move(detail)};
        return make_error_code(e);
    };
    auto const els = t.elements();
    // The decoders of each element, by id (a map keeps the ids ordered).
    std::map<element_id, std::map<unsigned, firmware_decoder const*>> by_element;
    for (auto const& [el, d] : t.firmware()) {
        std::string const at = "decoder " + std::to_string(d.id);
        if (el >= els.size()) return fail(errc::invalid_firmware_decoder, el, "no such element");
        auto const kind = els[el].kind;
        bool const rch = kind == element_kind::host_bridge && t.host_bridge(el).chbs_version == 0;
        hdm_profile const* hdm = view.hdm(el);
        if (rch || !hdm ||
            (kind != element_kind::host_bridge && kind != element_kind::upstream_port &&
             kind != element_kind::endpoint))
            return fail(errc::invalid_firmware_decoder, el,
                        at + ": a " + std::string{element_kind_name(kind)} + (rch ? " (RCH)" : "") +
                            " has no HDM decoders");
        if (d.id >= hdm->decoders())
            return fail(errc::invalid_firmware_decoder, el,
                        at + ": it has " + std::to_string(hdm->decoders()) + " decoders");
        if (!spec::ways_to_eiw(d.ways) || !spec::granularity_to_eig(d.granularity))
            return fail(errc::invalid_firmware_decoder, el,
                        at + ": " + std::to_string(d.ways) + " ways at " +
                            std::to_string(d.granularity) + " B cannot be encoded");
        if (d.size == 0) return fail(errc::invalid_firmware_decoder, el, at + ": size 0");
        if (d.base + d.size < d.base)
            return fail(errc::invalid_firmware_decoder, el, at + ": base + size overflows");
        if (kind != element_kind::endpoint) {
            if (d.targets.size() != d.ways)
                return fail(errc::firmware_decoder_target, el,
                            at + ": " + std::to_string(d.targets.size()) + " targets for " +
                                std::to_string(d.ways) + " ways");
            for (auto tgt : d.targets) {
                bool const below = tgt < els.size() && els[tgt].parent == el &&
                                   (els[tgt].kind == element_kind::root_port ||
                                    els[tgt].kind == element_kind::downstream_port);
                if (!below)
                    return fail(errc::firmware_decoder_target, el,
                                at + ": target element " + std::to_string(tgt) +
                                    " is not a root or downstream port of element " +
                                    std::to_string(el));
            }
        } else if (!d.targets.empty()) {
            return fail(errc::firmware_decoder_target, el,
                        at + ": a device decoder has no targets");
        }
        auto& mine = by_element[el];
        if (mine.count(d.id))
            return fail(errc::firmware_decoder_order, el, at + " is committed twice");
        mine[d.id] = &d;
    }

    // The hardware's commit rules, decoder by decoder in id order.
    for (auto const& [el, decs] : by_element) {
        hdm_profile const& hdm = *view.hdm(el);
        bool const device = els[el].kind == element_kind::endpoint;
        std::vector<hdm_decoders::decoder> regs(hdm.decoders());
        std::vector<std::uint8_t> dports;
        for (auto c : els[el].children)
            if (els[c].kind == element_kind::root_port ||
                els[c].kind == element_kind::downstream_port)
                dports.push_back(view.port_number(c));
        for (auto const& [id, d] : decs) {
            namespace h = spec::hdm;
            auto& r = regs[id];
            r.base = d->base;
            r.size = d->size;
            if (device) {
                r.targets = d->dpa_skip;
            } else {
                std::vector<std::uint8_t> ids;
                for (auto tgt : d->targets)
                    ids.push_back(view.port_number(tgt));
                auto list = h::encode_target_list(ids); // at most 8 ways: checked above
                if (!list)
                    return fail(errc::firmware_decoder_target, el,
                                "decoder " + std::to_string(id) + ": more than 8 targets");
                r.targets = *list;
            }
            bool const coherent =
                d->device_coherent.value_or(device && t.endpoint(el).type == device_type::type2);
            std::uint32_t c = 0;
            c = h::ig::set(c, *spec::granularity_to_eig(d->granularity));
            c = h::iw::set(c, *spec::ways_to_eiw(d->ways));
            c = h::lock_on_commit::set(c, d->lock_on_commit);
            c = h::target_type::set(c, static_cast<std::uint32_t>(
                                           coherent ? h::decoder_target_type::device_coherent
                                                    : h::decoder_target_type::host_only_coherent));
            c = h::commit::set(c, 1);
            r.control = c;
            std::string const at =
                "decoder " + std::to_string(id) + " " + range_text(d->base, d->base + d->size);
            if (device && d->dpa_skip % hdm_alignment)
                return fail(errc::invalid_firmware_decoder, el,
                            at + ": DPA skip " + hex(d->dpa_skip) + " is not 256 MiB aligned");
            auto const e = hdm_decoders::validate(hdm, regs.data(), id, dports);
            if (e != commit_error::none) {
                errc const code =
                    e == commit_error::out_of_order          ? errc::firmware_decoder_order
                    : e == commit_error::base_below_previous ? errc::firmware_decoder_overlap
                    : e == commit_error::invalid_target      ? errc::firmware_decoder_target
                                                             : errc::invalid_firmware_decoder;
                return fail(code, el, at + ": " + std::string{commit_error_name(e)});
            }
            r.phase = decoder_phase::committed;
            out.push_back({el, id, r});
        }
    }

    // Host bridges (and an RCD, whose own decoder is the only one on its path) decode what a
    // window sends them.
    auto in_window = [&](std::uint64_t base, std::uint64_t size, std::uint32_t uid) {
        return std::any_of(wins.begin(), wins.end(), [&](spec::cfmws const& w) {
            return base >= w.base_hpa && base + size <= w.base_hpa + w.window_size &&
                   std::find(w.targets.begin(), w.targets.end(), uid) != w.targets.end();
        });
    };
    for (auto const& [el, decs] : by_element) {
        auto const& e = els[el];
        std::optional<std::uint32_t> uid;
        if (e.kind == element_kind::host_bridge) uid = t.host_bridge(el).uid;
        if (e.kind == element_kind::endpoint && els[e.parent].kind == element_kind::host_bridge)
            uid = t.host_bridge(e.parent).uid;
        if (!uid) continue;
        for (auto const& [id, d] : decs)
            if (!in_window(d->base, d->size, *uid))
                return fail(errc::firmware_decoder_window, el,
                            "decoder " + std::to_string(id) + " " +
                                range_text(d->base, d->base + d->size) +
                                ": no window routing to host bridge UID " + std::to_string(*uid) +
                                " holds it");
    }

    // Every port above a switch or device decoder maps the same range down the path.
    for (auto const& [el, decs] : by_element) {
        if (els[el].kind == element_kind::host_bridge) continue;
        for (auto const& [id, d] : decs) {
            element_id cur = el;
            while (els[cur].parent != topology::none) {
                element_id const dport = els[cur].parent;
                if (els[dport].kind != element_kind::root_port &&
                    els[dport].kind != element_kind::downstream_port)
                    break; // an RCD below its RCH
                element_id const owner = els[dport].parent;
                auto it = by_element.find(owner);
                bool found = false;
                if (it != by_element.end())
                    for (auto const& [oid, od] : it->second)
                        if (od->base == d->base && od->size == d->size &&
                            std::find(od->targets.begin(), od->targets.end(), dport) !=
                                od->targets.end())
                            found = true;
                if (!found)
                    return fail(errc::firmware_decoder_mismatch, el,
                                "decoder " + std::to_string(id) + " " +
                                    range_text(d->base, d->base + d->size) +
                                    ": no decoder of element " + std::to_string(owner) + " (" +
                                    std::string{element_kind_name(els[owner].kind)} +
                                    ") maps that range to element " + std::to_string(dport));
                cur = owner;
            }
        }
    }
    return {};
}

} // namespace cxlfw::emu::detail
