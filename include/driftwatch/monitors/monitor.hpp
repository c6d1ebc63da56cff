// driftwatch::drift_monitor: frozen references + current windows = verdicts.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
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
#include <driftwatch/accumulators/histogram.hpp>
#include <driftwatch/metrics/ks_test.hpp>
#include <driftwatch/metrics/multiple_testing.hpp>
#include <driftwatch/core/result.hpp>
#include <driftwatch/core/span.hpp>
#include <driftwatch/detail/kernels_row.hpp>
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
  /// Raw current values kept per numeric feature for the exact KS and
  /// Wasserstein (memory: 8 bytes each, reserved up front so observe never
  /// allocates). Values beyond it still count in the histogram (PSI, JS,
  /// Hellinger stay exact); KS and Wasserstein then use the first
  /// max_current_samples values and the report says so.
  std::size_t max_current_samples = std::size_t{1} << 20;
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
  ks_result ks{};
  metric_value wasserstein;
  bool current_sample_truncated = false;  // see monitor_config::max_current_samples
  // categorical only
  chi2_result chi2;
  std::uint64_t category_overflow = 0;
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

/// Holds, per feature, a frozen reference and a current window, and turns them
/// into verdicts (docs/design.md: monitors = reference + window + thresholds).
///
/// Guarantees:
/// - observe(feature, value) never allocates, locks or throws for numeric
///   features and for categories already seen; a category first seen in the
///   current window is added (one allocation), never dropped (up to
///   category_counts' limit, then counted as overflow).
/// - Not thread-safe by itself: use one monitor per thread and merge with +=
///   (exact), or an external lock.
/// - report() allocates and costs O(B + n log n) per numeric feature (the KS
///   sort of the current sample).
class drift_monitor {
 public:
  using feature_id = std::size_t;

  explicit drift_monitor(monitor_config config = {}) : config_(config) {
    if (config_.bins == 0) detail::fail("drift_monitor: bins must be at least 1, got 0");
    if (!(config_.psi_epsilon > 0 && config_.psi_epsilon < 1))
      detail::fail("drift_monitor: psi_epsilon must be in (0, 1), got " + std::to_string(config_.psi_epsilon));
  }

  /// Adds a numeric feature whose bins are frozen from `reference` with the
  /// configured binning. Throws if the name is taken or the reference has no
  /// finite value. `missing` counts reference values the caller dropped as
  /// missing (reported, not used).
  feature_id add_numeric(std::string name, span<const double> reference, std::uint64_t missing = 0) {
    auto edges = config_.method == binning::uniform ? bin_edges::uniform(reference, config_.bins)
                                                    : bin_edges::from_quantiles(reference, config_.bins);
    return add_numeric(std::move(name), reference, std::move(edges), missing);
  }

  /// Adds a numeric feature over explicit edges.
  feature_id add_numeric(std::string name, span<const double> reference, bin_edges edges, std::uint64_t missing = 0) {
    check_new_name(name);
    numeric_feature f{histogram(edges), histogram(edges), {}, {}};
    f.reference_hist.observe(reference);
    f.sorted_reference.reserve(reference.size());
    for (double x : reference)
      if (std::isfinite(x)) f.sorted_reference.push_back(x);
    if (f.sorted_reference.empty())
      detail::fail("drift_monitor: the reference of feature '" + name + "' has no finite value");
    std::sort(f.sorted_reference.begin(), f.sorted_reference.end());
    f.current_sample.reserve(config_.max_current_samples);
    features_.push_back(feature_slot{std::move(name), feature_kind::numeric, numerics_.size(), missing, 0});
    numerics_.push_back(std::move(f));
    lay_out_rows();
    return features_.size() - 1;
  }

  /// Adds a categorical feature; its categories start as those of `reference`
  /// (any range of things convertible to std::string_view).
  template <class Range>
  feature_id add_categorical(std::string name, const Range& reference, std::uint64_t missing = 0) {
    check_new_name(name);
    categorical_feature f;
    f.reference.observe(reference);
    if (f.reference.count() == 0)
      detail::fail("drift_monitor: the reference of feature '" + name + "' has no value");
    // The current window knows the reference's categories up front, so
    // observing any of them never allocates.
    for (const auto& category : f.reference.names()) f.current.add_category(category);
    features_.push_back(feature_slot{std::move(name), feature_kind::categorical, categoricals_.size(), missing, 0});
    categoricals_.push_back(std::move(f));
    return features_.size() - 1;
  }

