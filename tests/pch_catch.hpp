// What the lower layers' test files (spec, hw, base) include from outside cxlfw, precompiled
// once for their executables (tests/CMakeLists.txt).
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>
