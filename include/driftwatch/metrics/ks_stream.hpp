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

#include <driftwatch/accumulators/serialization.hpp>
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

  /// State format (accumulators/serialization.hpp), type number 8. Payload:
  /// u64 n_reference, u64 n_invalid_reference, u64 d >= 1, d x (f64 u_k,
  /// u64 #{reference <= u_k}) (finite, strictly increasing; the last count is
  /// n_reference), d x u64 equal, (d + 1) x (u64 below, f64 gap max),
  /// u64 count, u64 invalid. A gap's max is -inf iff the gap is empty, else
  /// inside the gap; the window counts add up to count.
  static constexpr state_type state_tag = state_type{8};
  static constexpr const char* state_name = "ks_stream";
  static constexpr std::uint16_t state_version = 1;
  void save_state(detail::byte_writer& w) const {
    w.u64(n_reference_);
    w.u64(n_invalid_reference_);
    w.u64(distinct_.size());
    for (std::size_t k = 0; k < distinct_.size(); ++k) {
      w.f64(distinct_[k]);
      w.u64(ref_at_or_below_[k]);
    }
    for (auto c : equal_) w.u64(c);
    for (std::size_t k = 0; k < below_.size(); ++k) {
      w.u64(below_[k]);
      w.f64(gap_max_[k]);
    }
    w.u64(count_);
    w.u64(invalid_);
  }
  static ks_stream load_state(detail::byte_reader& r, const deserialize_limits& = {}) {
    ks_stream s;
    std::size_t at = r.position();
    const std::uint64_t n_ref = r.u64("reference size");
    const std::uint64_t n_invalid_ref = r.u64("invalid reference count");
    if (n_ref == 0 || n_ref > std::numeric_limits<std::size_t>::max() ||
        n_invalid_ref > std::numeric_limits<std::size_t>::max())
      r.fail_at(at, "ks_stream reference size " + std::to_string(n_ref) + " is out of range");
    s.n_reference_ = static_cast<std::size_t>(n_ref);
    s.n_invalid_reference_ = static_cast<std::size_t>(n_invalid_ref);
    at = r.position();
    const std::uint64_t d = r.count(40, "number of distinct reference values");  // 16 + 8 + 16 bytes each
    if (d == 0 || d > n_ref) r.fail_at(at, "ks_stream has " + std::to_string(d) + " distinct values for " +
                                               std::to_string(n_ref) + " reference values");
    s.distinct_.reserve(static_cast<std::size_t>(d));
    s.ref_at_or_below_.reserve(static_cast<std::size_t>(d));
    for (std::uint64_t k = 0; k < d; ++k) {
      at = r.position();
      const double u = r.f64("distinct reference value");
      const std::uint64_t c = r.u64("reference count at or below");
      if (!std::isfinite(u) || (k > 0 && !(s.distinct_.back() < u)))
        r.fail_at(at, "distinct reference values are not finite and strictly increasing at " + std::to_string(k));
      if (k > 0 ? !(s.ref_at_or_below_.back() < c) : c == 0)
        r.fail_at(at + 8, "reference counts are not strictly increasing at " + std::to_string(k));
      s.distinct_.push_back(u);
      s.ref_at_or_below_.push_back(static_cast<std::size_t>(c));
    }
    if (s.ref_at_or_below_.back() != s.n_reference_)
      r.fail_at(at + 8, "the reference counts end at " + std::to_string(s.ref_at_or_below_.back()) + ", not at " +
                            std::to_string(n_ref));
    std::uint64_t total = 0;
    auto add = [&](std::uint64_t c) {
      if (c > std::numeric_limits<std::uint64_t>::max() - total) r.fail_at(r.position() - 8, "window counts overflow");
      total += c;
    };
    s.equal_.resize(static_cast<std::size_t>(d));
    for (auto& c : s.equal_) add(c = r.u64("window count at a reference value"));
    s.below_.resize(static_cast<std::size_t>(d) + 1);
    s.gap_max_.resize(static_cast<std::size_t>(d) + 1);
    for (std::size_t k = 0; k <= d; ++k) {
      at = r.position();
      add(s.below_[k] = r.u64("window count in a gap"));
      const double g = s.gap_max_[k] = r.f64("gap maximum");
      const bool empty_ok = s.below_[k] == 0 && g == -std::numeric_limits<double>::infinity();
      const bool inside = s.below_[k] != 0 && std::isfinite(g) && (k == 0 || s.distinct_[k - 1] < g) &&
                          (k == d || g < s.distinct_[k]);
      if (!empty_ok && !inside) r.fail_at(at, "gap " + std::to_string(k) + " has a maximum outside the gap");
    }
    at = r.position();
    s.count_ = r.u64("window count");
    if (s.count_ != total)
      r.fail_at(at, "window count " + std::to_string(s.count_) + " differs from the sum of its counts " +
                        std::to_string(total));
    s.invalid_ = r.u64("window invalid count");
    return s;
  }

 private:
  std::vector<double> distinct_;                // u_0 < ... < u_{d-1}
  std::vector<std::size_t> ref_at_or_below_;    // #{reference <= u_k}
  std::vector<std::uint64_t> equal_;            // window values == u_k
  std::vector<std::uint64_t> below_;            // window values in (u_{k-1}, u_k), k = 0..d
  std::vector<double> gap_max_;                 // largest window value in that gap
  std::size_t n_reference_ = 0, n_invalid_reference_ = 0;
  std::uint64_t count_ = 0, invalid_ = 0;

  ks_stream() = default;  // load_state only
};

}  // namespace driftwatch
