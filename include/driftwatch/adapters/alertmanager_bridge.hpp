// driftwatch::alertmanager_bridge: a small HTTP receiver for Alertmanager's
// webhook notifications that turns every firing alert into a retrain_event
// handed to retrain_webhook::trigger() -- the "webhook" step of the loop
//   Prometheus (rules) -> Alertmanager -> this bridge -> retrain_webhook
//     -> GitLab pipeline trigger (docs/webhook.md, "From alert to pipeline").
//
// An optional adapter: needs <httplib.h> (see http_server.hpp on linking
// Debian's build), a thread library, and retrain_webhook.hpp's dependencies
// (OpenSSL libcrypto) when used with a retrain_webhook.
//
// The payload (Alertmanager webhook_config, version "4"):
//   {"version":"4","groupKey":...,"truncatedAlerts":0,"status":"firing"|"resolved",
//    "receiver":...,"groupLabels":{...},"commonLabels":{...},
//    "commonAnnotations":{...},"externalURL":...,
//    "alerts":[{"status":"firing"|"resolved","labels":{...},"annotations":{...},
//               "startsAt":RFC3339,"endsAt":RFC3339,"generatorURL":...,
//               "fingerprint":...}, ...]}
// Only what the bridge uses is required: version "4", alerts (an array), and
// per alert status and labels (string values); annotations, when present,
// must be an object of strings. Other members are ignored.
#pragma once

#include <httplib.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <driftwatch/adapters/detail/json_reader.hpp>
#include <driftwatch/adapters/prometheus.hpp>
#include <driftwatch/adapters/retrain_webhook.hpp>
#include <driftwatch/adapters/detail/http_listener.hpp>
#include <driftwatch/core/error.hpp>

