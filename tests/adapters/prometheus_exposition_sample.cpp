// Prints the exposition of a registry holding every metric kind (and the
// escaping corner cases) so that ctest can pipe it through
// `promtool check metrics`. Usage: prometheus_exposition_sample [--openmetrics]
#include <driftwatch/adapters/prometheus.hpp>
#include <driftwatch/adapters/prometheus_drift.hpp>
#include <driftwatch/adapters/prometheus_ranking.hpp>

#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <vector>

int main(int argc, char** argv) {
  namespace pm = driftwatch::prometheus;
  const bool om = argc > 1 && std::strcmp(argv[1], "--openmetrics") == 0;
  pm::registry r;

  auto requests = r.add_counter("driftwatch_sample_requests_total", "Requests seen.", {{"model", "ranker"}});
  requests->add(42.0);
  auto depth = r.add_gauge("driftwatch_sample_queue_depth", "Queue depth.");
  depth->set(3.0);
  auto latency = r.add_histogram("driftwatch_sample_latency_seconds", "Latency.", {0.005, 0.05, 0.5, 5.0});
  for (double x : {0.001, 0.01, 0.2, 0.2, 7.0}) latency->observe(x);

  r.add({"driftwatch_sample_events_total", "Events by kind; HELP with \\ backslash and\nnewline and \"quotes\".",
         pm::metric_type::counter, {"kind"}, {}},
        [](pm::sample_writer& w) {
          w.counter({"plain"}, std::uint64_t{7});
          w.counter({"back\\slash \"quoted\"\nnewline"}, 1.5);
        });
  r.add({"driftwatch_sample_special_values", "Gauges with special floats.", pm::metric_type::gauge, {"case"}, {}},
        [](pm::sample_writer& w) {
          w.gauge({"nan"}, std::numeric_limits<double>::quiet_NaN());
          w.gauge({"pos_inf"}, std::numeric_limits<double>::infinity());
          w.gauge({"neg_inf"}, -std::numeric_limits<double>::infinity());
          w.gauge({"tiny"}, 5e-324);
          w.gauge({"huge"}, 1.7976931348623157e308);
          w.gauge({"third"}, 1.0 / 3.0);
        });
  const std::vector<double> edges{-1.5, 0.0, 0.25, 1e6};
  const std::vector<std::uint64_t> bins{1, 2, 0, 4, 3};
  r.add({"driftwatch_sample_feature_value", "A feature's window over frozen edges.", pm::metric_type::histogram,
         {"feature"}, {{"model", "ranker"}}},
        [&](pm::sample_writer& w) {
          w.histogram({"age"}, edges, bins);
          w.histogram({"income"}, edges, bins);
        });
  r.add({"driftwatch_sample_ranking_metric", "Per-query metric sum and count.", pm::metric_type::summary,
         {"metric", "k"}, {}},
        [](pm::sample_writer& w) {
          w.summary({"P", "10"}, 31.5, 90);
          w.summary({"ndcg_cut", "10"}, 60.25, 90);
        });
  // The drift-state series of a numeric feature (histogram over the frozen
  // edges, reference CDF and fractions, invalid counter, PSI/JS/KS gauges).
  pm::drift_exporter drift(r, "ranker");
  driftwatch::histogram reference(driftwatch::bin_edges::from_edges({-1.0, 0.0, 0.5, 2.0}));
  driftwatch::histogram current(reference.edges());
  for (double x : {-3.0, -0.5, 0.1, 0.2, 0.7, 1.5, 2.5, 9.0}) reference(x);
  for (double x : {-0.7, 0.3, 0.4, 0.45, 3.0}) current(x);
  current(std::numeric_limits<double>::quiet_NaN());
  drift.publish("age", reference, current);
  // Ranking quality per model version and a canary comparison.
  pm::ranking_exporter ranking(r, "ranker");
  driftwatch::ranking_accumulator v1("v1", 10);
  driftwatch::ranking_metrics m;
  m.values.fill(0.5);
  v1.observe(m);
  ranking.publish(v1);
  driftwatch::comparison_result canary;
  canary.difference = -0.01;
  canary.p_value = 0.2;
  canary.invalid_reason = nullptr;
  ranking.publish_canary(driftwatch::ranking_metric::ndcg, 10, "v1", "v2", canary);
  std::cout << r.render(om ? pm::exposition_format::openmetrics_1_0_0 : pm::exposition_format::text_0_0_4);
  return 0;
}
