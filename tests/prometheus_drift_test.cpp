// Tests for driftwatch/adapters/prometheus_drift.hpp: the exported drift state
// is exactly what the PromQL rules consume, and the library's PSI / JS / binned
// KS on the summed replica counts equal the values the PromQL rules must give
// (tests/reference/gen_promql_drift.py; `promtool test rules` checks the PromQL
// side against the same numbers).
#include <driftwatch/adapters/prometheus_drift.hpp>

#include <cstdint>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "reference_reader.hpp"
#include "test_support.hpp"

namespace pm = driftwatch::prometheus;
using driftwatch_test::close;

namespace {

// A histogram over `edges` holding `counts[i]` observations in bin i: each bin
// receives a value inside it (its upper edge: bins are right-closed).
driftwatch::histogram filled(const std::vector<double>& edges, const std::vector<double>& counts) {
  driftwatch::histogram h(driftwatch::bin_edges::from_edges(edges));
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const double x = i < edges.size() ? edges[i] : edges.back() + 1.0;
    for (std::uint64_t n = 0; n < static_cast<std::uint64_t>(counts[i]); ++n) h(x);
  }
  return h;
}

}  // namespace

TEST_CASE("library PSI, JS distance and binned KS equal the reference for the PromQL test's counts") {
  const auto cases = driftwatch_test::read_cases(driftwatch_test::data_path("promql_drift_cases.txt"));
  REQUIRE(cases.size() == 3);
  for (const auto& c : cases) {
    INFO("feature " << c.name);
    const auto edges = c.numbers("edges");
    const auto reference = filled(edges, c.numbers("reference"));
    auto current = filled(edges, c.numbers("replica_a"));
    current += filled(edges, c.numbers("replica_b"));  // the fleet: replicas merged
    const auto psi = driftwatch::psi(reference, current);
    REQUIRE(psi.valid());
    CHECK(close(psi.value, c.number("psi"), 1e-12, 1e-15));
    const auto js = driftwatch::jensen_shannon(reference, current);
    CHECK(close(js.distance.value, c.number("js_distance"), 1e-12, 1e-12));
    CHECK(close(pm::binned_ks(reference, current).value, c.number("binned_ks"), 1e-15, 1e-15));
  }
}

TEST_CASE("the exporter emits exactly the series the PromQL rules test feeds in") {
  const auto cases = driftwatch_test::read_cases(driftwatch_test::data_path("promql_drift_cases.txt"));
  pm::registry metrics;
  pm::drift_exporter exporter(metrics, "ranker");
  for (const auto& c : cases) {
    const auto edges = c.numbers("edges");
    exporter.publish(c.name, filled(edges, c.numbers("reference")), filled(edges, c.numbers("replica_a")));
  }
  const std::string text = metrics.render();
  // Every input series of replica "a" in the promtool test, with its value,
  // appears verbatim (same label order, same float text) in our exposition.
  std::ifstream in(driftwatch_test::data_path("promql_drift_test.yml"));
  REQUIRE(in);
  const std::regex series_re(R"(^\s+- series: '([a-z_]+)\{instance="a",job="ranker",(.*)\}'$)");
  const std::regex values_re(R"(^\s+values: '(.*)x10'$)");
  std::string line, pending;
  std::size_t checked = 0;
  bool in_first_test = true;
  while (std::getline(in, line)) {
    if (line.find("promql_expr_test:") != std::string::npos) in_first_test = false;
    if (!in_first_test) break;
    std::smatch m;
    if (std::regex_match(line, m, series_re)) {
      pending = m[1].str() + "{" + m[2].str() + "} ";
    } else if (!pending.empty() && std::regex_match(line, m, values_re)) {
      const std::string expected = pending + m[1].str() + "\n";
      INFO(expected);
      CHECK(text.find(expected) != std::string::npos);
      ++checked;
      pending.clear();
    }
  }
  CHECK(checked == 51);
  // Per-process values are exported too.
  CHECK(text.find("driftwatch_feature_psi{model=\"ranker\",feature=\"same\"} 0\n") != std::string::npos);
}

TEST_CASE("an empty current window exports no PSI/JS/KS sample, and invalid values are counted") {
  pm::registry metrics;
  pm::drift_exporter exporter(metrics, "m");
  const std::vector<double> edges{0.0};
  auto current = driftwatch::histogram(driftwatch::bin_edges::from_edges(edges));
  current(std::nan(""));
  exporter.publish("x", filled(edges, {3, 1}), current);
  const std::string text = metrics.render();
  CHECK(text.find("driftwatch_feature_psi{") == std::string::npos);
  CHECK(text.find("driftwatch_feature_js_distance{") == std::string::npos);
  CHECK(text.find("driftwatch_feature_binned_ks{") == std::string::npos);
  CHECK(text.find("driftwatch_feature_invalid_total{model=\"m\",feature=\"x\"} 1\n") != std::string::npos);
  CHECK(text.find("driftwatch_feature_value_bucket{model=\"m\",feature=\"x\",le=\"+Inf\"} 0\n") != std::string::npos);
  CHECK(text.find("driftwatch_feature_reference_bucket{model=\"m\",feature=\"x\",le=\"0\"} 3\n") != std::string::npos);
  CHECK(text.find("driftwatch_feature_bin_info{model=\"m\",feature=\"x\",lower=\"0\",upper=\"+Inf\"} 1\n") != std::string::npos);
  CHECK(exporter.forget("x"));
  CHECK_FALSE(exporter.forget("x"));
  CHECK(metrics.render().find("feature=\"x\"") == std::string::npos);
}

TEST_CASE("publish rejects mismatched edges and an empty reference; families register once") {
  pm::registry metrics;
  pm::drift_exporter exporter(metrics, "m");
  CHECK_THROWS_AS(pm::drift_exporter(metrics, "other"), driftwatch::error);
  const auto a = filled({0.0}, {1, 1});
  const auto b = filled({1.0}, {1, 1});
  CHECK_THROWS_AS(exporter.publish("f", a, b), driftwatch::error);
  CHECK_THROWS_AS(exporter.publish("f", filled({0.0}, {0, 0}), a), driftwatch::error);
}