namespace driftwatch {

/// How an alertmanager_bridge listens and maps alerts to events.
struct alertmanager_bridge_options {
  /// Address to bind ("127.0.0.1" by default: loopback only; "0.0.0.0" for
  /// every IPv4 interface) and TCP port (0: an ephemeral port, see port()).
  std::string address = "127.0.0.1";
  int port = 0;
  /// Path Alertmanager posts to (its webhook_config url); others answer 404.
  std::string path = "/alertmanager";
  /// Labels whose values make the event key, in this order, as
  /// "name=value,name=value" (absent labels are left out). The key is the
  /// incident identity: retrain_webhook coalesces and cools down per key, so
  /// one incident (an alert on one model and feature) starts one pipeline
  /// however often Alertmanager repeats or regroups the notification.
  std::vector<std::string> key_labels{"alertname", "model", "feature"};
  /// Labels copied into retrain_event::model and ::model_version.
  std::string model_label = "model";
  std::string model_version_label = "model_version";
  /// Only firing alerts carrying every one of these labels with exactly this
  /// value become events (e.g. {{"action", "retrain"}}); empty: all.
  std::vector<std::pair<std::string, std::string>> required_labels;
  /// When non-empty, requests must carry "Authorization: Bearer <token>"
  /// (Alertmanager's http_config.authorization); others get 401. Secret: never
  /// logged, echoed or exported.
  std::string bearer_token;
  /// Largest accepted body (larger: 413) and JSON nesting depth.
  std::size_t max_body_bytes = std::size_t{1} << 20;
  std::size_t max_json_depth = 16;
};

/// What one notification turned into (the body of the 200 answer).
struct alertmanager_notification_result {
  std::size_t firing = 0;    // firing alerts in the payload
  std::size_t resolved = 0;  // resolved alerts (ignored)
  std::size_t filtered = 0;  // firing alerts without the required labels (ignored)
  std::vector<retrain_event> events;  // one per remaining firing alert
};

/// Parses one Alertmanager webhook payload and maps its firing alerts to
/// retrain events (pure: no I/O, no state). Event fields: key from
/// options.key_labels; model and model_version from their labels; reason =
/// the alertname label; metrics = the annotations whose whole value is a
/// finite number (e.g. `value: "{{ $value }}"` in the alerting rule), by
/// annotation name. Throws driftwatch::error naming the problem (and the byte
/// offset for malformed JSON) when the body is not such a payload.
inline alertmanager_notification_result parse_alertmanager_notification(std::string_view body,
                                                                         const alertmanager_bridge_options& options) {
  using detail::json_value;
  detail::json_limits limits;
  limits.max_bytes = options.max_body_bytes;
  limits.max_depth = options.max_json_depth;
  const json_value doc = detail::parse_json(body, limits);
  auto bad = [](const std::string& what) { driftwatch::detail::fail("alertmanager payload: " + what); };
  if (!doc.is_object()) bad("the body is not a JSON object");
  const json_value* version = doc.find("version");
  if (version == nullptr) bad("no \"version\" member (Alertmanager sends \"4\")");
  if (!version->is_string() || version->string != "4")
    bad("unsupported version (this bridge reads version \"4\")");
  const json_value* alerts = doc.find("alerts");
  if (alerts == nullptr || !alerts->is_array()) bad("\"alerts\" must be an array");

  auto string_map = [&bad](const json_value& v, const std::string& where) {
    if (!v.is_object()) bad(where + " must be an object");
    for (const auto& m : v.object)
      if (!m.second.is_string()) bad(where + "[\"" + m.first.substr(0, 64) + "\"] must be a string");
  };
  alertmanager_notification_result out;
  for (std::size_t i = 0; i < alerts->array.size(); ++i) {
    const json_value& alert = alerts->array[i];
    const std::string where = "alerts[" + std::to_string(i) + "]";
    if (!alert.is_object()) bad(where + " must be an object");
    const json_value* status = alert.find("status");
    if (status == nullptr || !status->is_string() || (status->string != "firing" && status->string != "resolved"))
      bad(where + ".status must be \"firing\" or \"resolved\"");
    const json_value* labels = alert.find("labels");
    if (labels == nullptr) bad(where + " has no labels");
    string_map(*labels, where + ".labels");
    const json_value* annotations = alert.find("annotations");
    if (annotations != nullptr) string_map(*annotations, where + ".annotations");
    if (status->string == "resolved") {
      ++out.resolved;
      continue;
    }
    ++out.firing;
    bool wanted = true;
    for (const auto& required : options.required_labels) {
      const json_value* v = labels->find(required.first);
      wanted = wanted && v != nullptr && v->string == required.second;
    }
    if (!wanted) {
      ++out.filtered;
      continue;
    }
    retrain_event e;
    for (const auto& name : options.key_labels) {
      if (const json_value* v = labels->find(name)) {
        if (!e.key.empty()) e.key += ',';
        e.key += name + "=" + v->string;
      }
    }
    if (const json_value* v = labels->find(options.model_label)) e.model = v->string;
    if (const json_value* v = labels->find(options.model_version_label)) e.model_version = v->string;
    if (const json_value* v = labels->find("alertname")) e.reason = v->string;
    if (e.key.empty()) e.key = "fingerprint=" + [&] {
      const json_value* f = alert.find("fingerprint");
      return (f != nullptr && f->is_string()) ? f->string : std::to_string(i);
    }();
    if (annotations != nullptr) {
      for (const auto& m : annotations->object) {
        const std::string& text = m.second.string;
        double value = 0.0;
        const auto r = std::from_chars(text.data(), text.data() + text.size(), value);
        if (!text.empty() && r.ec == std::errc() && r.ptr == text.data() + text.size() && std::isfinite(value))
          e.metrics.emplace_back(m.first, value);
      }
    }
    out.events.push_back(std::move(e));
  }
  return out;
}

/// An HTTP server on its own thread that receives Alertmanager webhook
/// notifications and hands each firing alert, as a retrain_event, to a sink
/// (normally retrain_webhook::trigger, which returns at once).
///
/// Answers (Alertmanager retries 5xx and 429, not other 4xx):
/// - 200 `{"firing":F,"resolved":R,"filtered":X,"triggered":T}` after handing
///   the T events to the sink (resolved alerts are ignored: a pipeline is
///   never cancelled by a resolution);
/// - 400 with a one-line `invalid Alertmanager payload: ...` message for
///   malformed JSON or a body that is not a version-4 payload (nothing is
///   triggered: a payload is all or nothing);
/// - 401 without the configured bearer token, 413 for a body larger than
///   max_body_bytes, 415 for a Content-Type other than application/json,
///   405 for other methods on the path, 404 for other paths, 500 if the sink
///   throws. The bridge never crashes on input.
///
/// Guarantees as metrics_http_server: the constructor binds (port 0 gives an
/// ephemeral port) and returns once accepting; a bind failure throws
/// driftwatch::error naming address and port; stop() and the destructor stop
/// and join, idempotently. The sink must stay valid until stop() returns.
class alertmanager_bridge {
 public:
  /// Any callable taking a retrain_event (called on the server's threads,
  /// possibly concurrently: it must be thread-safe and should not block).
  using sink = std::function<void(retrain_event)>;

