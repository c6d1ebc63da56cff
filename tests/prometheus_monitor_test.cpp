// Tests for driftwatch/adapters/prometheus_monitor.hpp: every feature of a
// drift_monitor (numeric and categorical) is exported with the monitor's own
// numbers, the category label set is capped, pull mode over a
// concurrent<drift_monitor> snapshots at scrape time, and the output passes
// `promtool check metrics` when promtool is installed.
#include <driftwatch/adapters/prometheus_monitor.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace pm = driftwatch::prometheus;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

// The value of the sample whose name and labels are exactly `series`, or NaN.
double sample(const std::string& text, const std::string& series) {
  const std::string key = "\n" + series + " ";
  const auto at = text.find(key);
  if (at == std::string::npos) return std::nan("");
  return std::stod(text.substr(at + key.size(), text.find('\n', at + key.size()) - at - key.size()));
}

driftwatch::drift_monitor make_monitor() {
  driftwatch::monitor_config config;
  config.bins = 4;
  config.max_current_samples = 1000;
  driftwatch::drift_monitor m(config);
  std::vector<double> ref;
  for (int i = 0; i < 100; ++i) ref.push_back(i);
  m.add_numeric("age", ref);
  std::vector<std::string> colours{"red", "red", "green", "blue", "red", "green"};
  m.add_categorical("colour", colours);
  return m;
}

// Runs promtool on `text` when it is installed; returns its exit status or -1.
int promtool_check(const std::string& text) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) return -1;
  char name[] = "/tmp/driftwatch_monitor_expoXXXXXX";
  const int fd = mkstemp(name);
  REQUIRE(fd >= 0);
  {
    std::ofstream out(name);
    out << text;
  }
  const int status = std::system((std::string("promtool check metrics < ") + name + " >/dev/null 2>&1").c_str());
  std::remove(name);
  return status;
}

}  // namespace

TEST_CASE("monitor_exporter exports numeric and categorical features with the monitor's values") {
  auto m = make_monitor();
  const auto age = m.find("age");
  const auto colour = m.find("colour");
  for (int i = 0; i < 50; ++i) m.observe(age, 60.0 + i);
  m.observe(age, std::nan(""));
  m.observe_missing(age, 3);
  for (const char* c : {"red", "blue", "blue", "purple", "blue"}) m.observe(colour, std::string_view(c));
  m.observe_missing(colour);

  pm::registry r;
  pm::monitor_exporter exporter(r, "ranker");
  exporter.publish(m);
  const std::string text = r.render();
  const auto reports = m.report();
  const auto& rn = reports[age];
  const auto& rc = reports[colour];

  CHECK(has_line(text, "driftwatch_feature_info{model=\"ranker\",feature=\"age\",kind=\"numeric\"} 1"));
  CHECK(has_line(text, "driftwatch_feature_info{model=\"ranker\",feature=\"colour\",kind=\"categorical\"} 1"));
  // Numeric state through drift_exporter.
  CHECK(has_line(text, "driftwatch_feature_value_bucket{model=\"ranker\",feature=\"age\",le=\"+Inf\"} 50"));
  CHECK(has_line(text, "driftwatch_feature_reference_bucket{model=\"ranker\",feature=\"age\",le=\"+Inf\"} 100"));
  CHECK(has_line(text, "driftwatch_feature_invalid_total{model=\"ranker\",feature=\"age\"} 1"));
  CHECK(sample(text, "driftwatch_feature_psi{model=\"ranker\",feature=\"age\"}") == rn.psi.value);
  CHECK(sample(text, "driftwatch_feature_ks_statistic{model=\"ranker\",feature=\"age\"}") == rn.ks.statistic);
  CHECK(sample(text, "driftwatch_feature_ks_p_value{model=\"ranker\",feature=\"age\"}") == rn.ks.pvalue);
  // Missing and verdicts, both kinds.
  CHECK(has_line(text, "driftwatch_feature_missing_total{model=\"ranker\",feature=\"age\"} 3"));
  CHECK(has_line(text, "driftwatch_feature_missing_total{model=\"ranker\",feature=\"colour\"} 1"));
  CHECK(sample(text, "driftwatch_feature_drift{model=\"ranker\",feature=\"age\"}") == (rn.drift ? 1.0 : 0.0));
  CHECK(sample(text, "driftwatch_feature_drift{model=\"ranker\",feature=\"colour\"}") == (rc.drift ? 1.0 : 0.0));
  // Categorical: counts per category over the union (reference order, then new).
  CHECK(has_line(text, "driftwatch_category_current_total{model=\"ranker\",feature=\"colour\",category=\"red\"} 1"));
  CHECK(has_line(text, "driftwatch_category_current_total{model=\"ranker\",feature=\"colour\",category=\"green\"} 0"));
  CHECK(has_line(text, "driftwatch_category_current_total{model=\"ranker\",feature=\"colour\",category=\"blue\"} 3"));
  CHECK(has_line(text, "driftwatch_category_current_total{model=\"ranker\",feature=\"colour\",category=\"purple\"} 1"));
  CHECK(has_line(text, "driftwatch_category_reference{model=\"ranker\",feature=\"colour\",category=\"red\"} 3"));
  CHECK(has_line(text, "driftwatch_category_reference{model=\"ranker\",feature=\"colour\",category=\"purple\"} 0"));
  CHECK(text.find("red\"} 1\ndriftwatch_category_current_total{model=\"ranker\",feature=\"colour\",category=\"green\"}") !=
        std::string::npos);
  CHECK(has_line(text, "driftwatch_category_overflow_total{model=\"ranker\",feature=\"colour\"} 0"));
  CHECK(has_line(text, "driftwatch_category_folded{model=\"ranker\",feature=\"colour\"} 0"));
  CHECK(sample(text, "driftwatch_category_psi{model=\"ranker\",feature=\"colour\"}") == rc.psi.value);
  CHECK(sample(text, "driftwatch_category_js_distance{model=\"ranker\",feature=\"colour\"}") == rc.js.distance.value);
  CHECK(sample(text, "driftwatch_category_chi2_statistic{model=\"ranker\",feature=\"colour\"}") == rc.chi2.statistic);
  CHECK(sample(text, "driftwatch_category_chi2_p_value{model=\"ranker\",feature=\"colour\"}") == rc.chi2.pvalue);
  // Numeric-only and categorical-only gauges stay on their kind.
  CHECK(text.find("driftwatch_feature_psi{model=\"ranker\",feature=\"colour\"}") == std::string::npos);
  CHECK(text.find("driftwatch_category_psi{model=\"ranker\",feature=\"age\"}") == std::string::npos);
  CHECK(text.find("driftwatch_feature_ks_statistic{model=\"ranker\",feature=\"colour\"}") == std::string::npos);

  const int status = promtool_check(text);
  if (status >= 0) CHECK(status == 0);
  const int om_ok = promtool_check(r.render(pm::exposition_format::openmetrics_1_0_0));
  (void)om_ok;  // promtool check metrics reads the 0.0.4 format; OpenMetrics is checked by the parser tests
}

