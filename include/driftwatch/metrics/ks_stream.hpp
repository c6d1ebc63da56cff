// driftwatch::ks_stream: the two-sample Kolmogorov-Smirnov test of a frozen
// reference against a current window that streams in, exact, in O(log n) per
// observation and without keeping the observations.
#pragma once

#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <driftwatch/accumulators/serialization.hpp>
#include <driftwatch/accumulators/storage.hpp>
#include <driftwatch/core/fwd.hpp>
#include <driftwatch/detail/kernels_binning.hpp>
#include <driftwatch/detail/kernels_ks.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/metrics/ks_test.hpp>
#include <driftwatch/core/span.hpp>

namespace driftwatch {

namespace detail {
/// What a weighted ks_stream's result computes (ks_result::approximation).
constexpr const char* ks_weighted_approximation =
    "approximate: weighted ECDF statistic, asymptotic p-value at Kish's effective sample size "
    "(sum w)^2 / sum w^2 of the current window";
}  // namespace detail

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
///
/// A class template (docs/accumulators.md): Value (double, float, integer
/// types: the reference and the observations, compared as the doubles they
/// convert to), Weight, Storage (of the window's per-value counts) and
/// Allocator (of the state's vectors). `ks_stream` is
/// basic_ks_stream<double, unweighted, counter64>: today's behaviour and state
/// bytes.
/// Storage (unweighted windows; accumulators/storage.hpp):
/// - counter64 (default): 8-byte counts.
/// - counter32: 4-byte counts (equal and gap count per distinct reference
///   value). A count that would pass 2^32 - 1 saturates: the observation is
///   left out of the window and counted in saturated_count(), and result() is
///   invalid naming the saturation (never a silent wrap).
/// - atomic_counter64: every count is a std::atomic<std::uint64_t> incremented
///   with relaxed fetch_add, each gap maximum a lock-free atomic max (a CAS
///   loop on the double's bits, replacing only a smaller value, as the serial
///   `x > max` does): any number of threads may call s(x) / s.observe(...) on
///   one stream, no lock, no allocation. Reading while writers run (result,
///   count, copy, +=, serialize) loads each counter once: every count is one
///   that existed, not a snapshot of one instant; after the writers have
///   finished (joined), result() is ks_test's result, bit for bit.
///   reset, += into it and assignment are not concurrent-safe.
/// A weighted window keeps double weight sums and a double sum of squared
/// weights, which neither a 32-bit nor an atomic integer counter can hold: its
/// Storage is counter64 (static_assert).
/// Weighted (s(x, w), w >= 0 finite, else counted invalid): the reference stays
/// unweighted, the window's ECDF is weighted, G(x) = (weight of the window
/// values <= x) / (total weight), and result() gives the weighted ECDF
/// statistic sup |F - G| (or D+ / D-, exact) with an APPROXIMATE p-value: the
/// asymptotic KS distribution at the current side's Kish effective sample size
/// m = round((sum w)^2 / sum w^2); ks_result::approximation says so. Merging
/// weighted windows is exact up to floating-point rounding (order-dependent).
/// (Default arguments, declared in core/fwd.hpp: double, unweighted, counter64,
/// std::allocator<double>.)
template <class Value, class Weight, class Storage, class Allocator>
class basic_ks_stream {
  static_assert(detail::is_accumulator_value<Value>::value,
                "basic_ks_stream: Value must be double, float or an integer type");
  static_assert(detail::is_weight_policy<Weight>::value, "basic_ks_stream: Weight must be unweighted or weighted");
  static_assert(detail::is_storage_policy<Storage>::value,
                "basic_ks_stream: Storage must be counter64, counter32 or atomic_counter64");
  static_assert(!Weight::is_weighted || std::is_same<Storage, counter64>::value,
                "basic_ks_stream: a weighted window keeps double weight sums (no 32-bit or atomic integer counter "
                "holds them); its Storage is counter64");
  static_assert(!Storage::is_atomic || std::atomic<std::uint64_t>::is_always_lock_free,
                "basic_ks_stream: atomic_counter64 needs lock-free 64-bit atomics on this platform");
  template <class T>
  using vec = std::vector<T, typename std::allocator_traits<Allocator>::template rebind_alloc<T>>;

