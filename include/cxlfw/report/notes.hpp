// What a driver says about how its device runs, for the reports (the device summary and the
// DOT view): a one-word mode and a reason. The driver model knows bound / deferred / failed;
// "bound, but without CXL" (when_absent::degrade) is the policy layer's to say, so the reports
// ask a `note_source` for it:
//
//   | a note on a device that is ... | the reports show                    |
//   |--------------------------------|-------------------------------------|
//   | bound                          | degraded: "<mode>: <reason>"         |
//   | deferred, failed or unbound    | the host's state; the note is extra  |
//   | absent                         | the host's state                     |
//
// Two ways to provide notes:
//   report::device_notes notes;                       // a registry keyed by device name
//   notes.set("0000:17:00.0", {"pcie-only", "root_absent: no CXL root"});
//   report::device_summary(host, notes.source());
// or any callable, e.g. one that asks the policy layer's binding (cxlfw::status_of(dev)).
// A source is called with the host's devices while the report walks them; it must not call the
// host's mutating functions.
#pragma once

#include <cxlfw/base/device.hpp>
#include <cxlfw/config.hpp>

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace cxlfw::report {

/// How a device runs when that is not plain "bound with its CXL".
struct device_note {
    std::string mode;   ///< one word: "degraded", "pcie-only", "waiting", ...
    std::string reason; ///< why: the fact that made the driver go without CXL

    friend bool operator==(device_note const&, device_note const&) = default;
};

/// Asked once per device by the reports; an empty optional: nothing to say.
using note_source = std::function<std::optional<device_note>(base::device const&)>;

/// A registry of notes keyed by device name, for drivers that do not go through the policy
/// layer (and for tests). Safe to fill from probes running on a worker pool.
class device_notes {
public:
    void set(std::string device, device_note note) {
        std::lock_guard lk{mu_};
        notes_[std::move(device)] = std::move(note);
    }
    void clear(std::string_view device) {
        std::lock_guard lk{mu_};
        if (auto it = notes_.find(device); it != notes_.end()) notes_.erase(it);
    }
    std::optional<device_note> find(std::string_view device) const {
        std::lock_guard lk{mu_};
        auto it = notes_.find(device);
        if (it == notes_.end()) return std::nullopt;
        return it->second;
    }
    /// A source reading this registry (which must outlive it).
    note_source source() const {
        return [this](base::device const& d) { return find(d.name()); };
    }

private:
    mutable std::mutex mu_;
    std::map<std::string, device_note, std::less<>> notes_;
};

namespace detail {
CXLFW_DECL std::optional<device_note> note_of(note_source const& notes, base::device const& d);
} // namespace detail

} // namespace cxlfw::report

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/report/impl/notes.ipp>
#endif
