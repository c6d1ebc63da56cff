// driftwatch::histogram: counts of a numeric feature over frozen bins.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <driftwatch/accumulators/bin_edges.hpp>
#include <driftwatch/accumulators/serialization.hpp>
#include <driftwatch/detail/kernels_binning.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/core/span.hpp>

namespace driftwatch {

/// A histogram over frozen, right-closed bins (see bin_edges): the state of a
/// numeric feature's window from which PSI, Jensen-Shannon, Hellinger and a
/// binned KS are computed, and which Prometheus exports as `le` buckets.
///
/// Guarantees:
/// - `operator()(x)` and `observe(values)` never allocate, lock or throw.
///   NaN and +-Inf are counted in `invalid_count()` and excluded from the bins
///   (an infinite feature value is a broken input, not a tail observation).
/// - Counts are exact 64-bit integers; `a += b` on histograms with identical
///   edges adds counts bin by bin, so merging is exact and order-independent:
///   observe(A); observe(B) equals observe(A) += observe(B).
/// - Memory: one 8-byte counter per bin plus the edges.
class histogram {
 public:
  /// An empty histogram over `edges`. Allocates the counters once.
  explicit histogram(bin_edges edges) : edges_(std::move(edges)), counts_(edges_.bin_count(), 0) {}

  /// Adds one observation. Runs in the hot loop: measure before changing.
  void operator()(double x) noexcept {
    if (!std::isfinite(x)) {
      ++invalid_;
      return;
    }
    ++counts_[edges_.index(x)];
  }

  /// Adds one finite observation already known to fall in bin `b`
  /// (b = edges().index(x) < bin_count()): for callers that bin values
  /// themselves (drift_monitor::observe_row's row kernel).
  void count_bin(std::size_t b) noexcept { ++counts_[b]; }

  /// Adds every value of `values` (same rules as operator()). Counts exactly
  /// what calling operator() per value would; the work goes to a SIMD kernel
  /// chosen by the edges (detail/kernels_binning.hpp): compare-and-count for
  /// up to 17 bins, direct index for uniform bins, branch-free search else.
  /// Runs in the hot loop: measure before changing (bench/binning_bench.cpp).
  void observe(span<const double> values) noexcept {
    const auto& e = edges_.interior();
    invalid_ += detail::bin_count(e.data(), e.size(), edges_.kind() == binning::uniform, values.data(),
                                  values.size(), counts_.data());
  }

  /// Merges `other` into this histogram. Both must have identical edges
  /// (exact equality of every edge value); otherwise throws driftwatch::error.
  /// Merge algebra: per-bin and invalid counts add, so += is associative and
  /// commutative, and the empty histogram on the same edges is its identity.
  histogram& operator+=(const histogram& other) {
    if (edges_ != other.edges_)
      detail::fail("histogram::operator+=: cannot merge histograms with different bin edges (" +
                   std::to_string(edges_.bin_count()) + " bins vs " + std::to_string(other.edges_.bin_count()) +
                   " bins" + (edges_.bin_count() == other.edges_.bin_count() ? ", edge values differ" : "") + ")");
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    invalid_ += other.invalid_;
    return *this;
  }

  /// Sets every count to zero, keeping the edges (no allocation).
  void reset() noexcept {
    for (auto& c : counts_) c = 0;
    invalid_ = 0;
  }

  const bin_edges& edges() const noexcept { return edges_; }
  std::size_t bin_count() const noexcept { return counts_.size(); }
  /// Per-bin counts (not cumulative), bin i as documented in bin_edges.
  const std::vector<std::uint64_t>& counts() const noexcept { return counts_; }
  /// Number of valid (finite) observations: the sum of counts().
  std::uint64_t count() const noexcept {
    std::uint64_t total = 0;
    for (auto c : counts_) total += c;
    return total;
  }
  /// Number of NaN or infinite observations excluded.
  std::uint64_t invalid_count() const noexcept { return invalid_; }

  friend bool operator==(const histogram& a, const histogram& b) noexcept {
    return a.edges_ == b.edges_ && a.counts_ == b.counts_ && a.invalid_ == b.invalid_;
  }
  friend bool operator!=(const histogram& a, const histogram& b) noexcept { return !(a == b); }

  /// State format (accumulators/serialization.hpp). Payload: edges, u64 bins
  /// (= edges + 1), bins x u64, u64 invalid.
  static constexpr state_type state_tag = state_type::histogram;
  static constexpr const char* state_name = "histogram";
  static constexpr std::uint16_t state_version = 1;
  void save_state(detail::byte_writer& w) const {
    const histogram& h = *this;
    h.edges_.save_state(w);
    w.u64(h.counts_.size());
    for (auto c : h.counts_) w.u64(c);
    w.u64(h.invalid_);
  }
  static histogram load_state(detail::byte_reader& r, const deserialize_limits& limits = {}) {
    histogram h(bin_edges::load_state(r, limits));
    const std::size_t at = r.position();
    const std::uint64_t bins = r.count(8, "number of histogram bins");
    if (bins != h.counts_.size())
      r.fail_at(at, "histogram has " + std::to_string(bins) + " counts for " + std::to_string(h.counts_.size()) +
                        " bins");
    std::uint64_t total = 0;
    for (auto& c : h.counts_) {
      c = r.u64("bin count");
      if (c > std::numeric_limits<std::uint64_t>::max() - total) r.fail_at(r.position() - 8, "bin counts overflow");
      total += c;
    }
    h.invalid_ = r.u64("histogram invalid count");
    return h;
  }

 private:
  bin_edges edges_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t invalid_ = 0;
};

}  // namespace driftwatch
