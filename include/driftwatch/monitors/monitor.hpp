// driftwatch::drift_monitor: frozen references + current windows = verdicts.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <array>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <driftwatch/accumulators/bin_edges.hpp>
#include <driftwatch/accumulators/category_counts.hpp>
#include <driftwatch/accumulators/serialization.hpp>
#include <driftwatch/metrics/chi_square.hpp>
#include <driftwatch/metrics/divergence.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/core/fwd.hpp>
#include <driftwatch/accumulators/histogram.hpp>
#include <driftwatch/metrics/ks_test.hpp>
#include <driftwatch/metrics/multiple_testing.hpp>
#include <driftwatch/core/result.hpp>
#include <driftwatch/core/span.hpp>
#include <driftwatch/detail/kernels_binning.hpp>
#include <driftwatch/detail/kernels_row.hpp>
#include <driftwatch/detail/summation.hpp>
#include <driftwatch/metrics/wasserstein.hpp>

namespace driftwatch {

enum class feature_kind { numeric, categorical };

inline const char* to_string(feature_kind k) noexcept {
  return k == feature_kind::numeric ? "numeric" : "categorical";
}

/// Thresholds of the verdict. A feature drifts when any *valid* metric crosses
/// its threshold: PSI > psi, JS distance > js_distance, or the (corrected)
/// KS p-value < ks_pvalue (numeric) / chi-square p-value < chi2_pvalue
/// (categorical). Set a threshold to +inf (or a p-value threshold to 0) to
/// disable that test.
struct drift_thresholds {
  double psi = 0.2;
  double js_distance = 0.1;
  double ks_pvalue = 0.05;
  double chi2_pvalue = 0.05;
};

/// Per-feature settings (a config file's per-column section maps onto this):
/// every field left unset takes the monitor-wide value of monitor_config.
/// Applied when a feature of that name is added (add_numeric /
/// add_categorical); names never added are listed by
/// drift_monitor::unused_feature_configs() so a caller can reject them.
struct feature_config {
  /// If set, the feature must be added as this kind (add_numeric for numeric,
  /// add_categorical for categorical); the other call throws naming it.
  std::optional<feature_kind> kind;
  /// Bins and binning of a numeric feature's frozen edges (ignored when the
  /// caller passes explicit edges; not applicable to categorical features).
  std::optional<std::size_t> bins;
  std::optional<binning> method;
  /// The feature's own verdict thresholds.
  std::optional<drift_thresholds> thresholds;
  /// An excluded feature is still tracked and reported (counts, metrics) but
  /// never drifts and takes no part in the p-value correction: for ID,
  /// timestamp or other non-feature columns a caller wants to keep visible.
  bool exclude = false;
};

struct monitor_config {
  /// Bins per numeric feature frozen from its reference (before duplicate edges
  /// are removed) and how they are placed.
  std::size_t bins = 10;
  binning method = binning::quantile;
  /// PSI's replacement for an empty bin's proportion (see psi()).
  double psi_epsilon = 1e-4;
  /// Logarithm base of the Jensen-Shannon divergence.
  double js_base = 2.0;
  drift_thresholds thresholds;
  /// Correction of the per-feature p-values (KS or chi-square) across all
  /// features of one report.
  correction pvalue_correction = correction::none;
  /// No cap by default: KS (exact) and Wasserstein-1 use every finite current
  /// value of the window, from state whose size does not depend on the window
  /// (docs/metrics.md, "Memory"). Setting a smaller value keeps the legacy
  /// cap: KS and Wasserstein use the first max_current_samples values of the
  /// window, the rest still count in the histogram (PSI, JS, Hellinger), and
  /// the report says so (current_sample_truncated, n_truncated_current).
  /// Memory does not depend on it.
  std::size_t max_current_samples = unlimited;
  /// Raw current values kept per numeric feature (8 bytes each, reserved up
  /// front so observe never allocates; min(this, max_current_samples)) so that
  /// a window of at most this many values gets Wasserstein-1 bit-identical to
  /// scipy.stats.wasserstein_distance. A larger window gets Wasserstein-1 from
  /// the bounded state, with a proven error bound (feature_report::
  /// wasserstein_error_bound, docs/metrics.md). 0 keeps no raw value.
  std::size_t exact_wasserstein_samples = 2048;
  /// Per-feature settings by feature name (see feature_config). Not part of a
  /// serialized state: the effective settings of each added feature are.
  std::map<std::string, feature_config, std::less<>> features;

  static constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();
};

/// Which tests called drift (bit flags).
enum drift_reason : unsigned {
  drift_none = 0,
  drift_psi = 1u << 0,
  drift_js = 1u << 1,
  drift_ks = 1u << 2,
  drift_chi2 = 1u << 3,
};

/// One feature's comparison of its current window against its reference.
struct feature_report {
  std::string name;
  feature_kind kind = feature_kind::numeric;
  std::uint64_t n_reference = 0;          // valid reference values
  std::uint64_t n_current = 0;            // valid current values
  std::uint64_t n_missing_reference = 0;  // reported via observe_missing / add_* (e.g. empty CSV cells)
  std::uint64_t n_missing_current = 0;
  std::uint64_t n_invalid_reference = 0;  // NaN / +-Inf, excluded
  std::uint64_t n_invalid_current = 0;
  metric_value psi;
  js_result js;
  metric_value hellinger;
  // numeric only
  /// KS of the reference against the window, exact at any window size (from
  /// per-reference-value counts, as ks_stream): statistic and p-value equal
  /// scipy.stats.ks_2samp. statistic_location is NaN when the extreme lies
  /// between two reference values of a window larger than
  /// exact_wasserstein_samples (no raw value is kept to name it).
  ks_result ks{};
  /// False only when a concurrent<> shard saw more than 65,535 observations
  /// of one slot in more than 8 slots between two drains (docs/metrics.md):
  /// then |D - exact D| <= ks_statistic_error_bound and the p-value is that
  /// of the computed D.
  bool ks_exact = true;
  double ks_statistic_error_bound = 0.0;
  metric_value wasserstein;
  /// Whether `wasserstein` is scipy's value (the window fit in the raw
  /// sample), else the bounded-memory estimate with
  /// |wasserstein - exact| <= wasserstein_error_bound (docs/metrics.md,
  /// "Wasserstein-1 with bounded memory"). Bound 0 when exact.
  bool wasserstein_exact = true;
  double wasserstein_error_bound = 0.0;
  /// See monitor_config::max_current_samples: the finite current values left
  /// out of KS and Wasserstein by an explicit cap (0 without a cap).
  bool current_sample_truncated = false;
  std::uint64_t n_truncated_current = 0;
  // categorical only
  chi2_result chi2;
  /// Observations of categories refused by category_counts' cap
  /// (max_categories), current and reference side; they are in no metric.
  std::uint64_t category_overflow = 0;
  std::uint64_t category_overflow_reference = 0;
  /// The feature's configuration excluded it from verdicts (feature_config).
  bool excluded = false;
  /// The KS (numeric) or chi-square (categorical) p-value after the configured
  /// correction; NaN when that test is invalid.
  double adjusted_pvalue = std::numeric_limits<double>::quiet_NaN();
  bool drift = false;
  unsigned reasons = drift_none;
  /// nullptr when the comparison could be made; else why not (e.g. an empty
  /// current window). An invalid feature never reports drift.
  const char* invalid_reason = nullptr;
  bool valid() const noexcept { return invalid_reason == nullptr; }
};

namespace detail {

/// The frozen part of a numeric feature's KS / Wasserstein state: the
/// reference's distinct finite values and its ECDF there. Immutable once
/// built and shared (std::shared_ptr<const>) by every copy of a monitor --
/// concurrent<> shards, window buckets, snapshots -- so copies cost only
/// their current-window counts.
struct numeric_reference_data {
  std::vector<double> distinct;            // u_0 < ... < u_{d-1}
  // #{reference <= u_k}; empty when the reference has no ties (n = d, most
  // continuous data), where it is k + 1: at(k) gives it either way, and the
  // 8 d bytes are not stored (80 MB at 1,000 features of 10,000 values).
  std::vector<std::uint64_t> at_or_below;
  std::uint64_t n = 0;                     // finite reference values
  std::uint64_t at(std::size_t k) const noexcept { return at_or_below.empty() ? k + 1 : at_or_below[k]; }
  /// at_or_below's storage, or nullptr when the reference has no ties.
  const std::uint64_t* at_data() const noexcept { return at_or_below.empty() ? nullptr : at_or_below.data(); }
  // A guide for the hot-loop search: about 4 d equal-width buckets over
  // [u_0, u_{d-1}] (bucket() is monotone), in blocks of 16: a block holds
  // the number of u_k below its first bucket (32 bits) and how many u_k each
  // of its buckets holds (4 bits each), so start(b) = #{k : bucket(u_k) < b}
  // and the count of b come from one 16-byte read (a few shifts and one
  // multiply). The u_k below x are those of lower buckets plus some of x's
  // own bucket, and most values land in a bucket holding no reference value
  // (the buckets outnumber the values 4 to 1): then their rank is start(b)
  // and their slot 2 start(b), without reading the distinct values. A block
  // with a bucket of 15 or more values is marked dense: its values are
  // searched among the block's own (up to the next block's start). 4 d bytes.
  struct alignas(16) guide_block {
    std::uint64_t counts;  // 4 bits per bucket, bucket j at bits 4 j
    std::uint32_t base;    // #{k : bucket(u_k) < first bucket of the block}
    std::uint32_t dense;   // 1: some bucket holds 15 or more values
  };
  static constexpr std::size_t guide_per_block = 16;
  std::vector<guide_block> guide;  // guide_buckets / 16 blocks + a sentinel (base = d)
  std::size_t guide_buckets = 0;
  double guide_origin = 0.0, guide_scale = 0.0;

