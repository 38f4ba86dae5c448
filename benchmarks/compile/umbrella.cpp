// Compile cost: what every driver's translation unit pays for the umbrella alone.
#include <cxlfw/cxlfw.hpp>
