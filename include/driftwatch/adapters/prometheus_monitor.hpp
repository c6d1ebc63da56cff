// driftwatch::prometheus::monitor_exporter: one call that exports every feature
// of a drift_monitor (numeric and categorical) as Prometheus series, either
// pushed (publish) or pulled at scrape time from a concurrent<drift_monitor>.
//
// Series (docs/prometheus.md lists each with type, labels and meaning):
//   driftwatch_feature_info                gauge {model, feature, kind} = 1
//   numeric features, through drift_exporter (prometheus_drift.hpp):
//     driftwatch_feature_value, driftwatch_feature_reference (histograms),
//     driftwatch_feature_bin_info, driftwatch_feature_invalid_total,
//     driftwatch_feature_psi, driftwatch_feature_js_distance,
//     driftwatch_feature_binned_ks
//   every feature:
//     driftwatch_feature_missing_total     counter {model, feature}
//     driftwatch_feature_drift             gauge {model, feature}: the
//         monitor's verdict, 1 or 0 (absent while the window is empty)
//   numeric, the exact tests on the raw samples:
//     driftwatch_feature_ks_statistic, driftwatch_feature_ks_p_value
//   categorical features:
//     driftwatch_category_current_total    counter {model, feature, category}
//     driftwatch_category_reference        gauge   {model, feature, category}
//     driftwatch_category_overflow_total   counter {model, feature}
//     driftwatch_category_folded           gauge   {model, feature}
//     driftwatch_category_psi, driftwatch_category_js_distance,
//     driftwatch_category_chi2_statistic, driftwatch_category_chi2_p_value
//                                          gauges  {model, feature}
//   limits and approximations (issue 11; every one per feature, each side):
//     driftwatch_feature_reference_missing gauge   {model, feature}
//     driftwatch_feature_reference_invalid gauge   {model, feature} (numeric)
//     driftwatch_category_reference_overflow gauge {model, feature} (categorical)
//     driftwatch_feature_truncated_total   counter {model, feature} (numeric)
//     driftwatch_feature_wasserstein       gauge   {model, feature} (numeric)
//     driftwatch_feature_error_bound       gauge   {model, feature, metric}:
//         metric="wasserstein" | "ks_statistic"; 0 = exact (numeric)
//     driftwatch_feature_excluded          gauge   {model, feature}: 1 when
//         the feature's configuration excludes it from verdicts
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <driftwatch/adapters/prometheus.hpp>
#include <driftwatch/adapters/prometheus_drift.hpp>
#include <driftwatch/accumulators/category_counts.hpp>
#include <driftwatch/monitors/concurrent.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/monitors/monitor.hpp>