  /// Bridges to `webhook`, which must outlive the bridge (or its stop()).
  alertmanager_bridge(retrain_webhook& webhook, alertmanager_bridge_options options = {})
      : alertmanager_bridge(sink([&webhook](retrain_event e) { webhook.trigger(std::move(e)); }),
                            std::move(options)) {}

  alertmanager_bridge(sink to, alertmanager_bridge_options options)
      : options_(std::move(options)), sink_(std::move(to)), stats_(std::make_shared<stats>()),
        server_(std::make_unique<httplib::Server>()) {
    if (!sink_) driftwatch::detail::fail("alertmanager_bridge: no sink");
    if (options_.max_body_bytes == 0) driftwatch::detail::fail("alertmanager_bridge: max_body_bytes must be >= 1");
    install_handlers();
    server_->set_payload_max_length(options_.max_body_bytes);
    port_ = driftwatch::detail::start_listening(*server_, options_.address, options_.port, "alertmanager_bridge", thread_);
  }

  alertmanager_bridge(const alertmanager_bridge&) = delete;
  alertmanager_bridge& operator=(const alertmanager_bridge&) = delete;
  ~alertmanager_bridge() { stop(); }

  /// The bound TCP port (the kernel's choice when options.port was 0).
  int port() const noexcept { return port_; }
  const std::string& address() const noexcept { return options_.address; }

  /// Stops accepting and joins the server thread. Idempotent.
  void stop() {
    driftwatch::detail::stop_listening(*server_, thread_);
  }

  /// Notifications answered 200 / rejected (any 4xx or 5xx the bridge chose).
  std::uint64_t accepted() const noexcept { return stats_->accepted.load(); }
  std::uint64_t rejected() const noexcept { return stats_->rejected.load(); }
  /// Events handed to the sink.
  std::uint64_t triggered() const noexcept { return stats_->triggered.load(); }

  /// Registers the bridge's counters under the constant label bridge=`name`:
  /// driftwatch_alertmanager_notifications_total{result="accepted"|"rejected"}
  /// and driftwatch_alertmanager_alerts_total{status="firing"|"resolved"|
  /// "filtered"|"triggered"}. The registry shares the counters' ownership.
  void register_metrics(prometheus::registry& metrics, const std::string& name) const {
    namespace pm = prometheus;
    auto s = stats_;
    const std::vector<pm::label> bl{{"bridge", name}};
    metrics.add({"driftwatch_alertmanager_notifications", "Alertmanager notifications received, by answer.",
                 pm::metric_type::counter, {"result"}, bl},
                [s](pm::sample_writer& w) {
                  w.counter({"accepted"}, s->accepted.load(std::memory_order_relaxed));
                  w.counter({"rejected"}, s->rejected.load(std::memory_order_relaxed));
                });
    metrics.add({"driftwatch_alertmanager_alerts",
                 "Alerts in accepted notifications: firing, resolved (ignored), filtered (firing without the "
                 "required labels) and triggered (handed to the retraining webhook).",
                 pm::metric_type::counter, {"status"}, bl},
                [s](pm::sample_writer& w) {
                  w.counter({"firing"}, s->firing.load(std::memory_order_relaxed));
                  w.counter({"resolved"}, s->resolved.load(std::memory_order_relaxed));
                  w.counter({"filtered"}, s->filtered.load(std::memory_order_relaxed));
                  w.counter({"triggered"}, s->triggered.load(std::memory_order_relaxed));
                });
  }

