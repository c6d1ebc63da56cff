// Tests for driftwatch/adapters/prometheus_ranking.hpp: ranking quality per
// model version as summary _sum/_count, and canary gauges.
#include <driftwatch/adapters/prometheus_ranking.hpp>

#include <string>

#include "test_support.hpp"

namespace pm = driftwatch::prometheus;

namespace {
driftwatch::ranking_metrics metrics_with(double value) {
  driftwatch::ranking_metrics m;
  m.values.fill(value);
  return m;
}
bool contains(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }
}  // namespace

TEST_CASE("ranking sums and counts per model version, so rate(sum)/rate(count) is the fleet mean") {
  pm::registry metrics;
  pm::ranking_exporter exporter(metrics, "ranker");
  driftwatch::ranking_accumulator v1("v1", 10), v2("v2", 10);
  for (double x : {0.5, 0.25, 0.75, 1.0}) v1.observe(metrics_with(x));
  v2.observe(metrics_with(0.125));
  v2.observe(driftwatch::ranking_metrics::invalid("duplicate document id"));
  exporter.publish(v1);
  exporter.publish(v2);
  const std::string text = metrics.render();
  CHECK(contains(text, "# TYPE driftwatch_ranking_metric summary\n"));
  CHECK(contains(text, "driftwatch_ranking_metric_sum{model=\"ranker\",model_version=\"v1\",metric=\"P\",k=\"10\"} 2.5\n"));
  CHECK(contains(text, "driftwatch_ranking_metric_count{model=\"ranker\",model_version=\"v1\",metric=\"P\",k=\"10\"} 4\n"));
  CHECK(contains(text, "driftwatch_ranking_metric_sum{model=\"ranker\",model_version=\"v1\",metric=\"map\",k=\"10\"} 2.5\n"));
  CHECK(contains(text, "driftwatch_ranking_metric_sum{model=\"ranker\",model_version=\"v2\",metric=\"ndcg_cut\",k=\"10\"} 0.125\n"));
  CHECK(contains(text, "driftwatch_ranking_requests_rejected_total{model=\"ranker\",model_version=\"v2\",k=\"10\"} " +
                           std::to_string(v2.rejected()) + "\n"));
  // Publishing again replaces the snapshot (no duplicate series).
  v1.observe(metrics_with(0.5));
  exporter.publish(v1);
  const std::string again = metrics.render();
  CHECK(contains(again, "driftwatch_ranking_metric_count{model=\"ranker\",model_version=\"v1\",metric=\"P\",k=\"10\"} 5\n"));
  CHECK_FALSE(contains(again, "driftwatch_ranking_metric_count{model=\"ranker\",model_version=\"v1\",metric=\"P\",k=\"10\"} 4\n"));
}

TEST_CASE("canary delta and p-value gauges; an invalid comparison removes them") {
  pm::registry metrics;
  pm::ranking_exporter exporter(metrics, "ranker");
  driftwatch::comparison_result r;
  r.difference = -0.0625;
  r.p_value = 0.03125;
  r.invalid_reason = nullptr;
  exporter.publish_canary(driftwatch::ranking_metric::precision, 10, "v1", "v2", r);
  const std::string text = metrics.render();
  CHECK(contains(text, "driftwatch_canary_delta{model=\"ranker\",metric=\"P\",k=\"10\",baseline_version=\"v1\","
                       "canary_version=\"v2\"} -0.0625\n"));
  CHECK(contains(text, "driftwatch_canary_p_value{model=\"ranker\",metric=\"P\",k=\"10\",baseline_version=\"v1\","
                       "canary_version=\"v2\"} 0.03125\n"));
  exporter.publish_canary(driftwatch::ranking_metric::precision, 10, "v1", "v2", driftwatch::comparison_result{});
  CHECK_FALSE(contains(metrics.render(), "driftwatch_canary_delta{"));
}

TEST_CASE("any ranking accumulator instantiation publishes the same series as the default one") {
  pm::registry a_metrics, b_metrics;
  pm::ranking_exporter a(a_metrics, "ranker"), b(b_metrics, "ranker");
  driftwatch::ranking_accumulator wide("v1", 10);
  driftwatch::basic_ranking_accumulator<float, std::uint32_t> narrow("v1", 10);
  for (double x : {0.5, 0.25, 0.75}) {
    wide.observe(metrics_with(x));
    narrow.observe(metrics_with(x));
  }
  a.publish(wide);
  b.publish(narrow);
  const std::string text = b_metrics.render();
  CHECK(contains(text, "driftwatch_ranking_metric_count{model=\"ranker\",model_version=\"v1\",metric=\"P\",k=\"10\"} 3\n"));
  CHECK(text == a_metrics.render());
}