  std::size_t bucket(double x) const noexcept {
    const double b = (x - guide_origin) * guide_scale;  // x in [u_0, u_{d-1}]
    const std::size_t last = guide_buckets - 1;
    return b >= static_cast<double>(last) ? last : static_cast<std::size_t>(b);
  }
  /// The slot of a finite x (see slots()): 2 #{u_k < x}, plus 1 if x is some u_k.
  std::size_t slot(double x) const noexcept {
    std::size_t s;
    slots(&x, 1, &s, [](std::size_t) {});
    return s;
  }
  /// #{u_k < x} for a finite x.
  std::size_t rank(double x) const noexcept { return slot(x) / 2; }
  /// s[i] = slot(x[i]) of count <= 64 finite values at once, in stages so
  /// that the cache misses of the searches overlap instead of following one
  /// another: the guide blocks of every value are prefetched, then read (a
  /// value in an empty bucket is done, its slot 2 start(b)) and the distinct
  /// values the others need are prefetched, then those are searched. Each
  /// value's slot is known to lie in [2 start(b), 2 start(b + 1)] once its
  /// guide block is read: near(lo) is called with 2 start(b) then (for the
  /// caller to prefetch the counter it will increment). The lists of values
  /// still to search are built without branches (which bucket is empty is
  /// not predictable). For references far larger than the cache (1,000
  /// features of 10,000 values: 120 MB) each stage is one memory latency for
  /// all values, not per value. Runs in the hot loop (observe's flush):
  /// measure before changing.
  /// One batch of at most 64 values of slots(), between its stages.
  struct slot_batch {
    const double* x = nullptr;
    std::size_t count = 0;
    std::size_t* s = nullptr;
    std::size_t n_todo = 0, n_search = 0;
    std::uint32_t todo[64], lo[64], len[64];
  };
  template <class Near>
  void slots(const double* x, std::size_t count, std::size_t* s, const Near& near) const noexcept {
    if (guide.empty()) {
      const std::size_t d = distinct.size();
      const double* u = distinct.data();
      for (std::size_t i = 0; i < count; ++i) {
        const double v = x[i];
        const std::size_t k = detail::bin_of_branchless(u, d, v);
        s[i] = 2 * k + static_cast<std::size_t>(k < d && u[k] == v);
      }
      return;
    }
    slot_batch b;
    slots_begin(b, x, count, s);
    slots_guide(b, near);
    slots_search(b);
  }
  /// Stage 1 of slots() (a guide is required): the values outside
  /// (u_0, u_{d-1}] are done; the others' buckets found and their guide
  /// blocks prefetched.
  void slots_begin(slot_batch& b, const double* x, std::size_t count, std::size_t* s) const noexcept {
    const std::size_t d = distinct.size();
    const double u0 = distinct[0], top = distinct[d - 1];
    const guide_block* g = guide.data();
    b.x = x;
    b.count = count;
    b.s = s;
    std::size_t n_todo = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const double v = x[i];
      if (!(v > u0)) {
        s[i] = static_cast<std::size_t>(v == u0);
      } else if (v > top) {
        s[i] = 2 * d;
      } else {
        const std::size_t bk = bucket(v);
        b.lo[i] = static_cast<std::uint32_t>(bk);
        b.todo[n_todo++] = static_cast<std::uint32_t>(i);
        detail::prefetch_read(g + bk / guide_per_block);
      }
    }
    b.n_todo = n_todo;
  }
  /// Stage 2: the guide blocks read (a value in an empty bucket is done) and
  /// the distinct values the others need prefetched; near(2 start(b)) for
  /// every value read here.
  template <class Near>
  void slots_guide(slot_batch& b, const Near& near) const noexcept {
    const double* u = distinct.data();
    const guide_block* g = guide.data();
    std::size_t n_search = 0;
    for (std::size_t t = 0; t < b.n_todo; ++t) {
      const std::size_t i = b.todo[t];
      const guide_block& block = g[b.lo[i] / guide_per_block];
      const unsigned shift = 4 * static_cast<unsigned>(b.lo[i] % guide_per_block);
      // The counts of the buckets below x's in the block, summed: nibbles to
      // bytes (each <= 30), bytes summed by one multiply (<= 225).
      const std::uint64_t low = block.counts & ((std::uint64_t{1} << shift) - 1);
      const std::uint64_t bytes = (low & 0x0F0F0F0F0F0F0F0Fu) + ((low >> 4) & 0x0F0F0F0F0F0F0F0Fu);
      std::size_t a = block.base + static_cast<std::size_t>((bytes * 0x0101010101010101u) >> 56);
      std::size_t e = a + static_cast<std::size_t>((block.counts >> shift) & 15);
      if (block.dense) {  // rare: search the whole block
        a = block.base;
        e = (&block)[1].base;
      }
      b.s[i] = 2 * a;  // final for an empty bucket: x lies strictly between u_{a-1} and u_a
      near(2 * a);
      b.lo[i] = static_cast<std::uint32_t>(a);
      b.len[i] = static_cast<std::uint32_t>(e - a);
      b.todo[n_search] = static_cast<std::uint32_t>(i);
      n_search += static_cast<std::size_t>(e != a);
      detail::prefetch_read(u + (e != a ? e - 1 : a));
    }
    b.n_search = n_search;
  }
  /// Stage 3: the values in a bucket holding reference values searched there.
  void slots_search(slot_batch& b) const noexcept {
    const std::size_t d = distinct.size();
    const double* u = distinct.data();
    for (std::size_t t = 0; t < b.n_search; ++t) {
      const std::size_t i = b.todo[t];
      const std::size_t a = b.lo[i], m = b.len[i];
      const double v = b.x[i];
      if (m <= 4) {  // most buckets: a fixed count, no loop whose trip count varies (a mispredict per value)
        std::size_t below = 0, equal = 0;
        for (std::size_t j = 0; j < 4; ++j) {
          const double w = u[std::min(a + j, d - 1)];
          const std::size_t in = static_cast<std::size_t>(j < m);
          below += in & static_cast<std::size_t>(w < v);
          equal += in & static_cast<std::size_t>(w == v);
        }
        b.s[i] = 2 * (a + below) + equal;
      } else {
        const std::size_t k = a + detail::bin_of_branchless(u + a, m, v);
        b.s[i] = 2 * k + static_cast<std::size_t>(k < a + m && u[k] == v);
      }
    }
  }
  /// slots() over any number of values, the stages of consecutive batches of
  /// 64 interleaved so that each batch's cache misses have a whole batch's
  /// work to arrive in: batch t + 1's guide blocks are requested before batch
  /// t's are read, and batch t's slots are handed to use(i, slot) (in order)
  /// only after batch t + 1's guide blocks are read. near() as in slots().
  template <class Near, class Use>
  void slots_pipelined(const double* x, std::size_t count, const Near& near, const Use& use) const noexcept {
    if (guide.empty()) {
      std::size_t s[64];
      for (std::size_t start = 0; start < count; start += 64) {
        const std::size_t m = std::min<std::size_t>(64, count - start);
        slots(x + start, m, s, near);
        for (std::size_t i = 0; i < m; ++i) use(start + i, s[i]);
      }
      return;
    }
    slot_batch b[3];
    std::size_t s[3][64];
    const std::size_t batches = (count + 63) / 64;
    auto begin = [&](std::size_t t) {
      const std::size_t start = 64 * t;
      slots_begin(b[t % 3], x + start, std::min<std::size_t>(64, count - start), s[t % 3]);
    };
    auto finish = [&](std::size_t t) {
      slot_batch& c = b[t % 3];
      slots_search(c);
      for (std::size_t i = 0; i < c.count; ++i) use(64 * t + i, c.s[i]);
    };
    if (batches == 0) return;
    begin(0);
    for (std::size_t t = 0; t < batches; ++t) {
      if (t + 1 < batches) begin(t + 1);
      slots_guide(b[t % 3], near);
      if (t > 0) finish(t - 1);
    }
    finish(batches - 1);
  }
  void build_guide() {
    const std::size_t d = distinct.size();
    guide.clear();
    guide_buckets = 0;
    const double span = distinct[d - 1] - distinct[0];
    // Not for tiny or degenerate references, nor spans beyond DBL_MAX, nor
    // more values than 32-bit positions: the plain binary search serves them.
    if (d < 64 || !(span > 0) || !std::isfinite(span) || d > 0xFFFFFFFEu / 4) return;
    const std::size_t blocks = (4 * d + guide_per_block - 1) / guide_per_block;
    guide_buckets = blocks * guide_per_block;
    guide_origin = distinct[0];
    guide_scale = static_cast<double>(guide_buckets) / span;
    if (!std::isfinite(guide_scale)) {
      guide_buckets = 0;
      return;
    }
    guide.assign(blocks + 1, guide_block{0, 0, 0});
    std::size_t k = 0;
    for (std::size_t l = 0; l < blocks; ++l) {
      guide[l].base = static_cast<std::uint32_t>(k);
      for (std::size_t j = 0; j < guide_per_block; ++j) {
        const std::size_t b = l * guide_per_block + j;
        std::size_t in_bucket = 0;
        while (k < d && bucket(distinct[k]) == b) {
          ++k;
          ++in_bucket;
        }
        if (in_bucket >= 15) guide[l].dense = 1;
        guide[l].counts |= static_cast<std::uint64_t>(in_bucket < 15 ? in_bucket : 15) << (4 * j);
      }
    }
    guide[blocks].base = static_cast<std::uint32_t>(k);  // = d: every u_k is in some bucket
  }

  static std::shared_ptr<const numeric_reference_data> from_sorted(span<const double> sorted) {
    auto r = std::make_shared<numeric_reference_data>();
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (r->distinct.empty() || r->distinct.back() != sorted[i]) {  // -0.0 == +0.0: one value
        r->distinct.push_back(sorted[i]);
        r->at_or_below.push_back(0);
      }
      r->at_or_below.back() = i + 1;
    }
    r->n = sorted.size();
    if (r->n == r->distinct.size()) std::vector<std::uint64_t>().swap(r->at_or_below);  // no ties: at(k) = k + 1
    r->build_guide();
    return r;
  }
  /// The sorted reference sample itself (allocates n doubles).
  std::vector<double> sorted() const {
    std::vector<double> out;
    out.reserve(static_cast<std::size_t>(n));
    std::uint64_t prev = 0;
    for (std::size_t k = 0; k < distinct.size(); ++k) {
      out.insert(out.end(), static_cast<std::size_t>(at(k) - prev), distinct[k]);
      prev = at(k);
    }
    return out;
  }
  /// 2d + 1 slots: 2k = the open gap below u_k (2d: above u_{d-1}), 2k+1 = u_k.
  std::size_t slots() const noexcept { return 2 * distinct.size() + 1; }
  friend bool operator==(const numeric_reference_data& a, const numeric_reference_data& b) noexcept {
    return a.n == b.n && a.distinct == b.distinct && a.at_or_below == b.at_or_below;
  }
};

/// Current-window counts per slot of a numeric_reference_data. Two layouts:
/// - wide (the default): one 64-bit count per slot, exact for any window;
/// - compact (concurrent<> shards, see drift_monitor::compact_copy): one
///   16-bit count per slot, a wrap-around recorded in a table of 8 carries
///   (slot, multiples of 65,536). A wrap that finds the table full is counted
///   in unplaced() (its slot is lost); the report then bounds the error. A
///   shard is drained into a wide total at every snapshot, so this needs more
///   than 65,535 observations of one slot in more than 8 slots between two
///   drains of one thread.
/// Mergeable (a += b makes a wide, exact unless either side has unplaced).
class slot_counts {
 public:
  slot_counts() = default;
  explicit slot_counts(std::size_t slots) : wide_(slots, 0) {}

  std::size_t size() const noexcept { return wide_.empty() ? narrow_.size() : wide_.size(); }
  bool compact() const noexcept { return wide_.empty() && !narrow_.empty(); }

  /// Runs in the hot loop: measure before changing.
  void increment(std::size_t slot) noexcept {
    if (!wide_.empty()) {
      ++wide_[slot];
      return;
    }
    if (++narrow_[slot] == 0) carry(slot);
  }

  std::uint64_t operator[](std::size_t slot) const noexcept {
    if (!wide_.empty()) return wide_[slot];
    std::uint64_t c = narrow_[slot];
    for (unsigned i = 0; i < n_carries_; ++i)
      if (carries_[i].slot == slot) c += carries_[i].blocks << 16;
    return c;
  }
  std::uint64_t unplaced() const noexcept { return unplaced_; }
  /// Where increment(slot) writes (for a prefetch).
  const void* address(std::size_t slot) const noexcept {
    return wide_.empty() ? static_cast<const void*>(narrow_.data() + slot) : static_cast<const void*>(wide_.data() + slot);
  }

  /// Counts add slot by slot. Makes this layout wide (allocates if compact).
  slot_counts& operator+=(const slot_counts& other) {
    if (wide_.empty()) widen();
    if (other.moved_out_) return *this;  // every count is 0
    if (!other.wide_.empty()) {
      for (std::size_t s = 0; s < wide_.size(); ++s) wide_[s] += other.wide_[s];
    } else {
      for (std::size_t s = 0; s < wide_.size(); ++s) wide_[s] += other.narrow_[s];
      for (unsigned i = 0; i < other.n_carries_; ++i) wide_[other.carries_[i].slot] += other.carries_[i].blocks << 16;
    }
    unplaced_ += other.unplaced_;
    return *this;
  }

  /// Adds the counts of parts[0 .. count) (same size) to this, as += would
  /// one at a time, and empties them: 16-bit counts in one pass over this
  /// layout (detail::add_counts_and_clear). Makes this layout wide. An
  /// emptied part stays empty, and costs nothing to += or reset(), until its
  /// reset() (drift_monitor::absorb resets it right after; nothing may count
  /// into it before).
  void add_and_clear(slot_counts* const* parts, std::size_t count) {
    if (wide_.empty()) widen();
    std::uint16_t* narrow[64];
    std::size_t n_narrow = 0;
    auto flush = [&] {
      detail::add_counts_and_clear(wide_.data(), narrow, n_narrow, wide_.size());
      n_narrow = 0;
    };
    for (std::size_t p = 0; p < count; ++p) {
      slot_counts& o = *parts[p];
      if (o.moved_out_) continue;
      if (!o.wide_.empty()) {
        for (std::size_t s = 0; s < wide_.size(); ++s) wide_[s] += o.wide_[s];
        for (auto& c : o.wide_) c = 0;
      } else {
        for (unsigned i = 0; i < o.n_carries_; ++i) wide_[o.carries_[i].slot] += o.carries_[i].blocks << 16;
        narrow[n_narrow++] = o.narrow_.data();
        if (n_narrow == 64) flush();
      }
      unplaced_ += o.unplaced_;
      o.n_carries_ = 0;
      o.unplaced_ = 0;
      o.moved_out_ = true;
    }
    if (n_narrow != 0) flush();
  }

  void reset() noexcept {
    if (moved_out_) {  // add_and_clear emptied it
      moved_out_ = false;
      return;
    }
    for (auto& c : wide_) c = 0;
    for (auto& c : narrow_) c = 0;
    n_carries_ = 0;
    unplaced_ = 0;
  }

  /// An empty compact copy of the same size.
  slot_counts compact_empty() const {
    slot_counts out;
    out.narrow_.assign(size(), 0);
    return out;
  }

