// Tests for driftwatch/adapters/alertmanager_bridge.hpp: Alertmanager's
// version-4 webhook payload becomes one retrain_event per firing alert
// (resolved ignored, required labels filtered), malformed input is a 400 with
// a clear message and never a crash, and -- with a real retrain_webhook and a
// fake GitLab trigger endpoint on loopback -- repeated notifications of one
// incident start exactly one pipeline.
#include <driftwatch/adapters/alertmanager_bridge.hpp>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace std::chrono_literals;
using driftwatch_test::contains;

namespace {

std::string alert(const std::string& status, const std::string& labels, const std::string& annotations = "{}",
                  const std::string& fingerprint = "1a30ba71cca2921f") {
  return "{\"status\":\"" + status + "\",\"labels\":" + labels + ",\"annotations\":" + annotations +
         ",\"startsAt\":\"2024-05-01T10:00:00.123Z\",\"endsAt\":\"0001-01-01T00:00:00Z\","
         "\"generatorURL\":\"http://prometheus:9090/graph?g0.expr=x\\u0026g0.tab=1\",\"fingerprint\":\"" +
         fingerprint + "\"}";
}

std::string payload(const std::vector<std::string>& alerts, const std::string& status = "firing") {
  std::string a;
  for (const auto& x : alerts) a += (a.empty() ? "" : ",") + x;
  return "{\"receiver\":\"retrain\",\"status\":\"" + status + "\",\"alerts\":[" + a +
         "],\"groupLabels\":{\"alertname\":\"DriftwatchFeatureDrift\"},\"commonLabels\":{},"
         "\"commonAnnotations\":{},\"externalURL\":\"http://alertmanager:9093\",\"version\":\"4\","
         "\"groupKey\":\"{}/{action=\\\"retrain\\\"}:{alertname=\\\"DriftwatchFeatureDrift\\\"}\","
         "\"truncatedAlerts\":0}";
}

const std::string drift_labels =
    R"({"alertname":"DriftwatchFeatureDrift","model":"ranker","feature":"age","action":"retrain","severity":"warning","model_version":"v7"})";

struct recording_sink {
  std::mutex m;
  std::vector<driftwatch::retrain_event> events;
  driftwatch::alertmanager_bridge::sink fn() {
    return [this](driftwatch::retrain_event e) {
      std::lock_guard<std::mutex> lock(m);
      events.push_back(std::move(e));
    };
  }
};

}  // namespace

TEST_CASE("parse_alertmanager_notification maps firing alerts to retrain events") {
  driftwatch::alertmanager_bridge_options o;
  const auto r = driftwatch::parse_alertmanager_notification(
      payload({alert("firing", drift_labels, R"({"summary":"PSI above 0.25","value":"0.4172","psi":"1e-3x"})"),
               alert("resolved", drift_labels),
               alert("firing", R"({"alertname":"Other"})", "{}", "abc")}),
      o);
  CHECK(r.firing == 2);
  CHECK(r.resolved == 1);
  CHECK(r.filtered == 0);
  REQUIRE(r.events.size() == 2);
  const auto& e = r.events[0];
  CHECK(e.key == "alertname=DriftwatchFeatureDrift,model=ranker,feature=age");
  CHECK(e.model == "ranker");
  CHECK(e.model_version == "v7");
  CHECK(e.reason == "DriftwatchFeatureDrift");
  REQUIRE(e.metrics.size() == 1);  // only whole finite numbers
  CHECK(e.metrics[0].first == "value");
  CHECK(e.metrics[0].second == 0.4172);
  CHECK(r.events[1].key == "alertname=Other");
  CHECK(r.events[1].model.empty());

  o.required_labels = {{"action", "retrain"}};
  o.key_labels = {"model", "feature"};
  const auto f = driftwatch::parse_alertmanager_notification(
      payload({alert("firing", drift_labels), alert("firing", R"({"alertname":"Other","action":"page"})")}), o);
  CHECK(f.firing == 2);
  CHECK(f.filtered == 1);
  REQUIRE(f.events.size() == 1);
  CHECK(f.events[0].key == "model=ranker,feature=age");

  // No key label at all: the fingerprint identifies the incident.
  o.key_labels = {"nope"};
  o.required_labels.clear();
  CHECK(driftwatch::parse_alertmanager_notification(payload({alert("firing", "{}", "{}", "ff01")}), o).events[0].key ==
        "fingerprint=ff01");
  // Empty alerts array: nothing to do, not an error.
  CHECK(driftwatch::parse_alertmanager_notification(payload({}), o).events.empty());
}