  /// Observes a numeric value (NaN/Inf counted as invalid and excluded).
  /// Runs in the hot loop: measure before changing.
  void observe(feature_id id, double x) noexcept {
    const auto& slot = features_[id];
    if (slot.kind != feature_kind::numeric) return;
    auto& f = numerics_[slot.index];
    f.current_hist(x);
    if (std::isfinite(x)) {
      if (f.current_sample.size() < config_.max_current_samples)
        f.current_sample.push_back(x);
      else
        f.truncated = true;
    }
  }

  /// Observes one request's whole numeric feature vector: row[k] is the value
  /// of the k-th numeric feature added (categorical features are not in the
  /// row). Exactly what observe(id, row[k]) for every numeric feature k does,
  /// bit for bit, with the bins of the whole row found at once: SIMD across
  /// features over edges laid out for it (detail/kernels_row.hpp; features with
  /// more than 17 bins are binned per value). Throws driftwatch::error if
  /// row.size() is not the number of numeric features; otherwise never
  /// allocates (a monitor read back by deserialize() lays its edges out on its
  /// first row, once), locks or throws. Runs in the hot loop: measure before
  /// changing (bench/row_bench.cpp).
  void observe_row(span<const double> row) {
    if (row.size() != numerics_.size())
      detail::fail("drift_monitor::observe_row: the row has " + std::to_string(row.size()) +
                   " values but the monitor has " + std::to_string(numerics_.size()) + " numeric features");
    if (rows_.features != numerics_.size()) lay_out_rows();
    rows_.bin(row.data());
    const std::size_t nf = numerics_.size();
    for (std::size_t k = 0; k < nf; ++k) {
      auto& f = numerics_[k];
      // Prefetch the scattered lines of features ahead: their count (16
      // ahead) and the end of their sample (48 ahead; a page of its own per
      // feature, so the walk starts early). Measured at F = 1000: 2.5x -> 3.6x the
      // per-value loop.
      if (k + 48 < nf) {
        const auto& far = numerics_[k + 48];
        detail::prefetch_write(far.current_sample.data() + far.current_sample.size());
      }
      if (k + 16 < nf) detail::prefetch_write(numerics_[k + 16].current_hist.counts().data() + rows_.bins[k + 16]);
      const double x = row[k];
      if (!std::isfinite(x) || rows_.per_value[k]) {
        f.current_hist(x);
      } else {
        f.current_hist.count_bin(static_cast<std::size_t>(rows_.bins[k]));
      }
      if (std::isfinite(x)) {  // as observe(feature_id, double)
        if (f.current_sample.size() < config_.max_current_samples)
          f.current_sample.push_back(x);
        else
          f.truncated = true;
      }
    }
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
  void observe(feature_id id, span<const double> values) noexcept {
    for (double x : values) observe(id, x);
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
    for (auto& f : numerics_) {
      f.current_hist.reset();
      f.current_sample.clear();
      f.truncated = false;
    }
    for (auto& f : categoricals_) f.current.reset();
    for (auto& s : features_) s.missing_current = 0;
  }

  /// Merges another monitor's current windows into this one. Both must have
  /// the same features in the same order with identical references (the same
  /// construction); otherwise throws naming the first difference. Histogram,
  /// category and missing counts add exactly; raw samples are concatenated up
  /// to max_current_samples.
  drift_monitor& operator+=(const drift_monitor& other) {
    if (features_.size() != other.features_.size())
      detail::fail("drift_monitor::operator+=: monitors have different numbers of features (" +
                   std::to_string(features_.size()) + " vs " + std::to_string(other.features_.size()) + ")");
    for (std::size_t i = 0; i < features_.size(); ++i) {
      const auto& a = features_[i];
      const auto& b = other.features_[i];
      if (a.name != b.name || a.kind != b.kind)
        detail::fail("drift_monitor::operator+=: feature " + std::to_string(i) + " is '" + a.name + "' here but '" +
                     b.name + "' in the other monitor");
      if (a.kind == feature_kind::numeric) {
        if (numerics_[a.index].reference_hist != other.numerics_[b.index].reference_hist)
          detail::fail("drift_monitor::operator+=: feature '" + a.name + "' has a different reference");
      } else if (categoricals_[a.index].reference.names() != other.categoricals_[b.index].reference.names() ||
                 categoricals_[a.index].reference.counts() != other.categoricals_[b.index].reference.counts()) {
        detail::fail("drift_monitor::operator+=: feature '" + a.name + "' has a different reference");
      }
    }
    for (std::size_t i = 0; i < features_.size(); ++i) {
      auto& a = features_[i];
      const auto& b = other.features_[i];
      a.missing_current += b.missing_current;
      if (a.kind == feature_kind::numeric) {
        auto& fa = numerics_[a.index];
        const auto& fb = other.numerics_[b.index];
        fa.current_hist += fb.current_hist;
        for (double x : fb.current_sample) {
          if (fa.current_sample.size() < config_.max_current_samples)
            fa.current_sample.push_back(x);
          else
            fa.truncated = true;
        }
        fa.truncated = fa.truncated || fb.truncated;
      } else {
        categoricals_[a.index].current += other.categoricals_[b.index].current;
      }
    }
    return *this;
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
    return n;
  }

  /// The frozen reference and current histograms of a numeric feature (for
  /// exporters); throws if the feature is categorical.
  const histogram& reference_histogram(feature_id id) const { return numeric(id, "reference_histogram").reference_hist; }
  const histogram& current_histogram(feature_id id) const { return numeric(id, "current_histogram").current_hist; }
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
      const double p = out[i].kind == feature_kind::numeric ? (out[i].ks.valid() ? out[i].ks.pvalue : -1.0)
                                                            : (out[i].chi2.valid() ? out[i].chi2.pvalue : -1.0);
      if (p >= 0) {
        raw.push_back(std::min(1.0, p));
        where.push_back(i);
      }
    }
    const auto adjusted = adjust_pvalues(raw, config_.pvalue_correction);
    for (std::size_t k = 0; k < where.size(); ++k) out[where[k]].adjusted_pvalue = adjusted[k];
    for (auto& r : out) verdict(r);
    return out;
  }

  /// Copies keep each numeric feature's reservation of max_current_samples
  /// (a std::vector copy would not), so observe on a copy -- a window's bucket,
  /// a concurrent<drift_monitor> shard -- still never allocates.
  drift_monitor(const drift_monitor& other)
      : config_(other.config_), features_(other.features_), numerics_(other.numerics_),
        categoricals_(other.categoricals_), rows_(other.rows_) {
    reserve_current_samples();
  }
  drift_monitor& operator=(const drift_monitor& other) {
    if (this != &other) {
      config_ = other.config_;
      features_ = other.features_;
      numerics_ = other.numerics_;
      categoricals_ = other.categoricals_;
      rows_ = other.rows_;
      reserve_current_samples();
    }
    return *this;
  }
  drift_monitor(drift_monitor&&) noexcept = default;
  drift_monitor& operator=(drift_monitor&&) noexcept = default;
  ~drift_monitor() = default;

  /// State format (accumulators/serialization.hpp). Payload: config,
  /// u64 features, then per feature: string name, u8 kind,
  /// u64 missing_reference, u64 missing_current, and
  ///   numeric: reference histogram, current histogram (same edges),
  ///     u64 n + n x f64 sorted reference (n = reference count, finite,
  ///     ascending), u64 m + m x f64 current sample (finite, m <= current
  ///     count, m <= max_current_samples), u8 truncated;
  ///   categorical: reference category_counts, current category_counts.
  /// config: u64 bins, u8 method, f64 psi_epsilon, f64 js_base,
  ///   4 x f64 thresholds, u8 correction, u64 max_current_samples.
  static constexpr state_type state_tag = state_type::drift_monitor;
  static constexpr const char* state_name = "drift_monitor";
  static constexpr std::uint16_t state_version = 1;
  void save_state(detail::byte_writer& w) const {
    const drift_monitor& m = *this;
    const monitor_config& c = m.config_;
    w.u64(c.bins);
    w.u8(static_cast<std::uint8_t>(c.method));
    w.f64(c.psi_epsilon);
    w.f64(c.js_base);
    w.f64(c.thresholds.psi);
    w.f64(c.thresholds.js_distance);
    w.f64(c.thresholds.ks_pvalue);
    w.f64(c.thresholds.chi2_pvalue);
    w.u8(static_cast<std::uint8_t>(c.pvalue_correction));
    w.u64(c.max_current_samples);
    w.u64(m.features_.size());
    for (const auto& slot : m.features_) {
      w.string(slot.name);
      w.u8(static_cast<std::uint8_t>(slot.kind));
      w.u64(slot.missing_reference);
      w.u64(slot.missing_current);
      if (slot.kind == feature_kind::numeric) {
        const auto& f = m.numerics_[slot.index];
        f.reference_hist.save_state(w);
        f.current_hist.save_state(w);
        w.u64(f.sorted_reference.size());
        for (double x : f.sorted_reference) w.f64(x);
        w.u64(f.current_sample.size());
        for (double x : f.current_sample) w.f64(x);
        w.boolean(f.truncated);
      } else {
        const auto& f = m.categoricals_[slot.index];
        f.reference.save_state(w);
        f.current.save_state(w);
      }
    }
  }

  static drift_monitor load_state(detail::byte_reader& r, const deserialize_limits& limits = {}) {
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
    at = r.position();
    c.thresholds.psi = r.f64("psi threshold");
    c.thresholds.js_distance = r.f64("js threshold");
    c.thresholds.ks_pvalue = r.f64("ks threshold");
    c.thresholds.chi2_pvalue = r.f64("chi2 threshold");
    if (std::isnan(c.thresholds.psi) || std::isnan(c.thresholds.js_distance) || std::isnan(c.thresholds.ks_pvalue) ||
        std::isnan(c.thresholds.chi2_pvalue))
      r.fail_at(at, "a threshold is NaN");
    c.pvalue_correction = static_cast<correction>(r.enum_byte(2, "p-value correction"));
    at = r.position();
    const std::uint64_t max_samples = r.u64("max_current_samples");
    if (max_samples > std::numeric_limits<std::size_t>::max() / 8)
      r.fail_at(at, "max_current_samples is too large");
    c.max_current_samples = static_cast<std::size_t>(max_samples);

    drift_monitor m(c);
    at = r.position();
    const std::uint64_t n = r.count(25, "number of features");
    std::uint64_t reserved_bytes = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::size_t feature_at = r.position();
      std::string name = r.string("feature name");
      for (const auto& s : m.features_)
        if (s.name == name) r.fail_at(feature_at, "feature '" + name + "' appears twice");
      const auto kind = static_cast<feature_kind>(r.enum_byte(1, "feature kind"));
      const std::uint64_t missing_reference = r.u64("missing reference count");
      const std::uint64_t missing_current = r.u64("missing current count");
      if (kind == feature_kind::numeric) {
        // max_samples * 8 fits (checked above); compare without overflowing.
        if (max_samples * 8 > limits.max_reserved_bytes - reserved_bytes)
          r.fail_at(at, "the numeric features would reserve more than deserialize_limits::max_reserved_bytes = " +
                            std::to_string(limits.max_reserved_bytes) + " bytes for current samples");
        reserved_bytes += max_samples * 8;
        histogram reference = histogram::load_state(r, limits);
        const std::size_t current_at = r.position();
        histogram current = histogram::load_state(r, limits);
        if (current.edges() != reference.edges())
          r.fail_at(current_at, "feature '" + name + "': the current histogram's edges differ from the reference's");
        std::vector<double> sorted = r.doubles("reference sample size");
        if (sorted.size() != reference.count() || sorted.empty())
          r.fail_at(feature_at, "feature '" + name + "': the reference sample does not match its histogram");
        for (std::size_t j = 0; j < sorted.size(); ++j)
          if (!std::isfinite(sorted[j]) || (j > 0 && sorted[j] < sorted[j - 1]))
            r.fail_at(feature_at, "feature '" + name + "': the reference sample is not finite and sorted");
        histogram check(reference.edges());
        check.observe(sorted);
        if (check.counts() != reference.counts())
          r.fail_at(feature_at, "feature '" + name + "': the reference sample does not match its histogram");
        std::vector<double> sample = r.doubles("current sample size");
        if (sample.size() > current.count() || sample.size() > c.max_current_samples)
          r.fail_at(feature_at, "feature '" + name + "': the current sample is larger than its window");
        for (double x : sample)
          if (!std::isfinite(x)) r.fail_at(feature_at, "feature '" + name + "': the current sample holds a non-finite value");
        const bool truncated = r.boolean("truncated flag");
        drift_monitor::numeric_feature f{std::move(reference), std::move(current), std::move(sorted), {}, truncated};
        f.current_sample.reserve(c.max_current_samples);
        f.current_sample.assign(sample.begin(), sample.end());
        m.features_.push_back(drift_monitor::feature_slot{std::move(name), kind, m.numerics_.size(), missing_reference,
                                                          missing_current});
        m.numerics_.push_back(std::move(f));
      } else {
        drift_monitor::categorical_feature f{category_counts::load_state(r, limits),
                                             category_counts::load_state(r, limits)};
        if (f.reference.count() == 0)
          r.fail_at(feature_at, "feature '" + name + "': the reference has no value");
        m.features_.push_back(drift_monitor::feature_slot{std::move(name), kind, m.categoricals_.size(),
                                                          missing_reference, missing_current});
        m.categoricals_.push_back(std::move(f));
      }
    }
    return m;
  }

 private:

  /// observe_row's edge layout: every numeric feature's interior edges,
  /// transposed (detail::row_layout). Allocates.
  void lay_out_rows() {
    rows_.build(numerics_.size(), [this](std::size_t k) -> const std::vector<double>& {
      return numerics_[k].current_hist.edges().interior();
    });
  }

  void reserve_current_samples() {
    for (auto& f : numerics_) f.current_sample.reserve(config_.max_current_samples);
  }

  struct numeric_feature {
    histogram reference_hist;
    histogram current_hist;
    std::vector<double> sorted_reference;
    std::vector<double> current_sample;
    bool truncated = false;
  };
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
  };

  void check_new_name(const std::string& name) const {
    for (const auto& f : features_)
      if (f.name == name) detail::fail("drift_monitor: a feature named '" + name + "' already exists");
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

  feature_report compare(feature_id id) const {
    const auto& slot = features_[id];
    feature_report r;
    r.name = slot.name;
    r.kind = slot.kind;
    r.n_missing_reference = slot.missing_reference;
    r.n_missing_current = slot.missing_current;
    if (slot.kind == feature_kind::numeric) {
      const auto& f = numerics_[slot.index];
      r.n_reference = f.reference_hist.count();
      r.n_current = f.current_hist.count();
      r.n_invalid_reference = f.reference_hist.invalid_count();
      r.n_invalid_current = f.current_hist.invalid_count();
      r.psi = psi(f.reference_hist, f.current_hist, config_.psi_epsilon);
      r.js = jensen_shannon(f.reference_hist, f.current_hist, config_.js_base);
      r.hellinger = hellinger(f.reference_hist, f.current_hist);
      std::vector<double> current = f.current_sample;
      std::sort(current.begin(), current.end());
      r.ks = ks_test_sorted(f.sorted_reference, current);
      r.wasserstein = wasserstein_sorted(f.sorted_reference, current);
      r.current_sample_truncated = f.truncated;
    } else {
      const auto& f = categoricals_[slot.index];
      r.n_reference = f.reference.count();
      r.n_current = f.current.count();
      r.category_overflow = f.current.overflow_count();
      r.psi = psi(f.reference, f.current, config_.psi_epsilon);
      r.js = jensen_shannon(f.reference, f.current, config_.js_base);
      r.hellinger = hellinger(f.reference, f.current);
      r.chi2 = chi_square(f.reference, f.current);
    }
    if (r.n_current == 0) r.invalid_reason = "the current window has no valid values";
    return r;
  }

  void verdict(feature_report& r) const {
    r.reasons = drift_none;
    if (!r.valid()) {
      r.drift = false;
      return;
    }
    const auto& t = config_.thresholds;
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
  std::vector<numeric_feature> numerics_;
  std::vector<categorical_feature> categoricals_;
  detail::row_layout rows_;  // observe_row's edge layout (lay_out_rows)
};

}  // namespace driftwatch