namespace driftwatch {
namespace prometheus {

/// How a monitor_exporter bounds what it exports.
struct monitor_exporter_options {
  /// Label-cardinality cap: at most this many `category` label values per
  /// categorical feature (>= 1). Categories are taken in a stable order --
  /// the reference's categories in first-seen order, then categories first
  /// seen in the current window, in the order the monitor first counted them
  /// -- and those beyond the cap are summed into one series whose category
  /// label is `other_category`. So a feature exports at most
  /// max_categories + 1 series per family, whatever its input. (The monitor's
  /// category_counts separately refuses new categories beyond its own
  /// max_categories, 100000 by default; those are driftwatch_category_overflow.)
  std::size_t max_categories = 50;
  /// Label value of the folded series. A real category with this exact name is
  /// folded into it too, so the series are always distinct.
  std::string other_category = "__other__";
};

/// Exports every feature of a drift_monitor through a registry.
///
/// Two ways to feed it:
/// - push: `publish(monitor)` after merging the serving threads' windows (e.g.
///   on a timer); the registry renders the latest published state;
/// - pull: `collect_from(concurrent_monitor)` (or any function returning a
///   drift_monitor); then every scrape takes a fresh snapshot on the scraping
///   thread and publishes it before the families are written. The observers
///   are never blocked: concurrent<>::snapshot() flips their shards without
///   waiting for them (see concurrent.hpp).
///
/// Cost of a publish (and of a pulled scrape): monitor.report() -- O(d) per
/// numeric feature for d distinct reference values (O(d + m log m) while the
/// window fits its raw sample of m values) plus the KS p-value -- plus O(B)
/// per numeric and O(C) per categorical feature to copy counts; it allocates.
/// A pulled scrape of a concurrent<drift_monitor> also merges the shards of
/// the threads that observed since the last scrape (drift_monitor::absorb: one
/// pass per numeric feature over all of them, O(d) per feature and shard) and
/// reads the merged total in place; a pulled scrape from a
/// function returning a drift_monitor also pays for that copy. Measured:
/// docs/prometheus.md, "What a scrape costs" (bench/scrape_bench.cpp).
///
/// Threading: publish/collect_from/stop_collecting may be called from any
/// thread; scrapes read the latest state under a short internal lock. The
/// registry shares ownership of the exported state, so it may outlive this
/// object; a pull source is read only while this exporter is alive (the
/// destructor calls stop_collecting()), so an exporter that does not outlive
/// the concurrent<drift_monitor> it reads is safe.
///
/// Registers its families in the constructor: one monitor_exporter (or one
/// drift_exporter) per registry, since the family names are fixed; the model is
/// a constant label.
class monitor_exporter {
 public:
  /// Registers the families above in `metrics` with the constant label
  /// model=`model`. Throws driftwatch::error if options.max_categories is 0 or
  /// the families are already registered.
  monitor_exporter(registry& metrics, std::string model, monitor_exporter_options options = {})
      : state_(std::make_shared<shared>()) {
    if (options.max_categories == 0) driftwatch::detail::fail("monitor_exporter: max_categories must be at least 1, got 0");
    state_->options = std::move(options);
    const std::vector<label> ml{{"model", model}};
    auto s = state_;
    // Registered first: its collector runs first in every scrape, so it is
    // where a pull source is snapshotted and published for all the families
    // that follow.
    metrics.add({"driftwatch_feature_info", "One series (value 1) per monitored feature, with its kind.",
                 metric_type::gauge, {"feature", "kind"}, ml},
                [s](sample_writer& w) {
                  refresh(*s);
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& f : s->features) w.gauge({f.name, to_string(f.kind)}, 1.0);
                });
    s->numeric.emplace(metrics, model);
    metrics.add({"driftwatch_feature_missing", "Missing current values of a feature (reported by the caller, excluded).",
                 metric_type::counter, {"feature"}, ml},
                [s](sample_writer& w) {
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& f : s->features) w.counter({f.name}, f.missing);
                });
    metrics.add({"driftwatch_feature_drift",
                 "The monitor's verdict for a feature: 1 when a valid test crossed its threshold, else 0 (this "
                 "process; absent while the current window is empty).",
                 metric_type::gauge, {"feature"}, ml},
                [s](sample_writer& w) {
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& f : s->features)
                    if (f.valid) w.gauge({f.name}, f.drift ? 1.0 : 0.0);
                });
    add_numeric_gauge(metrics, ml, "driftwatch_feature_ks_statistic",
                      "Exact two-sample KS statistic of a numeric feature on the raw samples (this process).",
                      &feature_state::ks_statistic);
    add_numeric_gauge(metrics, ml, "driftwatch_feature_ks_p_value",
                      "KS p-value of a numeric feature, as scipy.stats.ks_2samp (this process, uncorrected).",
                      &feature_state::ks_p_value);
    metrics.add({"driftwatch_category_current",
                 "Current-window count of a category of a categorical feature (capped label set, see "
                 "driftwatch_category_folded).",
                 metric_type::counter, {"feature", "category"}, ml},
                [s](sample_writer& w) {
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& f : s->features)
                    for (std::size_t i = 0; i < f.categories.size(); ++i)
                      w.counter({f.name, f.categories[i]}, f.current[i]);
                });
    metrics.add({"driftwatch_category_reference",
                 "Frozen reference count of a category of a categorical feature (same label set as "
                 "driftwatch_category_current).",
                 metric_type::gauge, {"feature", "category"}, ml},
                [s](sample_writer& w) {
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& f : s->features)
                    for (std::size_t i = 0; i < f.categories.size(); ++i)
                      w.gauge({f.name, f.categories[i]}, static_cast<double>(f.reference[i]));
                });
    metrics.add({"driftwatch_category_overflow",
                 "Current observations of new categories refused because the feature reached its category limit.",
                 metric_type::counter, {"feature"}, ml},
                [s](sample_writer& w) {
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& f : s->features)
                    if (f.kind == feature_kind::categorical) w.counter({f.name}, f.overflow);
                });
    metrics.add({"driftwatch_category_folded",
                 "Categories of a feature beyond the export cap, summed into the series category=\"" +
                     state_->options.other_category + "\".",
                 metric_type::gauge, {"feature"}, ml},
                [s](sample_writer& w) {
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& f : s->features)
                    if (f.kind == feature_kind::categorical) w.gauge({f.name}, static_cast<double>(f.folded));
                });
    add_categorical_gauge(metrics, ml, "driftwatch_category_psi",
                          "PSI of a categorical feature over all its categories (this process).", &feature_state::psi);
    add_categorical_gauge(metrics, ml, "driftwatch_category_js_distance",
                          "Jensen-Shannon distance of a categorical feature, in the monitor's js_base (default 2; "
                          "this process).",
                          &feature_state::js_distance);
    add_categorical_gauge(metrics, ml, "driftwatch_category_chi2_statistic",
                          "Chi-square homogeneity statistic of a categorical feature, no Yates correction (this "
                          "process).",
                          &feature_state::chi2_statistic);
    add_categorical_gauge(metrics, ml, "driftwatch_category_chi2_p_value",
                          "Chi-square p-value of a categorical feature, as scipy.stats.chi2_contingency(correction="
                          "False) (this process, uncorrected).",
                          &feature_state::chi2_p_value);
    // ---- limits and approximations: every cap, truncation, approximation,
    // invalid and missing count of both sides is a series (docs/prometheus.md).
    metrics.add({"driftwatch_feature_reference_missing",
                 "Missing reference values of a feature (reported by the caller when the reference was added).",
                 metric_type::gauge, {"feature"}, ml},
                [s](sample_writer& w) {
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& f : s->features) w.gauge({f.name}, static_cast<double>(f.missing_reference));
                });
    metrics.add({"driftwatch_feature_reference_invalid",
                 "NaN/Inf reference values of a numeric feature, excluded from its reference.",
                 metric_type::gauge, {"feature"}, ml},
                [s](sample_writer& w) {
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& f : s->features)
                    if (f.kind == feature_kind::numeric) w.gauge({f.name}, static_cast<double>(f.invalid_reference));
                });
    metrics.add({"driftwatch_category_reference_overflow",
                 "Reference observations of categories refused because the feature reached its category limit.",
                 metric_type::gauge, {"feature"}, ml},
                [s](sample_writer& w) {
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& f : s->features)
                    if (f.kind == feature_kind::categorical)
                      w.gauge({f.name}, static_cast<double>(f.overflow_reference));
                });
    metrics.add({"driftwatch_feature_truncated",
                 "Finite current values of a numeric feature left out of KS and Wasserstein-1 by an explicit "
                 "monitor_config::max_current_samples (0 without a cap).",
                 metric_type::counter, {"feature"}, ml},
                [s](sample_writer& w) {
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& f : s->features)
                    if (f.kind == feature_kind::numeric) w.counter({f.name}, f.truncated);
                });
    add_numeric_gauge(metrics, ml, "driftwatch_feature_wasserstein",
                      "Wasserstein-1 distance of a numeric feature, in its units (this process; exact or within "
                      "driftwatch_feature_error_bound{metric=\"wasserstein\"}).",
                      &feature_state::wasserstein);
    metrics.add({"driftwatch_feature_error_bound",
                 "Bound of the error of an exported metric of a numeric feature: 0 when it is exact, else "
                 "|exported - exact| <= this value.",
                 metric_type::gauge, {"feature", "metric"}, ml},
                [s](sample_writer& w) {
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& f : s->features) {
                    if (f.kind != feature_kind::numeric || !f.valid) continue;
                    w.gauge({f.name, "wasserstein"}, f.wasserstein_bound);
                    w.gauge({f.name, "ks_statistic"}, f.ks_bound);
                  }
                });
    metrics.add({"driftwatch_feature_excluded",
                 "1 when the feature's configuration excludes it from verdicts (tracked and exported, never drifts).",
                 metric_type::gauge, {"feature"}, ml},
                [s](sample_writer& w) {
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& f : s->features) w.gauge({f.name}, f.excluded ? 1.0 : 0.0);
                });
  }

  monitor_exporter(const monitor_exporter&) = delete;
  monitor_exporter& operator=(const monitor_exporter&) = delete;
  monitor_exporter(monitor_exporter&&) noexcept = default;
  monitor_exporter& operator=(monitor_exporter&& other) noexcept {
    if (this != &other) {
      stop_collecting();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  ~monitor_exporter() { stop_collecting(); }

  /// Replaces the exported state with `monitor`'s: every feature, numeric and
  /// categorical. Features exported before and absent from `monitor` stop
  /// being exported. Cost: see the class comment.
  void publish(const drift_monitor& monitor) { publish_into(*state_, monitor); }

  /// Pull mode: from now on every scrape calls `source` on the scraping thread
  /// and publishes what it returns. An exception from `source` fails that
  /// scrape (registry::render throws, the HTTP server answers 500). Replaces
  /// an earlier source.
  void collect_from(std::function<drift_monitor()> source) {
    std::lock_guard<std::mutex> lock(state_->source_mutex);
    if (!source) {
      state_->source = nullptr;
      return;
    }
    state_->source = [source = std::move(source)](const monitor_visitor& use) { use(source()); };
  }

  /// Pull mode over a concurrent<drift_monitor>: each scrape exports
  /// `monitor.snapshot(max_wait)`: every observation completed before the
  /// scrape, except those of a writer descheduled in the middle of an
  /// observation for longer than `max_wait`, which the next scrape exports
  /// (concurrent<>::snapshot(max_wait); exactly once, never half). This
  /// bounds a scrape's wait on a machine with more writers than cores.
  /// `monitor` must outlive this exporter, or call stop_collecting() first.
  /// The scrape reads the merged state in place (concurrent<>::with_snapshot,
  /// no copy of the monitor), so other readers of `monitor` wait for the
  /// scrape's report(); its writers never do.
  void collect_from(const concurrent<drift_monitor>& monitor,
                    std::chrono::nanoseconds max_wait = std::chrono::microseconds(100)) {
    std::lock_guard<std::mutex> lock(state_->source_mutex);
    state_->source = [&monitor, max_wait](const monitor_visitor& use) { monitor.with_snapshot(max_wait, use); };
  }

  /// Leaves pull mode; the last published state stays exported. Waits for a
  /// scrape that is reading the source. Idempotent.
  void stop_collecting() {
    if (!state_) return;
    std::lock_guard<std::mutex> lock(state_->source_mutex);
    state_->source = nullptr;
  }

 private:
  struct feature_state {
    std::string name;
    feature_kind kind = feature_kind::numeric;
    std::uint64_t missing = 0;
    bool valid = false;
    bool drift = false;
    metric_value ks_statistic, ks_p_value, wasserstein;
    double wasserstein_bound = 0, ks_bound = 0;
    std::uint64_t missing_reference = 0, invalid_reference = 0, overflow_reference = 0, truncated = 0;
    bool excluded = false;
    // categorical
    std::vector<std::string> categories;
    std::vector<std::uint64_t> reference, current;
    std::uint64_t overflow = 0;
    std::size_t folded = 0;
    metric_value psi, js_distance, chi2_statistic, chi2_p_value;
  };
  using monitor_visitor = std::function<void(const drift_monitor&)>;
  struct shared {
    monitor_exporter_options options;
    std::optional<drift_exporter> numeric;
    std::mutex publish_mutex;  // one publish at a time (taken before mutex)
    std::mutex mutex;  // guards features and publishing as a whole
    std::vector<feature_state> features;
    std::mutex source_mutex;  // guards source
    // Calls its argument with the monitor to export (a snapshot, or the
    // concurrent<> total in place).
    std::function<void(const monitor_visitor&)> source;
  };

  static void refresh(shared& s) {
    std::lock_guard<std::mutex> lock(s.source_mutex);
    if (s.source) s.source([&s](const drift_monitor& monitor) { publish_into(s, monitor); });
  }

  static metric_value of(bool valid, double v) { return valid ? metric_value::of(v) : metric_value::invalid("invalid"); }

  static void publish_into(shared& s, const drift_monitor& monitor) {
    const auto reports = monitor.report();
    std::vector<feature_state> features(reports.size());
    for (std::size_t i = 0; i < reports.size(); ++i) {
      const feature_report& r = reports[i];
      feature_state& f = features[i];
      f.name = r.name;
      f.kind = r.kind;
      f.missing = r.n_missing_current;
      f.valid = r.valid();
      f.drift = r.drift;
      f.missing_reference = r.n_missing_reference;
      f.excluded = r.excluded;
      if (r.kind == feature_kind::numeric) {
        f.ks_statistic = of(r.ks.valid(), r.ks.statistic);
        f.ks_p_value = of(r.ks.valid(), r.ks.pvalue);
        f.wasserstein = r.wasserstein;
        f.wasserstein_bound = r.wasserstein_error_bound;
        f.ks_bound = r.ks_statistic_error_bound;
        f.invalid_reference = r.n_invalid_reference;
        f.truncated = r.n_truncated_current;
        continue;
      }
      f.overflow_reference = r.category_overflow_reference;
      f.psi = r.psi;
      f.js_distance = r.js.distance;
      f.chi2_statistic = of(r.chi2.valid(), r.chi2.statistic);
      f.chi2_p_value = of(r.chi2.valid(), r.chi2.pvalue);
      f.overflow = r.category_overflow;
      const aligned_category_counts a = align(monitor.reference_categories(i), monitor.current_categories(i));
      const std::string& other = s.options.other_category;
      std::uint64_t other_ref = 0, other_cur = 0;
      for (std::size_t c = 0; c < a.names.size(); ++c) {
        const auto ref = static_cast<std::uint64_t>(a.reference[c]);
        const auto cur = static_cast<std::uint64_t>(a.current[c]);
        if (f.categories.size() < s.options.max_categories && a.names[c] != other) {
          f.categories.push_back(a.names[c]);
          f.reference.push_back(ref);
          f.current.push_back(cur);
        } else {
          ++f.folded;
          other_ref += ref;
          other_cur += cur;
        }
      }
      if (f.folded > 0) {
        f.categories.push_back(other);
        f.reference.push_back(other_ref);
        f.current.push_back(other_cur);
      }
    }
    // One publish at a time, so the numeric and categorical halves of the
    // exported state come from the same monitor.
    std::lock_guard<std::mutex> publishing(s.publish_mutex);
    std::set<std::string> numeric_now;
    for (std::size_t i = 0; i < reports.size(); ++i)
      if (reports[i].kind == feature_kind::numeric) {
        s.numeric->publish(reports[i].name, monitor.reference_histogram(i), monitor.current_histogram(i),
                           monitor.config().psi_epsilon);
        numeric_now.insert(reports[i].name);
      }
    std::lock_guard<std::mutex> lock(s.mutex);
    for (const auto& old : s.features)
      if (old.kind == feature_kind::numeric && numeric_now.count(old.name) == 0) s.numeric->forget(old.name);
    s.features = std::move(features);
  }

  void add_numeric_gauge(registry& metrics, const std::vector<label>& ml, const char* name, const char* help,
                         metric_value feature_state::*field) {
    auto s = state_;
    metrics.add({name, help, metric_type::gauge, {"feature"}, ml}, [s, field](sample_writer& w) {
      std::lock_guard<std::mutex> lock(s->mutex);
      for (const auto& f : s->features)
        if (f.kind == feature_kind::numeric && (f.*field).valid()) w.gauge({f.name}, (f.*field).value);
    });
  }
  void add_categorical_gauge(registry& metrics, const std::vector<label>& ml, const char* name, const char* help,
                             metric_value feature_state::*field) {
    auto s = state_;
    metrics.add({name, help, metric_type::gauge, {"feature"}, ml}, [s, field](sample_writer& w) {
      std::lock_guard<std::mutex> lock(s->mutex);
      for (const auto& f : s->features)
        if (f.kind == feature_kind::categorical && (f.*field).valid()) w.gauge({f.name}, (f.*field).value);
    });
  }

  std::shared_ptr<shared> state_;
};

}  // namespace prometheus
}  // namespace driftwatch
