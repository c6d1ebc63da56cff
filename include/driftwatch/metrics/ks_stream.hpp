// driftwatch::ks_stream: the two-sample Kolmogorov-Smirnov test of a frozen
// reference against a current window that streams in, exact, in O(log n) per
// observation and without keeping the observations.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <driftwatch/detail/kernels_binning.hpp>
#include <driftwatch/detail/kernels_ks.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/metrics/ks_test.hpp>
#include <driftwatch/core/span.hpp>

namespace driftwatch {

/// A frozen, sorted reference sample and the current window's counts against
/// it, from which ks_test(reference, window) is recomputed exactly: the same
/// statistic, p-value, location and sign, bit for bit (tests/ks_stream_test.cpp).
///
/// Why counts suffice: between two consecutive distinct reference values the
/// reference's ECDF is constant and the window's only rises, so inside such a
/// gap F_ref - F_cur can only reach a new minimum, at the gap's last window
/// value (whose cumulative count is known), and never a new maximum (the
/// reference value before the gap is higher). So the state is, per distinct
/// reference value u_k: the window values equal to u_k, the window values in
/// the gap below it, and the largest value seen in that gap (the location
/// SciPy reports when the minimum is there).
///
/// Guarantees:
/// - Construction sorts the reference (radix sort, O(n)) and allocates
///   O(d) for d distinct reference values; throws driftwatch::error if the
///   reference has no finite value.
/// - `operator()(x)` / `observe(values)` never allocate, lock or throw:
///   a branch-free binary search over the d distinct values per observation.
///   NaN and +-Inf are counted in invalid_count() and excluded, as ks_test does.
/// - `a += b` merges windows over the same reference exactly (counts add,
///   gap maxima take the max): observe(A); observe(B) equals A += B.
///   A different reference is a programmer error (throws).
/// - Memory: 3 values per distinct reference value plus the sorted values.
class ks_stream {
 public:
  explicit ks_stream(span<const double> reference) {
    const detail::sorted_sample sorted = detail::sort_finite_radix(reference.data(), reference.size());
    if (sorted.size == 0)
      detail::fail("ks_stream: the reference sample has no finite value (" + std::to_string(reference.size()) +
                   " values given)");
    n_reference_ = sorted.size;
    n_invalid_reference_ = sorted.invalid;
    for (std::size_t i = 0; i < sorted.size; ++i) {
      const double v = sorted.data[i];
      if (distinct_.empty() || distinct_.back() != v) {  // -0.0 == +0.0: one value
        distinct_.push_back(v);
        ref_at_or_below_.push_back(0);
      }
      ref_at_or_below_.back() = i + 1;
    }
    const std::size_t d = distinct_.size();
    equal_.assign(d, 0);
    below_.assign(d + 1, 0);
    gap_max_.assign(d + 1, -std::numeric_limits<double>::infinity());
  }

  /// Adds one current observation. Runs in the hot loop: measure before changing.
  void operator()(double x) noexcept {
    if (!std::isfinite(x)) {
      ++invalid_;
      return;
    }
    const std::size_t k = detail::bin_of_branchless(distinct_.data(), distinct_.size(), x);  // #{u < x}
    if (k < distinct_.size() && distinct_[k] == x) {
      ++equal_[k];
    } else {
      ++below_[k];
      if (x > gap_max_[k]) gap_max_[k] = x;
    }
    ++count_;
  }

  /// Adds every value of `values`.
  void observe(span<const double> values) noexcept {
    for (double x : values) (*this)(x);
  }

  /// Merges another window over the same reference (throws driftwatch::error
  /// otherwise). Merge algebra: counts add, gap maxima take the max; the empty
  /// window is the identity.
  ks_stream& operator+=(const ks_stream& other) {
    if (distinct_ != other.distinct_ || ref_at_or_below_ != other.ref_at_or_below_)
      detail::fail("ks_stream::operator+=: cannot merge windows over different reference samples (" +
                   std::to_string(n_reference_) + " vs " + std::to_string(other.n_reference_) + " values)");
    for (std::size_t k = 0; k < equal_.size(); ++k) equal_[k] += other.equal_[k];
    for (std::size_t k = 0; k < below_.size(); ++k) {
      below_[k] += other.below_[k];
      if (other.gap_max_[k] > gap_max_[k]) gap_max_[k] = other.gap_max_[k];
    }
    count_ += other.count_;
    invalid_ += other.invalid_;
    return *this;
  }

  /// Empties the window, keeping the reference (no allocation).
  void reset() noexcept {
    for (auto& c : equal_) c = 0;
    for (auto& c : below_) c = 0;
    for (auto& g : gap_max_) g = -std::numeric_limits<double>::infinity();
    count_ = invalid_ = 0;
  }

  /// ks_test(reference, window, alt, method), exactly. O(d) plus the p-value's
  /// cost (see ks_test_sorted). An empty window gives an invalid result
  /// ("empty current sample"), never an exception.
  ks_result result(alternative alt = alternative::two_sided, ks_method method = ks_method::automatic) const {
    ks_result r;
    r.method = method;
    r.n_reference = n_reference_;
    r.n_current = static_cast<std::size_t>(count_);
    r.n_invalid_current = static_cast<std::size_t>(invalid_);
    r.n_invalid_reference = n_invalid_reference_;
    if (count_ == 0) {
      r.invalid_reason = invalid_ != 0 ? "current sample has no finite values" : "empty current sample";
      return r;
    }
    detail::ks_extreme_tracker t(static_cast<double>(n_reference_), static_cast<double>(count_));
    std::uint64_t j = 0;
    std::size_t i = 0;
    const std::size_t d = distinct_.size();
    for (std::size_t k = 0; k <= d; ++k) {
      if (below_[k] != 0) {  // window values strictly between u_{k-1} and u_k
        j += below_[k];
        t.at(gap_max_[k], i, j, false, true);
      }
      if (k == d) break;
      j += equal_[k];
      i = ref_at_or_below_[k];
      t.at(distinct_[k], i, j, true, equal_[k] != 0);
    }
    detail::ks_finish(r, t.extremes(), alt, method);
    return r;
  }

  std::size_t reference_size() const noexcept { return n_reference_; }
  /// Number of distinct finite reference values (the state has O(this) size).
  std::size_t distinct_reference_values() const noexcept { return distinct_.size(); }
  /// Finite current observations so far.
  std::uint64_t count() const noexcept { return count_; }
  /// NaN / +-Inf current observations excluded.
  std::uint64_t invalid_count() const noexcept { return invalid_; }

 private:
  std::vector<double> distinct_;                // u_0 < ... < u_{d-1}
  std::vector<std::size_t> ref_at_or_below_;    // #{reference <= u_k}
  std::vector<std::uint64_t> equal_;            // window values == u_k
  std::vector<std::uint64_t> below_;            // window values in (u_{k-1}, u_k), k = 0..d
  std::vector<double> gap_max_;                 // largest window value in that gap
  std::size_t n_reference_ = 0, n_invalid_reference_ = 0;
  std::uint64_t count_ = 0, invalid_ = 0;
};

}  // namespace driftwatch
