// Compensated (Neumaier) summation: the scalar reductions' accumulator.
#pragma once

#include <cmath>

namespace driftwatch {
namespace detail {

/// One step of Neumaier's improved Kahan summation on a (sum, compensation)
/// pair: x is added to sum and the rounding error of that addition to
/// compensation (sum + compensation is the accurate total).
inline void neumaier_add(double& sum, double& compensation, double x) noexcept {
  const double t = sum + x;
  if (std::fabs(sum) >= std::fabs(x))
    compensation += (sum - t) + x;
  else
    compensation += (x - t) + sum;
  sum = t;
}

/// Neumaier's improved Kahan summation: the error of the running sum is kept
/// in `compensation`, so a sum of n terms is accurate to about one rounding of
/// the result regardless of n (plain summation drifts by up to n roundings).
class compensated_sum {
 public:
  void add(double x) noexcept { neumaier_add(sum_, compensation_, x); }
  double value() const noexcept { return sum_ + compensation_; }

 private:
  double sum_ = 0.0;
  double compensation_ = 0.0;
};

}  // namespace detail
}  // namespace driftwatch
