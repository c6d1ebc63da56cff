// driftwatch::bin_edges: frozen bin boundaries for numeric features.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <driftwatch/accumulators/serialization.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/core/span.hpp>

namespace driftwatch {

/// How a set of edges was made; kept so reports can say it and so kernels can
/// pick a direct-index path for uniform bins.
enum class binning { quantile, uniform, explicit_edges };

inline const char* to_string(binning b) noexcept {
  switch (b) {
    case binning::quantile: return "quantile";
    case binning::uniform: return "uniform";
    case binning::explicit_edges: return "explicit";
  }
  return "unknown";
}

/// Interior edges e[0] < e[1] < ... < e[B-2] of B right-closed bins, frozen
/// from a reference sample (docs/design.md, "Semantics"):
///
///     bin 0 = (-inf, e[0]],  bin i = (e[i-1], e[i]],  bin B-1 = (e[B-2], +inf)
///
/// exactly like Prometheus' cumulative `le` buckets, so a current value outside
/// the reference range still lands in a tail bin. A single bin (no interior
/// edge) is allowed and holds everything. Edges are finite and strictly
/// increasing: the factories remove duplicates, `from_edges` rejects them.
///
/// Immutable after construction; copying copies the edge vector. Equality is
/// exact (bitwise on the values) and is what `histogram::operator+=` checks.
class bin_edges {
 public:
  /// Interior edges at the reference's quantiles i/B, i = 1..B-1, computed like
  /// numpy.quantile's default (linear interpolation, Hyndman-Fan type 7, with
  /// numpy's own interpolation formula so edges are bit-identical), duplicates
  /// removed (heavily tied data yields fewer than B bins): equal to
  /// np.unique(np.quantile(reference, [i/B])) wherever numpy's values are
  /// finite. For a reference spanning more than DBL_MAX numpy's lerp
  /// overflows to +-inf; there the edge is the same lerp on halved values,
  /// doubled, so edges stay finite and strictly increasing. Non-finite reference
  /// values are ignored. Throws driftwatch::error if `bins` is 0 or the
  /// reference has no finite value. O(n log n), allocates a sorted copy.
  static bin_edges from_quantiles(span<const double> reference, std::size_t bins = 10) {
    check_bins(bins, "from_quantiles");
    std::vector<double> sorted = finite_sorted(reference, "from_quantiles");
    return from_sorted_quantiles(sorted, bins);
  }

  /// As `from_quantiles`, for a reference already sorted ascending and finite.
  static bin_edges from_sorted_quantiles(span<const double> sorted, std::size_t bins = 10) {
    check_bins(bins, "from_sorted_quantiles");
    if (sorted.empty()) detail::fail("bin_edges::from_sorted_quantiles: the reference sample is empty");
    std::vector<double> edges;
    edges.reserve(bins - 1);
    const std::size_t n = sorted.size();
    for (std::size_t i = 1; i < bins; ++i) {
      const double q = static_cast<double>(i) / static_cast<double>(bins);
      edges.push_back(quantile_type7(sorted, n, q));
    }
    return bin_edges(dedupe(std::move(edges)), binning::quantile);
  }

  /// B equal-width bins over [min(reference), max(reference)]: interior edges
  /// lo + i * (hi - lo) / B, i = 1..B-1 (as np.linspace; see uniform(lo, hi, B)
  /// for subnormal and overflowing ranges). A constant reference gives one edge
  /// (two bins). Non-finite values are ignored; throws on no finite value or
  /// bins == 0.
  static bin_edges uniform(span<const double> reference, std::size_t bins = 10) {
    check_bins(bins, "uniform");
    bool any = false;
    double lo = 0, hi = 0;
    for (double x : reference) {
      if (!std::isfinite(x)) continue;
      if (!any) {
        lo = hi = x;
        any = true;
      } else {
        lo = std::min(lo, x);
        hi = std::max(hi, x);
      }
    }
    if (!any) detail::fail("bin_edges::uniform: the reference sample has no finite value");
    return uniform(lo, hi, bins);
  }