TEST_CASE("parse_alertmanager_notification rejects what is not a version-4 payload") {
  const driftwatch::alertmanager_bridge_options o;
  auto parse = [&o](const std::string& body) { return driftwatch::parse_alertmanager_notification(body, o); };
  CHECK_THROWS_WITH(parse("{\"version\":\"4\",\"alerts\":["), contains("json: at byte"));
  CHECK_THROWS_WITH(parse("[]"), contains("not a JSON object"));
  CHECK_THROWS_WITH(parse("{\"alerts\":[]}"), contains("no \"version\""));
  CHECK_THROWS_WITH(parse("{\"version\":4,\"alerts\":[]}"), contains("unsupported version"));
  CHECK_THROWS_WITH(parse("{\"version\":\"3\",\"alerts\":[]}"), contains("unsupported version"));
  CHECK_THROWS_WITH(parse("{\"version\":\"4\"}"), contains("\"alerts\" must be an array"));
  CHECK_THROWS_WITH(parse("{\"version\":\"4\",\"alerts\":[1]}"), contains("alerts[0] must be an object"));
  CHECK_THROWS_WITH(parse("{\"version\":\"4\",\"alerts\":[{\"status\":\"pending\",\"labels\":{}}]}"),
                    contains("alerts[0].status"));
  CHECK_THROWS_WITH(parse("{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\"}]}"), contains("has no labels"));
  CHECK_THROWS_WITH(parse("{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"a\":1}}]}"),
                    contains("alerts[0].labels[\"a\"] must be a string"));
  CHECK_THROWS_WITH(
      parse("{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{},\"annotations\":[]}]}"),
      contains("annotations must be an object"));
}

TEST_CASE("alertmanager_bridge answers over HTTP: 200 with a summary, 4xx with a clear message") {
  recording_sink sink;
  driftwatch::alertmanager_bridge_options o;
  o.max_body_bytes = 4096;
  driftwatch::alertmanager_bridge bridge(sink.fn(), o);
  REQUIRE(bridge.port() > 0);
  httplib::Client client("127.0.0.1", bridge.port());
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);

  auto ok = client.Post("/alertmanager", payload({alert("firing", drift_labels), alert("resolved", drift_labels)}),
                        "application/json");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->body == "{\"firing\":1,\"resolved\":1,\"filtered\":0,\"triggered\":1}\n");
  {
    std::lock_guard<std::mutex> lock(sink.m);
    REQUIRE(sink.events.size() == 1);
    CHECK(sink.events[0].key == "alertname=DriftwatchFeatureDrift,model=ranker,feature=age");
  }

  auto malformed = client.Post("/alertmanager", "{\"version\":\"4\",\"alerts\":[{]}", "application/json");
  REQUIRE(malformed);
  CHECK(malformed->status == 400);
  CHECK_THAT(malformed->body, contains("invalid Alertmanager payload: json: at byte 26: syntax error while parsing object key"));
  auto truncated = client.Post("/alertmanager", "{\"version\":\"4\",\"alerts\":[", "application/json");
  REQUIRE(truncated);
  CHECK(truncated->status == 400);
  auto wrong_type = client.Post("/alertmanager", payload({}), "text/plain");
  REQUIRE(wrong_type);
  CHECK(wrong_type->status == 415);
  auto get = client.Get("/alertmanager");
  REQUIRE(get);
  CHECK(get->status == 405);
  auto other = client.Post("/other", payload({}), "application/json");
  REQUIRE(other);
  CHECK(other->status == 404);
  auto big = client.Post("/alertmanager", std::string(5000, ' ') + payload({}), "application/json");
  REQUIRE(big);
  CHECK(big->status == 413);
  auto too_deep = client.Post("/alertmanager", "{\"x\":" + std::string(40, '[') + std::string(40, ']') + "}",
                              "application/json");
  REQUIRE(too_deep);
  CHECK(too_deep->status == 400);
  CHECK_THAT(too_deep->body, contains("nesting deeper"));
  // Binary garbage.
  std::string garbage;
  for (int i = 0; i < 256; ++i) garbage += static_cast<char>(i);
  auto junk = client.Post("/alertmanager", garbage, "application/json");
  REQUIRE(junk);
  CHECK(junk->status == 400);

  CHECK(bridge.accepted() == 1);
  CHECK(bridge.rejected() == 8);  // 400 x4, 415, 405, 404, 413 (all answered by the bridge)
  CHECK(bridge.triggered() == 1);
  {
    std::lock_guard<std::mutex> lock(sink.m);
    CHECK(sink.events.size() == 1);  // a rejected payload triggers nothing
  }

  driftwatch::prometheus::registry metrics;
  bridge.register_metrics(metrics, "main");
  const std::string text = metrics.render();
  CHECK_THAT(text, contains("driftwatch_alertmanager_notifications_total{bridge=\"main\",result=\"accepted\"} 1\n"));
  CHECK_THAT(text, contains("driftwatch_alertmanager_alerts_total{bridge=\"main\",status=\"resolved\"} 1\n"));
  bridge.stop();
  bridge.stop();
}

