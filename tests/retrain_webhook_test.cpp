// Tests for driftwatch/adapters/retrain_webhook.hpp and webhook_signature.hpp
// against loopback servers started here that inject every fault: slow
// responses past the timeout, 500 then 201, 429 with Retry-After, 400,
// connection refused, connection reset mid-response.
#include <driftwatch/adapters/retrain_webhook.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace std::chrono_literals;
namespace ws = driftwatch::webhook_signature;

namespace {

struct received {
  httplib::Headers headers;
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// An HTTP server on an ephemeral loopback port answering each POST with the
// next scripted reply (then `fallback`), recording every request.
struct reply {
  int status = 200;
  httplib::Headers headers;
  std::chrono::milliseconds delay{0};
};

struct scripted_server {
  std::mutex m;
  std::deque<reply> script;
  reply fallback;
  std::vector<received> requests;
  httplib::Server server;
  std::thread thread;
  int port = 0;

  explicit scripted_server(std::vector<reply> replies, reply fb = reply{})
      : script(replies.begin(), replies.end()), fallback(std::move(fb)) {
    server.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      reply r;
      {
        std::lock_guard<std::mutex> lock(m);
        requests.push_back({req.headers, req.body});
        if (!script.empty()) {
          r = script.front();
          script.pop_front();
        } else {
          r = fallback;
        }
      }
      if (r.delay.count() > 0) std::this_thread::sleep_for(r.delay);
      res.status = r.status;
      for (const auto& h : r.headers) res.set_header(h.first.c_str(), h.second);
      res.set_content("{\"id\":1}", "application/json");
    });
    port = server.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~scripted_server() {
    server.stop();
    thread.join();
  }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }
  std::size_t count() {
    std::lock_guard<std::mutex> lock(m);
    return requests.size();
  }
  std::vector<received> snapshot() {
    std::lock_guard<std::mutex> lock(m);
    return requests;
  }
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (count() < n) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(1ms);
    }
    return true;
  }
};

// A raw TCP server: the first connection gets the headers and part of the
// body, then an RST (SO_LINGER 0); later connections get a complete 200.
struct resetting_server {
  int fd = -1;
  int port = 0;
  std::atomic<int> connections{0};
  std::atomic<bool> stop{false};
  std::thread thread;

  resetting_server() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd, 8) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    thread = std::thread([this] { serve(); });
  }
  ~resetting_server() {
    stop = true;
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
    thread.join();
  }
  void serve() {
    while (!stop) {
      const int c = ::accept(fd, nullptr, nullptr);
      if (c < 0) return;
      // Read the request head and body (small: one read usually suffices).
      char buf[8192];
      std::string got;
      for (int i = 0; i < 50 && got.find("\r\n\r\n") == std::string::npos; ++i) {
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        got.append(buf, static_cast<std::size_t>(n));
      }
      std::this_thread::sleep_for(20ms);  // let the body arrive too
      const int nth = ++connections;
      if (nth == 1) {
        const std::string partial = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: text/plain\r\n\r\npartial";
        (void)::send(c, partial.data(), partial.size(), MSG_NOSIGNAL);
        linger l{1, 0};
        ::setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      } else {
        const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
        (void)::send(c, ok.data(), ok.size(), MSG_NOSIGNAL);
      }
      ::close(c);
    }
  }
};

// A port with nothing listening on it.
int refused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

// Records the backoff delays instead of sleeping; a manual clock.
struct fake_time {
  std::mutex m;
  std::vector<std::chrono::milliseconds> sleeps;
  std::chrono::system_clock::time_point now = std::chrono::system_clock::from_time_t(1700000000);
  std::vector<std::string> logs;

