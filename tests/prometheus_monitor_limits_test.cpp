// monitor_exporter's limit and approximation series (issue 11 point 3):
// missing/invalid/overflow counts of the reference side, truncation by an
// explicit window cap, Wasserstein-1 with its error bound (0 when exact), and
// exclusion, each equal to the monitor's report; the output passes promtool.
// Cost: < 0.1 s.
#include <driftwatch/adapters/prometheus_monitor.hpp>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace pm = driftwatch::prometheus;

namespace {
double sample(const std::string& text, const std::string& series) {
  const std::string key = "\n" + series + " ";
  const auto at = text.find(key);
  if (at == std::string::npos) return std::nan("");
  return std::stod(text.substr(at + key.size(), text.find('\n', at + key.size()) - at - key.size()));
}
}  // namespace

TEST_CASE("monitor_exporter exports every limit and approximation per feature and side") {
  driftwatch::monitor_config config;
  config.bins = 4;
  config.exact_wasserstein_samples = 10;  // the window below is larger: W1 comes with a bound
  config.max_current_samples = 40;        // an explicit cap: the rest is counted as truncated
  driftwatch::feature_config id;
  id.exclude = true;
  config.features["id"] = id;
  driftwatch::drift_monitor m(config);
  std::vector<double> ref;
  for (int i = 0; i < 100; ++i) ref.push_back(i);
  ref.push_back(std::nan(""));
  ref.push_back(INFINITY);
  const auto age = m.add_numeric("age", ref, 7);
  const auto idf = m.add_numeric("id", ref);
  const auto colour = m.add_categorical("colour", std::vector<std::string>{"red", "green"}, 2);
  for (int i = 0; i < 50; ++i) {
    m.observe(age, 30.5 + i);
    m.observe(idf, 1000.0 + i);
  }
  m.observe(colour, std::string_view("red"));
  const auto r = m.report();
  REQUIRE(r[age].n_truncated_current == 10);
  REQUIRE_FALSE(r[age].wasserstein_exact);

  pm::registry reg;
  pm::monitor_exporter exporter(reg, "ranker");
  exporter.publish(m);
  const std::string text = reg.render();
  CHECK(sample(text, "driftwatch_feature_reference_missing{model=\"ranker\",feature=\"age\"}") == 7);
  CHECK(sample(text, "driftwatch_feature_reference_missing{model=\"ranker\",feature=\"colour\"}") == 2);
  CHECK(sample(text, "driftwatch_feature_reference_invalid{model=\"ranker\",feature=\"age\"}") == 2);
  CHECK(sample(text, "driftwatch_category_reference_overflow{model=\"ranker\",feature=\"colour\"}") == 0);
  CHECK(sample(text, "driftwatch_feature_truncated_total{model=\"ranker\",feature=\"age\"}") == 10);
  CHECK(sample(text, "driftwatch_feature_wasserstein{model=\"ranker\",feature=\"age\"}") ==
        Approx(r[age].wasserstein.value).epsilon(1e-12));
  const double bound = sample(text, "driftwatch_feature_error_bound{model=\"ranker\",feature=\"age\",metric=\"wasserstein\"}");
  CHECK(bound == Approx(r[age].wasserstein_error_bound).epsilon(1e-12));
  CHECK(bound > 0);
  CHECK(sample(text, "driftwatch_feature_error_bound{model=\"ranker\",feature=\"age\",metric=\"ks_statistic\"}") == 0);
  CHECK(sample(text, "driftwatch_feature_excluded{model=\"ranker\",feature=\"id\"}") == 1);
  CHECK(sample(text, "driftwatch_feature_excluded{model=\"ranker\",feature=\"age\"}") == 0);
  CHECK(sample(text, "driftwatch_feature_drift{model=\"ranker\",feature=\"id\"}") == 0);  // excluded: never drifts
  // The existing series are unchanged (names and values).
  CHECK(sample(text, "driftwatch_feature_missing_total{model=\"ranker\",feature=\"age\"}") == 0);
  if (std::system("command -v promtool >/dev/null 2>&1") == 0) {
    char name[] = "/tmp/driftwatch_limits_expoXXXXXX";
    const int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    FILE* out = fdopen(fd, "w");
    std::fputs(text.c_str(), out);
    std::fclose(out);
    CHECK(std::system((std::string("promtool check metrics < ") + name + " >/dev/null 2>&1").c_str()) == 0);
    std::remove(name);
  }
}
