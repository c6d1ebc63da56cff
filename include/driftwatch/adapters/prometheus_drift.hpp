// driftwatch::prometheus::drift_exporter: exports the drift state of numeric
// features as Prometheus series from which PromQL recomputes PSI, Jensen-
// Shannon and a binned KS fleet-wide (examples/monitoring/rules/).
//
// Series (docs/prometheus.md lists them with their meaning):
//   driftwatch_feature_value                 histogram {model, feature}: the
//       current window, buckets at the frozen reference edges (no _sum)
//   driftwatch_feature_reference             histogram {model, feature}: the
//       frozen reference counts over the same buckets; its CDF at each le is
//       _bucket / the +Inf bucket
//   driftwatch_feature_bin_info              gauge {model, feature, lower, upper}
//       = 1 per bin (lower, upper]: the le of a bucket and of the one below it,
//       so PromQL can turn cumulative buckets into per-bin counts
//   driftwatch_feature_invalid_total         counter {model, feature}
//   driftwatch_feature_psi, driftwatch_feature_js_distance,
//   driftwatch_feature_binned_ks             gauges {model, feature}: this
//       process's own values (absent while the window is empty)
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <driftwatch/adapters/prometheus.hpp>
#include <driftwatch/metrics/binned_ks.hpp>
#include <driftwatch/metrics/divergence.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/accumulators/histogram.hpp>

namespace driftwatch {
namespace prometheus {

/// Deprecated spelling: binned_ks is a metric (metrics/binned_ks.hpp).
using driftwatch::binned_ks;

/// Publishes snapshots of (reference, current) histograms per feature and
/// exports them through a registry.
///
/// Threading: publish() copies the counts under a short internal lock (O(bins),
/// allocates); scrapes read the latest snapshot under the same lock. Call
/// publish from whatever thread owns the merged window (e.g. after merging
/// per-thread shards, or on a timer); observers are never involved.
/// The registry shares ownership of the snapshots, so it may outlive this object.
class drift_exporter {
 public:
  /// Registers the families above in `metrics` with the constant label
  /// model=`model`. Throws driftwatch::error if they are already registered.
  drift_exporter(registry& metrics, std::string model) : state_(std::make_shared<shared>()) {
    state_->model = std::move(model);
    auto s = state_;
    const std::vector<label> ml{{"model", state_->model}};
    metrics.add({"driftwatch_feature_value",
                 "Current window of a numeric feature; buckets are the frozen reference bin edges.",
                 metric_type::histogram, {"feature"}, ml},
                [s](sample_writer& w) {
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& f : s->features) w.histogram({f.first}, f.second.edges, f.second.current);
                });
    metrics.add({"driftwatch_feature_reference",
                 "Frozen reference sample of a numeric feature over the same buckets as driftwatch_feature_value.",
                 metric_type::histogram, {"feature"}, ml},
                [s](sample_writer& w) {
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& f : s->features) w.histogram({f.first}, f.second.edges, f.second.reference);
                });
    metrics.add({"driftwatch_feature_bin_info",
                 "One series (value 1) per bin (lower, upper] of a feature: the le of each bucket and of the one "
                 "below it, which PromQL needs to turn cumulative buckets into per-bin counts.",
                 metric_type::gauge, {"feature", "lower", "upper"}, ml},
                [s](sample_writer& w) {
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& f : s->features) {
                    const auto& st = f.second;
                    for (std::size_t i = 0; i + 1 < st.le.size(); ++i) w.gauge({f.first, st.le[i], st.le[i + 1]}, 1.0);
                  }
                });
    metrics.add({"driftwatch_feature_invalid", "NaN or infinite values of a feature excluded from the current window.",
                 metric_type::counter, {"feature"}, ml},
                [s](sample_writer& w) {
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& f : s->features) w.counter({f.first}, f.second.invalid);
                });
    auto gauge_of = [&metrics, &ml, s](const char* name, const char* help, metric_value snapshot::*field) {
      metrics.add({name, help, metric_type::gauge, {"feature"}, ml}, [s, field](sample_writer& w) {
        std::lock_guard<std::mutex> lock(s->mutex);
        for (const auto& f : s->features)
          if ((f.second.*field).valid()) w.gauge({f.first}, (f.second.*field).value);
      });
    };
    gauge_of("driftwatch_feature_psi", "PSI of the current window against the reference (this process).",
             &snapshot::psi);
    gauge_of("driftwatch_feature_js_distance",
             "Jensen-Shannon distance (base 2) of the current window against the reference (this process).",
             &snapshot::js_distance);
    gauge_of("driftwatch_feature_binned_ks",
             "Binned Kolmogorov-Smirnov statistic over the frozen bins (this process).", &snapshot::binned_ks);
  }

  /// Replaces the exported state of `feature` with a copy of `reference` and
  /// `current` (same edges, else driftwatch::error), and computes this
  /// process's PSI (epsilon as in psi()), JS distance and binned KS. An empty
  /// reference is an error (nothing to compare against).
  void publish(const std::string& feature, const driftwatch::histogram& reference, const driftwatch::histogram& current,
               double psi_epsilon = 1e-4) {
    if (reference.edges() != current.edges())
      driftwatch::detail::fail("drift_exporter::publish: feature '" + feature +
                               "': reference and current have different bin edges");
    if (reference.count() == 0)
      driftwatch::detail::fail("drift_exporter::publish: feature '" + feature + "': empty reference");
    snapshot st;
    st.edges = reference.edges().interior();
    st.le.reserve(st.edges.size() + 2);
    st.le.push_back("-Inf");
    for (double e : st.edges) {
      std::string s;
      detail::append_double(s, e);
      st.le.push_back(std::move(s));
    }
    st.le.push_back("+Inf");
    st.reference = reference.counts();
    st.current = current.counts();
    st.invalid = current.invalid_count();
    st.psi = driftwatch::psi(reference, current, psi_epsilon);
    st.js_distance = driftwatch::jensen_shannon(reference, current).distance;
    st.binned_ks = binned_ks(reference, current);
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->features[feature] = std::move(st);
  }

  /// Stops exporting `feature`. Returns false if it was not published.
  bool forget(const std::string& feature) {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->features.erase(feature) != 0;
  }

 private:
  struct snapshot {
    std::vector<double> edges;
    std::vector<std::string> le;  // "-Inf", formatted edges..., "+Inf"
    std::vector<std::uint64_t> reference, current;
    std::uint64_t invalid = 0;
    metric_value psi, js_distance, binned_ks;
  };
  struct shared {
    std::mutex mutex;
    std::string model;
    std::map<std::string, snapshot> features;
  };
  std::shared_ptr<shared> state_;
};

}  // namespace prometheus
}  // namespace driftwatch
