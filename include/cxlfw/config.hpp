// How cxlfw's non-template code is compiled: in every translation unit (header-only, the
// default) or once, into a library (CXLFW_SEPARATE_COMPILATION), as Boost.Asio, spdlog and
// fmt offer it.
//
//   | mode                       | how to get it                   | where the bodies go       |
//   |----------------------------|---------------------------------|---------------------------|
//   | header-only (default)      | link cxlfw::cxlfw               | each header includes its  |
//   |                            |                                 | impl/*.ipp: `inline`      |
//   | separately compiled        | link cxlfw::compiled (defines   | src/<layer>.cpp includes  |
//   |                            | CXLFW_SEPARATE_COMPILATION)     | each impl/*.ipp once      |
//
// A header declares what its impl/<name>.ipp defines with CXLFW_DECL; the .ipp defines it
// with CXLFW_DECL again and includes only its own header (plus what only the definitions
// need, such as <fstream>, so that compiled-mode users never parse it). Templates, constexpr
// code and one-line accessors stay in the headers. A virtual member function defined in an .ipp
// is declared CXLFW_DECL in its class too: otherwise, header-only, it would be the class's key
// function (Itanium C++ ABI §5.2.3) defined inline, and every translation unit would emit the
// vtable and all it references. One program uses one mode: linking objects built in both is
// an ODR violation.
#pragma once

#if defined(CXLFW_SEPARATE_COMPILATION)
#define CXLFW_DECL
#else
#define CXLFW_HEADER_ONLY 1
#define CXLFW_DECL inline
#endif