 public:
  using value_type = Value;
  using weight_policy = Weight;
  using storage_policy = Storage;
  using allocator_type = Allocator;
  static constexpr bool is_weighted = Weight::is_weighted;
  /// What the window's counts are: std::uint64_t, or double weight sums.
  using count_type = std::conditional_t<is_weighted, double, std::uint64_t>;

 private:
  using cell_type = std::conditional_t<is_weighted, double, typename Storage::cell>;
  using atomic_alloc = typename std::allocator_traits<Allocator>::template rebind_alloc<std::uint64_t>;
  // Window counts per distinct reference value; gap maxima (atomic: the
  // double's bits in an atomic<uint64_t>).
  using count_container = std::conditional_t<Storage::is_atomic, detail::atomic_cells<atomic_alloc>, vec<cell_type>>;
  using gap_container = std::conditional_t<Storage::is_atomic, detail::atomic_cells<atomic_alloc>, vec<double>>;
  using total_cell = std::conditional_t<is_weighted, double,
                                        std::conditional_t<Storage::is_atomic, detail::relaxed_atomic_u64, std::uint64_t>>;
  using invalid_cell = std::conditional_t<Storage::is_atomic, detail::relaxed_atomic_u64, std::uint64_t>;

 public:
  explicit basic_ks_stream(span<const Value> reference, const Allocator& alloc = Allocator())
      : distinct_(alloc), ref_at_or_below_(alloc), equal_(make_counts(0, alloc)), below_(make_counts(0, alloc)),
        gap_max_(make_gaps(0, alloc)) {
    std::vector<double> widened;
    if constexpr (!std::is_same<Value, double>::value) widened.assign(reference.begin(), reference.end());
    const double* ref_data;
    if constexpr (std::is_same<Value, double>::value)
      ref_data = reference.data();
    else
      ref_data = widened.data();
    const detail::sorted_sample sorted = detail::sort_finite_radix(ref_data, reference.size());
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
    equal_ = make_counts(d, alloc);
    below_ = make_counts(d + 1, alloc);
    gap_max_ = make_gaps(d + 1, alloc);
  }

  /// Adds one current observation. Runs in the hot loop: measure before changing.
  void operator()(Value v) noexcept {
    if constexpr (is_weighted)
      add_weighted(v, 1.0);
    else
      add_one(v);
  }

  /// Adds one current observation of weight w (weighted only).
  template <class W = Weight, class = std::enable_if_t<W::is_weighted>>
  void operator()(Value v, double w) noexcept {
    if (!(w >= 0) || !std::isfinite(w)) {
      ++invalid_;
      return;
    }
    add_weighted(v, w);
  }

  /// Adds every value of `values`.
  void observe(span<const Value> values) noexcept {
    for (Value x : values) (*this)(x);
  }

  /// Adds every values[i] with weight weights[i] (weighted only). Throws
  /// driftwatch::error if the lengths differ, before counting anything.
  template <class W = Weight, class = std::enable_if_t<W::is_weighted>>
  void observe(span<const Value> values, span<const double> weights) {
    if (values.size() != weights.size())
      detail::fail("ks_stream::observe: " + std::to_string(values.size()) + " values but " +
                   std::to_string(weights.size()) + " weights");
    for (std::size_t i = 0; i < values.size(); ++i) (*this)(values[i], weights[i]);
  }

  /// Merges another window over the same reference (throws driftwatch::error
  /// otherwise). Merge algebra: counts add, gap maxima take the max; the empty
  /// window is the identity. counter32: what does not fit saturates into
  /// saturated_count(). atomic: each of other's counters is loaded once.
  basic_ks_stream& operator+=(const basic_ks_stream& other) {
    if (distinct_ != other.distinct_ || ref_at_or_below_ != other.ref_at_or_below_)
      detail::fail("ks_stream::operator+=: cannot merge windows over different reference samples (" +
                   std::to_string(n_reference_) + " vs " + std::to_string(other.n_reference_) + " values)");
    if constexpr (is_weighted) {
      for (std::size_t k = 0; k < equal_.size(); ++k) equal_[k] += other.equal_[k];
      for (std::size_t k = 0; k < below_.size(); ++k) {
        below_[k] += other.below_[k];
        if (other.gap_max_[k] > gap_max_[k]) gap_max_[k] = other.gap_max_[k];
      }
      count_ += other.count_;
      n_obs_ += other.n_obs_;
      sum_w2_ += other.sum_w2_;
    } else {
      std::uint64_t lost = 0;
      for (std::size_t k = 0; k < equal_.size(); ++k) lost += detail::cell_add(equal_[k], detail::cell_load(other.equal_[k]));
      for (std::size_t k = 0; k < below_.size(); ++k) {
        lost += detail::cell_add(below_[k], detail::cell_load(other.below_[k]));
        raise_gap_max(k, other.gap_max(k));
      }
      // The total counts what the cells kept: it stays their sum.
      detail::cell_add(count_, detail::cell_load(other.count_) - lost);
      add_saturated(lost);
      add_saturated(other.saturated_);
    }
    detail::cell_add(invalid_, detail::cell_load(other.invalid_));
    return *this;
  }