TEST_CASE("monitor_exporter: an empty current window exports counts but no verdict or test values") {
  auto m = make_monitor();
  pm::registry r;
  pm::monitor_exporter exporter(r, "ranker");
  exporter.publish(m);
  const std::string text = r.render();
  CHECK(has_line(text, "driftwatch_feature_value_bucket{model=\"ranker\",feature=\"age\",le=\"+Inf\"} 0"));
  CHECK(has_line(text, "driftwatch_category_current_total{model=\"ranker\",feature=\"colour\",category=\"red\"} 0"));
  CHECK(text.find("driftwatch_feature_drift{") == std::string::npos);
  CHECK(text.find("driftwatch_feature_ks_statistic{") == std::string::npos);
  CHECK(text.find("driftwatch_category_chi2_p_value{") == std::string::npos);
  CHECK(text.find(" NaN\n") == std::string::npos);
  const int status = promtool_check(text);
  if (status >= 0) CHECK(status == 0);
}

TEST_CASE("monitor_exporter caps the category label set and folds the rest into one series") {
  driftwatch::drift_monitor m;
  std::vector<std::string> ref{"a", "a", "b", "c", "__other__", "d"};
  const auto f = m.add_categorical("f", ref);
  for (const char* c : {"a", "b", "c", "d", "e", "e", "__other__"}) m.observe(f, std::string_view(c));
  pm::registry r;
  pm::monitor_exporter_options options;
  options.max_categories = 2;
  pm::monitor_exporter exporter(r, "m", options);
  exporter.publish(m);
  const std::string text = r.render();
  // a, b exported; c, __other__ (a real category of that name), d, e folded.
  CHECK(has_line(text, "driftwatch_category_current_total{model=\"m\",feature=\"f\",category=\"a\"} 1"));
  CHECK(has_line(text, "driftwatch_category_current_total{model=\"m\",feature=\"f\",category=\"b\"} 1"));
  CHECK(has_line(text, "driftwatch_category_current_total{model=\"m\",feature=\"f\",category=\"__other__\"} 5"));
  CHECK(has_line(text, "driftwatch_category_reference{model=\"m\",feature=\"f\",category=\"__other__\"} 3"));
  CHECK(has_line(text, "driftwatch_category_folded{model=\"m\",feature=\"f\"} 4"));
  CHECK(text.find("category=\"c\"") == std::string::npos);
  CHECK(text.find("category=\"e\"") == std::string::npos);
  // The per-process gauges still use every category.
  CHECK(sample(text, "driftwatch_category_psi{model=\"m\",feature=\"f\"}") == m.report()[0].psi.value);
  std::size_t series = 0;
  for (std::size_t at = 0; (at = text.find("\ndriftwatch_category_current_total{", at)) != std::string::npos; ++at)
    ++series;
  CHECK(series == 3);
  const int status = promtool_check(text);
  if (status >= 0) CHECK(status == 0);

  options.max_categories = 0;
  pm::registry r2;
  CHECK_THROWS_AS(pm::monitor_exporter(r2, "m", options), driftwatch::error);
}

