// Everything a driver author needs. The report/ layer is separate (<cxlfw/report/...>)
// because it pulls in a JSON library.
#pragma once

#include <cxlfw/clock.hpp>
#include <cxlfw/result.hpp>
#include <cxlfw/units.hpp>

#include <cxlfw/spec/bits.hpp>
#include <cxlfw/spec/errc.hpp>
#include <cxlfw/spec/cedt.hpp>
#include <cxlfw/spec/interleave.hpp>
#include <cxlfw/spec/interleave_math.hpp>
