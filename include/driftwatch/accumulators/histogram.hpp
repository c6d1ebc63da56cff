// driftwatch::basic_histogram / histogram: counts of a numeric feature over frozen bins.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <driftwatch/accumulators/bin_edges.hpp>
#include <driftwatch/accumulators/serialization.hpp>
#include <driftwatch/accumulators/storage.hpp>
#include <driftwatch/detail/kernels_binning.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/core/fwd.hpp>
#include <driftwatch/core/span.hpp>

namespace driftwatch {

/// A histogram over frozen, right-closed bins (see bin_edges): the state of a
/// numeric feature's window from which PSI, Jensen-Shannon, Hellinger and a
/// binned KS are computed, and which Prometheus exports as `le` buckets.
///
/// A class template over what users vary (accumulators/storage.hpp,
/// docs/accumulators.md):
/// - Value: double (default), float or an integer type. A value is compared
///   with the (double) edges as the double it converts to, exactly (float and
///   integers up to 2^53); integers beyond 2^53 are rounded to the nearest
///   double first. Only floating values can be invalid (NaN, +-Inf).
/// - Weight: unweighted (integer counts) or weighted (h(x, w) adds w >= 0;
///   counts are double sums, and sum_of_squared_weights() keeps sum w^2).
/// - Storage: counter64 (default), counter32 (saturates, counted in
///   saturated_count()), atomic_counter64 (relaxed atomic increments: one
///   histogram shared by threads; every other member is not thread-safe).
/// - Allocator: of the counters (std::allocator, std::pmr::polymorphic_allocator
///   ...); rebound to the counter type. The edges use the global heap.
/// `histogram` is basic_histogram<double, unweighted, counter64>: today's
/// behaviour, types and state bytes.
///
/// Guarantees:
/// - `operator()(x)` and `observe(values)` never allocate, lock or throw.
///   NaN and +-Inf are counted in `invalid_count()` and excluded from the bins
///   (an infinite feature value is a broken input, not a tail observation).
/// - Unweighted counts are exact integers; `a += b` on histograms with identical
///   edges adds counts bin by bin, so merging is exact and order-independent:
///   observe(A); observe(B) equals observe(A) += observe(B). Weighted counts are
///   double sums: merging is exact up to floating-point rounding, which depends
///   on the order of the additions (observe(A); observe(B) and A += B may differ
///   in the last bits of a bin).
/// - Memory: one counter (8 bytes; 4 for counter32) per bin plus the edges.
/// (Default arguments, declared in core/fwd.hpp: double, unweighted, counter64,
/// std::allocator<std::uint64_t>.)
template <class Value, class Weight, class Storage, class Allocator>
class basic_histogram {
  static_assert(detail::is_accumulator_value<Value>::value,
                "basic_histogram: Value must be double, float or an integer type");
  static_assert(detail::is_weight_policy<Weight>::value, "basic_histogram: Weight must be unweighted or weighted");
  static_assert(detail::is_storage_policy<Storage>::value,
                "basic_histogram: Storage must be counter64, counter32 or atomic_counter64");
  static_assert(!Weight::is_weighted || std::is_same<Storage, counter64>::value,
                "basic_histogram: a weighted histogram keeps double sums; its Storage is counter64");

 public:
  using value_type = Value;
  using weight_policy = Weight;
  using storage_policy = Storage;
  static constexpr bool is_weighted = Weight::is_weighted;
  /// What count_at() and count() return: std::uint64_t, or double when weighted.
  using count_type = std::conditional_t<is_weighted, double, std::uint64_t>;
  using cell_type = std::conditional_t<is_weighted, double, typename Storage::cell>;
  using allocator_type = typename std::allocator_traits<Allocator>::template rebind_alloc<
      std::conditional_t<Storage::is_atomic, std::uint64_t, cell_type>>;
  /// std::vector<cell_type> (std::vector<std::uint64_t> for `histogram`), or an
  /// array of atomics for atomic_counter64.
  using container_type =
      std::conditional_t<Storage::is_atomic, detail::atomic_cells<allocator_type>,
                         std::vector<cell_type, typename std::allocator_traits<Allocator>::template rebind_alloc<cell_type>>>;

