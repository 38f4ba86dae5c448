// A fault armed on a register field (HDM Commit) instead of the register that holds it.
// EXPECT: cxlfw: fail_register<R> needs a register type
// EXPECT: for a field, name its register: F::reg_type
// MAX-LINES: 20
#include <cxlfw/emu/fault.hpp>
#include <cxlfw/spec/component.hpp>

int main() {
    cxlfw::emu::fault_hook hook;
    hook.fail_register<cxlfw::spec::hdm::commit>(cxlfw::emu::node_id{1},
                                                 cxlfw::emu::region::component_hdm, 0);
}