  /// Options for `url` that take this fake clock and sleep.
  driftwatch::retrain_webhook_options options(const std::string& url) {
    driftwatch::retrain_webhook_options o;
    o.url = url;
    install(o);
    return o;
  }
  void install(driftwatch::retrain_webhook_options& o) {
    o.sleep = [this](std::chrono::milliseconds d) {
      std::lock_guard<std::mutex> lock(m);
      sleeps.push_back(d);
    };
    o.now = [this] {
      std::lock_guard<std::mutex> lock(m);
      return now;
    };
    o.uniform01 = [] { return 0.5; };
    o.log = [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(m);
      logs.push_back(line);
    };
  }
  void advance(std::chrono::milliseconds d) {
    std::lock_guard<std::mutex> lock(m);
    now += d;
  }
  std::vector<std::chrono::milliseconds> recorded() {
    std::lock_guard<std::mutex> lock(m);
    return sleeps;
  }
  std::vector<std::string> log_lines() {
    std::lock_guard<std::mutex> lock(m);
    return logs;
  }
};

driftwatch::retrain_event drift_event(const std::string& key = "ranker/psi") {
  driftwatch::retrain_event e;
  e.key = key;
  e.model = "ranker";
  e.model_version = "2024-06-01";
  e.reason = "psi_above_threshold";
  e.metrics = {{"psi", 0.31}, {"js_distance", 0.12}};
  return e;
}