  /// An empty histogram over `edges`. Allocates the counters once, through `alloc`.
  explicit basic_histogram(bin_edges edges, const Allocator& alloc = Allocator())
      : edges_(std::move(edges)), counts_(edges_.bin_count(), cell_type(), container_alloc(alloc)) {}

  /// Adds one observation. Runs in the hot loop: measure before changing.
  void operator()(Value x) noexcept {
    if (!finite(x)) {
      add_invalid(1);
      return;
    }
    add_to_bin(edges_.index(static_cast<double>(x)));
  }

  /// Adds one observation of weight `w` (weighted histograms only). A NaN or
  /// infinite x, or a negative, NaN or infinite w, is counted in invalid_count().
  template <class W = Weight, class = std::enable_if_t<W::is_weighted>>
  void operator()(Value x, double w) noexcept {
    if (!finite(x) || !(w >= 0) || !std::isfinite(w)) {
      add_invalid(1);
      return;
    }
    counts_[edges_.index(static_cast<double>(x))] += w;
    sum_w2_ += w * w;
  }

  /// Adds one finite observation already known to fall in bin `b`
  /// (b = edges().index(x) < bin_count()): for callers that bin values
  /// themselves (drift_monitor::observe_row's row kernel).
  void count_bin(std::size_t b) noexcept { add_to_bin(b); }

  /// Adds every value of `values` (same rules as operator()). Counts exactly
  /// what calling operator() per value would; the work goes to a SIMD kernel
  /// chosen by the edges (detail/kernels_binning.hpp): compare-and-count for
  /// up to 17 bins, direct index for uniform bins, branch-free search else.
  /// Runs in the hot loop: measure before changing (bench/binning_bench.cpp).
  void observe(span<const Value> values) noexcept {
    if constexpr (is_weighted) {
      for (Value x : values) (*this)(x, 1.0);
    } else if constexpr (std::is_same<Storage, counter64>::value) {
      invalid_ += bin_span(values.data(), values.size(), counts_.data());
    } else {
      // counter32 / atomic: count a chunk into 64-bit scratch on the stack,
      // then add each bin once (saturating / one relaxed fetch_add per bin).
      constexpr std::size_t max_bins = 256, chunk = std::size_t{1} << 16;
      const std::size_t bins = counts_.size();
      if (bins > max_bins) {
        for (Value x : values) (*this)(x);
        return;
      }
      std::uint64_t scratch[max_bins];
      for (std::size_t i = 0; i < values.size(); i += chunk) {
        const std::size_t m = values.size() - i < chunk ? values.size() - i : chunk;
        for (std::size_t b = 0; b < bins; ++b) scratch[b] = 0;
        add_invalid(bin_span(values.data() + i, m, scratch));
        for (std::size_t b = 0; b < bins; ++b)
          if (scratch[b] != 0) add_saturated(detail::cell_add(counts_[b], scratch[b]));
      }
    }
  }

  /// Adds every values[i] with weight weights[i] (weighted histograms only).
  /// Throws driftwatch::error if the spans differ in length (before counting
  /// anything); otherwise as operator()(x, w) per pair: no allocation, no lock.
  template <class W = Weight, class = std::enable_if_t<W::is_weighted>>
  void observe(span<const Value> values, span<const double> weights) {
    if (values.size() != weights.size())
      detail::fail("histogram::observe: " + std::to_string(values.size()) + " values but " +
                   std::to_string(weights.size()) + " weights");
    for (std::size_t i = 0; i < values.size(); ++i) (*this)(values[i], weights[i]);
  }

  /// Merges `other` into this histogram. Both must have identical edges
  /// (exact equality of every edge value); otherwise throws driftwatch::error.
  /// Merge algebra: per-bin and invalid counts add, so += is associative and
  /// commutative (exactly for integer counts; up to rounding for weights), and
  /// the empty histogram on the same edges is its identity. counter32: what
  /// does not fit saturates into saturated_count(). atomic: each of other's
  /// counters is loaded once (relaxed) and added with one fetch_add.
  basic_histogram& operator+=(const basic_histogram& other) {
    if (edges_ != other.edges_)
      detail::fail("histogram::operator+=: cannot merge histograms with different bin edges (" +
                   std::to_string(edges_.bin_count()) + " bins vs " + std::to_string(other.edges_.bin_count()) +
                   " bins" + (edges_.bin_count() == other.edges_.bin_count() ? ", edge values differ" : "") + ")");
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      if constexpr (is_weighted)
        counts_[i] += other.counts_[i];
      else
        add_saturated(detail::cell_add(counts_[i], detail::cell_load(other.counts_[i])));
    }
    add_invalid(detail::cell_load(other.invalid_));
    saturated_ += other.saturated_;
    sum_w2_ += other.sum_w2_;
    return *this;
  }

