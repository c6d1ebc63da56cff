// Links driftwatch::prometheus alone: the exposition of a drift monitor.
#include <driftwatch/adapters/prometheus_monitor.hpp>
#include <driftwatch/monitors/monitor.hpp>

#include <cstdio>
#include <vector>

int main() {
  driftwatch::drift_monitor monitor;
  const std::vector<double> reference{1, 2, 3, 4, 5, 6, 7, 8};
  monitor.add_numeric("age", reference);
  monitor.observe(0, 2.5);
  driftwatch::prometheus::registry metrics;
  driftwatch::prometheus::monitor_exporter exporter(metrics, "consumer");
  exporter.publish(monitor);
  const std::string text = metrics.render();
  const bool ok = text.find("driftwatch_feature_value_bucket{model=\"consumer\",feature=\"age\"") != std::string::npos;
  std::printf("prometheus component: %s\n", ok ? "ok" : "missing series");
  return ok ? 0 : 1;
}