bool contains(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("500 then 201: the GitLab trigger is retried with the same event id and succeeds (at-least-once)") {
  scripted_server server({{500, {}, 0ms}, {201, {}, 0ms}});
  fake_time t;
  driftwatch::retrain_webhook_options o;
  o.url = server.url("/api/v4/projects/42/trigger/pipeline");
  o.payload = driftwatch::retrain_payload::gitlab_trigger;
  o.delivery = driftwatch::retrain_delivery::at_least_once;
  o.gitlab_token = "glptt-SECRET-TOKEN";
  o.gitlab_ref = "retrain";
  o.gitlab_variables = {{"PIPELINE_KIND", "retrain"}};
  t.install(o);
  driftwatch::retrain_webhook hook(o);
  CHECK(hook.trigger(drift_event()) == driftwatch::trigger_result::queued);
  REQUIRE(hook.wait_idle(10s));
  const auto reqs = server.snapshot();
  REQUIRE(reqs.size() == 2);
  CHECK(hook.successes() == 1);
  CHECK(hook.attempts() == 2);
  CHECK(hook.failures("http_5xx") == 1);
  CHECK(reqs[0].header("webhook-id") == reqs[1].header("webhook-id"));
  CHECK(contains(reqs[0].header("webhook-id"), "evt_"));
  CHECK(reqs[0].header("X-Driftwatch-Attempt") == "1");
  CHECK(reqs[1].header("X-Driftwatch-Attempt") == "2");
  CHECK(reqs[0].header("Content-Type") == "application/x-www-form-urlencoded");
  const std::string& body = reqs[1].body;
  CHECK(contains(body, "token=glptt-SECRET-TOKEN"));
  CHECK(contains(body, "&ref=retrain"));
  CHECK(contains(body, "variables%5BDRIFTWATCH_EVENT_ID%5D=" + reqs[0].header("webhook-id")));
  CHECK(contains(body, "variables%5BDRIFTWATCH_MODEL%5D=ranker"));
  CHECK(contains(body, "variables%5BDRIFTWATCH_METRIC_PSI%5D=0.31"));
  CHECK(contains(body, "variables%5BPIPELINE_KIND%5D=retrain"));
  // Full jitter with uniform01 = 0.5 and base 500 ms: 250 ms before retry 1.
  CHECK(t.recorded() == std::vector<std::chrono::milliseconds>{250ms});
  for (const auto& line : t.log_lines()) CHECK_FALSE(contains(line, "SECRET"));
}

TEST_CASE("a GitLab trigger answered 200 instead of 201 is not a success") {
  scripted_server server({{200, {}, 0ms}});
  fake_time t;
  driftwatch::retrain_webhook_options o = t.options(server.url());
  o.payload = driftwatch::retrain_payload::gitlab_trigger;
  o.gitlab_token = "t";
  driftwatch::retrain_webhook hook(o);
  hook.trigger(drift_event());
  REQUIRE(hook.wait_idle(10s));
  CHECK(hook.successes() == 0);
  CHECK(hook.failures("http_other") == 1);
  CHECK(server.count() == 1);
}

TEST_CASE("429 with Retry-After is honoured exactly (seconds and HTTP-date), then delivered") {
  fake_time t;
  // 1700000000 is Tue, 14 Nov 2023 22:13:20 GMT; the date says 30 s later.
  scripted_server server({{429, {{"Retry-After", "7"}}, 0ms},
                          {503, {{"Retry-After", "Tue, 14 Nov 2023 22:13:50 GMT"}}, 0ms},
                          {200, {}, 0ms}});
  driftwatch::retrain_webhook_options o = t.options(server.url());
  driftwatch::retrain_webhook hook(o);
  hook.trigger(drift_event());
  REQUIRE(hook.wait_idle(10s));
  CHECK(hook.successes() == 1);
  CHECK(hook.failures("http_429") == 1);
  CHECK(hook.failures("http_5xx") == 1);
  CHECK(t.recorded() == std::vector<std::chrono::milliseconds>{7000ms, 30000ms});
}

TEST_CASE("a Retry-After beyond max_retry_after is capped") {
  fake_time t;
  scripted_server server({{429, {{"Retry-After", "86400"}}, 0ms}, {200, {}, 0ms}});
  driftwatch::retrain_webhook_options o = t.options(server.url());
  o.max_retry_after = 60s;
  driftwatch::retrain_webhook hook(o);
  hook.trigger(drift_event());
  REQUIRE(hook.wait_idle(10s));
  CHECK(t.recorded() == std::vector<std::chrono::milliseconds>{60000ms});
}

TEST_CASE("400 is final: no retry, the event is abandoned, no cooldown starts") {
  scripted_server server({{400, {}, 0ms}, {400, {}, 0ms}});
  fake_time t;
  driftwatch::retrain_webhook_options o = t.options(server.url());
  driftwatch::retrain_webhook hook(o);
  hook.trigger(drift_event());
  REQUIRE(hook.wait_idle(10s));
  CHECK(server.count() == 1);
  CHECK(hook.attempts() == 1);
  CHECK(hook.abandoned() == 1);
  CHECK(hook.failures("http_4xx") == 1);
  CHECK(t.recorded().empty());
  // A failed delivery does not suppress the next trigger.
  CHECK(hook.trigger(drift_event()) == driftwatch::trigger_result::queued);
  REQUIRE(hook.wait_idle(10s));
  CHECK(server.count() == 2);
}

TEST_CASE("connection refused is retried with capped full-jitter backoff, then abandoned") {
  fake_time t;
  driftwatch::retrain_webhook_options o;
  o.url = "http://127.0.0.1:" + std::to_string(refused_port()) + "/hook";
  o.max_attempts = 5;
  o.backoff_base = 1000ms;
  o.backoff_cap = 3000ms;
  t.install(o);
  driftwatch::retrain_webhook hook(o);
  hook.trigger(drift_event());
  REQUIRE(hook.wait_idle(10s));
  CHECK(hook.attempts() == 5);
  CHECK(hook.failures("connect_error") == 5);
  CHECK(hook.abandoned() == 1);
  // ceilings 1000, 2000, 3000 (cap), 3000 (cap); uniform01 = 0.5.
  CHECK(t.recorded() == std::vector<std::chrono::milliseconds>{500ms, 1000ms, 1500ms, 1500ms});
}

TEST_CASE("a connection reset mid-response is retried") {
  resetting_server server;
  fake_time t;
  driftwatch::retrain_webhook_options o;
  o.url = "http://127.0.0.1:" + std::to_string(server.port) + "/hook";
  t.install(o);
  driftwatch::retrain_webhook hook(o);
  hook.trigger(drift_event());
  REQUIRE(hook.wait_idle(10s));
  CHECK(server.connections == 2);
  CHECK(hook.attempts() == 2);
  CHECK(hook.successes() == 1);
  CHECK(hook.failures("transport_error") + hook.failures("timeout") == 1);
}

TEST_CASE("a response slower than the total timeout fails the attempt in time; trigger() never waits") {
  scripted_server server({}, {200, {}, 1500ms});
  fake_time t;
  driftwatch::retrain_webhook_options o = t.options(server.url());
  o.total_timeout = 200ms;
  o.max_attempts = 1;
  driftwatch::retrain_webhook hook(o);
  const auto start = std::chrono::steady_clock::now();
  hook.trigger(drift_event("first"));
  REQUIRE(server.wait_for_requests(1, 5s));
  // The worker is now blocked on the hanging server: triggers still return at once.
  std::chrono::nanoseconds worst{0};
  for (int i = 0; i < 200; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    hook.trigger(drift_event("key" + std::to_string(i % 10)));
    worst = std::max(worst, std::chrono::steady_clock::now() - t0);
  }
  INFO("worst trigger() latency while the server hangs: "
       << std::chrono::duration_cast<std::chrono::microseconds>(worst).count() << " us");
  // A behaviour check, not a benchmark: microseconds typically; 20 ms is generous.
  CHECK(worst < 20ms);
  REQUIRE(hook.wait_idle(30s));
  CHECK(hook.failures("timeout") >= 1);
  CHECK(hook.successes() == 0);
  // Every attempt gave up at the 200 ms timeout, not when the server answered.
  CHECK(std::chrono::steady_clock::now() - start < 11 * 1500ms);
}

TEST_CASE("the first attempt is bounded by the total timeout") {
  scripted_server server({}, {200, {}, 1500ms});
  fake_time t;
  driftwatch::retrain_webhook_options o = t.options(server.url());
  o.total_timeout = 200ms;
  o.max_attempts = 1;
  driftwatch::retrain_webhook hook(o);
  const auto start = std::chrono::steady_clock::now();
  hook.trigger(drift_event());
  REQUIRE(hook.wait_idle(10s));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed < 1200ms);
  CHECK(hook.failures("timeout") == 1);
  CHECK(hook.abandoned() == 1);
}