  /// Sets every count to zero, keeping the edges (no allocation).
  void reset() noexcept {
    for (auto& c : counts_) detail::cell_store(c, 0);
    detail::cell_store(invalid_, 0);
    saturated_ = 0;
    sum_w2_ = 0;
  }

  const bin_edges& edges() const noexcept { return edges_; }
  std::size_t bin_count() const noexcept { return counts_.size(); }
  /// Per-bin counts (not cumulative), bin i as documented in bin_edges:
  /// std::vector<std::uint64_t> for `histogram` (see container_type).
  const container_type& counts() const noexcept { return counts_; }
  /// The count (or weight sum) of bin i.
  count_type count_at(std::size_t i) const noexcept { return detail::cell_load(counts_[i]); }
  /// Valid (finite) observations: the sum of counts() (of weights, when weighted).
  count_type count() const noexcept {
    count_type total = 0;
    for (const auto& c : counts_) total += detail::cell_load(c);
    return total;
  }
  /// Number of NaN or infinite observations (or invalid weights) excluded.
  std::uint64_t invalid_count() const noexcept { return detail::cell_load(invalid_); }
  /// counter32: observations not counted because their bin's counter was at
  /// 2^32 - 1 (0 for other storages). Metrics refuse a histogram with any.
  std::uint64_t saturated_count() const noexcept { return saturated_; }
  /// Sum of the squared weights of the valid observations (= count() unweighted).
  double sum_of_squared_weights() const noexcept {
    if constexpr (is_weighted)
      return sum_w2_;
    else
      return static_cast<double>(count());
  }
  /// Kish's effective sample size (sum w)^2 / sum w^2 (= count() unweighted; 0 if empty).
  double effective_count() const noexcept {
    return detail::kish_effective_size(static_cast<double>(count()), sum_of_squared_weights());
  }
  allocator_type get_allocator() const noexcept { return counts_.get_allocator(); }

  friend bool operator==(const basic_histogram& a, const basic_histogram& b) noexcept {
    if (!(a.edges_ == b.edges_) || a.invalid_count() != b.invalid_count() || a.saturated_ != b.saturated_ ||
        a.sum_w2_ != b.sum_w2_)
      return false;
    for (std::size_t i = 0; i < a.counts_.size(); ++i)
      if (a.count_at(i) != b.count_at(i)) return false;
    return true;
  }
  friend bool operator!=(const basic_histogram& a, const basic_histogram& b) noexcept { return !(a == b); }

  /// State format (accumulators/serialization.hpp). Type number 1 for
  /// `histogram`; other instantiations carry value type, weight and storage in
  /// the high byte (detail::instantiation_tag) and refuse to load into each
  /// other. Payload: edges, u64 bins (= edges + 1), bins x u64 (weighted:
  /// bins x f64), u64 invalid; counter32 adds u64 saturated, weighted adds
  /// f64 sum of squared weights.
  static constexpr state_type state_tag = state_type{
      detail::instantiation_tag(1, detail::value_code<Value>(), Weight::code, Storage::code)};
  static constexpr const char* state_name = "histogram";
  static constexpr std::uint16_t state_version = 1;
  void save_state(detail::byte_writer& w) const {
    edges_.save_state(w);
    w.u64(counts_.size());
    for (const auto& c : counts_) {
      if constexpr (is_weighted)
        w.f64(c);
      else
        w.u64(detail::cell_load(c));
    }
    w.u64(invalid_count());
    if constexpr (Storage::saturates) w.u64(saturated_);
    if constexpr (is_weighted) w.f64(sum_w2_);
  }
  static basic_histogram load_state(detail::byte_reader& r, const deserialize_limits& limits = {}) {
    basic_histogram h(bin_edges::load_state(r, limits));
    const std::size_t at = r.position();
    const std::uint64_t bins = r.count(8, "number of histogram bins");
    if (bins != h.counts_.size())
      r.fail_at(at, "histogram has " + std::to_string(bins) + " counts for " + std::to_string(h.counts_.size()) +
                        " bins");
    std::uint64_t total = 0;
    for (auto& c : h.counts_) {
      if constexpr (is_weighted) {
        c = r.f64("bin weight");
        if (!(c >= 0) || !std::isfinite(c)) r.fail_at(r.position() - 8, "bin weight is negative or not finite");
      } else {
        const std::uint64_t v = r.u64("bin count");
        if (v > std::numeric_limits<std::uint64_t>::max() - total) r.fail_at(r.position() - 8, "bin counts overflow");
        if (Storage::saturates && v > std::numeric_limits<std::uint32_t>::max())
          r.fail_at(r.position() - 8, "bin count does not fit a 32-bit counter");
        total += v;
        detail::cell_store(c, v);
      }
    }
    detail::cell_store(h.invalid_, r.u64("histogram invalid count"));
    if constexpr (Storage::saturates) h.saturated_ = r.u64("histogram saturated count");
    if constexpr (is_weighted) h.sum_w2_ = detail::read_sum_w2(r);
    return h;
  }

