// Never compiled into anything: a target that links cxlfw::cxlfw with the project's warning
// flags, so that the compile-check response file can read its include paths and options.
#include <cxlfw/cxlfw.hpp>