TEST_CASE("duplicate triggers start one pipeline per incident; the cooldown ends it") {
  scripted_server server({}, {201, {}, 100ms});
  fake_time t;
  driftwatch::retrain_webhook_options o = t.options(server.url());
  o.payload = driftwatch::retrain_payload::gitlab_trigger;
  o.gitlab_token = "tok";
  o.cooldown = std::chrono::minutes(30);
  driftwatch::retrain_webhook hook(o);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      for (int j = 0; j < 50; ++j) hook.trigger(drift_event("ranker/psi"));
    });
  for (auto& th : threads) th.join();
  REQUIRE(hook.wait_idle(10s));
  CHECK(server.count() == 1);
  CHECK(hook.triggers(driftwatch::trigger_result::queued) == 1);
  CHECK(hook.triggers(driftwatch::trigger_result::coalesced) + hook.triggers(driftwatch::trigger_result::cooling_down) ==
        199);
  // The alert keeps firing: still one pipeline.
  CHECK(hook.trigger(drift_event("ranker/psi")) == driftwatch::trigger_result::cooling_down);
  // Another incident key is independent.
  CHECK(hook.trigger(drift_event("ranker/precision")) == driftwatch::trigger_result::queued);
  REQUIRE(hook.wait_idle(10s));
  CHECK(server.count() == 2);
  // After the cooldown, the same incident may start a pipeline again.
  t.advance(std::chrono::minutes(31));
  CHECK(hook.trigger(drift_event("ranker/psi")) == driftwatch::trigger_result::queued);
  REQUIRE(hook.wait_idle(10s));
  CHECK(server.count() == 3);
}