  /// Empties the window, keeping the reference (no allocation).
  void reset() noexcept {
    for (auto& c : equal_) detail::cell_store(c, 0);
    for (auto& c : below_) detail::cell_store(c, 0);
    for (std::size_t k = 0; k < gap_max_.size(); ++k) set_gap_max(k, -std::numeric_limits<double>::infinity());
    detail::cell_store(count_, 0);
    detail::cell_store(invalid_, 0);
    n_obs_ = saturated_ = 0;
    sum_w2_ = 0;
  }

  /// ks_test(reference, window, alt, method), exactly. O(d) plus the p-value's
  /// cost (see ks_test_sorted). An empty window gives an invalid result
  /// ("empty current sample"), never an exception; so does a counter32 window
  /// with saturated_count() > 0 (its counts are not the observations').
  /// Weighted: the weighted ECDF statistic and the approximate p-value of the
  /// class comment (asymptotic whatever `method` asks), r.approximation set,
  /// r.n_current the number of valid observations; invalid when the window's
  /// weights sum to 0.
  ks_result result(alternative alt = alternative::two_sided, ks_method method = ks_method::automatic) const {
    ks_result r;
    r.method = method;
    r.n_reference = n_reference_;
    const std::uint64_t n_obs = observation_count();
    r.n_current = static_cast<std::size_t>(n_obs);
    r.n_invalid_current = static_cast<std::size_t>(invalid_count());
    r.n_invalid_reference = n_invalid_reference_;
    if constexpr (is_weighted) r.approximation = detail::ks_weighted_approximation;
    if (saturated_ != 0) {
      r.invalid_reason = "a 32-bit counter of the current window saturated (saturated_count() > 0): the counts are "
                         "not exact";
      return r;
    }
    if (n_obs == 0) {
      r.invalid_reason = r.n_invalid_current != 0 ? "current sample has no finite values" : "empty current sample";
      return r;
    }
    if constexpr (is_weighted) {
      if (!(count_ > 0)) {
        r.invalid_reason = "the current window's weights sum to 0";
        return r;
      }
      return weighted_result(r, alt);
    } else {
      detail::ks_extreme_tracker t(static_cast<double>(n_reference_), static_cast<double>(n_obs));
      std::uint64_t j = 0;
      std::size_t i = 0;
      const std::size_t d = distinct_.size();
      for (std::size_t k = 0; k <= d; ++k) {
        const std::uint64_t below = detail::cell_load(below_[k]);
        if (below != 0) {  // window values strictly between u_{k-1} and u_k
          j += below;
          t.at(gap_max(k), i, j, false, true);
        }
        if (k == d) break;
        const std::uint64_t equal = detail::cell_load(equal_[k]);
        j += equal;
        i = ref_at_or_below_[k];
        t.at(distinct_[k], i, j, true, equal != 0);
      }
      detail::ks_finish(r, t.extremes(), alt, method);
      return r;
    }
  }

