// The service side of the end-to-end test tests/integration/alert_loop_test.py:
// one process holding the real components of driftwatch's loop, on loopback,
// each on an ephemeral port:
//   - a drift monitor behind concurrent<> whose registry is served on GET
//     /metrics (monitor_exporter in pull mode + metrics_http_server);
//   - the Alertmanager bridge (alertmanager_bridge) feeding a retrain_webhook
//     in GitLab trigger mode;
//   - a fake GitLab pipeline trigger endpoint (httplib, answers 201) that
//     prints each trigger's form body on stdout as "TRIGGER <body>".
// It prints "READY metrics=<port> bridge=<port> gitlab=<port>" once listening,
// then reads commands on stdin: "drift" replaces the current window with a
// shifted sample (PSI far above 0.25), "quit" (or EOF) exits.
#include <driftwatch/adapters/alertmanager_bridge.hpp>
#include <driftwatch/adapters/http_server.hpp>
#include <driftwatch/adapters/prometheus_monitor.hpp>
#include <driftwatch/adapters/retrain_webhook.hpp>
#include <driftwatch/monitors/concurrent.hpp>
#include <driftwatch/monitors/monitor.hpp>

#include <cstdio>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

int main() {
  namespace pm = driftwatch::prometheus;
  std::mt19937_64 rng(20240501);
  std::normal_distribution<double> normal(0.0, 1.0);

  driftwatch::monitor_config config;
  config.max_current_samples = 4096;
  driftwatch::drift_monitor prototype(config);
  std::vector<double> reference(4000);
  for (double& x : reference) x = normal(rng);
  prototype.add_numeric("age", reference);
  std::vector<std::string> devices{"ios", "android", "web", "ios", "android", "ios"};
  prototype.add_categorical("device", devices);
  driftwatch::concurrent<driftwatch::drift_monitor> live(prototype);

  auto observe = [&](double shift, int n) {
    for (int i = 0; i < n; ++i)
      live.apply([&](driftwatch::drift_monitor& m) {
        m.observe(0, normal(rng) + shift);
        m.observe(1, std::string_view(devices[static_cast<std::size_t>(i) % devices.size()]));
      });
  };
  observe(0.0, 2000);  // healthy: the current window looks like the reference

  pm::registry metrics;
  pm::monitor_exporter exporter(metrics, "ranker");
  exporter.collect_from(live);

  std::mutex out_mutex;
  httplib::Server gitlab;
  gitlab.Post("/api/v4/projects/7/trigger/pipeline", [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lock(out_mutex);
      std::printf("TRIGGER %s\n", req.body.c_str());
      std::fflush(stdout);
    }
    res.status = 201;
    res.set_content("{\"id\":1,\"status\":\"created\"}", "application/json");
  });
  const int gitlab_port = gitlab.bind_to_any_port("127.0.0.1");
  if (gitlab_port <= 0) return 1;
  std::thread gitlab_thread([&] { gitlab.listen_after_bind(); });
  while (!gitlab.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  driftwatch::retrain_webhook_options wo;
  wo.url = "http://127.0.0.1:" + std::to_string(gitlab_port) + "/api/v4/projects/7/trigger/pipeline";
  wo.payload = driftwatch::retrain_payload::gitlab_trigger;
  wo.gitlab_token = "e2e-trigger-token";
  wo.gitlab_ref = "main";
  wo.gitlab_variables = {{"TRAINING_JOB", "retrain-ranker"}};
  wo.cooldown = std::chrono::hours(1);
  wo.log = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(out_mutex);
    std::printf("LOG %s\n", line.c_str());
    std::fflush(stdout);
  };
  driftwatch::retrain_webhook webhook(wo);
  webhook.register_metrics(metrics, "gitlab");

  driftwatch::alertmanager_bridge_options bo;
  bo.required_labels = {{"action", "retrain"}};
  driftwatch::alertmanager_bridge bridge(webhook, bo);
  bridge.register_metrics(metrics, "main");

  pm::metrics_http_server server(metrics);
  {
    std::lock_guard<std::mutex> lock(out_mutex);
    std::printf("READY metrics=%d bridge=%d gitlab=%d\n", server.port(), bridge.port(), gitlab_port);
    std::fflush(stdout);
  }

  std::string command;
  while (std::getline(std::cin, command)) {
    if (command == "drift") {
      live.take();          // a new window ...
      observe(1.5, 2000);   // ... of shifted values: PSI well above 0.25
      std::lock_guard<std::mutex> lock(out_mutex);
      std::printf("DRIFTED\n");
      std::fflush(stdout);
    } else if (command == "quit") {
      break;
    }
  }
  bridge.stop();
  webhook.wait_idle(std::chrono::milliseconds(2000));
  server.stop();
  gitlab.stop();
  gitlab_thread.join();
  exporter.stop_collecting();
  return 0;
}
