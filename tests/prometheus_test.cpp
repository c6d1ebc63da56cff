// Tests for driftwatch/adapters/prometheus.hpp: format rules of the text
// exposition 0.0.4 and OpenMetrics 1.0. promtool's own verdict on a registry
// holding every metric kind is the ctest prometheus_promtool_check_metrics.
#include <driftwatch/adapters/prometheus.hpp>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace pm = driftwatch::prometheus;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string fmt(double v) {
  std::string s;
  pm::detail::append_double(s, v);
  return s;
}

}  // namespace

TEST_CASE("content types are the ones Prometheus negotiates") {
  CHECK(std::string(pm::text_content_type) == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(std::string(pm::openmetrics_content_type) == "application/openmetrics-text; version=1.0.0; charset=utf-8");
  CHECK(std::string(pm::content_type(pm::exposition_format::text_0_0_4)) == pm::text_content_type);
  CHECK(std::string(pm::content_type(pm::exposition_format::openmetrics_1_0_0)) == pm::openmetrics_content_type);
}

TEST_CASE("floats are shortest round-trip, locale-independent, with NaN and infinities") {
  CHECK(fmt(0.0) == "0");
  CHECK(fmt(1.0) == "1");
  CHECK(fmt(0.1) == "0.1");
  CHECK(fmt(-2.5) == "-2.5");
  CHECK(fmt(1e-300) == "1e-300");
  CHECK(fmt(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(fmt(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(fmt(-std::numeric_limits<double>::infinity()) == "-Inf");
  // Round trip for awkward values.
  for (double v : {0.1 + 0.2, 1.0 / 3.0, 123456789.123456789, 5e-324, 1.7976931348623157e308, -0.0}) {
    CHECK(std::strtod(fmt(v).c_str(), nullptr) == v);
  }
  std::string u;
  pm::detail::append_uint(u, std::numeric_limits<std::uint64_t>::max());
  CHECK(u == "18446744073709551615");
}

TEST_CASE("metric and label names are validated at registration") {
  pm::registry r;
  auto noop = [](pm::sample_writer&) {};
  CHECK(pm::is_valid_metric_name("driftwatch:psi_ratio"));
  CHECK_FALSE(pm::is_valid_metric_name("9lives"));
  CHECK_FALSE(pm::is_valid_metric_name("drift-watch"));
  CHECK_FALSE(pm::is_valid_metric_name(""));
  CHECK(pm::is_valid_label_name("feature_2"));
  CHECK_FALSE(pm::is_valid_label_name("__name__"));
  CHECK_FALSE(pm::is_valid_label_name("a:b"));

  CHECK_THROWS_AS(r.add({"bad-name", "h", pm::metric_type::gauge, {}, {}}, noop), driftwatch::error);
  CHECK_THROWS_AS(r.add({"ok", "h", pm::metric_type::gauge, {"bad label"}, {}}, noop), driftwatch::error);
  CHECK_THROWS_AS(r.add({"ok", "h", pm::metric_type::gauge, {"__reserved"}, {}}, noop), driftwatch::error);
  CHECK_THROWS_AS(r.add({"ok", "h", pm::metric_type::gauge, {"a", "a"}, {}}, noop), driftwatch::error);
  CHECK_THROWS_AS(r.add({"ok", "h", pm::metric_type::gauge, {"a"}, {{"a", "x"}}}, noop), driftwatch::error);
  CHECK_THROWS_AS(r.add({"h", "h", pm::metric_type::histogram, {"le"}, {}}, noop), driftwatch::error);
  CHECK_THROWS_AS(r.add({"s", "h", pm::metric_type::summary, {"quantile"}, {}}, noop), driftwatch::error);
  CHECK_THROWS_AS(r.add({"ok", "h", pm::metric_type::gauge, {}, {}}, nullptr), driftwatch::error);
  CHECK(r.size() == 0);

  // The error names the family and the offending name.
  try {
    r.add({"fine", "h", pm::metric_type::gauge, {"bad label"}, {}}, noop);
    FAIL("expected an error");
  } catch (const driftwatch::error& e) {
    CHECK(contains(e.what(), "fine"));
    CHECK(contains(e.what(), "bad label"));
  }
}

TEST_CASE("series-name collisions between families are rejected") {
  pm::registry r;
  auto noop = [](pm::sample_writer&) {};
  r.add({"latency", "h", pm::metric_type::histogram, {}, {}}, noop);
  CHECK_THROWS_AS(r.add({"latency_count", "h", pm::metric_type::gauge, {}, {}}, noop), driftwatch::error);
  CHECK_THROWS_AS(r.add({"latency", "h", pm::metric_type::gauge, {}, {}}, noop), driftwatch::error);
  r.add({"events_total", "h", pm::metric_type::counter, {}, {}}, noop);
  CHECK_THROWS_AS(r.add({"events", "h", pm::metric_type::counter, {}, {}}, noop), driftwatch::error);
  CHECK_THROWS_AS(r.add({"events_total", "h", pm::metric_type::gauge, {}, {}}, noop), driftwatch::error);
  CHECK(r.size() == 2);
  CHECK(r.remove("events_total"));
  CHECK_FALSE(r.remove("events_total"));
  r.add({"events", "h", pm::metric_type::counter, {}, {}}, noop);  // the name is free again
  CHECK(r.remove("latency"));
  CHECK(r.size() == 1);
}

TEST_CASE("label values escape backslash, double quote and newline") {
  pm::registry r;
  r.add({"driftwatch_test_value", "A value.", pm::metric_type::gauge, {"feature"}, {{"model", "m\\\"1\"\n"}}},
        [](pm::sample_writer& w) { w.gauge({"a\\b\"c\nd"}, 1.5); });
  const std::string text = r.render();
  CHECK(text ==
        "# HELP driftwatch_test_value A value.\n"
        "# TYPE driftwatch_test_value gauge\n"
        "driftwatch_test_value{model=\"m\\\\\\\"1\\\"\\n\",feature=\"a\\\\b\\\"c\\nd\"} 1.5\n");
}

TEST_CASE("HELP escapes backslash and newline; a double quote only in OpenMetrics") {
  pm::registry r;
  r.add({"g", "say \"hi\"\\ now\nplease", pm::metric_type::gauge, {}, {}},
        [](pm::sample_writer& w) { w.gauge({}, 0.0); });
  const std::string text = r.render(pm::exposition_format::text_0_0_4);
  CHECK(contains(text, "# HELP g say \"hi\"\\\\ now\\nplease\n"));
  const std::string om = r.render(pm::exposition_format::openmetrics_1_0_0);
  CHECK(contains(om, "# HELP g say \\\"hi\\\"\\\\ now\\nplease\n"));
}

TEST_CASE("ill-formed UTF-8 in a label value becomes U+FFFD instead of breaking the scrape") {
  pm::registry r;
  r.add({"g", "h", pm::metric_type::gauge, {"v"}, {}},
        [](pm::sample_writer& w) { w.gauge({std::string_view("ok\xC3\xA9\xFF\xED\xA0\x80", 8)}, 1.0); });
  CHECK(contains(r.render(), "g{v=\"ok\xC3\xA9\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"} 1\n"));
}

TEST_CASE("counters: 0.0.4 names the family foo_total; OpenMetrics names it foo and ends with EOF") {
  pm::registry r;
  r.add({"driftwatch_events_total", "Events.", pm::metric_type::counter, {"kind"}, {}}, [](pm::sample_writer& w) {
    w.counter({"a"}, std::uint64_t{3});
    w.counter({"b"}, 2.5);
  });
  CHECK(r.render() ==
        "# HELP driftwatch_events_total Events.\n"
        "# TYPE driftwatch_events_total counter\n"
        "driftwatch_events_total{kind=\"a\"} 3\n"
        "driftwatch_events_total{kind=\"b\"} 2.5\n");
  CHECK(r.render(pm::exposition_format::openmetrics_1_0_0) ==
        "# HELP driftwatch_events Events.\n"
        "# TYPE driftwatch_events counter\n"
        "driftwatch_events_total{kind=\"a\"} 3\n"
        "driftwatch_events_total{kind=\"b\"} 2.5\n"
        "# EOF\n");
}

TEST_CASE("histograms are cumulative in ascending le with +Inf equal to _count") {
  pm::registry r;
  const std::vector<double> bounds{-1.0, 0.25, 2.0};
  const std::vector<std::uint64_t> bins{4, 0, 7, 2};
  r.add({"driftwatch_feature_value", "Window.", pm::metric_type::histogram, {"feature"}, {{"model", "m"}}},
        [&](pm::sample_writer& w) {
          w.histogram({"x"}, bounds, bins);
          const double sum = 12.5;
          w.histogram({"y"}, bounds, bins, &sum);
        });
  const std::string text = r.render();
  CHECK(text ==
        "# HELP driftwatch_feature_value Window.\n"
        "# TYPE driftwatch_feature_value histogram\n"
        "driftwatch_feature_value_bucket{model=\"m\",feature=\"x\",le=\"-1\"} 4\n"
        "driftwatch_feature_value_bucket{model=\"m\",feature=\"x\",le=\"0.25\"} 4\n"
        "driftwatch_feature_value_bucket{model=\"m\",feature=\"x\",le=\"2\"} 11\n"
        "driftwatch_feature_value_bucket{model=\"m\",feature=\"x\",le=\"+Inf\"} 13\n"
        "driftwatch_feature_value_count{model=\"m\",feature=\"x\"} 13\n"
        "driftwatch_feature_value_bucket{model=\"m\",feature=\"y\",le=\"-1\"} 4\n"
        "driftwatch_feature_value_bucket{model=\"m\",feature=\"y\",le=\"0.25\"} 4\n"
        "driftwatch_feature_value_bucket{model=\"m\",feature=\"y\",le=\"2\"} 11\n"
        "driftwatch_feature_value_bucket{model=\"m\",feature=\"y\",le=\"+Inf\"} 13\n"
        "driftwatch_feature_value_sum{model=\"m\",feature=\"y\"} 12.5\n"
        "driftwatch_feature_value_count{model=\"m\",feature=\"y\"} 13\n");
}

TEST_CASE("a collector that misuses its writer makes render throw and leaves the output untouched") {
  const std::vector<double> bounds{1.0, 0.5};
  const std::vector<std::uint64_t> bins{1, 2, 3};
  const std::vector<std::uint64_t> short_bins{1, 2};
  const std::vector<double> one{1.0};
  const std::vector<double> two{1.0, 2.0};
  auto check_throws = [](pm::family_spec spec, pm::collector c) {
    pm::registry r;
    r.add({"first", "h", pm::metric_type::gauge, {}, {}}, [](pm::sample_writer& w) { w.gauge({}, 1.0); });
    r.add(std::move(spec), std::move(c));
    std::string out = "previous\n";
    CHECK_THROWS_AS(r.render_to(out), driftwatch::error);
    CHECK(out == "previous\n");
  };
  check_throws({"h", "h", pm::metric_type::histogram, {}, {}},
               [&](pm::sample_writer& w) { w.histogram({}, bounds, bins); });  // decreasing bounds
  check_throws({"h", "h", pm::metric_type::histogram, {}, {}},
               [&](pm::sample_writer& w) { w.histogram({}, one, bins); });
  check_throws({"h", "h", pm::metric_type::histogram, {}, {}},
               [&](pm::sample_writer& w) { w.histogram({}, two, short_bins); });
  check_throws({"g", "h", pm::metric_type::gauge, {"a"}, {}}, [](pm::sample_writer& w) { w.gauge({}, 1.0); });
  check_throws({"g", "h", pm::metric_type::gauge, {}, {}}, [](pm::sample_writer& w) { w.counter({}, 1.0); });
  check_throws({"c", "h", pm::metric_type::counter, {}, {}}, [](pm::sample_writer& w) { w.counter({}, -1.0); });
}

TEST_CASE("summaries without quantiles carry _sum and _count") {
  pm::registry r;
  r.add({"driftwatch_ranking_metric", "Per-query metric.", pm::metric_type::summary, {"metric", "k"}, {}},
        [](pm::sample_writer& w) { w.summary({"P", "10"}, 41.25, 100); });
  CHECK(r.render() ==
        "# HELP driftwatch_ranking_metric Per-query metric.\n"
        "# TYPE driftwatch_ranking_metric summary\n"
        "driftwatch_ranking_metric_sum{metric=\"P\",k=\"10\"} 41.25\n"
        "driftwatch_ranking_metric_count{metric=\"P\",k=\"10\"} 100\n");
}

TEST_CASE("built-in counter, gauge and histogram update lock-free and render at scrape") {
  pm::registry r;
  auto c = r.add_counter("driftwatch_things_total", "Things.");
  auto g = r.add_gauge("driftwatch_depth", "Depth.", {{"queue", "retrain"}});
  auto h = r.add_histogram("driftwatch_latency_seconds", "Latency.", {0.1, 1.0});
  CHECK_THROWS_AS(r.add_histogram("driftwatch_bad", "h", {1.0, 1.0}), driftwatch::error);
  c->inc();
  c->add(2.0);
  c->add(-5.0);  // ignored: counters only go up
  g->set(7.0);
  g->add(-2.0);
  h->observe(0.05);
  h->observe(0.1);  // right-closed: lands in le="0.1"
  h->observe(3.0);
  h->observe(std::nan(""));
  CHECK(h->invalid_count() == 1);
  CHECK(r.render() ==
        "# HELP driftwatch_things_total Things.\n"
        "# TYPE driftwatch_things_total counter\n"
        "driftwatch_things_total 3\n"
        "# HELP driftwatch_depth Depth.\n"
        "# TYPE driftwatch_depth gauge\n"
        "driftwatch_depth{queue=\"retrain\"} 5\n"
        "# HELP driftwatch_latency_seconds Latency.\n"
        "# TYPE driftwatch_latency_seconds histogram\n"
        "driftwatch_latency_seconds_bucket{le=\"0.1\"} 2\n"
        "driftwatch_latency_seconds_bucket{le=\"1\"} 2\n"
        "driftwatch_latency_seconds_bucket{le=\"+Inf\"} 3\n"
        "driftwatch_latency_seconds_sum 3.15\n"
        "driftwatch_latency_seconds_count 3\n");
}

TEST_CASE("observers keep running while scrapes render") {
  pm::registry r;
  auto c = r.add_counter("driftwatch_concurrent_total", "Concurrent.");
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  constexpr int per_thread = 20000;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) c->inc();
    });
  std::thread scraper([&] {
    while (!stop.load()) (void)r.render();
  });
  for (auto& t : threads) t.join();
  stop = true;
  scraper.join();
  CHECK(c->value() == 2.0 * per_thread);
  CHECK(contains(r.render(), "driftwatch_concurrent_total 40000\n"));
}
