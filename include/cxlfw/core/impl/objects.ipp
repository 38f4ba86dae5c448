// Out-of-line definitions for <cxlfw/core/objects.hpp>: the objects' constructors and lookups
// (port's and memdev's destructors forget them in the registry: impl/registry.ipp).
#pragma once

#include <cxlfw/core/objects.hpp>

// Header-only mode gets port's and memdev's destructors (impl/registry.ipp) through it.
#include <cxlfw/core/registry.hpp>

#include <ostream>

namespace cxlfw::core {

CXLFW_DECL decoder::decoder(decoder_kind k, port& owner, unsigned id, std::string name)
    : kind_{k}, owner_{&owner}, id_{id}, name_{std::move(name)} {}

CXLFW_DECL decoder::~decoder() = default;

CXLFW_DECL port::port(cxl_core& core, std::string name, port_kind kind, unsigned id,
                      std::string uport)
    : device{std::move(name), std::string{cxl_bus_name}}, core_{&core}, kind_{kind}, id_{id},
      uport_{std::move(uport)} {}

CXLFW_DECL dport* port::find_dport(std::string_view dev) const noexcept {
    for (auto const& d : dports_)
        if (d->dev == dev) return d.get();
    return nullptr;
}

CXLFW_DECL dport* port::find_dport(std::uint32_t port_id) const noexcept {
    for (auto const& d : dports_)
        if (d->port_id == port_id) return d.get();
    return nullptr;
}

CXLFW_DECL decoder* port::find_decoder(unsigned id) const noexcept {
    for (auto const& d : decoders_)
        if (d->id() == id) return d.get();
    return nullptr;
}

CXLFW_DECL memdev::memdev(cxl_core& core, std::string name, unsigned id, memdev_desc desc,
                          attach_probe probe)
    : device{std::move(name), std::string{cxl_bus_name}}, core_{&core}, id_{id},
      desc_{std::move(desc)}, probe_{std::move(probe)}, direct_{desc_.direct} {}

CXLFW_DECL region::region(unsigned id, decoder& root, partition_mode mode, target_type type)
    : id_{id}, name_{"region" + std::to_string(id)}, root_{&root}, mode_{mode}, type_{type} {}

CXLFW_DECL region::~region() = default;

CXLFW_DECL std::ostream& operator<<(std::ostream& os, hpa_range const& r) {
    return os << "HPA " << detail::hex(r.start) << "+" << detail::hex(r.size);
}

} // namespace cxlfw::core