TEST_CASE("monitor_exporter: publishing another monitor replaces the features") {
  auto m = make_monitor();
  pm::registry r;
  pm::monitor_exporter exporter(r, "ranker");
  exporter.publish(m);
  driftwatch::drift_monitor other;
  std::vector<double> ref{1, 2, 3};
  other.add_numeric("height", ref);
  exporter.publish(other);
  const std::string text = r.render();
  CHECK(text.find("feature=\"age\"") == std::string::npos);
  CHECK(text.find("feature=\"colour\"") == std::string::npos);
  CHECK(text.find("feature=\"height\"") != std::string::npos);
}

TEST_CASE("monitor_exporter pulls a concurrent<drift_monitor> snapshot at each scrape") {
  driftwatch::concurrent<driftwatch::drift_monitor> live(make_monitor());
  pm::registry r;
  auto exporter = std::make_unique<pm::monitor_exporter>(r, "ranker");
  exporter->collect_from(live);
  CHECK(has_line(r.render(), "driftwatch_feature_value_bucket{model=\"ranker\",feature=\"age\",le=\"+Inf\"} 0"));

  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&live] {
      for (int i = 0; i < 1000; ++i) {
        live.apply([i](driftwatch::drift_monitor& m) {
          m.observe(0, static_cast<double>(i % 100));
          m.observe(1, std::string_view(i % 2 ? "red" : "new"));
        });
      }
    });
  // Scrapes while the writers run never block them and always see a prefix.
  for (int s = 0; s < 5; ++s) {
    const std::string text = r.render();
    const double n = sample(text, "driftwatch_feature_value_bucket{model=\"ranker\",feature=\"age\",le=\"+Inf\"}");
    CHECK(n >= 0);
    CHECK(n <= 3000);
  }
  for (auto& t : threads) t.join();
  const std::string text = r.render();
  CHECK(has_line(text, "driftwatch_feature_value_bucket{model=\"ranker\",feature=\"age\",le=\"+Inf\"} 3000"));
  CHECK(has_line(text, "driftwatch_category_current_total{model=\"ranker\",feature=\"colour\",category=\"red\"} 1500"));
  CHECK(has_line(text, "driftwatch_category_current_total{model=\"ranker\",feature=\"colour\",category=\"new\"} 1500"));
  const int status = promtool_check(text);
  if (status >= 0) CHECK(status == 0);

  // The registry outlives the exporter: the last state stays, the source is
  // no longer read.
  exporter.reset();
  live.apply([](driftwatch::drift_monitor& m) { m.observe(0, 1.0); });
  CHECK(has_line(r.render(), "driftwatch_feature_value_bucket{model=\"ranker\",feature=\"age\",le=\"+Inf\"} 3000"));
}

TEST_CASE("monitor_exporter: a pulled concurrent<drift_monitor> scrape exports what a published snapshot does") {
  // collect_from(concurrent) reads the merged total in place; publishing a
  // copy of the same state into another registry must render the same text.
  driftwatch::concurrent<driftwatch::drift_monitor> live(make_monitor());
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&live, t] {
      for (int i = 0; i < 2000; ++i) {
        live.observe(0, static_cast<double>((i * 13 + t) % 97) / 3.0);
        live.observe(1, std::string_view(i % 3 ? "red" : "blue"));
      }
    });
  for (auto& t : threads) t.join();
  pm::registry pulled, pushed;
  pm::monitor_exporter puller(pulled, "ranker");
  puller.collect_from(live);
  pm::monitor_exporter pusher(pushed, "ranker");
  pusher.publish(live.snapshot());
  const std::string text = pulled.render();
  CHECK(text == pushed.render());
  CHECK(has_line(text, "driftwatch_feature_value_bucket{model=\"ranker\",feature=\"age\",le=\"+Inf\"} 4000"));
  // The scrape left the wrapper's state as it was: a later snapshot still has everything.
  CHECK(live.snapshot().current_histogram(0).count() == 4000);
}

TEST_CASE("monitor_exporter: a throwing source fails the scrape without a partial output") {
  pm::registry r;
  pm::monitor_exporter exporter(r, "ranker");
  exporter.collect_from([]() -> driftwatch::drift_monitor { throw std::runtime_error("snapshot failed"); });
  std::string out = "kept";
  CHECK_THROWS(r.render_to(out));
  CHECK(out == "kept");
  exporter.stop_collecting();
  CHECK_NOTHROW(r.render());
}