TEST_CASE("a full queue coalesces by key and drops new keys, counting them") {
  scripted_server server({}, {200, {}, 300ms});
  fake_time t;
  driftwatch::retrain_webhook_options o = t.options(server.url());
  o.queue_capacity = 2;
  driftwatch::retrain_webhook hook(o);
  CHECK(hook.trigger(drift_event("a")) == driftwatch::trigger_result::queued);
  REQUIRE(server.wait_for_requests(1, 5s));  // "a" is in flight
  CHECK(hook.trigger(drift_event("a")) == driftwatch::trigger_result::coalesced);
  CHECK(hook.trigger(drift_event("b")) == driftwatch::trigger_result::queued);
  CHECK(hook.trigger(drift_event("c")) == driftwatch::trigger_result::queued);
  auto newer = drift_event("b");
  newer.metrics = {{"psi", 0.9}};
  CHECK(hook.trigger(newer) == driftwatch::trigger_result::coalesced);
  CHECK(hook.trigger(drift_event("d")) == driftwatch::trigger_result::dropped);
  CHECK(hook.triggers(driftwatch::trigger_result::dropped) == 1);
  REQUIRE(hook.wait_idle(10s));
  const auto reqs = server.snapshot();
  REQUIRE(reqs.size() == 3);
  CHECK(contains(reqs[1].body, "\"key\":\"b\""));
  CHECK(contains(reqs[1].body, "\"metrics\":{\"psi\":0.9}"));  // the newest values
  CHECK(contains(reqs[2].body, "\"key\":\"c\""));
}

TEST_CASE("the generic JSON payload carries id, model, reason, metrics and time") {
  scripted_server server({{202, {}, 0ms}});
  fake_time t;
  driftwatch::retrain_webhook_options o = t.options(server.url());
  driftwatch::retrain_webhook hook(o);
  auto e = drift_event();
  e.reason = "quote \" and \\ and\nnewline";
  e.metrics.push_back({"ks_p_value", std::nan("")});
  hook.trigger(e);
  REQUIRE(hook.wait_idle(10s));
  CHECK(hook.successes() == 1);
  const auto reqs = server.snapshot();
  REQUIRE(reqs.size() == 1);
  const std::string id = reqs[0].header("webhook-id");
  CHECK(reqs[0].header("Content-Type") == "application/json");
  CHECK(reqs[0].header("Idempotency-Key") == id);
  CHECK(reqs[0].body == "{\"event_id\":\"" + id +
                            "\",\"key\":\"ranker/psi\",\"model\":\"ranker\",\"model_version\":\"2024-06-01\","
                            "\"reason\":\"quote \\\" and \\\\ and\\nnewline\",\"metrics\":{\"psi\":0.31,"
                            "\"js_distance\":0.12,\"ks_p_value\":null},\"time\":\"2023-11-14T22:13:20Z\"}");
  CHECK(reqs[0].header("webhook-signature").empty());  // unsigned unless a secret is set
}

TEST_CASE("Standard Webhooks signatures verify, and reject tampering, other keys and stale timestamps") {
  scripted_server server({{200, {}, 0ms}});
  fake_time t;
  driftwatch::retrain_webhook_options o = t.options(server.url());
  // "whsec_" + base64("driftwatch-test-signing-key-0001")
  o.signing_secret = "whsec_ZHJpZnR3YXRjaC10ZXN0LXNpZ25pbmcta2V5LTAwMDE=";
  driftwatch::retrain_webhook hook(o);
  hook.trigger(drift_event());
  REQUIRE(hook.wait_idle(10s));
  const auto reqs = server.snapshot();
  REQUIRE(reqs.size() == 1);
  const auto& r = reqs[0];
  const auto key = ws::key_from_secret(o.signing_secret);
  CHECK(std::string(key.begin(), key.end()) == "driftwatch-test-signing-key-0001");
  const std::string id = r.header("webhook-id"), ts = r.header("webhook-timestamp"),
                    sig = r.header("webhook-signature");
  CHECK(ts == "1700000000");
  CHECK(sig.substr(0, 3) == "v1,");
  CHECK(ws::verify(key, id, ts, r.body, sig, 1700000010) == ws::verify_result::ok);
  CHECK(ws::verify(key, id, ts, r.body, "v1,bogus " + sig, 1700000010) == ws::verify_result::ok);
  CHECK(ws::verify(key, id, ts, r.body + " ", sig, 1700000010) == ws::verify_result::no_matching_signature);
  CHECK(ws::verify(key, id + "x", ts, r.body, sig, 1700000010) == ws::verify_result::no_matching_signature);
  CHECK(ws::verify(ws::key_from_secret("another"), id, ts, r.body, sig, 1700000010) ==
        ws::verify_result::no_matching_signature);
  CHECK(ws::verify(key, id, ts, r.body, sig, 1700000000 + 301) == ws::verify_result::timestamp_out_of_tolerance);
  CHECK(ws::verify(key, id, "17e8", r.body, sig, 1700000000) == ws::verify_result::bad_timestamp);
}

