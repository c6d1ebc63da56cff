// Compensated (Neumaier) summation: the scalar reductions' accumulator.
#pragma once

#include <cmath>

namespace driftwatch {
namespace detail {

/// Neumaier's improved Kahan summation: the error of the running sum is kept
/// in `compensation`, so a sum of n terms is accurate to about one rounding of
/// the result regardless of n (plain summation drifts by up to n roundings).
class compensated_sum {
 public:
  void add(double x) noexcept {
    const double t = sum_ + x;
    if (std::fabs(sum_) >= std::fabs(x))
      compensation_ += (sum_ - t) + x;
    else
      compensation_ += (x - t) + sum_;
    sum_ = t;
  }
  double value() const noexcept { return sum_ + compensation_; }

 private:
  double sum_ = 0.0;
  double compensation_ = 0.0;
};

}  // namespace detail
}  // namespace driftwatch
