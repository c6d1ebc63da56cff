// Tests for driftwatch/adapters/http_server.hpp over real loopback HTTP.
#include <driftwatch/adapters/http_server.hpp>

#include <string>

#include "test_support.hpp"

namespace pm = driftwatch::prometheus;

namespace {
pm::registry& sample_registry() {
  static pm::registry r;
  static auto c = r.add_counter("driftwatch_http_test_total", "Counter for the HTTP test.");
  static bool once = [] {
    c->add(5.0);
    return true;
  }();
  (void)once;
  return r;
}
}  // namespace

TEST_CASE("GET /metrics serves the 0.0.4 exposition with its Content-Type on an ephemeral port") {
  pm::metrics_http_server server(sample_registry());
  REQUIRE(server.port() > 0);
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Get("/metrics");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == pm::text_content_type);
  CHECK(res->body == sample_registry().render());
  CHECK(res->body.find("driftwatch_http_test_total 5\n") != std::string::npos);
}

TEST_CASE("an Accept header asking for OpenMetrics gets OpenMetrics") {
  pm::metrics_http_server server(sample_registry());
  httplib::Client client("127.0.0.1", server.port());
  // What Prometheus 2.x sends.
  httplib::Headers headers{{"Accept",
                            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
                            "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"}};
  auto res = client.Get("/metrics", headers);
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == pm::openmetrics_content_type);
  CHECK(res->body == sample_registry().render(pm::exposition_format::openmetrics_1_0_0));

  pm::http_server_options no_om;
  no_om.negotiate_openmetrics = false;
  pm::metrics_http_server plain(sample_registry(), no_om);
  httplib::Client plain_client("127.0.0.1", plain.port());
  auto res2 = plain_client.Get("/metrics", headers);
  REQUIRE(res2);
  CHECK(res2->get_header_value("Content-Type") == pm::text_content_type);
}

TEST_CASE("other paths are 404, other methods 405, HEAD works") {
  pm::metrics_http_server server(sample_registry());
  httplib::Client client("127.0.0.1", server.port());
  auto missing = client.Get("/other");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  auto post = client.Post("/metrics", "x", "text/plain");
  REQUIRE(post);
  CHECK(post->status == 405);
  auto head = client.Head("/metrics");
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->body.empty());
}

TEST_CASE("a custom path and a chosen port are honoured; a taken port is an error") {
  pm::http_server_options options;
  options.path = "/custom";
  pm::metrics_http_server first(sample_registry(), options);
  httplib::Client client("127.0.0.1", first.port());
  auto res = client.Get("/custom");
  REQUIRE(res);
  CHECK(res->status == 200);

  pm::http_server_options same_port;
  same_port.port = first.port();
  CHECK_THROWS_AS(pm::metrics_http_server(sample_registry(), same_port), driftwatch::error);

  pm::http_server_options bad_address;
  bad_address.address = "203.0.113.254";  // TEST-NET-3: not an address of this host
  CHECK_THROWS_AS(pm::metrics_http_server(sample_registry(), bad_address), driftwatch::error);

  // Binding an explicit port works once it is free again.
  const int port = first.port();
  first.stop();
  first.stop();  // idempotent
  pm::http_server_options explicit_port;
  explicit_port.port = port;
  pm::metrics_http_server again(sample_registry(), explicit_port);
  CHECK(again.port() == port);
  httplib::Client client2("127.0.0.1", port);
  auto res2 = client2.Get("/metrics");
  REQUIRE(res2);
  CHECK(res2->status == 200);
}

TEST_CASE("a collector that throws yields HTTP 500 and the server keeps serving") {
  pm::registry r;
  bool broken = true;
  r.add({"driftwatch_flaky", "Sometimes broken.", pm::metric_type::gauge, {}, {}}, [&](pm::sample_writer& w) {
    if (broken) throw driftwatch::error("driftwatch: collector failed");
    w.gauge({}, 1.0);
  });
  pm::metrics_http_server server(r);
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Get("/metrics");
  REQUIRE(res);
  CHECK(res->status == 500);
  CHECK(res->body.find("collector failed") != std::string::npos);
  broken = false;
  auto ok = client.Get("/metrics");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->body.find("driftwatch_flaky 1\n") != std::string::npos);
}

TEST_CASE("starting and stopping at once never hangs") {
  for (int i = 0; i < 20; ++i) {
    pm::metrics_http_server server(sample_registry());
    CHECK(server.port() > 0);
  }
}

TEST_CASE("refusals close the connection; keep-alive serves several scrapes; limits are validated") {
  pm::metrics_http_server server(sample_registry());
  httplib::Client client("127.0.0.1", server.port());
  client.set_keep_alive(true);
  for (int i = 0; i < 3; ++i) {
    auto res = client.Get("/metrics");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Connection") != "close");
  }
  // A refused request is answered before its body and closes the connection,
  // so an unread body is never parsed as a next request.
  auto post = client.Post("/metrics", std::string(100000, 'x'), "text/plain");
  REQUIRE(post);
  CHECK(post->status == 405);
  CHECK(post->get_header_value("Connection") == "close");
  CHECK(post->get_header_value("Allow") == "GET, HEAD");
  auto after = client.Get("/metrics");  // a new connection
  REQUIRE(after);
  CHECK(after->status == 200);
  const auto c = server.counters();
  CHECK(c.connections_accepted == 2);
  CHECK(c.connections_refused == 0);

  pm::http_server_options bad;
  bad.limits.max_connections = 0;
  CHECK_THROWS_WITH(pm::metrics_http_server(sample_registry(), bad), driftwatch_test::contains("max_connections"));
  bad = {};
  bad.limits.header_timeout = std::chrono::milliseconds(0);
  CHECK_THROWS_WITH(pm::metrics_http_server(sample_registry(), bad), driftwatch_test::contains("timeouts"));
  bad = {};
  bad.limits.max_requests_per_connection = 0;
  CHECK_THROWS_AS(pm::metrics_http_server(sample_registry(), bad), driftwatch::error);
}
