// Managed resources (Linux drivers/base/devres.c): what a probe acquires belongs to the
// binding and is released newest first when the binding ends — the probe fails or defers,
// the device is unbound, or it is removed.
//
//   dev.devres().add_action("irq", [&] { free_irq(); });          // devm_add_action
//   auto& regs = dev.devres().emplace<mapping>(bar, 0x1000);      // owned C++ object
//
// An action runs exactly once; an object is destroyed at its turn. Release order is the
// reverse of acquisition order, as with members of a class.
//
// Groups (Linux devres_open_group/devres_release_group): open_group() marks the list;
// release_group() releases, newest first, what was added after the mark, and drops the mark,
// while the binding goes on. A composed driver keeps its CXL attach in a group, so losing CXL
// releases the attach and keeps the PCI binding. Marks are not resources: size() and names()
// do not count them.
#pragma once

#include <cxlfw/config.hpp>

#include <boost/core/demangle.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

namespace cxlfw::base {

class devres_list {
public:
    devres_list();
    devres_list(devres_list const&) = delete;
    devres_list& operator=(devres_list const&) = delete;
    ~devres_list();

    /// Run `release` when the binding ends.
    void add_action(std::string name, std::function<void()> release);

    /// Construct a T owned by the binding; it is destroyed when the binding ends. The
    /// listing names it by its type.
    template <class T, class... Args>
    T& emplace(Args&&... args) {
        return emplace_named<T>(boost::core::demangle(typeid(T).name()),
                                std::forward<Args>(args)...);
    }
    template <class T, class... Args>
    T& emplace_named(std::string name, Args&&... args) {
        auto node = std::make_unique<object_node<T>>(std::move(name));
        T& obj = node->value.emplace(std::forward<Args>(args)...);
        push(std::move(node));
        return obj;
    }

    using group_id = std::uint64_t;

    /// Mark the list; what is added from now on belongs to the group.
    group_id open_group(std::string name);

    /// Release the group's resources, newest first (calling `on_released(name)` after each),
    /// and its mark. Returns how many were released; 0 with nothing done if the group is not
    /// open (released already, or with the whole binding).
    template <class F>
    std::size_t release_group(group_id id, F&& on_released) {
        {
            std::lock_guard lk{mu_};
            bool open = false;
            for (auto const& n : nodes_)
                open = open || (n->group == id && id != 0);
            if (!open) return 0;
        }
        return release_until(id, on_released);
    }

    /// Resources held (group marks not counted).
    std::size_t size() const;
    bool empty() const { return size() == 0; }
    /// Names in acquisition order.
    std::vector<std::string> names() const;

    /// Release everything, newest first, calling `on_released(name)` after each. A release
    /// may add new resources (they are released too). Returns how many were released.
    template <class F>
    std::size_t release_all(F&& on_released) {
        return release_until(0, on_released);
    }

private:
    /// Newest first, each outside the lock (a release may add or release others), up to and
    /// dropping the mark of group `mark` (0: to the end). Marks met on the way are dropped.
    template <class F>
    std::size_t release_until(group_id mark, F& on_released) {
        std::size_t count = 0;
        for (;;) {
            std::unique_ptr<node> n;
            {
                std::lock_guard lk{mu_};
                if (nodes_.empty()) return count;
                n = std::move(nodes_.back());
                nodes_.pop_back();
            }
            if (mark != 0 && n->group == mark) return count;
            if (release_one(*n)) {
                ++count;
                on_released(std::string_view{n->name});
            }
        }
    }

    struct node {
        explicit node(std::string n) : name{std::move(n)} {}
        virtual ~node() = default;
        virtual void release() = 0;
        std::string name;
        group_id group = 0; ///< non-zero: the mark of that group, not a resource
    };
    struct mark_node final : node {
        using node::node;
        void release() override {}
    };

    /// Releases one node; false for a group mark (nothing to release, nothing to report).
    static bool release_one(node& n) {
        if (n.group != 0) return false;
        try {
            n.release();
        } catch (...) { // a release that throws is still released; nothing crosses layers
        }
        return true;
    }
    struct action_node final : node {
        action_node(std::string n, std::function<void()> f)
            : node{std::move(n)}, fn{std::move(f)} {}
        CXLFW_DECL void release() override;
        std::function<void()> fn;
    };
    template <class T>
    struct object_node final : node {
        explicit object_node(std::string n) : node{std::move(n)} {}
        void release() override { value.reset(); }
        std::optional<T> value;
    };

    void push(std::unique_ptr<node> n);

    mutable std::mutex mu_;
    std::vector<std::unique_ptr<node>> nodes_;
    group_id next_group_ = 1;
};

} // namespace cxlfw::base

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/base/impl/devres.ipp>
#endif