  std::size_t reference_size() const noexcept { return n_reference_; }
  /// Number of distinct finite reference values (the state has O(this) size).
  std::size_t distinct_reference_values() const noexcept { return distinct_.size(); }
  /// Finite current observations so far (weighted: their weight sum;
  /// counter32: those counted, without the saturated ones).
  count_type count() const noexcept { return detail::cell_load(count_); }
  /// Finite current observations with a valid weight (= count() unweighted).
  std::uint64_t observation_count() const noexcept {
    if constexpr (is_weighted)
      return n_obs_;
    else
      return detail::cell_load(count_);
  }
  /// Kish's effective size of the window, (sum w)^2 / sum w^2 (= count() unweighted).
  double effective_count() const noexcept {
    if constexpr (is_weighted)
      return detail::kish_effective_size(count_, sum_w2_);
    else
      return static_cast<double>(count());
  }
  /// NaN / +-Inf current observations excluded.
  std::uint64_t invalid_count() const noexcept { return detail::cell_load(invalid_); }
  /// counter32: finite observations left out because their count was at
  /// 2^32 - 1 (0 for other storages). result() is invalid while it is not 0.
  std::uint64_t saturated_count() const noexcept { return saturated_; }

  /// State format (accumulators/serialization.hpp), type number 8 for
  /// `ks_stream` (other instantiations carry value type, weight and storage in
  /// the high byte and refuse to load into each other). Payload:
  /// u64 n_reference, u64 n_invalid_reference, u64 d >= 1,
  /// d x (f64 u_k, u64 #{reference <= u_k}) (finite, strictly increasing; the
  /// last count is n_reference), d x u64 equal, (d + 1) x (u64 below, f64 gap
  /// max), u64 count, u64 invalid. A gap's max is -inf iff the gap is empty,
  /// else inside the gap; the window counts add up to count. counter32 adds
  /// u64 saturated (every count fits 32 bits); atomic_counter64 has the
  /// counter64 layout. Weighted: every window count is an f64 weight sum (a
  /// gap holding only zero weights may have a finite max), then u64
  /// observations, f64 sum of squared weights.
  static constexpr state_type state_tag =
      state_type{detail::instantiation_tag(8, detail::value_code<Value>(), Weight::code, Storage::code)};
  static constexpr const char* state_name = "ks_stream";
  static constexpr std::uint16_t state_version = 1;
  void save_state(detail::byte_writer& w) const {
    auto count_out = [&w](const auto& c) {
      if constexpr (is_weighted)
        w.f64(c);
      else
        w.u64(detail::cell_load(c));
    };
    w.u64(n_reference_);
    w.u64(n_invalid_reference_);
    w.u64(distinct_.size());
    for (std::size_t k = 0; k < distinct_.size(); ++k) {
      w.f64(distinct_[k]);
      w.u64(ref_at_or_below_[k]);
    }
    for (const auto& c : equal_) count_out(c);
    for (std::size_t k = 0; k < below_.size(); ++k) {
      count_out(below_[k]);
      w.f64(gap_max(k));
    }
    count_out(count_);
    w.u64(invalid_count());
    if constexpr (Storage::saturates) w.u64(saturated_);
    if constexpr (is_weighted) {
      w.u64(n_obs_);
      w.f64(sum_w2_);
    }
  }
  static basic_ks_stream load_state(detail::byte_reader& r, const deserialize_limits& = {}) {
    basic_ks_stream s;
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
    double wtotal = 0;
    auto read = [&](const char* what) -> count_type {
      if constexpr (is_weighted) {
        const double c = r.f64(what);
        if (!(c >= 0) || !std::isfinite(c)) r.fail_at(r.position() - 8, std::string(what) + " is negative or not finite");
        wtotal += c;
        return c;
      } else {
        const std::uint64_t c = r.u64(what);
        if (c > std::numeric_limits<std::uint64_t>::max() - total) r.fail_at(r.position() - 8, "window counts overflow");
        if (Storage::saturates && c > std::numeric_limits<std::uint32_t>::max())
          r.fail_at(r.position() - 8, std::string(what) + " does not fit a 32-bit counter");
        total += c;
        return c;
      }
    };
    const Allocator alloc{};
    s.equal_ = make_counts(static_cast<std::size_t>(d), alloc);
    for (auto& c : s.equal_) detail::cell_store(c, read("window count at a reference value"));
    s.below_ = make_counts(static_cast<std::size_t>(d) + 1, alloc);
    s.gap_max_ = make_gaps(static_cast<std::size_t>(d) + 1, alloc);
    for (std::size_t k = 0; k <= d; ++k) {
      at = r.position();
      const count_type below = read("window count in a gap");
      detail::cell_store(s.below_[k], below);
      const double g = r.f64("gap maximum");
      s.set_gap_max(k, g);
      const bool is_empty = g == -std::numeric_limits<double>::infinity();
      const bool inside = std::isfinite(g) && (k == 0 || s.distinct_[k - 1] < g) && (k == d || g < s.distinct_[k]);
      const bool ok = is_weighted ? (is_empty ? below == 0 : inside) : (below == 0 ? is_empty : inside);
      if (!ok) r.fail_at(at, "gap " + std::to_string(k) + " has a maximum outside the gap");
    }
    at = r.position();
    if constexpr (is_weighted) {
      (void)total;
      (void)wtotal;  // weight sums added in another order need not agree bit for bit
      s.count_ = r.f64("window weight");
      if (!(s.count_ >= 0) || !std::isfinite(s.count_)) r.fail_at(at, "window weight is negative or not finite");
    } else {
      (void)wtotal;
      const std::uint64_t window_count = r.u64("window count");
      if (window_count != total)
        r.fail_at(at, "window count " + std::to_string(window_count) + " differs from the sum of its counts " +
                          std::to_string(total));
      detail::cell_store(s.count_, window_count);
    }
    detail::cell_store(s.invalid_, r.u64("window invalid count"));
    if constexpr (Storage::saturates) s.saturated_ = r.u64("window saturated count");
    if constexpr (is_weighted) {
      s.n_obs_ = r.u64("window observations");
      s.sum_w2_ = detail::read_sum_w2(r);
    }
    return s;
  }