 private:
  struct stats {
    std::atomic<std::uint64_t> accepted{0}, rejected{0}, firing{0}, resolved{0}, filtered{0}, triggered{0};
  };

  void reject(httplib::Response& res, int status, const std::string& message) const {
    stats_->rejected.fetch_add(1, std::memory_order_relaxed);
    res.status = status;
    res.set_content(message + "\n", "text/plain; charset=utf-8");
  }

  static bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < a.size(); ++i)
      diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
    return diff == 0;
  }

  void install_handlers() {
    server_->Post(options_.path, [this](const httplib::Request& req, httplib::Response& res) {
      if (!options_.bearer_token.empty() &&
          !constant_time_equal(req.get_header_value("Authorization"), "Bearer " + options_.bearer_token)) {
        res.set_header("WWW-Authenticate", "Bearer");
        return reject(res, 401, "missing or wrong bearer token");
      }
      const std::string type = req.get_header_value("Content-Type");
      if (type.compare(0, 16, "application/json") != 0)
        return reject(res, 415, "Content-Type must be application/json");
      alertmanager_notification_result parsed;
      try {
        parsed = parse_alertmanager_notification(req.body, options_);
      } catch (const driftwatch::error& e) {
        std::string what = e.what();
        if (what.compare(0, 12, "driftwatch: ") == 0) what.erase(0, 12);
        return reject(res, 400, "invalid Alertmanager payload: " + what);
      } catch (const std::bad_alloc&) {
        return reject(res, 413, "payload too large to parse");
      }
      std::size_t triggered = 0;
      try {
        for (auto& e : parsed.events) {
          sink_(std::move(e));
          ++triggered;
        }
      } catch (const std::exception&) {
        stats_->triggered.fetch_add(triggered, std::memory_order_relaxed);
        return reject(res, 500, "the retraining trigger failed");
      }
      stats_->accepted.fetch_add(1, std::memory_order_relaxed);
      stats_->firing.fetch_add(parsed.firing, std::memory_order_relaxed);
      stats_->resolved.fetch_add(parsed.resolved, std::memory_order_relaxed);
      stats_->filtered.fetch_add(parsed.filtered, std::memory_order_relaxed);
      stats_->triggered.fetch_add(triggered, std::memory_order_relaxed);
      res.status = 200;
      res.set_content("{\"firing\":" + std::to_string(parsed.firing) + ",\"resolved\":" +
                          std::to_string(parsed.resolved) + ",\"filtered\":" + std::to_string(parsed.filtered) +
                          ",\"triggered\":" + std::to_string(triggered) + "}\n",
                      "application/json");
    });
    auto not_allowed = [this](const httplib::Request&, httplib::Response& res) {
      res.set_header("Allow", "POST");
      reject(res, 405, "method not allowed (Alertmanager POSTs notifications)");
    };
    server_->Get(options_.path, not_allowed);
    server_->Put(options_.path, not_allowed);
    server_->Delete(options_.path, not_allowed);
    server_->Patch(options_.path, not_allowed);
  }

  alertmanager_bridge_options options_;
  sink sink_;
  std::shared_ptr<stats> stats_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace driftwatch

// The adapter names' convention (docs/design.md, "Names"): the
// namespace of the system the adapter talks to. The flat names above are
// deprecated spellings, kept until 0.2.
namespace driftwatch {
namespace alertmanager {
using bridge = driftwatch::alertmanager_bridge;
using bridge_options = driftwatch::alertmanager_bridge_options;
using notification_result = driftwatch::alertmanager_notification_result;
using driftwatch::parse_alertmanager_notification;
}  // namespace alertmanager
}  // namespace driftwatch
