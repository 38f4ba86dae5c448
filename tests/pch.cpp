// The translation unit that owns the test executables' precompiled header (tests/pch.hpp).
