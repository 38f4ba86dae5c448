// What cxlfw-probe's files include from outside the tool, precompiled once for them
// (examples/CMakeLists.txt): CLI11 and nlohmann-json cost seconds per file otherwise.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cxlfw/report/cxl_list.hpp>
#include <cxlfw/report/dot.hpp>
#include <cxlfw/report/summary.hpp>
#include <cxlfw/testing/platform.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>
