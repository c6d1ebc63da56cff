// Links driftwatch::http alone: /metrics served on loopback and scraped once.
#include <driftwatch/adapters/http_server.hpp>

#include <cstdio>

int main() {
  driftwatch::prometheus::registry metrics;
  metrics.add({"consumer_up", "1 while the consumer runs.", driftwatch::prometheus::metric_type::gauge, {}, {}},
              [](driftwatch::prometheus::sample_writer& w) { w.gauge({}, 1.0); });
  driftwatch::prometheus::metrics_http_server server(metrics);
  httplib::Client client("127.0.0.1", server.port());
  const auto res = client.Get("/metrics");
  const bool ok = res && res->status == 200 && res->body.find("consumer_up 1") != std::string::npos;
  std::printf("http component: %s\n", ok ? "ok" : "scrape failed");
  return ok ? 0 : 1;
}
