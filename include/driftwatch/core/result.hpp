// driftwatch::metric_value: a metric's value, or the documented reason it has none.
#pragma once

#include <limits>

namespace driftwatch {

/// The result of a metric that may have no meaningful value (an empty window,
/// a reference with no valid observations). An invalid result carries a static
/// string saying why and a NaN value; callers check `valid()` (or use the
/// explicit bool conversion) instead of testing for NaN.
struct metric_value {
  double value = std::numeric_limits<double>::quiet_NaN();
  /// nullptr when valid; otherwise a static, human-readable reason.
  const char* invalid_reason = "no data";

  constexpr bool valid() const noexcept { return invalid_reason == nullptr; }
  constexpr explicit operator bool() const noexcept { return valid(); }

  static constexpr metric_value of(double v) noexcept { return metric_value{v, nullptr}; }
  static constexpr metric_value invalid(const char* reason) noexcept {
    return metric_value{std::numeric_limits<double>::quiet_NaN(), reason};
  }
};

}  // namespace driftwatch