  const std::vector<std::uint64_t>& wide() const noexcept { return wide_; }
  std::vector<std::uint64_t>& wide() noexcept { return wide_; }
  void set_unplaced(std::uint64_t u) noexcept { unplaced_ = u; }

 private:
  struct carry_entry {
    std::uint32_t slot;
    std::uint64_t blocks;
  };
  void carry(std::size_t slot) noexcept {
    for (unsigned i = 0; i < n_carries_; ++i)
      if (carries_[i].slot == slot) {
        ++carries_[i].blocks;
        return;
      }
    if (n_carries_ < carries_.size()) {
      carries_[n_carries_++] = carry_entry{static_cast<std::uint32_t>(slot), 1};
      return;
    }
    unplaced_ += std::uint64_t{1} << 16;
  }
  void widen() {
    std::vector<std::uint64_t> w(narrow_.size());
    for (std::size_t s = 0; s < w.size(); ++s) w[s] = (*this)[s];
    wide_ = std::move(w);
    narrow_.clear();
    narrow_.shrink_to_fit();
    n_carries_ = 0;
  }

  std::vector<std::uint64_t> wide_;
  std::vector<std::uint16_t> narrow_;
  std::array<carry_entry, 8> carries_{};
  unsigned n_carries_ = 0;
  std::uint64_t unplaced_ = 0;
  bool moved_out_ = false;  // add_and_clear took every count; reset() clears it
};

/// A mergeable Neumaier sum (the state of the tail integrals).
struct mergeable_sum {
  double sum = 0.0, compensation = 0.0;
  void add(double x) noexcept { neumaier_add(sum, compensation, x); }
  void merge(const mergeable_sum& o) noexcept {
    add(o.sum);
    compensation += o.compensation;
  }
  double value() const noexcept { return sum + compensation; }
};

/// Wasserstein-1 of the reference against a window known by its slot counts
/// (docs/metrics.md, "Wasserstein-1 with bounded memory"). W1 is the integral
/// of |F_ref - F_cur|. Below u_0 (F_ref = 0) and above u_{d-1} (F_ref = 1)
/// it is exact from the sums of (u_0 - x) and (x - u_{d-1}) over the window's
/// values there. In a gap (u_k, u_{k+1}) of width w, F_ref = r is constant
/// and F_cur rises from c0 to c1 at unknown points, so the gap contributes
/// between w * dist(r, [c0, c1]) and w * max(|r - c0|, |r - c1|); the
/// estimate takes the midpoint and the bound adds the half-widths
/// (<= w * (c1 - c0) / 2). Gaps with no current value are exact. Values the
/// compact layout could not place (unplaced U of m) add U/m * (range of all
/// values). Returns {estimate, bound}.
// The tail sums are kept scaled by 2^-64 (exact, bar subnormal terms), so a
// sum of up to 2^64 finite terms never overflows although each may be near
// DBL_MAX: their mean, which W1 needs, always fits.
constexpr double tail_scale = 0x1p-63;  // applied to halved differences: 2^-64 in all
constexpr double tail_scale_inverse = 0x1p64;
struct wasserstein_estimate {
  double value;
  double bound;
};
// w * f with 0 * inf = 0: a gap wider than DBL_MAX contributes +inf only
// where the ECDFs differ there (like SciPy, whose W1 then overflows to inf).
inline double width_times(double w, double f) noexcept { return f == 0.0 ? 0.0 : w * f; }
inline wasserstein_estimate wasserstein_from_slots(const numeric_reference_data& ref, const std::vector<std::uint64_t>& c,
                                                   std::uint64_t placed, double below_sum, double above_sum) noexcept {
  const double m = static_cast<double>(placed), n = static_cast<double>(ref.n);
  const std::size_t d = ref.distinct.size();
  compensated_sum value, bound;
  bool uncertain = false;  // an overflowing gap whose contribution may be finite
  value.add(below_sum / m * tail_scale_inverse);
  std::uint64_t j = c[0];
  for (std::size_t k = 0; k + 1 < d; ++k) {
    j += c[2 * k + 1];
    const std::uint64_t g = c[2 * k + 2];
    const double w = ref.distinct[k + 1] - ref.distinct[k];
    const double r = static_cast<double>(ref.at(k)) / n;
    const double c0 = static_cast<double>(j) / m;
    if (g == 0) {
      value.add(width_times(w, std::fabs(r - c0)));
      continue;
    }
    j += g;
    const double c1 = static_cast<double>(j) / m;
    const double lo = width_times(w, r < c0 ? c0 - r : (r > c1 ? r - c1 : 0.0));
    const double hi = width_times(w, std::max(std::fabs(r - c0), std::fabs(r - c1)));
    if (std::isinf(hi) && !std::isinf(lo)) uncertain = true;
    value.add(lo / 2 + hi / 2);
    bound.add(hi == lo ? 0.0 : hi / 2 - lo / 2);
  }
  value.add(above_sum / m * tail_scale_inverse);
  // Overflow (a reference or window spanning more than DBL_MAX): +inf, as
  // SciPy reports it; Neumaier's compensation turns inf into NaN, hence the check.
  const double inf = std::numeric_limits<double>::infinity();
  const double v = value.value(), b = bound.value();
  if (uncertain) return {std::isfinite(v) ? v : inf, inf};
  return {std::isfinite(v) ? v : inf, std::isfinite(b) ? b : inf};
}

/// The KS extremes and the Wasserstein-1 estimate of a window known by its
/// slot counts c (2d + 1 of them, `placed` in all): what the KS walk of
/// drift_monitor::compare_numeric and wasserstein_from_slots compute, bit for
/// bit (tests/monitor_report_walk_test.cpp), in one pass over c and cheaper:
/// - the KS statistic's exact value at a point is K / (n placed) with the
///   integer K = i placed - j n; while n placed <= 2^49 distinct K are farther
///   apart than the rounding of the double difference (the argument of
///   ks_merge_walk_branchless), so the tracker, which computes that double
///   difference, runs only where K reaches or ties a running extreme
///   (a few dozen points), not at every point;
/// - Wasserstein-1's quotients: a quotient j / placed is reused when the next
///   gap starts at the same j (no current value on the reference value in
///   between, always for continuous data), and the others are divided two at
///   a time (divide_pair).
/// The compensated sums take the same terms in the same order. O(d), no
/// allocation.
struct slot_walk_result {
  ks_extremes ks;
  wasserstein_estimate w1;
};
template <bool ExactK>
inline slot_walk_result walk_slots_impl(const numeric_reference_data& ref, const std::uint64_t* c,
                                        std::uint64_t placed, double below_sum, double above_sum) noexcept {
  const std::size_t d = ref.distinct.size();
  const double* u = ref.distinct.data();
  const double m = static_cast<double>(placed), n = static_cast<double>(ref.n);
  ks_extreme_tracker t(n, m);
  const auto step_i = static_cast<std::int64_t>(placed), step_j = static_cast<std::int64_t>(ref.n);
  std::int64_t k_max = std::numeric_limits<std::int64_t>::min(), k_min = std::numeric_limits<std::int64_t>::max();
  auto point = [&](double v, std::uint64_t i, std::uint64_t j, bool in1, bool in2) {
    if (ExactK) {
      const std::int64_t k = static_cast<std::int64_t>(i) * step_i - static_cast<std::int64_t>(j) * step_j;
      if (k < k_max && k > k_min) return;  // strictly inside: neither sets nor ties an extreme
      k_max = k > k_max ? k : k_max;
      k_min = k < k_min ? k : k_min;
    }
    t.at(v, static_cast<std::size_t>(i), j, in1, in2);
  };
  const double unknown = std::numeric_limits<double>::quiet_NaN();
  gap_sums sums;  // compensated_sum value, bound
  neumaier_add(sums.value_sum, sums.value_comp, below_sum / m * tail_scale_inverse);
  std::uint64_t j = c[0];
  if (j != 0) point(unknown, 0, j, false, true);
  std::size_t k = 0;
#if defined(DRIFTWATCH_ISA_AVX2)
  if (ExactK && d > 1) {
    const simd_level level = active_level();
    const bool finite = std::isfinite(u[d - 1] - u[0]);
#if defined(DRIFTWATCH_ISA_AVX512)
    if (level == simd_level::avx512)
      k = finite ? avx512::walk_gaps<true>(u, ref.at_data(), c, d - 1, ref.n, placed, j, point, k_max, k_min, sums)
                 : avx512::walk_gaps<false>(u, ref.at_data(), c, d - 1, ref.n, placed, j, point, k_max, k_min, sums);
#endif
    if (level == simd_level::avx2)
      k = finite ? avx2::walk_gaps<true>(u, ref.at_data(), c, d - 1, ref.n, placed, j, point, k_max, k_min, sums)
                 : avx2::walk_gaps<false>(u, ref.at_data(), c, d - 1, ref.n, placed, j, point, k_max, k_min, sums);
  }
#endif
  std::uint64_t quotient_of = ~std::uint64_t{0};  // the j whose quotient j / m is `quotient`
  double quotient = 0.0;
  for (; k < d; ++k) {
    const std::uint64_t equal = c[2 * k + 1], ref_le = ref.at(k);  // #{reference <= u_k}
    j += equal;
    point(u[k], ref_le, j, true, equal != 0);
    const std::uint64_t g = c[2 * k + 2];
    if (k + 1 == d) {
      if (g != 0) point(unknown, ref_le, j + g, false, true);
      break;
    }
    // The gap (u_k, u_{k+1}): as wasserstein_from_slots.
    const double w = u[k + 1] - u[k];
    const double at_k = static_cast<double>(ref_le);
    double r, c0;
    if (g == 0) {
      if (j == quotient_of) {
        r = at_k / n;
        c0 = quotient;
      } else {
        divide_pair(at_k, n, static_cast<double>(j), m, r, c0);
        quotient_of = j;
        quotient = c0;
      }
      neumaier_add(sums.value_sum, sums.value_comp, width_times(w, std::fabs(r - c0)));
      continue;
    }
    const std::uint64_t j1 = j + g;
    double c1;
    if (j == quotient_of) {
      c0 = quotient;
      divide_pair(at_k, n, static_cast<double>(j1), m, r, c1);
    } else {
      divide_pair(at_k, n, static_cast<double>(j), m, r, c0);
      c1 = static_cast<double>(j1) / m;
    }
    quotient_of = j1;
    quotient = c1;
    j = j1;
    point(unknown, ref_le, j, false, true);
    const double lo = width_times(w, r < c0 ? c0 - r : (r > c1 ? r - c1 : 0.0));
    const double hi = width_times(w, std::max(std::fabs(r - c0), std::fabs(r - c1)));
    if (std::isinf(hi) && !std::isinf(lo)) sums.uncertain = true;
    neumaier_add(sums.value_sum, sums.value_comp, lo / 2 + hi / 2);
    neumaier_add(sums.bound_sum, sums.bound_comp, hi == lo ? 0.0 : hi / 2 - lo / 2);
  }
  neumaier_add(sums.value_sum, sums.value_comp, above_sum / m * tail_scale_inverse);
  const double inf = std::numeric_limits<double>::infinity();
  const double v = sums.value_sum + sums.value_comp, b = sums.bound_sum + sums.bound_comp;
  slot_walk_result out;
  out.ks = t.extremes();
  out.w1 = sums.uncertain ? wasserstein_estimate{std::isfinite(v) ? v : inf, inf}
                          : wasserstein_estimate{std::isfinite(v) ? v : inf, std::isfinite(b) ? b : inf};
  return out;
}
inline slot_walk_result walk_slots(const numeric_reference_data& ref, const std::uint64_t* c, std::uint64_t placed,
                                   double below_sum, double above_sum) noexcept {
  if (static_cast<double>(ref.n) * static_cast<double>(placed) <= 562949953421312.0)  // 2^49
    return walk_slots_impl<true>(ref, c, placed, below_sum, above_sum);
  return walk_slots_impl<false>(ref, c, placed, below_sum, above_sum);
}

}  // namespace detail

