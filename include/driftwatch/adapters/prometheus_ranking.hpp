// driftwatch::prometheus::ranking_exporter: exports ranking quality per model
// version as sums and counts, so Prometheus computes fleet-wide averages as
// rate(_sum) / rate(_count), and canary-vs-baseline comparisons as gauges.
//
// Series (docs/prometheus.md):
//   driftwatch_ranking_metric     summary {model, model_version, metric, k}:
//       _sum = sum of the per-request metric, _count = requests evaluated
//       (metric is the trec_eval root: P, recall, ndcg_cut, map, map_cut,
//       recip_rank, success, Rprec; k is the accumulator's cutoff, also on
//       the uncut metrics map, Rprec, recip_rank so series stay distinct)
//   driftwatch_ranking_requests_skipped_total   counter {model, model_version, k}
//   driftwatch_ranking_requests_rejected_total  counter {model, model_version, k}
//   driftwatch_canary_delta       gauge {model, metric, k, baseline_version, canary_version}
//   driftwatch_canary_p_value     gauge {same labels}
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>

#include <driftwatch/adapters/prometheus.hpp>
#include <driftwatch/metrics/canary.hpp>
#include <driftwatch/metrics/ranking_accumulator.hpp>

namespace driftwatch {
namespace prometheus {

/// Publishes snapshots of ranking accumulators and canary comparisons.
///
/// Threading: publish() copies a few numbers under a short internal lock;
/// scrapes read the latest snapshot. The registry shares ownership of the
/// snapshots, so it may outlive this object.
///
/// `_sum` is mean x count of the accumulator (the accumulator keeps a running
/// mean, not a sum), so it carries a relative rounding error of a few ulps.
/// Keep accumulators monotonic (never reset) for rate() to be meaningful; a
/// reset is seen by Prometheus as a counter reset, which rate() handles.
class ranking_exporter {
 public:
  /// Registers the families in `metrics` with the constant label model=`model`.
  ranking_exporter(registry& metrics, std::string model) : state_(std::make_shared<shared>()) {
    auto s = state_;
    const std::vector<label> ml{{"model", std::move(model)}};
    metrics.add({"driftwatch_ranking_metric",
                 "Per-request ranking metric: _sum over evaluated requests and _count of them.",
                 metric_type::summary, {"model_version", "metric", "k"}, ml},
                [s](sample_writer& w) {
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& v : s->versions)
                    for (std::size_t m = 0; m < ranking_metric_count; ++m)
                      w.summary({std::get<0>(v.first), root(m), std::get<1>(v.first)}, v.second.sums[m],
                                v.second.count);
                });
    metrics.add({"driftwatch_ranking_requests_skipped",
                 "Requests not evaluated because they had no relevant item (policy skip).", metric_type::counter,
                 {"model_version", "k"}, ml},
                [s](sample_writer& w) {
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& v : s->versions)
                    w.counter({std::get<0>(v.first), std::get<1>(v.first)}, v.second.skipped);
                });
    metrics.add({"driftwatch_ranking_requests_rejected",
                 "Requests rejected as bad input (duplicate ids, NaN scores).", metric_type::counter,
                 {"model_version", "k"}, ml},
                [s](sample_writer& w) {
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& v : s->versions)
                    w.counter({std::get<0>(v.first), std::get<1>(v.first)}, v.second.rejected);
                });
    const std::vector<std::string> canary_labels{"metric", "k", "baseline_version", "canary_version"};
    metrics.add({"driftwatch_canary_delta", "Canary mean minus baseline mean of a ranking metric.",
                 metric_type::gauge, canary_labels, ml},
                [s](sample_writer& w) {
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& c : s->canaries)
                    w.gauge({std::get<0>(c.first), std::get<1>(c.first), std::get<2>(c.first), std::get<3>(c.first)},
                            c.second.first);
                });
    metrics.add({"driftwatch_canary_p_value", "p-value of the canary-vs-baseline test of a ranking metric.",
                 metric_type::gauge, canary_labels, ml},
                [s](sample_writer& w) {
                  std::lock_guard<std::mutex> lock(s->mutex);
                  for (const auto& c : s->canaries)
                    w.gauge({std::get<0>(c.first), std::get<1>(c.first), std::get<2>(c.first), std::get<3>(c.first)},
                            c.second.second);
                });
  }

  /// Replaces the exported state of (acc.model_version(), acc.k()) with the
  /// accumulator's current sums and counts. O(metrics), allocates on first use.
  /// Any instantiation (float or double scores, 32- or 64-bit ids).
  template <class Score, class Id>
  void publish(const basic_ranking_accumulator<Score, Id>& acc) {
    version_state st;
    st.count = acc.count();
    st.skipped = acc.skipped();
    st.rejected = acc.rejected();
    const std::string k = std::to_string(acc.k());
    for (std::size_t m = 0; m < ranking_metric_count; ++m) {
      const auto metric = static_cast<ranking_metric>(m);
      const auto mean = acc.mean(metric);
      st.sums[m] = mean.valid() ? mean.value * static_cast<double>(st.count) : 0.0;
    }
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->versions[std::make_tuple(acc.model_version(), k)] = std::move(st);
  }

  /// Exports a canary comparison of `metric` at `k`; an invalid result removes
  /// the series (absent, never NaN).
  void publish_canary(ranking_metric metric, std::size_t k, const std::string& baseline_version,
                      const std::string& canary_version, const comparison_result& result) {
    const auto key = std::make_tuple(std::string(root(static_cast<std::size_t>(metric))),
                                     std::to_string(k), baseline_version,
                                     canary_version);
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (result.valid())
      state_->canaries[key] = {result.difference, result.p_value};
    else
      state_->canaries.erase(key);
  }

 private:
  static const char* root(std::size_t m) noexcept {
    static const char* const roots[ranking_metric_count] = {"map",      "Rprec",   "recip_rank", "P",
                                                            "recall",   "ndcg_cut", "map_cut",    "success"};
    return roots[m];
  }
  struct version_state {
    std::uint64_t count = 0, skipped = 0, rejected = 0;
    double sums[ranking_metric_count] = {};
  };
  struct shared {
    std::mutex mutex;
    std::map<std::tuple<std::string, std::string>, version_state> versions;
    std::map<std::tuple<std::string, std::string, std::string, std::string>, std::pair<double, double>> canaries;
  };
  std::shared_ptr<shared> state_;
};

}  // namespace prometheus
}  // namespace driftwatch