  /// B equal-width bins over [lo, hi] (finite, lo <= hi): the interior
  /// values of np.linspace(lo, hi, B + 1), duplicates removed, bit for bit,
  /// including numpy's path for a step that underflows to 0 (a subnormal
  /// range: edges (i / B) * (hi - lo) + lo, so a range of k representable
  /// values still gets min(k, B - 1) edges instead of collapsing to one).
  /// Where hi - lo overflows (a range wider than DBL_MAX, where np.linspace
  /// gives inf/nan), the same formula runs on lo/2 and hi/2 and the result
  /// is doubled (exact scaling): edges stay finite and strictly increasing.
  static bin_edges uniform(double lo, double hi, std::size_t bins) {
    check_bins(bins, "uniform");
    if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi)
      detail::fail("bin_edges::uniform: need finite lo <= hi, got [" + num(lo) + ", " + num(hi) + "]");
    std::vector<double> edges;
    if (lo == hi) {
      edges.push_back(lo);
    } else {
      const double b = static_cast<double>(bins);
      const double delta = hi - lo;
      if (std::isfinite(delta)) {
        const double width = delta / b;
        for (std::size_t i = 1; i < bins; ++i) {
          const double fi = static_cast<double>(i);
          // numpy: step == 0 -> y = (i / div) * delta + start, else i * step + start.
          edges.push_back(width == 0.0 ? rounded_product(fi / b, delta) + lo : lo + rounded_product(fi, width));
        }
      } else {
        const double width = (hi / 2 - lo / 2) / b;
        for (std::size_t i = 1; i < bins; ++i)
          edges.push_back(2 * (rounded_product(static_cast<double>(i), width) + lo / 2));
      }
    }
    return bin_edges(dedupe(std::move(edges)), binning::uniform);
  }

  /// Explicit interior edges, which must be finite and strictly increasing
  /// (throws driftwatch::error naming the first offending position otherwise).
  /// An empty list means one bin holding everything.
  static bin_edges from_edges(std::vector<double> interior) {
    for (std::size_t i = 0; i < interior.size(); ++i) {
      if (!std::isfinite(interior[i]))
        detail::fail("bin_edges::from_edges: edge " + std::to_string(i) + " is not finite (" +
                     num(interior[i]) + ")");
      if (i > 0 && !(interior[i - 1] < interior[i]))
        detail::fail("bin_edges::from_edges: edges must be strictly increasing, but edge " +
                     std::to_string(i) + " (" + num(interior[i]) + ") <= edge " + std::to_string(i - 1) +
                     " (" + num(interior[i - 1]) + ")");
    }
    return bin_edges(std::move(interior), binning::explicit_edges);
  }

  /// One bin holding everything.
  bin_edges() = default;

  /// The interior edges, strictly increasing; size() == bin_count() - 1.
  const std::vector<double>& interior() const noexcept { return edges_; }
  /// Number of bins B (at least 1).
  std::size_t bin_count() const noexcept { return edges_.size() + 1; }
  binning kind() const noexcept { return kind_; }

  /// The bin of a non-NaN x: the number of interior edges strictly below x,
  /// so x == e[i] falls in bin i (right-closed). -inf goes to bin 0, +inf to
  /// the last bin. O(log B). Callers exclude NaN before asking.
  std::size_t index(double x) const noexcept {
    return static_cast<std::size_t>(std::lower_bound(edges_.begin(), edges_.end(), x) - edges_.begin());
  }

  friend bool operator==(const bin_edges& a, const bin_edges& b) noexcept { return a.edges_ == b.edges_; }
  friend bool operator!=(const bin_edges& a, const bin_edges& b) noexcept { return !(a == b); }

