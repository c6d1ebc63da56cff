// Shared by the tests: one include for Catch2 v2 or v3, and small helpers.
#pragma once

#if defined(DRIFTWATCH_CATCH3)
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <catch2/matchers/catch_matchers_exception.hpp>
using Catch::Approx;
#else
#include <catch2/catch.hpp>
#endif

#include <cmath>
#include <string>

namespace driftwatch_test {

// |a - b| <= rel * max(|a|, |b|) + abs; NaN never compares close.
inline bool close(double a, double b, double rel, double abs = 0.0) {
  if (std::isnan(a) || std::isnan(b)) return false;
  if (a == b) return true;  // includes equal infinities
  return std::fabs(a - b) <= rel * std::fmax(std::fabs(a), std::fabs(b)) + abs;
}

// A substring matcher under one name for Catch2 v2 (Contains) and v3
// (ContainsSubstring): CHECK_THROWS_WITH(expr, driftwatch_test::contains("..."))
#if defined(DRIFTWATCH_CATCH3)
inline auto contains(const std::string& s) { return Catch::Matchers::ContainsSubstring(s); }
#else
inline auto contains(const std::string& s) { return Catch::Matchers::Contains(s); }
#endif

inline std::string data_path(const std::string& file) {
  return std::string(DRIFTWATCH_TEST_DATA_DIR) + "/" + file;
}

}  // namespace driftwatch_test