 private:
  static count_container make_counts(std::size_t n, const Allocator& alloc) {
    if constexpr (Storage::is_atomic)
      return count_container(n, 0, atomic_alloc(alloc));
    else
      return count_container(n, cell_type(0), typename count_container::allocator_type(alloc));
  }
  static gap_container make_gaps(std::size_t n, const Allocator& alloc) {
    const double empty = -std::numeric_limits<double>::infinity();
    if constexpr (Storage::is_atomic)
      return gap_container(n, bits_of(empty), atomic_alloc(alloc));
    else
      return gap_container(n, empty, typename gap_container::allocator_type(alloc));
  }
  static std::uint64_t bits_of(double x) noexcept {
    std::uint64_t b;
    std::memcpy(&b, &x, sizeof b);
    return b;
  }
  static double double_of(std::uint64_t b) noexcept {
    double x;
    std::memcpy(&x, &b, sizeof x);
    return x;
  }
  double gap_max(std::size_t k) const noexcept {
    if constexpr (Storage::is_atomic)
      return double_of(gap_max_[k].load(std::memory_order_relaxed));
    else
      return gap_max_[k];
  }
  void set_gap_max(std::size_t k, double x) noexcept {
    if constexpr (Storage::is_atomic)
      gap_max_[k].store(bits_of(x), std::memory_order_relaxed);
    else
      gap_max_[k] = x;
  }
  // max(gap_max_[k], x), replacing only a smaller value (x > max, as doubles).
  // Atomic: a lock-free CAS loop; a failed exchange reloads the current value
  // and retries only while x is still larger.
  void raise_gap_max(std::size_t k, double x) noexcept {
    if constexpr (Storage::is_atomic) {
      auto& cell = gap_max_[k];
      std::uint64_t seen = cell.load(std::memory_order_relaxed);
      while (x > double_of(seen) &&
             !cell.compare_exchange_weak(seen, bits_of(x), std::memory_order_relaxed, std::memory_order_relaxed)) {
      }
    } else if (x > gap_max_[k]) {
      gap_max_[k] = x;
    }
  }
  // Only a counter32 can leave observations out; other storages never touch
  // the plain saturated_ counter (atomic: from the concurrent hot path).
  void add_saturated(std::uint64_t n) noexcept {
    if constexpr (Storage::saturates)
      saturated_ += n;
    else
      (void)n;
  }
  static bool finite(Value v) noexcept {
    if constexpr (std::is_floating_point<Value>::value)
      return std::isfinite(v);
    else
      return true;
  }