TEST_CASE("alertmanager_bridge requires the bearer token when configured and never echoes it") {
  recording_sink sink;
  driftwatch::alertmanager_bridge_options o;
  o.bearer_token = "s3cret-token";
  driftwatch::alertmanager_bridge bridge(sink.fn(), o);
  httplib::Client client("127.0.0.1", bridge.port());
  auto none = client.Post("/alertmanager", payload({alert("firing", drift_labels)}), "application/json");
  REQUIRE(none);
  CHECK(none->status == 401);
  CHECK(none->body.find("s3cret") == std::string::npos);
  httplib::Headers wrong{{"Authorization", "Bearer s3cret-tokeX"}};
  auto bad = client.Post("/alertmanager", wrong, payload({alert("firing", drift_labels)}), "application/json");
  REQUIRE(bad);
  CHECK(bad->status == 401);
  httplib::Headers right{{"Authorization", "Bearer s3cret-token"}};
  auto good = client.Post("/alertmanager", right, payload({alert("firing", drift_labels)}), "application/json");
  REQUIRE(good);
  CHECK(good->status == 200);
  std::lock_guard<std::mutex> lock(sink.m);
  CHECK(sink.events.size() == 1);
}

TEST_CASE("alertmanager_bridge: a port in use is an error naming it") {
  recording_sink sink;
  driftwatch::alertmanager_bridge first(sink.fn(), {});
  driftwatch::alertmanager_bridge_options o;
  o.port = first.port();
  CHECK_THROWS_WITH(driftwatch::alertmanager_bridge(sink.fn(), o),
                    contains("cannot bind 127.0.0.1:" + std::to_string(first.port())));
}