 private:
  // Only a counter32 can leave observations out; atomic storages never touch
  // the plain saturated_ counter from the (concurrent) hot path.
  void add_saturated(std::uint64_t n) noexcept {
    if constexpr (Storage::saturates)
      saturated_ += n;
    else
      (void)n;
  }
  using invalid_cell = std::conditional_t<Storage::is_atomic, detail::relaxed_atomic_u64, std::uint64_t>;

  static auto container_alloc(const Allocator& alloc) {
    if constexpr (Storage::is_atomic)
      return allocator_type(alloc);
    else
      return typename std::allocator_traits<Allocator>::template rebind_alloc<cell_type>(alloc);
  }
  static bool finite(Value x) noexcept {
    if constexpr (std::is_floating_point<Value>::value)
      return std::isfinite(x);
    else
      return true;
  }
  void add_to_bin(std::size_t b) noexcept {
    if constexpr (is_weighted) {
      counts_[b] += 1.0;
      sum_w2_ += 1.0;
    } else {
      add_saturated(detail::cell_add(counts_[b], 1));
    }
  }
  void add_invalid(std::uint64_t n) noexcept {
    detail::cell_add(invalid_, n);
  }

  /// THE binning entry point of every span: counts x[0 .. n) into counts[0 ..
  /// bin_count()) (64-bit) and returns how many were not finite. double and
  /// float go straight to the dispatched kernel (float in float lanes, against
  /// each edge's float threshold: the same counts as double(x) per value, see
  /// detail/kernels_binning.hpp); other value types are converted to double in
  /// fixed-size chunks on the stack (no allocation) and go to the double
  /// kernel, so the result equals operator() per value.
  std::uint64_t bin_span(const Value* x, std::size_t n, std::uint64_t* counts) const noexcept {
    const auto& e = edges_.interior();
    const bool uniform = edges_.kind() == binning::uniform;
    if constexpr (std::is_same<Value, double>::value || std::is_same<Value, float>::value) {
      return detail::bin_count(e.data(), e.size(), uniform, x, n, counts);
    } else {
      constexpr std::size_t chunk = 2048;  // 16 KiB of doubles
      double buf[chunk];
      std::uint64_t invalid = 0;
      for (std::size_t i = 0; i < n; i += chunk) {
        const std::size_t m = n - i < chunk ? n - i : chunk;
        for (std::size_t j = 0; j < m; ++j) buf[j] = static_cast<double>(x[i + j]);
        invalid += detail::bin_count(e.data(), e.size(), uniform, buf, m, counts);
      }
      return invalid;
    }
  }

  bin_edges edges_;
  container_type counts_;
  invalid_cell invalid_{0};
  std::uint64_t saturated_ = 0;
  double sum_w2_ = 0;

  template <class, class, class, class>
  friend class basic_histogram;
};

/// The default instantiation: double values, integer 64-bit counts, std::allocator.
using histogram = basic_histogram<>;

namespace detail {
template <class T>
struct is_basic_histogram : std::false_type {};
template <class V, class W, class S, class A>
struct is_basic_histogram<basic_histogram<V, W, S, A>> : std::true_type {};
}  // namespace detail

}  // namespace driftwatch
