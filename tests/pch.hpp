// What nearly every test file includes, precompiled once for all test executables
// (tests/CMakeLists.txt). Each test file still includes what it uses: the header checks and
// the consumer test, not this file, prove that the library's headers stand on their own.
#pragma once

#include <catch2/catch.hpp>

#include <cxlfw/cxlfw.hpp>
#include <cxlfw/emu/emu.hpp>
#include <cxlfw/spec/cedt.hpp>
#include <cxlfw/spec/cedt_builder.hpp>
#include <cxlfw/testing/machine.hpp>
#include <cxlfw/testing/platform.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>