TEST_CASE("alertmanager_bridge + retrain_webhook: repeated notifications of one incident start one pipeline") {
  // A fake GitLab pipeline trigger endpoint answering 201.
  std::mutex m;
  std::vector<httplib::Params> triggers;
  httplib::Server gitlab;
  gitlab.Post("/api/v4/projects/42/trigger/pipeline", [&](const httplib::Request& req, httplib::Response& res) {
    httplib::Params form;
    httplib::detail::parse_query_text(req.body, form);
    std::lock_guard<std::mutex> lock(m);
    triggers.push_back(form);
    res.status = 201;
    res.set_content("{\"id\":1}", "application/json");
  });
  const int gitlab_port = gitlab.bind_to_any_port("127.0.0.1");
  REQUIRE(gitlab_port > 0);
  std::thread gitlab_thread([&] { gitlab.listen_after_bind(); });
  while (!gitlab.is_running()) std::this_thread::sleep_for(1ms);

  driftwatch::retrain_webhook_options wo;
  wo.url = "http://127.0.0.1:" + std::to_string(gitlab_port) + "/api/v4/projects/42/trigger/pipeline";
  wo.payload = driftwatch::retrain_payload::gitlab_trigger;
  wo.gitlab_token = "glptt-secret";
  wo.gitlab_ref = "main";
  wo.cooldown = std::chrono::minutes(10);
  driftwatch::retrain_webhook webhook(wo);
  driftwatch::alertmanager_bridge_options bo;
  bo.required_labels = {{"action", "retrain"}};
  driftwatch::alertmanager_bridge bridge(webhook, bo);

  httplib::Client client("127.0.0.1", bridge.port());
  const std::string body = payload({alert("firing", drift_labels, R"({"value":"0.41"})")});
  for (int i = 0; i < 5; ++i) {
    auto r = client.Post("/alertmanager", body, "application/json");
    REQUIRE(r);
    CHECK(r->status == 200);
    if (i == 0) CHECK(webhook.wait_idle(5000ms));
  }
  CHECK(webhook.wait_idle(5000ms));
  bridge.stop();
  gitlab.stop();
  gitlab_thread.join();
  REQUIRE(triggers.size() == 1);
  auto field = [&](const char* name) {
    auto it = triggers[0].find(name);
    return it == triggers[0].end() ? std::string("<absent>") : it->second;
  };
  CHECK(field("token") == "glptt-secret");
  CHECK(field("ref") == "main");
  CHECK(field("variables[DRIFTWATCH_KEY]") == "alertname=DriftwatchFeatureDrift,model=ranker,feature=age");
  CHECK(field("variables[DRIFTWATCH_MODEL]") == "ranker");
  CHECK(field("variables[DRIFTWATCH_MODEL_VERSION]") == "v7");
  CHECK(field("variables[DRIFTWATCH_REASON]") == "DriftwatchFeatureDrift");
  CHECK(field("variables[DRIFTWATCH_METRIC_VALUE]") == "0.41");
  CHECK(webhook.triggers(driftwatch::trigger_result::cooling_down) == 4);
}

TEST_CASE("alertmanager_bridge compares the media type exactly, parameters allowed") {
  recording_sink sink;
  driftwatch::alertmanager_bridge_options o;
  driftwatch::alertmanager_bridge bridge(sink.fn(), o);
  httplib::Client client("127.0.0.1", bridge.port());
  client.set_read_timeout(5, 0);
  const std::string body = payload({alert("firing", drift_labels)});
  struct type_case {
    const char* type;
    int status;
  };
  const type_case cases[] = {
      {"application/json", 200},
      {"application/json; charset=utf-8", 200},
      {"application/json;charset=UTF-8", 200},
      {"Application/JSON", 200},
      {"application/jsonx", 415},
      {"application/json-seq", 415},
      {"application/json+x; charset=utf-8", 415},
      {"application/jso", 415},
      {"text/json", 415},
      {"application/x-www-form-urlencoded", 415},
  };
  for (const auto& c : cases) {
    INFO(c.type);
    auto r = client.Post("/alertmanager", body, c.type);
    REQUIRE(r);
    CHECK(r->status == c.status);
  }
  CHECK(driftwatch::detail::media_type_is(" application/json ; charset=utf-8", "application/json"));
  CHECK_FALSE(driftwatch::detail::media_type_is("", "application/json"));
}

TEST_CASE("alertmanager_bridge takes the auth scheme case-insensitively and the token exactly") {
  recording_sink sink;
  driftwatch::alertmanager_bridge_options o;
  o.bearer_token = "s3cret-token";
  driftwatch::alertmanager_bridge bridge(sink.fn(), o);
  httplib::Client client("127.0.0.1", bridge.port());
  client.set_read_timeout(5, 0);
  const std::string body = payload({alert("firing", drift_labels)});
  struct auth_case {
    const char* header;
    int status;
  };
  const auth_case cases[] = {
      {"Bearer s3cret-token", 200},  {"bearer s3cret-token", 200}, {"BEARER s3cret-token", 200},
      {"bEaReR   s3cret-token", 200}, {"Bearer S3CRET-TOKEN", 401}, {"Basic s3cret-token", 401},
      {"Bearers3cret-token", 401},   {"s3cret-token", 401},        {"Bearer s3cret-token2", 401},
      {"Bearer", 401},
  };
  for (const auto& c : cases) {
    INFO(c.header);
    httplib::Headers h{{"Authorization", c.header}};
    auto r = client.Post("/alertmanager", h, body, "application/json");
    REQUIRE(r);
    CHECK(r->status == c.status);
  }
}