/// Holds, per feature, a frozen reference and a current window, and turns them
/// into verdicts (docs/design.md: monitors = reference + window + thresholds).
///
/// Guarantees:
/// - observe(feature, value) never allocates, locks or throws for numeric
///   features and for categories already seen; a category first seen in the
///   current window is added (one allocation), never dropped (up to
///   category_counts' limit, then counted as overflow).
/// - KS is exact for any window size and Wasserstein-1 is exact up to
///   exact_wasserstein_samples values, then within a reported bound; the
///   state does not grow with the window (docs/metrics.md, "Memory": per
///   numeric feature 16 d + 8 min(exact_wasserstein_samples,
///   max_current_samples) + 4,232 bytes per copy (4 d + 4,360 for a
///   compact_copy()) for d distinct reference values, 2,048 bytes less when
///   d < 4,096, plus 12 d shared by all copies, 20 d if the reference has
///   ties; and observe_row's row block, 8,192 bytes per numeric feature,
///   resident only as rows are written into it).
/// - Not thread-safe by itself: use one monitor per thread and merge with +=
///   (exact), concurrent<drift_monitor>, or an external lock.
/// - report() allocates and costs O(d) per numeric feature (O(d + m log m)
///   while the window fits the raw sample of m values).
///
/// drift_monitor is basic_drift_monitor<> (default argument declared in
/// core/fwd.hpp). The template parameter is not used: it only makes the
/// member functions templates, so that a translation unit that includes
/// <driftwatch/driftwatch.hpp> compiles the ones it calls
/// and not all 1,200 lines with the kernels they reach (the include took
/// 1.28 CPU seconds before, 1.05 after; docs/design.md, "Compile time"). Name
/// the monitor drift_monitor; forward-declare it with <driftwatch/core/fwd.hpp>.
template <class Deferred>
class basic_drift_monitor {
  using drift_monitor = basic_drift_monitor;  // the body names itself by its public name

 public:
  using feature_id = std::size_t;

  explicit basic_drift_monitor(monitor_config config = {}) : config_(std::move(config)) {
    if (config_.bins == 0) detail::fail("drift_monitor: bins must be at least 1, got 0");
    if (!(config_.psi_epsilon > 0 && config_.psi_epsilon < 1))
      detail::fail("drift_monitor: psi_epsilon must be in (0, 1), got " + std::to_string(config_.psi_epsilon));
    for (const auto& fc : config_.features)
      if (fc.second.bins && *fc.second.bins == 0)
        detail::fail("drift_monitor: feature '" + fc.first + "': bins must be at least 1, got 0");
  }

  /// Adds a numeric feature whose bins are frozen from `reference` with the
  /// configured binning (the feature's feature_config first, else the
  /// monitor's). Throws if the name is taken or the reference has no
  /// finite value. `missing` counts reference values the caller dropped as
  /// missing (reported, not used).
  feature_id add_numeric(std::string name, span<const double> reference, std::uint64_t missing = 0) {
    const feature_config* fc = feature_settings_of(name, feature_kind::numeric);
    const std::size_t bins = fc && fc->bins ? *fc->bins : config_.bins;
    const binning method = fc && fc->method ? *fc->method : config_.method;
    auto edges = method == binning::uniform ? bin_edges::uniform(reference, bins)
                                            : bin_edges::from_quantiles(reference, bins);
    return add_numeric(std::move(name), reference, std::move(edges), missing);
  }

  /// Adds a numeric feature over explicit edges.
  feature_id add_numeric(std::string name, span<const double> reference, bin_edges edges, std::uint64_t missing = 0) {
    check_new_name(name);
    drain_rows();  // the block's rows have the old row length
    const feature_config* fc = feature_settings_of(name, feature_kind::numeric);
    std::vector<double> sorted;
    sorted.reserve(reference.size());
    for (double x : reference)
      if (std::isfinite(x)) sorted.push_back(x);
    if (sorted.empty())
      detail::fail("drift_monitor: the reference of feature '" + name + "' has no finite value");
    std::sort(sorted.begin(), sorted.end());
    numeric_feature f{histogram(edges), histogram(std::move(edges))};
    f.reference_hist.observe(reference);
    f.reference = detail::numeric_reference_data::from_sorted(sorted);
    f.size_pending();
    f.window = detail::slot_counts(f.reference->slots());
    f.sample_capacity = std::min(config_.exact_wasserstein_samples, config_.max_current_samples);
    f.current_sample.reserve(f.sample_capacity);
    features_.push_back(feature_slot{std::move(name), feature_kind::numeric, numerics_.size(), missing, 0});
    numeric_of_.push_back(numerics_.size());
    apply_settings(features_.back(), fc);
    numerics_.push_back(std::move(f));
    size_row_block();
    return features_.size() - 1;
  }

  /// Adds a categorical feature; its categories start as those of `reference`
  /// (any range of things convertible to std::string_view).
  template <class Range>
  feature_id add_categorical(std::string name, const Range& reference, std::uint64_t missing = 0) {
    check_new_name(name);
    const feature_config* fc = feature_settings_of(name, feature_kind::categorical);
    categorical_feature f;
    f.reference.observe(reference);
    if (f.reference.count() == 0)
      detail::fail("drift_monitor: the reference of feature '" + name + "' has no value");
    // The current window knows the reference's categories up front, so
    // observing any of them never allocates.
    for (const auto& category : f.reference.names()) f.current.add_category(category);
    features_.push_back(feature_slot{std::move(name), feature_kind::categorical, categoricals_.size(), missing, 0});
    numeric_of_.push_back(not_numeric);
    apply_settings(features_.back(), fc);
    categoricals_.push_back(std::move(f));
    return features_.size() - 1;
  }

  /// Observes a numeric value (NaN/Inf counted as invalid and excluded).
  /// Runs in the hot loop: measure before changing.
  void observe(feature_id id, double x) noexcept {
    const std::size_t index = numeric_of_[id];  // 8 bytes per feature: stays in cache, unlike features_
    if (index == not_numeric) return;
    if (block_.rows != 0) drain_rows();  // observe_row's rows come first
    auto& f = numerics_[index];
    {
      // The lines this call writes, requested as soon as their addresses are
      // known (with many features each is a cache miss): the histogram's
      // counts (both ends: 11 counters span two lines) and the pending slot.
      // The misses then overlap the bin search instead of following it.
      const std::uint64_t* c = f.current_hist.counts().data();
      detail::prefetch_write(c);
      detail::prefetch_write(c + (f.n_edges <= numeric_feature::inline_edges ? f.n_edges : 0));
      detail::prefetch_write(f.pending.data() + f.n_pending);
    }
    if (std::isfinite(x)) {
      // The bin as histogram::operator() finds it (#{edges < x}, what
      // std::lower_bound returns), without its unpredictable branches, over
      // the feature's own copy of its edges (in the lines observe_window
      // reads next: one cache miss fewer per value than the histogram's).
      if (f.n_edges <= numeric_feature::inline_edges) {
        f.current_hist.count_bin(detail::bin_of_branchless(f.edges, f.n_edges, x));
      } else {
        const auto& e = f.current_hist.edges().interior();
        f.current_hist.count_bin(detail::bin_of_branchless(e.data(), e.size(), x));
      }
    } else {
      f.current_hist(x);
    }
    observe_window(index, x);
  }

 private:
  // The exact-KS window and the raw sample of one value (observe and
  // observe(id, span); observe_row's drain does the same steps per column,
  // observe_column). Runs in the hot loop: measure before changing.
  void observe_window(std::size_t index, double x) noexcept {
    if (!std::isfinite(x)) return;
    auto& f = numerics_[index];
    if (f.ks_count >= config_.max_current_samples) {
      f.truncated = true;
      ++f.n_truncated;
      return;
    }
    ++f.ks_count;
    if (x < f.lowest) f.lowest = x;
    if (x > f.highest) f.highest = x;
    if (f.current_sample.size() < f.sample_capacity) f.current_sample.push_back(x);
    // The slot search is deferred: the value waits in the feature's pending
    // buffer, and a full buffer is counted at once (count_values), its
    // searches overlapped. Every reader of the window counts what is pending
    // (settled()), so nothing observable changes. No prefetch of the guide
    // block here: measured slower in bench/row_bench.cpp (the line is gone
    // or was not needed by the time the buffer is counted).

    f.pending[f.n_pending++] = x;
    if (f.n_pending == f.flush_at) flush_pending(f);
  }


 public:

  /// Observes one request's whole numeric feature vector: row[k] is the value
  /// of the k-th numeric feature added (categorical features are not in the
  /// row). Exactly what observe(id, row[k]) for every numeric feature k does,
  /// bit for bit, in every reader. The row is copied whole into the monitor's
  /// row block (row_block_rows rows, 8 bytes per value, allocated with the
  /// features), one contiguous write instead of F scattered ones; a full
  /// block is drained feature by feature (drain_rows): each feature's column
  /// of values goes through what observe does for it, in order, as one batch
  /// while that feature's state is in cache -- its histogram by the SIMD
  /// binning kernel, its window bookkeeping vectorized, its exact-KS slots
  /// found 8 (AVX-512) or 4 (AVX2) at a time (detail/kernels_row_isa.hpp;
  /// the batched scalar search elsewhere). Rows still in the block are counted by every
  /// reader as if observed (report, save_state, current_histogram,
  /// invalid_count, the other side of +=), and drained first by every call
  /// that changes numeric state (observe, +=, absorb, add_numeric; reset
  /// drops them with the window). Throws driftwatch::error if row.size() is
  /// not the number of numeric features; otherwise never allocates, locks or
  /// throws. Runs in the hot loop: measure before changing
  /// (bench/row_bench.cpp).
  void observe_row(span<const double> row) {
    const std::size_t nf = numerics_.size();
    if (row.size() != nf)
      detail::fail("drift_monitor::observe_row: the row has " + std::to_string(row.size()) +
                   " values but the monitor has " + std::to_string(nf) + " numeric features");
    if (nf == 0) return;
    std::copy(row.data(), row.data() + nf, block_.values.get() + block_.rows * nf);
    if (++block_.rows == row_block_rows) drain_rows();
  }

  /// Observes a category.
  void observe(feature_id id, std::string_view category) {
    const auto& slot = features_[id];
    if (slot.kind != feature_kind::categorical) return;
    categoricals_[slot.index].current(category);
  }

  /// The accumulator contract's spellings: m(id, x) is observe(id, x), and
  /// observe(id, values) observes a numeric feature's values in order.
  void operator()(feature_id id, double x) noexcept { observe(id, x); }
  void operator()(feature_id id, std::string_view category) { observe(id, category); }
  /// The histogram counts the whole span at once (its SIMD kernel, the same
  /// counts as one value at a time); the window counts it through observe's
  /// pending buffer (flush_size values at a time).
  void observe(feature_id id, span<const double> values) noexcept {
    const std::size_t index = numeric_of_[id];
    if (index == not_numeric) return;
    if (block_.rows != 0) drain_rows();
    numerics_[index].current_hist.observe(values);
    for (double x : values) observe_window(index, x);
  }

  /// Counts a missing current value (reported, not used).
  void observe_missing(feature_id id, std::uint64_t n = 1) noexcept { features_[id].missing_current += n; }

  /// Empties every current window (references stay frozen). No allocation;
  /// categories seen so far stay listed with a zero count, which changes no
  /// metric (a category with no observation on either side contributes 0).
  /// The accumulator contract's name; reset_current() is its deprecated alias.
  void reset() noexcept { reset_current(); }
  /// Deprecated alias of reset().
  void reset_current() noexcept {
    block_.rows = 0;  // rows not yet drained belong to the window being emptied
    for (auto& f : numerics_) {
      f.current_hist.reset();
      f.reset_window();
    }
    for (auto& f : categoricals_) f.current.reset();
    for (auto& s : features_) s.missing_current = 0;
  }

  /// Merges another monitor's current windows into this one. Both must have
  /// the same features in the same order with identical references (the same
  /// construction); otherwise throws naming the first difference. Histogram,
  /// category, missing and KS counts add exactly; Wasserstein's tail sums
  /// add; raw samples are concatenated while both are complete and fit.
  drift_monitor& operator+=(const drift_monitor& other) {
    if (const std::string difference = construction_difference(other); !difference.empty())
      detail::fail("drift_monitor::operator+=: " + difference);
    drain_rows();  // (m += m: then the other side has no rows waiting either)
    for (std::size_t i = 0; i < features_.size(); ++i) {
      auto& a = features_[i];
      const auto& b = other.features_[i];
      a.missing_current += b.missing_current;
      if (a.kind == feature_kind::numeric) {
        auto& fa = numerics_[a.index];
        // The other side's rows still in its block, counted on a copy (it is const).
        std::optional<numeric_feature> other_settled;
        if (other.block_.rows != 0) other_settled = other.settled_feature(b.index);
        const auto& fb = other_settled ? *other_settled : other.numerics_[b.index];
        fa.current_hist += fb.current_hist;
        // The window cap applies to the merged window as to one stream: what
        // does not fit is truncated (counted), KS and W1 keep the rest.
        if (window_fits(fa.ks_count, fb.ks_count)) {
          const bool both_complete = fa.sample_complete() && fb.sample_complete();
          flush_pending(fa);
          // The other side's waiting values are counted straight into this
          // (now wide) window, no copy of the other's; its tail sums get them
          // first, in order, as if they had been counted there.
          fa.window += fb.window;
          detail::mergeable_sum below = fb.below_sum, above = fb.above_sum;
          count_values(*fb.reference, fb.pending.data(), fb.n_pending, fa.window, below, above);
          fa.below_sum.merge(below);
          fa.above_sum.merge(above);
          fa.ks_count += fb.ks_count;
          fa.lowest = std::min(fa.lowest, fb.lowest);
          fa.highest = std::max(fa.highest, fb.highest);
          if (both_complete)
            for (double x : fb.current_sample) {
              if (fa.current_sample.size() >= fa.sample_capacity) break;
              fa.current_sample.push_back(x);
            }
        } else if (fb.ks_count != 0) {
          fa.truncated = true;
          fa.n_truncated += fb.ks_count;
        }
        fa.truncated = fa.truncated || fb.truncated;
        fa.n_truncated += fb.n_truncated;
      } else {
        categoricals_[a.index].current += other.categoricals_[b.index].current;
      }
    }
    return *this;
  }

