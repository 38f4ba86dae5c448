// cxl_ready<D>: what on_cxl gets once the driver's endpoint is attached. It offers only what
// the driver's traits declare; anything else is a compile error naming the capability.
//
// | member            | needs        | what it does                                          |
// |-------------------|--------------|-------------------------------------------------------|
// | map_region(size)  | cap::hdm<N>  | DPA, HPA, a 1-way region, commit (core::probe_mem)    |
// | attach_region()   | cap::hdm<N>  | the region firmware committed (core::attach_region)   |
// | mailbox()         | cap::mailbox | the device's primary mailbox (core::mailbox::send)    |
// | ras()             | cap::ras     | the RAS capability's status registers                 |
// | memdev(), endpoint(), pci(), host(), driver() | - | the objects of this binding          |
#pragma once

#include <cxlfw/base/pci.hpp>
#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/objects.hpp>
#include <cxlfw/core/pci.hpp>
#include <cxlfw/core/region.hpp>
#include <cxlfw/core/regs.hpp>
#include <cxlfw/policy/traits.hpp>
#include <cxlfw/spec/component.hpp>

#include <cstdint>
#include <optional>

namespace cxlfw {

/// The RAS capability's status registers (CXL 2.0 §8.2.5.9).
struct ras_status {
    std::uint32_t uncorrectable = 0;
    std::uint32_t correctable = 0;
    unsigned first_error = 0; ///< First Error Pointer: the bit of the first uncorrectable error
};

namespace policy::detail {

/// The register maps a binding acquired, by what the traits declare.
struct mapped_registers {
    std::optional<core::reg_block> component;
    std::optional<core::component_map> caps; ///< HDM and RAS structures in the component block
    std::optional<core::device_map> device;  ///< status, mailbox, memdev status
    std::optional<core::mailbox> mbox;
};

} // namespace policy::detail

template <class D>
class cxl_ready {
public:
    cxl_ready(D& drv, base::pci_device& pci, core::memdev& md,
              policy::detail::mapped_registers& regs, base::device& owner) noexcept
        : drv_{&drv}, pci_{&pci}, md_{&md}, regs_{&regs}, owner_{&owner} {}

    D& driver() const noexcept { return *drv_; }
    base::pci_device& pci() const noexcept { return *pci_; }
    base::host& host() const noexcept { return *pci_->host(); }
    core::memdev& memdev() const noexcept { return *md_; }
    /// The endpoint port (attached: on_cxl only runs once it is).
    core::port& endpoint() const noexcept { return *md_->endpoint(); }

    /// `size` bytes of the device's memory in a committed region: the HPA range it decodes.
    /// The region is reset and deleted when this attachment ends.
    result<core::hpa_range> map_region(std::uint64_t size) const {
        static_assert(has_v<D, policy::cap::any_hdm>,
                      "cxlfw: map_region programs HDM decoders; declare cap::hdm<N> in the "
                      "driver's traits, e.g. type2<cap::hdm<1>>");
        return core::to_result(core::probe_mem(*md_, size, std::nullopt, owner_));
    }

    /// The region firmware committed for the device (Linux 7.2 cxl_memdev_attach_region(),
    /// what sfc's devm_cxl_probe_mem() gets): its HPA range. It creates and holds nothing;
    /// region_absent when no decoder of the device is in a committed 1-way region.
    result<core::hpa_range> attach_region() const {
        static_assert(has_v<D, policy::cap::any_hdm>,
                      "cxlfw: attach_region uses the device's HDM decoders; declare cap::hdm<N> "
                      "in the driver's traits, e.g. type2<cap::hdm<1>>");
        return core::to_result(core::attach_region(*md_));
    }

    /// The device's primary mailbox (Linux struct cxl_mailbox).
    core::mailbox& mailbox() const {
        static_assert(has_v<D, policy::cap::mailbox>,
                      "cxlfw: mailbox() sends commands through the device registers; declare "
                      "cap::mailbox in the driver's traits");
        return *regs_->mbox;
    }

    /// The RAS capability's status (what an error handler reads first).
    result<ras_status> ras() const {
        static_assert(has_v<D, policy::cap::ras>,
                      "cxlfw: ras() reads the RAS capability; declare cap::ras in the driver's "
                      "traits");
        namespace r = spec::ras;
        auto w = regs_->caps->ras->window();
        auto unc = w.template read<r::uncorrectable_status>();
        if (!unc) return unc.error();
        auto cor = w.template read<r::correctable_status>();
        if (!cor) return cor.error();
        auto ctl = w.template read<r::cap_control>();
        if (!ctl) return ctl.error();
        return ras_status{*unc, *cor, unsigned(r::first_error_pointer::get(*ctl))};
    }

private:
    D* drv_;
    base::pci_device* pci_;
    core::memdev* md_;
    policy::detail::mapped_registers* regs_;
    base::device* owner_; ///< whose binding holds what map_region acquires
};

} // namespace cxlfw