  void add_one(Value v) noexcept {
    if (!finite(v)) {
      detail::cell_add(invalid_, 1);
      return;
    }
    const auto x = static_cast<double>(v);
    const std::size_t k = detail::bin_of_branchless(distinct_.data(), distinct_.size(), x);  // #{u < x}
    const bool on_reference_value = k < distinct_.size() && distinct_[k] == x;
    if (!count_one(on_reference_value ? equal_[k] : below_[k])) return;
    if (!on_reference_value) raise_gap_max(k, x);
    detail::cell_add(count_, 1);
  }
  // Adds 1 to a window counter; false when a full counter32 left the
  // observation out (counted in saturated_count() instead).
  template <class Cell>
  bool count_one(Cell& c) noexcept {
    if constexpr (Storage::saturates) {
      if (detail::cell_add(c, 1) != 0) {
        saturated_ += 1;
        return false;
      }
    } else {
      detail::cell_add(c, 1);
    }
    return true;
  }

  void add_weighted(Value v, double w) noexcept {
    if (!finite(v)) {
      ++invalid_;
      return;
    }
    const auto x = static_cast<double>(v);
    const std::size_t k = detail::bin_of_branchless(distinct_.data(), distinct_.size(), x);  // #{u < x}
    if (k < distinct_.size() && distinct_[k] == x) {
      equal_[k] += w;
    } else {
      below_[k] += w;
      if (x > gap_max_[k]) gap_max_[k] = x;
    }
    count_ += w;
    ++n_obs_;
    sum_w2_ += w * w;
  }

  // The weighted ECDF walk: the same evaluation points as the unweighted one,
  // with G = (window weight at or below) / (total weight).
  ks_result weighted_result(ks_result& r, alternative alt) const {
    const double n = static_cast<double>(n_reference_), total = static_cast<double>(count_);
    detail::ks_extremes e;
    bool max_has_ref = false, min_has_ref = false;
    double max_cur = 0, min_cur = 0;
    auto at = [&](double v, std::size_t i, double j, bool in_ref) {
      const double diff = static_cast<double>(i) / n - j / total;
      if (diff > e.max_diff) {
        e.max_diff = diff;
        max_has_ref = in_ref;
        e.max_location = max_cur = v;
      } else if (diff == e.max_diff && in_ref && !max_has_ref) {
        max_has_ref = true;
        e.max_location = v;
      }
      if (diff < e.min_diff) {
        e.min_diff = diff;
        min_has_ref = in_ref;
        e.min_location = min_cur = v;
      } else if (diff == e.min_diff && in_ref && !min_has_ref) {
        min_has_ref = true;
        e.min_location = v;
      }
    };
    (void)max_cur;
    (void)min_cur;
    double j = 0;
    std::size_t i = 0;
    const std::size_t d = distinct_.size();
    for (std::size_t k = 0; k <= d; ++k) {
      if (below_[k] != 0) {
        j += below_[k];
        at(gap_max_[k], i, j, false);
      }
      if (k == d) break;
      j += equal_[k];
      i = ref_at_or_below_[k];
      at(distinct_[k], i, j, true);
    }
    const double m_eff = effective_count();
    const double m = std::floor(m_eff + 0.5) < 1 ? 1.0 : std::floor(m_eff + 0.5);
    const std::size_t n_obs = r.n_current;
    r.n_current = static_cast<std::size_t>(m);
    detail::ks_finish(r, e, alt, ks_method::asymptotic);
    r.n_current = n_obs;
    return r;
  }

  vec<double> distinct_;               // u_0 < ... < u_{d-1}
  vec<std::size_t> ref_at_or_below_;   // #{reference <= u_k}
  count_container equal_ = make_counts(0, Allocator());  // window values == u_k (weight sums when weighted)
  count_container below_ = make_counts(0, Allocator());  // window values in (u_{k-1}, u_k), k = 0..d
  gap_container gap_max_ = make_gaps(0, Allocator());    // largest window value in that gap
  std::size_t n_reference_ = 0, n_invalid_reference_ = 0;
  total_cell count_{0};                // the sum of the window counts
  invalid_cell invalid_{0};
  std::uint64_t n_obs_ = 0;            // weighted: observations (unweighted: count_)
  std::uint64_t saturated_ = 0;        // counter32 only
  double sum_w2_ = 0;

  basic_ks_stream() = default;  // load_state only
};

/// The default instantiation: double values, unweighted, 64-bit counts.
using ks_stream = basic_ks_stream<>;

}  // namespace driftwatch