TEST_CASE("a known Standard Webhooks vector: HMAC-SHA256 over id.timestamp.body, base64") {
  // Independent value: computed with Python's hmac/hashlib/base64 for key
  // b"driftwatch-test-signing-key-0001", content "msg_1.1614265330.{\"test\": 2432232314}".
  const auto key = ws::key_from_secret("whsec_ZHJpZnR3YXRjaC10ZXN0LXNpZ25pbmcta2V5LTAwMDE=");
  const std::string sig = ws::sign(key, "msg_1", 1614265330, "{\"test\": 2432232314}");
  CHECK(sig == "v1,xJHAcqyrOdTMrNJ/OxbXOACWie71TYaDWK/9/e5d9dc=");
  // The example in the Standard Webhooks specification.
  const auto spec_key = ws::key_from_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  CHECK(ws::sign(spec_key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}") ==
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST_CASE("secrets never appear in errors, logs or metrics") {
  const std::string secret = "whsec_not*base64!SECRET";
  driftwatch::retrain_webhook_options o;
  o.url = "http://127.0.0.1:1/hook?token=QUERYSECRET";
  o.signing_secret = secret;
  try {
    driftwatch::retrain_webhook hook(o);
    FAIL("expected an error");
  } catch (const driftwatch::error& e) {
    CHECK_FALSE(contains(e.what(), "SECRET"));
  }
  fake_time t;
  driftwatch::retrain_webhook_options good;
  good.url = "http://127.0.0.1:" + std::to_string(refused_port()) + "/hook?token=QUERYSECRET";
  good.payload = driftwatch::retrain_payload::gitlab_trigger;
  good.gitlab_token = "GLSECRET";
  good.signing_secret = "SIGNSECRET";
  good.headers = {{"Authorization", "Bearer HDRSECRET"}};
  good.max_attempts = 2;
  t.install(good);
  driftwatch::prometheus::registry metrics;
  {
    driftwatch::retrain_webhook hook(good);
    hook.register_metrics(metrics, "gitlab");
    hook.trigger(drift_event());
    REQUIRE(hook.wait_idle(10s));
  }
  const auto lines = t.log_lines();
  REQUIRE(lines.size() == 2);
  for (const auto& line : lines) {
    CHECK_FALSE(contains(line, "SECRET"));
    CHECK(contains(line, "/hook"));
  }
  const std::string text = metrics.render();  // the registry outlives the webhook
  CHECK_FALSE(contains(text, "SECRET"));
  CHECK(contains(text, "driftwatch_retrain_webhook_attempts_total{webhook=\"gitlab\"} 2\n"));
  CHECK(contains(text, "driftwatch_retrain_webhook_failures_total{webhook=\"gitlab\",reason=\"connect_error\"} 2\n"));
  CHECK(contains(text, "driftwatch_retrain_webhook_abandoned_total{webhook=\"gitlab\"} 1\n"));
  CHECK(contains(text, "driftwatch_retrain_webhook_triggers_total{webhook=\"gitlab\",result=\"queued\"} 1\n"));
  CHECK(contains(text, "driftwatch_retrain_webhook_queue_depth{webhook=\"gitlab\"} 0\n"));
  CHECK(contains(text, "driftwatch_retrain_webhook_last_success_timestamp_seconds{webhook=\"gitlab\"} 0\n"));
}

TEST_CASE("Retry-After parsing and option validation") {
  const auto now = std::chrono::system_clock::from_time_t(1700000000);
  std::chrono::milliseconds d{0};
  CHECK(driftwatch::detail::parse_retry_after(" 120 ", now, d));
  CHECK(d == 120000ms);
  CHECK(driftwatch::detail::parse_retry_after("Tue, 14 Nov 2023 22:13:19 GMT", now, d));
  CHECK(d == 0ms);  // in the past
  CHECK_FALSE(driftwatch::detail::parse_retry_after("soon", now, d));
  CHECK_FALSE(driftwatch::detail::parse_retry_after("", now, d));

  driftwatch::retrain_webhook_options o;
  o.url = "ftp://x/y";
  CHECK_THROWS_AS(driftwatch::retrain_webhook(o), driftwatch::error);
  o.url = "http://127.0.0.1:1/";
  o.max_attempts = 0;
  CHECK_THROWS_AS(driftwatch::retrain_webhook(o), driftwatch::error);
  o.max_attempts = 1;
  o.payload = driftwatch::retrain_payload::gitlab_trigger;
  CHECK_THROWS_AS(driftwatch::retrain_webhook(o), driftwatch::error);  // no token
}

TEST_CASE("GitLab defaults to at-most-once: an answer after the timeout or a 500 is never retried") {
  // The pipeline is created but the answer comes after the timeout: a retry
  // would start a second pipeline for the same incident.
  scripted_server slow({}, {201, {}, 800ms});
  fake_time t;
  driftwatch::retrain_webhook_options o;
  o.url = slow.url("/api/v4/projects/42/trigger/pipeline");
  o.payload = driftwatch::retrain_payload::gitlab_trigger;
  o.gitlab_token = "tok";
  o.total_timeout = 150ms;
  t.install(o);
  {
    driftwatch::retrain_webhook hook(o);
    hook.trigger(drift_event());
    REQUIRE(hook.wait_idle(10s));
    CHECK(hook.attempts() == 1);
    CHECK(hook.failures("timeout") == 1);
    CHECK(hook.abandoned() == 1);
  }
  CHECK(slow.count() == 1);
  bool explained = false;
  for (const auto& line : t.log_lines()) explained = explained || contains(line, "at-most-once: not retried");
  CHECK(explained);

  scripted_server failing({{500, {}, 0ms}, {201, {}, 0ms}});
  o.url = failing.url();
  o.total_timeout = 2s;
  {
    driftwatch::retrain_webhook hook(o);
    hook.trigger(drift_event());
    REQUIRE(hook.wait_idle(10s));
    CHECK(hook.attempts() == 1);
    CHECK(hook.failures("http_5xx") == 1);
  }
  CHECK(failing.count() == 1);

  // 429 and 503 say the request was not acted on: retried.
  scripted_server busy({{429, {}, 0ms}, {503, {}, 0ms}, {201, {}, 0ms}});
  o.url = busy.url();
  {
    driftwatch::retrain_webhook hook(o);
    hook.trigger(drift_event());
    REQUIRE(hook.wait_idle(10s));
    CHECK(hook.successes() == 1);
    CHECK(hook.attempts() == 3);
  }
  const auto reqs = busy.snapshot();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[0].header("webhook-id") == reqs[2].header("webhook-id"));

  // Connection refused: nothing was sent, so even at-most-once retries.
  o.url = "http://127.0.0.1:" + std::to_string(refused_port()) + "/x";
  o.max_attempts = 3;
  driftwatch::retrain_webhook hook(o);
  hook.trigger(drift_event());
  REQUIRE(hook.wait_idle(10s));
  CHECK(hook.attempts() == 3);
  CHECK(hook.failures("connect_error") == 3);
}

TEST_CASE("a storm of incidents is bounded by the pipeline budget, counted and logged once per window") {
  scripted_server server({}, {200, {}, 0ms});
  fake_time t;
  driftwatch::retrain_webhook_options o = t.options(server.url());
  o.pipeline_budget = 3;
  o.budget_window = std::chrono::minutes(10);
  driftwatch::retrain_webhook hook(o);
  driftwatch::prometheus::registry metrics;
  hook.register_metrics(metrics, "storm");
  int queued = 0, refused = 0;
  for (int i = 0; i < 68; ++i) {
    const auto r = hook.trigger(drift_event("incident-" + std::to_string(i)));
    queued += r == driftwatch::trigger_result::queued;
    refused += r == driftwatch::trigger_result::over_budget;
  }
  CHECK(queued == 3);
  CHECK(refused == 65);
  REQUIRE(hook.wait_idle(10s));
  CHECK(server.count() == 3);
  CHECK(contains(metrics.render(), "driftwatch_retrain_webhook_triggers_total{webhook=\"storm\",result=\"over_budget\"} 65\n"));
  std::size_t budget_lines = 0;
  for (const auto& line : t.log_lines()) budget_lines += contains(line, "pipeline budget of 3 per 600000 ms used up");
  CHECK(budget_lines == 1);
  // A new window: new incidents are triggered again, and logged again when refused.
  t.advance(std::chrono::minutes(11));
  for (int i = 100; i < 105; ++i) hook.trigger(drift_event("incident-" + std::to_string(i)));
  CHECK(hook.triggers(driftwatch::trigger_result::queued) == 6);
  CHECK(hook.triggers(driftwatch::trigger_result::over_budget) == 67);
  REQUIRE(hook.wait_idle(10s));
  budget_lines = 0;
  for (const auto& line : t.log_lines()) budget_lines += contains(line, "pipeline budget of 3");
  CHECK(budget_lines == 2);
}

TEST_CASE("a full queue is logged once per window, never silently") {
  scripted_server server({}, {200, {}, 300ms});
  fake_time t;
  driftwatch::retrain_webhook_options o = t.options(server.url());
  o.queue_capacity = 1;
  o.pipeline_budget = 0;  // no budget: the queue is the only bound here
  driftwatch::retrain_webhook hook(o);
  hook.trigger(drift_event("a"));
  REQUIRE(server.wait_for_requests(1, 5s));
  hook.trigger(drift_event("b"));
  for (int i = 0; i < 5; ++i) CHECK(hook.trigger(drift_event("c" + std::to_string(i))) == driftwatch::trigger_result::dropped);
  REQUIRE(hook.wait_idle(10s));
  std::size_t lines = 0;
  for (const auto& line : t.log_lines()) lines += contains(line, "queue full");
  CHECK(lines == 1);
}

TEST_CASE("logged URLs lose user info and query; user info is sent as Basic auth; keys are escaped") {
  scripted_server server({}, {200, {}, 0ms});
  fake_time t;
  driftwatch::retrain_webhook_options o;
  // A token in the query string with no path, and a password in the user info.
  o.url = "http://hookuser:PASS%2FSECRET@127.0.0.1:" + std::to_string(server.port) + "?token=QUERYSECRET#frag";
  t.install(o);
  {
    driftwatch::retrain_webhook hook(o);
    auto e = drift_event("model=ranker\nretrain webhook: delivered FORGED\x1b[2J\x7f");
    hook.trigger(e);
    REQUIRE(hook.wait_idle(10s));
    CHECK(hook.successes() == 1);
  }
  const auto reqs = server.snapshot();
  REQUIRE(reqs.size() == 1);
  // base64("hookuser:PASS/SECRET")
  CHECK(reqs[0].header("Authorization") == "Basic aG9va3VzZXI6UEFTUy9TRUNSRVQ=");
  const auto lines = t.log_lines();
  REQUIRE(lines.size() == 1);
  for (const auto& line : lines) {
    INFO(line);
    CHECK_FALSE(contains(line, "SECRET"));
    CHECK_FALSE(contains(line, "hookuser"));
    CHECK(contains(line, "[userinfo redacted]@127.0.0.1"));
    CHECK(contains(line, "?[query redacted]"));
    CHECK(contains(line, "ranker\\x0aretrain webhook: delivered FORGED\\x1b[2J\\x7f"));
    for (unsigned char c : line) CHECK((c >= 0x20 && c != 0x7F));
  }
  CHECK(driftwatch::detail::redact_url("https://u:p@h:1/a/b?x=1") == "https://[userinfo redacted]@h:1/a/b?[query redacted]");
  CHECK(driftwatch::detail::redact_url("http://h/p") == "http://h/p");
  CHECK(driftwatch::detail::redact_url("http://h#tok") == "http://h?[query redacted]");
}
