// The report layer's and the example programs' test files: tests/pch.hpp and nlohmann-json,
// precompiled once for those two executables (tests/CMakeLists.txt).
#pragma once

#include "pch.hpp"

#include <nlohmann/json.hpp>

#include <cxlfw/report/cxl_list.hpp>
#include <cxlfw/report/dot.hpp>
#include <cxlfw/report/summary.hpp>