  /// Exactly `for each part: *this += *part; part->reset();`, in that order,
  /// but the numeric features' window counts of all the parts are added in
  /// one pass per feature (slot_counts::add_and_clear): the 64-bit total is
  /// read and written once, not once per part. concurrent<drift_monitor>
  /// drains its shards with it (docs/prometheus.md, "What a scrape costs").
  /// Throws as += does (a part of another construction: nothing is merged).
  void absorb(drift_monitor* const* parts, std::size_t count) {
    for (std::size_t p = 0; p < count; ++p)
      if (!construction_difference(*parts[p]).empty()) {  // += names it; nothing is merged before it throws
        for (std::size_t q = 0; q < count; ++q) {
          *this += *parts[q];
          parts[q]->reset();
        }
        return;
      }
    drain_rows();
    for (std::size_t p = 0; p < count; ++p) parts[p]->drain_rows();
    std::vector<detail::slot_counts*> windows;
    windows.reserve(count);
    for (std::size_t i = 0; i < numerics_.size(); ++i) {
      // The windows += adds: as it checks, with the counts it accumulates.
      std::uint64_t total = numerics_[i].ks_count;
      windows.clear();
      for (std::size_t p = 0; p < count; ++p) {
        auto& fb = parts[p]->numerics_[i];
        if (window_fits(total, fb.ks_count)) {
          windows.push_back(&fb.window);
          total += fb.ks_count;
        }
      }
      if (!windows.empty()) numerics_[i].window.add_and_clear(windows.data(), windows.size());
    }
    for (std::size_t p = 0; p < count; ++p) {
      *this += *parts[p];  // the windows moved out add nothing
      parts[p]->reset();
    }
  }

  std::size_t size() const noexcept { return features_.size(); }
  const std::string& name(feature_id id) const { return features_.at(id).name; }
  feature_kind kind(feature_id id) const { return features_.at(id).kind; }
  /// The feature named `name`, or throws.
  feature_id find(std::string_view name) const {
    for (std::size_t i = 0; i < features_.size(); ++i)
      if (features_[i].name == name) return i;
    detail::fail("drift_monitor: no feature named '" + std::string(name) + "'");
  }
  const monitor_config& config() const noexcept { return config_; }
  /// NaN / +-Inf current values excluded, summed over the numeric features
  /// (each feature's count is in its report).
  std::uint64_t invalid_count() const noexcept {
    std::uint64_t n = 0;
    for (const auto& f : numerics_) n += f.current_hist.invalid_count();
    const std::size_t values = block_.rows * numerics_.size();  // observe_row's rows not yet drained
    for (std::size_t i = 0; i < values; ++i) n += static_cast<std::uint64_t>(!std::isfinite(block_.values[i]));
    return n;
  }
  /// The effective verdict thresholds of a feature (its feature_config's, or
  /// the monitor's) and whether it is excluded from verdicts.
  const drift_thresholds& thresholds(feature_id id) const { return features_.at(id).thresholds; }
  bool excluded(feature_id id) const { return features_.at(id).excluded; }
  /// Names in config().features that no added feature has used (a caller
  /// mapping a config file rejects them as unknown columns).
  std::vector<std::string> unused_feature_configs() const {
    std::vector<std::string> out;
    for (const auto& fc : config_.features) {
      bool used = false;
      for (const auto& s : features_) used = used || s.name == fc.first;
      if (!used) out.push_back(fc.first);
    }
    return out;
  }

  /// The frozen reference and current histograms of a numeric feature (for
  /// exporters); throws if the feature is categorical. The current one is a
  /// copy: it counts observe_row's rows not yet drained from the row block,
  /// as the report does (keep the copy, not a reference into it).
  const histogram& reference_histogram(feature_id id) const { return numeric(id, "reference_histogram").reference_hist; }
  histogram current_histogram(feature_id id) const {
    const numeric_feature& f = numeric(id, "current_histogram");
    histogram h = f.current_hist;
    if (block_.rows != 0) {
      const std::vector<double> x = row_column(features_[id].index);
      h.observe(span<const double>(x.data(), x.size()));
    }
    return h;
  }
  /// The reference and current category counts of a categorical feature.
  const category_counts& reference_categories(feature_id id) const {
    return categorical(id, "reference_categories").reference;
  }
  const category_counts& current_categories(feature_id id) const {
    return categorical(id, "current_categories").current;
  }