  /// State format (accumulators/serialization.hpp), as part of a histogram's
  /// or a monitor's payload: u8 kind, u64 n, n x f64 (finite, strictly increasing).
  void save_state(detail::byte_writer& w) const {
    const bin_edges& e = *this;
    w.u8(static_cast<std::uint8_t>(e.kind_));
    w.u64(e.edges_.size());
    for (double x : e.edges_) w.f64(x);
  }
  static bin_edges load_state(detail::byte_reader& r, const deserialize_limits& = {}) {
    const std::uint8_t kind = r.u8("bin_edges kind");
    if (kind > static_cast<std::uint8_t>(binning::explicit_edges))
      r.fail_at(r.position() - 1, "unknown binning kind " + std::to_string(kind));
    const std::uint64_t n = r.count(8, "number of bin edges");
    std::vector<double> edges;
    edges.reserve(static_cast<std::size_t>(n));
    for (std::uint64_t i = 0; i < n; ++i) {
      const double x = r.f64("bin edge");
      if (!std::isfinite(x)) r.fail_at(r.position() - 8, "bin edge " + std::to_string(i) + " is not finite");
      if (i > 0 && !(edges.back() < x))
        r.fail_at(r.position() - 8, "bin edges are not strictly increasing at edge " + std::to_string(i));
      edges.push_back(x);
    }
    return bin_edges(std::move(edges), static_cast<binning>(kind));
  }

 private:
  bin_edges(std::vector<double> edges, binning kind) : edges_(std::move(edges)), kind_(kind) {}

  static void check_bins(std::size_t bins, const char* who) {
    if (bins == 0) detail::fail(std::string("bin_edges::") + who + ": the number of bins must be at least 1, got 0");
  }

  static std::string num(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", x);
    return buf;
  }

  static std::vector<double> finite_sorted(span<const double> reference, const char* who) {
    std::vector<double> sorted;
    sorted.reserve(reference.size());
    for (double x : reference)
      if (std::isfinite(x)) sorted.push_back(x);
    if (sorted.empty())
      detail::fail(std::string("bin_edges::") + who + ": the reference sample has no finite value (" +
                   std::to_string(reference.size()) + " values given)");
    std::sort(sorted.begin(), sorted.end());
    return sorted;
  }

  // numpy 1.24 'linear': virtual index (n-1)*q, lerp(a, b, t) = a + (b-a)*t,
  // or b - (b-a)*(1-t) when t >= 0.5. Reproduced literally for identical bits.
  // Where b - a overflows (numpy then gives +-inf), the same lerp runs on
  // a/2 and b/2 and is doubled: finite, between a and b, monotone in q.
  static double quantile_type7(span<const double> sorted, std::size_t n, double q) {
    const double virtual_index = rounded_product(static_cast<double>(n - 1), q);
    const double below = std::floor(virtual_index);
    if (virtual_index >= static_cast<double>(n - 1)) return sorted[n - 1];
    if (virtual_index < 0) return sorted[0];
    const auto lo = static_cast<std::size_t>(below);
    const double a = sorted[lo], b = sorted[lo + 1];
    const double t = virtual_index - below;
    const double diff = b - a;
    if (!std::isfinite(diff)) {
      const double ha = a / 2, hb = b / 2, hdiff = hb - ha;
      return 2 * (t >= 0.5 ? hb - rounded_product(hdiff, 1 - t) : ha + rounded_product(hdiff, t));
    }
    return t >= 0.5 ? b - rounded_product(diff, 1 - t) : a + rounded_product(diff, t);
  }

  // a * b rounded to double before it is used: with FMA in the target ISA
  // (-march=haswell, native) compilers may fuse x + a * b into one rounding,
  // which moves an edge by an ulp away from NumPy's (which rounds twice). Edges
  // are computed once per feature, so the volatile costs nothing that matters.
  static double rounded_product(double a, double b) noexcept {
    volatile double p = a * b;
    return p;
  }

  // np.unique: sorted, duplicates removed.
  static std::vector<double> dedupe(std::vector<double> edges) {
    std::sort(edges.begin(), edges.end());
    edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
    return edges;
  }

  std::vector<double> edges_;
  binning kind_ = binning::explicit_edges;
};

}  // namespace driftwatch