  /// Compares every feature's current window against its reference.
  std::vector<feature_report> report() const {
    std::vector<feature_report> out;
    out.reserve(features_.size());
    for (std::size_t i = 0; i < features_.size(); ++i) out.push_back(compare(i));
    // Correct the p-values across the features whose test is valid.
    std::vector<double> raw;
    std::vector<std::size_t> where;
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (out[i].excluded) continue;
      const double p = out[i].kind == feature_kind::numeric ? (out[i].ks.valid() ? out[i].ks.pvalue : -1.0)
                                                            : (out[i].chi2.valid() ? out[i].chi2.pvalue : -1.0);
      if (p >= 0) {
        raw.push_back(std::min(1.0, p));
        where.push_back(i);
      }
    }
    const auto adjusted = adjust_pvalues(raw, config_.pvalue_correction);
    for (std::size_t k = 0; k < where.size(); ++k) out[where[k]].adjusted_pvalue = adjusted[k];
    for (std::size_t i = 0; i < out.size(); ++i) verdict(out[i], features_[i].thresholds);
    return out;
  }

  /// An empty copy for a concurrent<> shard: the same features, references
  /// (shared) and configuration, with the compact window layout (16-bit
  /// counters, see detail::slot_counts) and no raw sample, so each of the two
  /// copies a writing thread holds costs 4 d bytes per numeric feature
  /// instead of 8 d + 8 exact_wasserstein_samples. Merging it into a full
  /// monitor is exact (concurrent<> does this at every snapshot); the merged
  /// window has no raw sample, so its Wasserstein-1 is the bounded estimate.
  drift_monitor compact_copy() const {
    drift_monitor out(*this);
    out.reset_current();
    for (auto& f : out.numerics_) {
      f.window = f.window.compact_empty();
      f.sample_capacity = 0;
      f.current_sample = std::vector<double>();
    }
    return out;
  }

  /// Copies keep each numeric feature's raw-sample reservation (a
  /// std::vector copy would not), so observe on a copy -- a window's bucket,
  /// a concurrent<drift_monitor> shard -- still never allocates. References
  /// are shared, not copied.
  basic_drift_monitor(const drift_monitor& other)
      : config_(other.config_), features_(other.features_), numeric_of_(other.numeric_of_), numerics_(other.numerics_),
        categoricals_(other.categoricals_) {
    reserve_current_samples();
    copy_row_block(other);
  }
  drift_monitor& operator=(const drift_monitor& other) {
    if (this != &other) {
      config_ = other.config_;
      features_ = other.features_;
      numeric_of_ = other.numeric_of_;
      numerics_ = other.numerics_;
      categoricals_ = other.categoricals_;
      reserve_current_samples();
      copy_row_block(other);
    }
    return *this;
  }
  basic_drift_monitor(drift_monitor&&) noexcept = default;
  drift_monitor& operator=(drift_monitor&&) noexcept = default;
  ~basic_drift_monitor() = default;

  /// State format (accumulators/serialization.hpp), layout version 2 (version 1 below):
  ///      config: u64 bins, u8 method, f64 psi_epsilon, f64 js_base,
  ///        4 x f64 thresholds, u8 correction, u64 max_current_samples,
  ///        u64 exact_wasserstein_samples;
  ///      u64 features, then per feature: string name, u8 kind,
  ///        u64 missing_reference, u64 missing_current, 4 x f64 thresholds,
  ///        u8 excluded, and
  ///      numeric: reference histogram, current histogram (same edges),
  ///        u64 n + n x f64 sorted reference (n = reference count, finite,
  ///        ascending), u64 s + s x u64 window slot counts (s = 2d + 1 for d
  ///        distinct reference values), u64 window count (= sum of the slots
  ///        + unplaced), u64 unplaced, f64 lowest, f64 highest, 4 x f64 tail
  ///        sums scaled by 2^-64 (below sum, compensation, above sum,
  ///        compensation),
  ///        u64 m + m x f64 raw sample (m <= window count), u8 truncated,
  ///        u64 truncated count;
  ///      categorical: reference category_counts, current category_counts.
  ///      A compact (concurrent<> shard) window is written in the wide layout.
  /// ---- version 1: config without exact_wasserstein_samples; per feature no
  ///      thresholds/excluded; numeric: the two histograms, the sorted
  ///      reference, u64 m + m x f64 current sample (the first m values of the
  ///      window, m <= max_current_samples), u8 truncated. Read and converted:
  ///      the sample was the whole KS window, so the window state is rebuilt
  ///      from it (a truncated window stays truncated, with the version-1 cap).
  static constexpr state_type state_tag = state_type::drift_monitor;
  static constexpr const char* state_name = "drift_monitor";
  static constexpr std::uint16_t state_version = 2;
  void save_state(detail::byte_writer& w) const {
    const drift_monitor& m = *this;
    const monitor_config& c = m.config_;
    w.u64(c.bins);
    w.u8(static_cast<std::uint8_t>(c.method));
    w.f64(c.psi_epsilon);
    w.f64(c.js_base);
    write_thresholds(w, c.thresholds);
    w.u8(static_cast<std::uint8_t>(c.pvalue_correction));
    w.u64(c.max_current_samples);
    w.u64(c.exact_wasserstein_samples);
    w.u64(m.features_.size());
    for (const auto& slot : m.features_) {
      w.string(slot.name);
      w.u8(static_cast<std::uint8_t>(slot.kind));
      w.u64(slot.missing_reference);
      w.u64(slot.missing_current);
      write_thresholds(w, slot.thresholds);
      w.boolean(slot.excluded);
      if (slot.kind == feature_kind::numeric) {
        std::optional<numeric_feature> with_rows;  // observe_row's rows not yet drained, counted on a copy
        if (m.block_.rows != 0) with_rows = m.settled_feature(slot.index);
        const auto& f = with_rows ? *with_rows : m.numerics_[slot.index];
        f.reference_hist.save_state(w);
        f.current_hist.save_state(w);
        const std::vector<double> sorted = f.reference->sorted();
        w.u64(sorted.size());
        w.f64s(sorted.data(), sorted.size());
        // The window with its pending values counted; a copy only when some
        // are pending (a window is 16 bytes per distinct reference value).
        std::optional<settled_window> pending_counted;
        if (f.n_pending != 0) pending_counted = settled(f);
        const detail::slot_counts& window = pending_counted ? pending_counted->window : f.window;
        const detail::mergeable_sum& below = pending_counted ? pending_counted->below : f.below_sum;
        const detail::mergeable_sum& above = pending_counted ? pending_counted->above : f.above_sum;
        w.u64(window.size());
        if (!window.wide().empty())
          w.u64s(window.wide().data(), window.size());
        else
          for (std::size_t k = 0; k < window.size(); ++k) w.u64(window[k]);
        w.u64(f.ks_count);
        w.u64(window.unplaced());
        w.f64(f.lowest);
        w.f64(f.highest);
        w.f64(below.sum);
        w.f64(below.compensation);
        w.f64(above.sum);
        w.f64(above.compensation);
        w.u64(f.current_sample.size());
        w.f64s(f.current_sample.data(), f.current_sample.size());
        w.boolean(f.truncated);
        w.u64(f.n_truncated);
      } else {
        const auto& f = m.categoricals_[slot.index];
        f.reference.save_state(w);
        f.current.save_state(w);
      }
    }
  }

  // The four thresholds in the order read_thresholds reads them.
  static void write_thresholds(detail::byte_writer& w, const drift_thresholds& t) {
    w.f64(t.psi);
    w.f64(t.js_distance);
    w.f64(t.ks_pvalue);
    w.f64(t.chi2_pvalue);
  }
  static drift_thresholds read_thresholds(detail::byte_reader& r) {
    const std::size_t at = r.position();
    drift_thresholds t;
    t.psi = r.f64("psi threshold");
    t.js_distance = r.f64("js threshold");
    t.ks_pvalue = r.f64("ks threshold");
    t.chi2_pvalue = r.f64("chi2 threshold");
    if (std::isnan(t.psi) || std::isnan(t.js_distance) || std::isnan(t.ks_pvalue) || std::isnan(t.chi2_pvalue))
      r.fail_at(at, "a threshold is NaN");
    return t;
  }

  static drift_monitor load_state(detail::byte_reader& r, const deserialize_limits& limits = {}) {
    const std::uint16_t version = r.format_version();
    monitor_config c;
    std::size_t at = r.position();
    const std::uint64_t bins = r.u64("bins");
    if (bins == 0 || bins > std::numeric_limits<std::size_t>::max()) r.fail_at(at, "bins must be at least 1");
    c.bins = static_cast<std::size_t>(bins);
    c.method = static_cast<binning>(r.enum_byte(2, "binning method"));
    at = r.position();
    c.psi_epsilon = r.f64("psi_epsilon");
    if (!(c.psi_epsilon > 0 && c.psi_epsilon < 1)) r.fail_at(at, "psi_epsilon must be in (0, 1)");
    at = r.position();
    c.js_base = r.f64("js_base");
    if (!std::isfinite(c.js_base)) r.fail_at(at, "js_base is not finite");
    c.thresholds = read_thresholds(r);
    c.pvalue_correction = static_cast<correction>(r.enum_byte(2, "p-value correction"));
    at = r.position();
    const std::uint64_t max_samples = r.u64("max_current_samples");
    if (max_samples > std::numeric_limits<std::size_t>::max()) r.fail_at(at, "max_current_samples does not fit size_t");
    c.max_current_samples = static_cast<std::size_t>(max_samples);
    if (version >= 2) {
      at = r.position();
      const std::uint64_t exact = r.u64("exact_wasserstein_samples");
      if (exact > std::numeric_limits<std::size_t>::max() / 8) r.fail_at(at, "exact_wasserstein_samples is too large");
      c.exact_wasserstein_samples = static_cast<std::size_t>(exact);
    } else if (max_samples > std::numeric_limits<std::size_t>::max() / 8) {
      r.fail_at(at, "max_current_samples is too large");
    }
    const std::uint64_t capacity = std::min<std::uint64_t>(c.exact_wasserstein_samples, max_samples);

    drift_monitor m(c);
    at = r.position();
    const std::uint64_t n = r.count(version >= 2 ? 58 : 25, "number of features");
    std::uint64_t reserved_bytes = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::size_t feature_at = r.position();
      std::string name = r.string("feature name");
      for (const auto& s : m.features_)
        if (s.name == name) r.fail_at(feature_at, "feature '" + name + "' appears twice");
      const auto kind = static_cast<feature_kind>(r.enum_byte(1, "feature kind"));
      const std::uint64_t missing_reference = r.u64("missing reference count");
      const std::uint64_t missing_current = r.u64("missing current count");
      drift_monitor::feature_slot slot{std::move(name), kind, 0, missing_reference, missing_current, c.thresholds, false};
      if (version >= 2) {
        slot.thresholds = read_thresholds(r);
        slot.excluded = r.boolean("excluded flag");
      }
      const std::string& fname = slot.name;
      if (kind == feature_kind::numeric) {
        // capacity * 8 fits (checked above); compare without overflowing.
        if (capacity * 8 > limits.max_reserved_bytes - reserved_bytes)
          r.fail_at(at, "the numeric features would reserve more than deserialize_limits::max_reserved_bytes = " +
                            std::to_string(limits.max_reserved_bytes) + " bytes for current samples");
        reserved_bytes += capacity * 8;
        histogram reference = histogram::load_state(r, limits);
        const std::size_t current_at = r.position();
        histogram current = histogram::load_state(r, limits);
        if (current.edges() != reference.edges())
          r.fail_at(current_at, "feature '" + fname + "': the current histogram's edges differ from the reference's");
        std::vector<double> sorted = r.doubles("reference sample size");
        if (sorted.size() != reference.count() || sorted.empty())
          r.fail_at(feature_at, "feature '" + fname + "': the reference sample does not match its histogram");
        for (std::size_t j = 0; j < sorted.size(); ++j)
          if (!std::isfinite(sorted[j]) || (j > 0 && sorted[j] < sorted[j - 1]))
            r.fail_at(feature_at, "feature '" + fname + "': the reference sample is not finite and sorted");
        histogram check(reference.edges());
        check.observe(sorted);
        if (check.counts() != reference.counts())
          r.fail_at(feature_at, "feature '" + fname + "': the reference sample does not match its histogram");
        drift_monitor::numeric_feature f{std::move(reference), std::move(current)};
        f.reference = detail::numeric_reference_data::from_sorted(sorted);
        f.size_pending();
        f.window = detail::slot_counts(f.reference->slots());
        f.sample_capacity = static_cast<std::size_t>(capacity);
        if (version >= 2)
          read_window_v2(r, f, fname, feature_at);
        else
          read_window_v1(r, f, fname, feature_at, c.max_current_samples);
        f.current_sample.reserve(f.sample_capacity);
        slot.index = m.numerics_.size();
        m.features_.push_back(std::move(slot));
        m.numeric_of_.push_back(m.numerics_.size());
        m.numerics_.push_back(std::move(f));
      } else {
        drift_monitor::categorical_feature f{category_counts::load_state(r, limits),
                                             category_counts::load_state(r, limits)};
        if (f.reference.count() == 0)
          r.fail_at(feature_at, "feature '" + fname + "': the reference has no value");
        slot.index = m.categoricals_.size();
        m.features_.push_back(std::move(slot));
        m.numeric_of_.push_back(not_numeric);
        m.categoricals_.push_back(std::move(f));
      }
    }
    m.size_row_block();
    return m;
  }


 private:


  void reserve_current_samples() {
    for (auto& f : numerics_) f.current_sample.reserve(f.sample_capacity);
  }

  struct numeric_feature {
    numeric_feature(histogram ref, histogram cur)
        : current_hist(std::move(cur)), reference_hist(std::move(ref)) {
      const auto& e = current_hist.edges().interior();
      // inline_edges + 1 stands for any larger count (not inline).
      n_edges = static_cast<std::uint32_t>(std::min(e.size(), inline_edges + 1));
      if (e.size() <= inline_edges) std::copy(e.begin(), e.end(), edges);
    }
    // What every observe touches first, together (a line or two per feature).
    histogram current_hist;
    std::uint64_t ks_count = 0;               // finite current values in `window`
    double lowest = std::numeric_limits<double>::infinity();    // smallest value in `window`
    double highest = -std::numeric_limits<double>::infinity();  // largest value in `window`
    std::size_t n_pending = 0;                // see pending
    // A copy of current_hist's interior edges when there are at most
    // inline_edges of them (17 bins), beside the window bookkeeping: observe
    // bins from it instead of chasing the histogram's edge vector (a separate
    // allocation, one more cache miss per value with many features).
    static constexpr std::size_t inline_edges = 16;
    std::uint32_t n_edges = 0;
    std::uint32_t flush_at = pending_capacity;  // n_pending that counts the buffer (flush_size); with n_edges, one word
    double edges[inline_edges] = {};
    std::size_t sample_capacity = 0;
    std::vector<double> current_sample;       // the first sample_capacity values, raw
    std::shared_ptr<const detail::numeric_reference_data> reference;  // frozen, shared by copies
    // Finite values of the window (in ks_count, lowest, highest and the raw
    // sample) not yet counted in `window` and the tail sums (observe_window),
    // flush_at doubles (pending_capacity or unsorted_flush, flush_size)
    // allocated with the feature (a copy's own).
    static constexpr std::size_t pending_capacity = 512;
    static constexpr std::size_t unsorted_flush = 256;
    std::vector<double> pending;              // flush_at values, sized by size_pending()
    // Once the reference is set: the buffer of flush_size(reference) values.
    void size_pending() {
      flush_at = static_cast<std::uint32_t>(flush_size(*reference));
      if (pending.size() != flush_at) std::vector<double>(flush_at).swap(pending);
    }
    histogram reference_hist;
    detail::slot_counts window;               // current values per reference slot (exact KS)
    detail::mergeable_sum below_sum;          // sum of (u_0 - x) 2^-64 over x < u_0
    detail::mergeable_sum above_sum;          // sum of (x - u_{d-1}) 2^-64 over x > u_{d-1}
    bool truncated = false;                   // max_current_samples reached
    std::uint64_t n_truncated = 0;            // finite values beyond it

    bool sample_complete() const noexcept { return current_sample.size() == ks_count; }
    void reset_window() noexcept {
      window.reset();
      ks_count = 0;
      below_sum = {};
      above_sum = {};
      lowest = std::numeric_limits<double>::infinity();
      highest = -std::numeric_limits<double>::infinity();
      current_sample.clear();
      truncated = false;
      n_truncated = 0;
      n_pending = 0;
    }
  };
  // How many pending values a feature counts at once. All 512 where
  // count_values sorts them (a bigger batch follows the guide, distinct
  // values and counters in longer ascending runs: +9-16% per CPU second at
  // 1,000 features x 16 threads, docs/concurrency.md); 256 where it counts
  // them as they arrived, where a bigger batch brings no gain and doubles
  // the memory (and pages) a row of many features writes into: observe_row
  // at 1,000 features of 2,000 reference values was 7-20% slower with 512
  // (bench/row_bench.cpp; flushing at 256 from a 512-value allocation did
  // not help, allocating 256 did; measured while observe_row still wrote
  // into these buffers: it has its row block since). Either way the same bits:
  // the values are counted in the order they came.
  static std::size_t flush_size(const detail::numeric_reference_data& ref) noexcept {
    return sorted_counting(ref) ? numeric_feature::pending_capacity : numeric_feature::unsorted_flush;
  }
  // Counts the pending values of a feature into its window.
  static void flush_pending(numeric_feature& f) noexcept {
    count_values(*f.reference, f.pending.data(), f.n_pending, f.window, f.below_sum, f.above_sum);
    f.n_pending = 0;
  }

  // Counts finite values x[0 .. n) into a window and its tail sums. The tail
  // sums are order-dependent, so the values below u_0 or above u_{d-1} are
  // added first, in order (the same order as one value at a time gives the
  // same bits); the others only increment counters, in any order. Those are
  // sorted by a coarse key that rises with x (count_order), so that the guide
  // blocks, distinct values and counters they read follow in ascending
  // address order (the hardware prefetcher streams them) instead of one
  // random miss each; their searches run 64 at a time
  // (numeric_reference_data::slots), the counters prefetched as soon as each
  // guide block is read. Runs in the hot loop: measure before changing.
  // Sorting costs a few ns per value: worth it only where a feature's guide,
  // distinct values and counters (20 d bytes and more) outgrow the caches.
  // Below sorted_count_min distinct values the values are counted 64 at a
  // time as they arrived (row_bench's 2,000-value references: sorting there
  // made observe_row ~30% slower with 100 features).
  static constexpr std::size_t count_order = 256;  // sort keys (coarse buckets over [u_0, u_{d-1}])
  static constexpr std::size_t sorted_count_min = 4096;
  static bool sorted_counting(const detail::numeric_reference_data& ref) noexcept {
    return !ref.guide.empty() && ref.distinct.size() >= sorted_count_min;
  }
  static void count_values(const detail::numeric_reference_data& ref, const double* x, std::size_t n,
                           detail::slot_counts& window, detail::mergeable_sum& below,
                           detail::mergeable_sum& above) noexcept {
    const double* u = ref.distinct.data();
    const std::size_t d = ref.distinct.size();
    // The tail integrals' terms of a value below u_0 / above u_{d-1}.
    auto add_below = [&](double w) { below.add((u[0] / 2 - w / 2) * detail::tail_scale); };
    auto add_above = [&](double w) { above.add((w / 2 - u[d - 1] / 2) * detail::tail_scale); };
    auto near = [&window](std::size_t at) { detail::prefetch_write(window.address(at)); };
    if (!sorted_counting(ref)) {
      // One batch of 64 at a time, not slots_pipelined: the reference's
      // guide, values and counters are small enough to stay in cache here,
      // and the interleaving's bookkeeping only cost (observe_row at 1,000
      // features of 2,000 reference values: 4-7% slower pipelined, same run).
      std::size_t slot[64];
      for (std::size_t start = 0; start < n; start += 64) {
        const std::size_t m = std::min<std::size_t>(64, n - start);
        const double* v = x + start;
        ref.slots(v, m, slot, near);
        for (std::size_t i = 0; i < m; ++i) {
          window.increment(slot[i]);
          if (slot[i] == 0) add_below(v[i]);
          if (slot[i] == 2 * d) add_above(v[i]);
        }
      }
      return;
    }
    const double u0 = u[0], top = u[d - 1];
    const double origin = ref.guide_origin;
    const double key_scale = ref.guide_scale * (static_cast<double>(count_order) / static_cast<double>(ref.guide_buckets));
    double inner[numeric_feature::pending_capacity], sorted[numeric_feature::pending_capacity];
    std::uint16_t key[numeric_feature::pending_capacity];
    std::uint32_t offset[count_order];
    for (std::size_t first = 0; first < n; first += numeric_feature::pending_capacity) {
      const std::size_t m = std::min(numeric_feature::pending_capacity, n - first);
      const double* v = x + first;
      for (auto& o : offset) o = 0;
      std::size_t n_inner = 0;
      for (std::size_t i = 0; i < m; ++i) {
        const double w = v[i];
        if (!(w > u0)) {
          const std::size_t s = static_cast<std::size_t>(w == u0);
          window.increment(s);
          if (s == 0) add_below(w);
        } else if (w > top) {
          window.increment(2 * d);
          add_above(w);
        } else {
          const double k = (w - origin) * key_scale;  // > 0, rises with w
          const std::size_t c = k >= static_cast<double>(count_order - 1) ? count_order - 1 : static_cast<std::size_t>(k);
          inner[n_inner] = w;
          key[n_inner++] = static_cast<std::uint16_t>(c);
          ++offset[c];
        }
      }
      std::uint32_t sum = 0;
      for (auto& o : offset) {
        const std::uint32_t c = o;
        o = sum;
        sum += c;
      }
      for (std::size_t i = 0; i < n_inner; ++i) sorted[offset[key[i]]++] = inner[i];
      ref.slots_pipelined(sorted, n_inner, near, [&window](std::size_t, std::size_t slot) { window.increment(slot); });
    }
  }

  // observe_row's row block: up to row_block_rows rows of the numeric
  // features, row-major (row r at values + r F), and the scratch its drain
  // uses (columns of 8 features, slots). Allocated with the features
  // (size_row_block), never by observe_row; the rows are not initialized, so
  // a monitor that never observes rows keeps no resident page of it.
  static constexpr std::size_t row_block_rows = 1024;
  struct row_block {
    std::unique_ptr<double[]> values;   // row_block_rows x capacity
    std::size_t capacity = 0;           // features the allocation holds (>= F)
    std::size_t rows = 0;               // rows waiting
    std::vector<double> columns;        // 8 x row_block_rows: one tile's columns
    std::vector<double> batch;          // row_block_rows: a column's values that enter the window
    std::vector<std::uint32_t> slots;   // 4 x row_block_rows: slots and the slot kernel's scratch
  };
  // Scratch of one column's drain (the block's own, or a reader's).
  struct drain_scratch {
    double* batch;
    std::uint32_t* slots;
  };
  void size_row_block() {
    const std::size_t nf = numerics_.size();
    if (block_.columns.empty()) {
      block_.columns.assign(8 * row_block_rows, 0.0);
      block_.batch.assign(row_block_rows, 0.0);
      block_.slots.assign(4 * row_block_rows, 0);
    }
    if (block_.values && nf <= block_.capacity) return;
    const std::size_t capacity = std::max(nf, 2 * block_.capacity);  // geometric: F adds, log F allocations
    block_.values.reset(new double[row_block_rows * capacity]);
    block_.capacity = capacity;
    block_.rows = 0;  // callers drain first
  }
  void copy_row_block(const drift_monitor& other) {
    block_.values.reset();
    block_.capacity = 0;
    block_.rows = 0;
    block_.columns.clear();
    size_row_block();
    const std::size_t n = other.block_.rows * numerics_.size();
    if (n != 0) std::copy(other.block_.values.get(), other.block_.values.get() + n, block_.values.get());
    block_.rows = other.block_.rows;
  }

  // Counts the rows of the block, feature by feature, into the features'
  // state: tiles of 8 features transposed into columns (8 x 8 doubles at a
  // time on AVX-512, 4 x 4 on AVX2), each column then observed as its feature's next
  // values (observe_column). The block is empty after it.
  void drain_rows() noexcept {
    const std::size_t nf = numerics_.size(), rows = block_.rows;
    if (rows == 0) return;
    block_.rows = 0;
    double* cols = block_.columns.data();
    const double* b = block_.values.get();
    const drain_scratch scratch{block_.batch.data(), block_.slots.data()};
    for (std::size_t k0 = 0; k0 < nf; k0 += 8) {
      const std::size_t w = std::min<std::size_t>(8, nf - k0);
      if (w != 8 || !detail::block_transpose8(b + k0, nf, rows, cols, row_block_rows)) {
        for (std::size_t r = 0; r < rows; ++r)
          for (std::size_t t = 0; t < w; ++t) cols[t * row_block_rows + r] = b[r * nf + k0 + t];
      }
      for (std::size_t t = 0; t < w; ++t)
        observe_column(numerics_[k0 + t], cols + t * row_block_rows, rows, config_.max_current_samples, scratch);
    }
  }
  // The values of numeric feature `index` in the block's rows, in order.
  std::vector<double> row_column(std::size_t index) const {
    const std::size_t nf = numerics_.size();
    std::vector<double> x(block_.rows);
    for (std::size_t r = 0; r < block_.rows; ++r) x[r] = block_.values[r * nf + index];
    return x;
  }
  // A copy of numeric feature `index` with the block's rows observed: what
  // the feature would hold had every row been observed value by value. For
  // const readers (report, save_state, the other side of +=); allocates.
  numeric_feature settled_feature(std::size_t index) const {
    numeric_feature f = numerics_[index];
    const std::vector<double> x = row_column(index);
    std::vector<double> batch(x.size());
    std::vector<std::uint32_t> slots(4 * x.size());
    observe_column(f, x.data(), x.size(), config_.max_current_samples, drain_scratch{batch.data(), slots.data()});
    return f;
  }
  // x[0 .. n) observed into f in order, exactly as n calls of
  // observe(id, x[i]) would (bit for bit): the histogram by its span kernel
  // (the same counts), then the window -- the truncation cap, ks_count,
  // lowest / highest, the raw sample, and the slot counts and tail sums of
  // the values that enter it, counted after the feature's pending values
  // (which came before them) so the tail sums get their terms in order.
  // With no cap in reach and every value finite, the bookkeeping is
  // vectorized (AVX-512 or AVX2); else one value at a time. scratch: n doubles and
  // 4 n u32. Runs in the hot loop (observe_row's drain): measure before
  // changing.
  static void observe_column(numeric_feature& f, const double* x, std::size_t n, std::size_t cap,
                             const drain_scratch& scratch) noexcept {
    if (n == 0) return;
    f.current_hist.observe(span<const double>(x, n));
    bool all_finite = false;
    if (f.ks_count <= cap && n <= cap - f.ks_count &&
        detail::block_column_range(x, n, f.lowest, f.highest, &all_finite) && all_finite) {
      f.ks_count += n;
      const std::size_t room = f.sample_capacity - f.current_sample.size();  // reserved: no allocation
      if (room != 0) f.current_sample.insert(f.current_sample.end(), x, x + std::min(room, n));
      if (f.n_pending != 0) flush_pending(f);
      count_batch(*f.reference, x, n, f.window, f.below_sum, f.above_sum, scratch.slots);
      return;
    }
    double* batch = scratch.batch;
    std::size_t nb = 0;
    // observe_window's steps, the slot search deferred. Written out twice on
    // purpose: one shared inline helper (admit(f, v, cap)) compiled observe()
    // 6% slower at 100 features (bench/row_bench.cpp per_value, two runs
    // alternating, 2026-12-07); tests/monitor_row_block_test.cpp checks that
    // the two agree bit for bit.
    for (std::size_t i = 0; i < n; ++i) {
      const double v = x[i];
      if (!std::isfinite(v)) continue;
      if (f.ks_count >= cap) {
        f.truncated = true;
        ++f.n_truncated;
        continue;
      }
      ++f.ks_count;
      if (v < f.lowest) f.lowest = v;
      if (v > f.highest) f.highest = v;
      if (f.current_sample.size() < f.sample_capacity) f.current_sample.push_back(v);
      batch[nb++] = v;
    }
    if (f.n_pending != 0) flush_pending(f);
    count_batch(*f.reference, batch, nb, f.window, f.below_sum, f.above_sum, scratch.slots);
  }
  // count_values for a large batch (a drained column): with a search guide
  // on AVX-512 or AVX2, the slots of 8 or 4 values at a time
  // (detail::block_slots), then the counters and, in order, the tail sums;
  // else count_values. The same counts and tail sums either way. s: 4 n u32.
  static void count_batch(const detail::numeric_reference_data& ref, const double* x, std::size_t n,
                          detail::slot_counts& window, detail::mergeable_sum& below, detail::mergeable_sum& above,
                          std::uint32_t* s) noexcept {
    const double* u = ref.distinct.data();
    const std::size_t d = ref.distinct.size();
    if (!ref.guide.empty() &&
        detail::block_slots(x, n, u, d, reinterpret_cast<const std::uint64_t*>(ref.guide.data()), ref.guide_buckets,
                            ref.guide_origin, ref.guide_scale, s, s + n)) {
      const std::uint32_t edge = static_cast<std::uint32_t>(2 * d - 1);
      std::uint64_t* wide = window.wide().empty() ? nullptr : window.wide().data();
      for (std::size_t i = 0; i < n; ++i) {
        const std::uint32_t si = s[i];
        if (wide)
          ++wide[si];
        else
          window.increment(si);
        if (si - 1u >= edge) {  // slot 0 or 2d: a tail value, its term added in order
          if (si == 0)
            below.add((u[0] / 2 - x[i] / 2) * detail::tail_scale);
          else
            above.add((x[i] / 2 - u[d - 1] / 2) * detail::tail_scale);
        }
      }
      return;
    }
    count_values(ref, x, n, window, below, above);
  }

  // A feature's window with its pending values counted: what the window would
  // hold had every value been counted when observed. For const readers
  // (report, save_state, the other side of +=); allocates.
  struct settled_window {
    detail::slot_counts window;
    detail::mergeable_sum below, above;
  };
  static settled_window settled(const numeric_feature& f) {
    settled_window s{f.window, f.below_sum, f.above_sum};
    count_values(*f.reference, f.pending.data(), f.n_pending, s.window, s.below, s.above);
    return s;
  }
  struct categorical_feature {
    category_counts reference;
    category_counts current;
  };
  struct feature_slot {
    std::string name;
    feature_kind kind;
    std::size_t index;
    std::uint64_t missing_reference;
    std::uint64_t missing_current;
    drift_thresholds thresholds{};
    bool excluded = false;
  };

  // The window of a numeric feature whose current sample holds every value
  // of the window: replay it (as observe does, without the histogram).
  static void replay(drift_monitor::numeric_feature& f, const std::vector<double>& sample) {
    const auto& u = f.reference->distinct;
    const std::size_t d = u.size();
    for (double x : sample) {
      ++f.ks_count;
      const std::size_t k = detail::bin_of_branchless(u.data(), d, x);
      if (k < d && u[k] == x) {
        f.window.increment(2 * k + 1);
      } else {
        f.window.increment(2 * k);
        if (k == 0) f.below_sum.add((u[0] / 2 - x / 2) * detail::tail_scale);
        if (k == d) f.above_sum.add((x / 2 - u[d - 1] / 2) * detail::tail_scale);
      }
      f.lowest = std::min(f.lowest, x);
      f.highest = std::max(f.highest, x);
    }
  }

  static void read_window_v1(detail::byte_reader& r, drift_monitor::numeric_feature& f, const std::string& name,
                             std::size_t feature_at, std::size_t max_samples) {
    std::vector<double> sample = r.doubles("current sample size");
    if (sample.size() > f.current_hist.count() || sample.size() > max_samples)
      r.fail_at(feature_at, "feature '" + name + "': the current sample is larger than its window");
    for (double x : sample)
      if (!std::isfinite(x)) r.fail_at(feature_at, "feature '" + name + "': the current sample holds a non-finite value");
    f.truncated = r.boolean("truncated flag");
    replay(f, sample);
    // Values the version-1 cap dropped: the finite values of the histogram
    // beyond the sample (the histogram counts finite values only).
    if (f.truncated) f.n_truncated = f.current_hist.count() - sample.size();
    for (std::size_t j = 0; j < sample.size() && j < f.sample_capacity; ++j) f.current_sample.push_back(sample[j]);
  }

  static void read_window_v2(detail::byte_reader& r, drift_monitor::numeric_feature& f, const std::string& name,
                             std::size_t feature_at) {
    std::size_t at = r.position();
    const std::uint64_t slots = r.count(8, "number of window slots");
    if (slots != f.reference->slots())
      r.fail_at(at, "feature '" + name + "': " + std::to_string(slots) + " window slots for " +
                        std::to_string(f.reference->distinct.size()) + " distinct reference values");
    std::uint64_t placed = 0;
    for (auto& cnt : f.window.wide()) {
      cnt = r.u64("window slot count");
      if (cnt > std::numeric_limits<std::uint64_t>::max() - placed) r.fail_at(r.position() - 8, "window counts overflow");
      placed += cnt;
    }
    at = r.position();
    f.ks_count = r.u64("window count");
    const std::uint64_t unplaced = r.u64("unplaced count");
    if (unplaced > f.ks_count || f.ks_count - unplaced != placed || f.ks_count > f.current_hist.count())
      r.fail_at(at, "feature '" + name + "': the window counts disagree with each other or with the histogram");
    f.window.set_unplaced(unplaced);
    at = r.position();
    f.lowest = r.f64("lowest value");
    f.highest = r.f64("highest value");
    const bool empty = f.ks_count == 0;
    if (empty ? !(f.lowest == std::numeric_limits<double>::infinity() && f.highest == -f.lowest)
              : !(std::isfinite(f.lowest) && std::isfinite(f.highest) && f.lowest <= f.highest))
      r.fail_at(at, "feature '" + name + "': the window's lowest/highest values are inconsistent");
    at = r.position();
    f.below_sum.sum = r.f64("tail sum");
    f.below_sum.compensation = r.f64("tail sum");
    f.above_sum.sum = r.f64("tail sum");
    f.above_sum.compensation = r.f64("tail sum");
    if (std::isnan(f.below_sum.value()) || std::isnan(f.above_sum.value()) || f.below_sum.sum < 0 ||
        f.above_sum.sum < 0)
      r.fail_at(at, "feature '" + name + "': a tail sum is negative or NaN");
    std::vector<double> sample = r.doubles("current sample size");
    if (sample.size() > f.ks_count || sample.size() > f.sample_capacity)
      r.fail_at(feature_at, "feature '" + name + "': the current sample is larger than its window");
    for (double x : sample)
      if (!std::isfinite(x) || x < f.lowest || x > f.highest)
        r.fail_at(feature_at, "feature '" + name + "': the current sample holds a value outside its window");
    if (sample.size() == f.ks_count) {  // a complete sample must be the window itself
      drift_monitor::numeric_feature check{f.reference_hist, f.current_hist};
      check.reference = f.reference;
      check.window = detail::slot_counts(f.reference->slots());
      replay(check, sample);
      if (check.window.wide() != f.window.wide())
        r.fail_at(feature_at, "feature '" + name + "': the current sample does not match the window counts");
    }
    f.current_sample.assign(sample.begin(), sample.end());
    f.truncated = r.boolean("truncated flag");
    at = r.position();
    f.n_truncated = r.u64("truncated count");
    if ((f.n_truncated != 0 && !f.truncated) || f.n_truncated > f.current_hist.count() - f.ks_count)
      r.fail_at(at, "feature '" + name + "': the truncated count disagrees with the flag or the histogram");
  }

  void check_new_name(const std::string& name) const {
    for (const auto& f : features_)
      if (f.name == name) detail::fail("drift_monitor: a feature named '" + name + "' already exists");
  }

  const feature_config* feature_settings_of(const std::string& name, feature_kind kind) const {
    const auto it = config_.features.find(name);
    if (it == config_.features.end()) return nullptr;
    if (it->second.kind && *it->second.kind != kind)
      detail::fail("drift_monitor: feature '" + name + "' is configured as " + to_string(*it->second.kind) +
                   " but added as " + to_string(kind));
    return &it->second;
  }
  void apply_settings(feature_slot& s, const feature_config* fc) const {
    s.thresholds = fc && fc->thresholds ? *fc->thresholds : config_.thresholds;
    s.excluded = fc && fc->exclude;
  }

  const numeric_feature& numeric(feature_id id, const char* who) const {
    const auto& slot = features_.at(id);
    if (slot.kind != feature_kind::numeric)
      detail::fail(std::string("drift_monitor::") + who + ": feature '" + slot.name + "' is categorical");
    return numerics_[slot.index];
  }
  const categorical_feature& categorical(feature_id id, const char* who) const {
    const auto& slot = features_.at(id);
    if (slot.kind != feature_kind::categorical)
      detail::fail(std::string("drift_monitor::") + who + ": feature '" + slot.name + "' is numeric");
    return categoricals_[slot.index];
  }

  // What operator+= and absorb check before merging: the first difference
  // between the two monitors' constructions (features, order, references),
  // or "" when there is none.
  std::string construction_difference(const drift_monitor& other) const {
    if (features_.size() != other.features_.size())
      return "monitors have different numbers of features (" + std::to_string(features_.size()) + " vs " +
             std::to_string(other.features_.size()) + ")";
    for (std::size_t i = 0; i < features_.size(); ++i) {
      const auto& a = features_[i];
      const auto& b = other.features_[i];
      if (a.name != b.name || a.kind != b.kind)
        return "feature " + std::to_string(i) + " is '" + a.name + "' here but '" + b.name + "' in the other monitor";
      if (a.kind == feature_kind::numeric) {
        const auto& fa = numerics_[a.index];
        const auto& fb = other.numerics_[b.index];
        if (fa.reference_hist != fb.reference_hist || (fa.reference != fb.reference && !(*fa.reference == *fb.reference)))
          return "feature '" + a.name + "' has a different reference";
      } else if (categoricals_[a.index].reference.names() != other.categoricals_[b.index].reference.names() ||
                 categoricals_[a.index].reference.counts() != other.categoricals_[b.index].reference.counts()) {
        return "feature '" + a.name + "' has a different reference";
      }
    }
    return {};
  }
  // Whether `add` more window values fit beside `have` under the window cap
  // (what += and absorb merge; the rest is truncated and counted).
  bool window_fits(std::uint64_t have, std::uint64_t add) const noexcept {
    return add != 0 && have <= config_.max_current_samples - add;
  }

  // KS (exact) and W1 (exact or bounded) of a numeric feature's window.
  static void compare_numeric(const numeric_feature& f, feature_report& r) {
    const auto& ref = *f.reference;
    if (f.sample_complete()) {  // every value of the window is in the raw sample
      const std::vector<double> sorted_reference = ref.sorted();
      std::vector<double> current = f.current_sample;
      std::sort(current.begin(), current.end());
      r.ks = ks_test_sorted(sorted_reference, current);
      r.wasserstein = wasserstein_sorted(sorted_reference, current);
      return;
    }
    // From the slot counts: KS as ks_stream computes it (bit-identical
    // statistic and p-value), W1 estimated with its bound.
    std::optional<settled_window> settled_copy;  // only with values pending
    if (f.n_pending != 0) settled_copy = settled(f);
    const detail::slot_counts& window = settled_copy ? settled_copy->window : f.window;
    const double below_sum = settled_copy ? settled_copy->below.value() : f.below_sum.value();
    const double above_sum = settled_copy ? settled_copy->above.value() : f.above_sum.value();
    std::vector<std::uint64_t> widened;  // only a compact window needs a wide view
    if (window.compact()) {
      widened.resize(ref.slots());
      for (std::size_t s = 0; s < widened.size(); ++s) widened[s] = window[s];
    }
    const std::vector<std::uint64_t>& c = window.compact() ? widened : window.wide();
    const std::uint64_t unplaced = window.unplaced();
    const std::uint64_t placed = f.ks_count - unplaced;
    ks_result ks;
    ks.method = ks_method::automatic;
    ks.n_reference = static_cast<std::size_t>(ref.n);
    ks.n_current = static_cast<std::size_t>(placed);
    const detail::slot_walk_result walk = detail::walk_slots(ref, c.data(), placed, below_sum, above_sum);
    ks.invalid_reason = nullptr;
    detail::ks_finish(ks, walk.ks, alternative::two_sided, ks_method::automatic);
    r.ks = ks;
    const auto& w = walk.w1;
    r.wasserstein = metric_value::of(w.value);
    r.wasserstein_exact = false;
    r.wasserstein_error_bound = w.bound;
    if (unplaced != 0) {
      const double share = static_cast<double>(unplaced) / static_cast<double>(f.ks_count);
      r.ks_exact = false;
      r.ks_statistic_error_bound = share;
      const double span_all = std::max(f.highest, ref.distinct.back()) - std::min(f.lowest, ref.distinct.front());
      r.wasserstein_error_bound += share * span_all;
    }
  }

  feature_report compare(feature_id id) const {
    const auto& slot = features_[id];
    feature_report r;
    r.name = slot.name;
    r.kind = slot.kind;
    r.excluded = slot.excluded;
    r.n_missing_reference = slot.missing_reference;
    r.n_missing_current = slot.missing_current;
    if (slot.kind == feature_kind::numeric) {
      std::optional<numeric_feature> with_rows;  // observe_row's rows not yet drained, counted on a copy
      if (block_.rows != 0) with_rows = settled_feature(slot.index);
      const auto& f = with_rows ? *with_rows : numerics_[slot.index];
      r.n_reference = f.reference_hist.count();
      r.n_current = f.current_hist.count();
      r.n_invalid_reference = f.reference_hist.invalid_count();
      r.n_invalid_current = f.current_hist.invalid_count();
      r.psi = psi(f.reference_hist, f.current_hist, config_.psi_epsilon);
      r.js = jensen_shannon(f.reference_hist, f.current_hist, config_.js_base);
      r.hellinger = hellinger(f.reference_hist, f.current_hist);
      compare_numeric(f, r);
      r.current_sample_truncated = f.truncated;
      r.n_truncated_current = f.n_truncated;
    } else {
      const auto& f = categoricals_[slot.index];
      r.n_reference = f.reference.count();
      r.n_current = f.current.count();
      r.category_overflow = f.current.overflow_count();
      r.category_overflow_reference = f.reference.overflow_count();
      r.psi = psi(f.reference, f.current, config_.psi_epsilon);
      r.js = jensen_shannon(f.reference, f.current, config_.js_base);
      r.hellinger = hellinger(f.reference, f.current);
      r.chi2 = chi_square(f.reference, f.current);
    }
    if (r.n_current == 0) r.invalid_reason = "the current window has no valid values";
    return r;
  }

  static void verdict(feature_report& r, const drift_thresholds& t) {
    r.reasons = drift_none;
    if (!r.valid() || r.excluded) {
      r.drift = false;
      return;
    }
    if (r.psi.valid() && r.psi.value > t.psi) r.reasons |= drift_psi;
    if (r.js.distance.valid() && r.js.distance.value > t.js_distance) r.reasons |= drift_js;
    if (!std::isnan(r.adjusted_pvalue)) {
      if (r.kind == feature_kind::numeric && r.adjusted_pvalue < t.ks_pvalue) r.reasons |= drift_ks;
      if (r.kind == feature_kind::categorical && r.adjusted_pvalue < t.chi2_pvalue) r.reasons |= drift_chi2;
    }
    r.drift = r.reasons != drift_none;
  }

  monitor_config config_;
  std::vector<feature_slot> features_;
  // Per feature: its index in numerics_, or not_numeric (observe's lookup).
  static constexpr std::size_t not_numeric = ~std::size_t{0};
  std::vector<std::size_t> numeric_of_;
  std::vector<numeric_feature> numerics_;
  std::vector<categorical_feature> categoricals_;
  row_block block_;  // observe_row's rows not yet drained (row_block)
};

/// The drift monitor (basic_drift_monitor above).
using drift_monitor = basic_drift_monitor<>;

}  // namespace driftwatch
