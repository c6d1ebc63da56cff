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

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <driftwatch/adapters/detail/json_reader.hpp>
#include <driftwatch/adapters/detail/log_text.hpp>
#include <driftwatch/adapters/prometheus.hpp>
#include <driftwatch/adapters/retrain_webhook.hpp>
#include <driftwatch/adapters/detail/http_listener.hpp>
#include <driftwatch/adapters/http_server.hpp>
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
  /// (Alertmanager's http_config.authorization; the scheme name is
  /// case-insensitive); others get 401, checked before any of the body is
  /// read. Secret: never logged, echoed or exported.
  std::string bearer_token;
  /// Largest accepted body (larger: 413, whether announced by Content-Length
  /// or found while reading a chunked or length-less body: reading stops at
  /// the limit) and JSON nesting depth.
  std::size_t max_body_bytes = std::size_t{1} << 20;
  std::size_t max_json_depth = 16;
  /// Connection cap and header/body/write/idle deadlines (see
  /// driftwatch::http_server_limits).
  http_server_limits limits;
  /// Receives one line per accepted notification and per rejected request
  /// (at most one rejection line per second; the next one says how many were
  /// left out). Values from the request are escaped (no control character
  /// reaches a line); never contains the bearer token. Empty: no logging.
  std::function<void(const std::string&)> log;
};

namespace detail {

/// True when the Content-Type `value` names the media type `expected`
/// (compared case-insensitively, as RFC 9110 says), with or without
/// parameters ("application/json; charset=utf-8" is application/json;
/// "application/jsonx" and "application/json-seq" are not).
inline bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

inline bool media_type_is(std::string_view value, std::string_view expected) {
  auto ows = [](char c) { return c == ' ' || c == '\t'; };
  while (!value.empty() && ows(value.front())) value.remove_prefix(1);
  value = value.substr(0, value.find(';'));
  while (!value.empty() && ows(value.back())) value.remove_suffix(1);
  return ascii_iequals(value, expected);
}

/// Compares in time that depends only on the lengths.
inline bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

/// True when the Authorization header `value` is "Bearer <token>": the
/// scheme name case-insensitively (RFC 9110: "bearer", "BEARER"), one or more
/// spaces, then exactly `token` (compared in constant time).
inline bool bearer_matches(std::string_view value, std::string_view token) {
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  const auto space = value.find(' ');
  if (space == std::string_view::npos) return false;
  if (!ascii_iequals(value.substr(0, space), "bearer")) return false;
  std::string_view credentials = value.substr(space);
  while (!credentials.empty() && credentials.front() == ' ') credentials.remove_prefix(1);
  return constant_time_equal(credentials, token);
}

}  // namespace detail

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
  auto member = [](const json_value& object, const std::string& key) -> const json_value* {
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
  };
  auto text = [](const json_value& v) -> const std::string& { return v.get_ref<const std::string&>(); };
  if (!doc.is_object()) bad("the body is not a JSON object");
  const json_value* version = member(doc, "version");
  if (version == nullptr) bad("no \"version\" member (Alertmanager sends \"4\")");
  if (!version->is_string() || text(*version) != "4") bad("unsupported version (this bridge reads version \"4\")");
  const json_value* alerts = member(doc, "alerts");
  if (alerts == nullptr || !alerts->is_array()) bad("\"alerts\" must be an array");

  auto string_map = [&bad](const json_value& v, const std::string& where) {
    if (!v.is_object()) bad(where + " must be an object");
    for (auto it = v.begin(); it != v.end(); ++it)
      if (!it.value().is_string())
        bad(where + "[\"" + detail::escape_for_log(it.key(), '"', 64) + "\"] must be a string");
  };
  alertmanager_notification_result out;
  for (std::size_t i = 0; i < alerts->size(); ++i) {
    const json_value& alert = (*alerts)[i];
    const std::string where = "alerts[" + std::to_string(i) + "]";
    if (!alert.is_object()) bad(where + " must be an object");
    const json_value* status = member(alert, "status");
    if (status == nullptr || !status->is_string() || (text(*status) != "firing" && text(*status) != "resolved"))
      bad(where + ".status must be \"firing\" or \"resolved\"");
    const json_value* labels = member(alert, "labels");
    if (labels == nullptr) bad(where + " has no labels");
    string_map(*labels, where + ".labels");
    const json_value* annotations = member(alert, "annotations");
    if (annotations != nullptr) string_map(*annotations, where + ".annotations");
    if (text(*status) == "resolved") {
      ++out.resolved;
      continue;
    }
    ++out.firing;
    bool wanted = true;
    for (const auto& required : options.required_labels) {
      const json_value* v = member(*labels, required.first);
      wanted = wanted && v != nullptr && text(*v) == required.second;
    }
    if (!wanted) {
      ++out.filtered;
      continue;
    }
    retrain_event e;
    for (const auto& name : options.key_labels) {
      if (const json_value* v = member(*labels, name)) {
        if (!e.key.empty()) e.key += ',';
        e.key += name + "=" + text(*v);
      }
    }
    if (const json_value* v = member(*labels, options.model_label)) e.model = text(*v);
    if (const json_value* v = member(*labels, options.model_version_label)) e.model_version = text(*v);
    if (const json_value* v = member(*labels, "alertname")) e.reason = text(*v);
    if (e.key.empty()) e.key = "fingerprint=" + [&] {
      const json_value* f = member(alert, "fingerprint");
      return (f != nullptr && f->is_string()) ? text(*f) : std::to_string(i);
    }();
    if (annotations != nullptr) {
      for (auto it = annotations->begin(); it != annotations->end(); ++it) {
        const std::string& value_text = text(it.value());
        double value = 0.0;
        const auto r = std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
        if (!value_text.empty() && r.ec == std::errc() && r.ptr == value_text.data() + value_text.size() &&
            std::isfinite(value))
          e.metrics.emplace_back(it.key(), value);
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
/// - checked from the request line and headers alone, before any of the body
///   is read, in this order: 404 for other paths, 405 for other methods, 401
///   without the configured bearer token, 415 for a Content-Type whose media
///   type is not application/json (parameters such as charset allowed) or a
///   Content-Encoding other than identity, 501 for a Transfer-Encoding other
///   than chunked, 413 for a Content-Length above max_body_bytes;
/// - 413 when a chunked or length-less body passes max_body_bytes (reading
///   stops there), 400 when the body does not arrive within the limits, 500
///   if the sink throws. Every answer >= 400 closes the connection. The
///   bridge never crashes on input.
///
/// Bounded whatever clients do (options.limits, see http_server_limits):
/// connections, header and body deadlines, header bytes, body bytes.
/// The constructor binds (port 0 gives an ephemeral port) and returns once
/// accepting; a bind failure throws driftwatch::error naming address and
/// port; stop() and the destructor shut open connections down, stop and
/// join, idempotently, waiting only for handlers already running. The sink
/// must stay valid until stop() returns.
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
      : options_(std::move(options)), sink_(std::move(to)), stats_(std::make_shared<stats>()) {
    if (!sink_) driftwatch::detail::fail("alertmanager_bridge: no sink");
    if (options_.max_body_bytes == 0) driftwatch::detail::fail("alertmanager_bridge: max_body_bytes must be >= 1");
    driftwatch::detail::http_validate_limits(options_.limits, "alertmanager_bridge");
    // The socket may carry chunk framing on top of the body: allow for it,
    // the body itself is cut at max_body_bytes by the handler.
    const std::size_t socket_budget = options_.max_body_bytes * 2 + 64 * 1024;
    server_ = std::make_unique<driftwatch::detail::guarded_server>(options_.limits, socket_budget);
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

  /// Shuts open connections down, stops accepting and joins the server
  /// thread. Idempotent.
  void stop() {
    driftwatch::detail::stop_listening(*server_, thread_);
  }

  /// Notifications answered 200 / rejected (any 4xx or 5xx the bridge chose).
  std::uint64_t accepted() const noexcept { return stats_->accepted.load(); }
  std::uint64_t rejected() const noexcept { return stats_->rejected.load(); }
  /// Events handed to the sink.
  std::uint64_t triggered() const noexcept { return stats_->triggered.load(); }
  /// What the connection limits did so far (refused connections, timeouts).
  http_server_counters counters() const noexcept { return server_->counters(); }

  /// Registers the bridge's counters under the constant label bridge=`name`:
  /// driftwatch_alertmanager_notifications_total{result="accepted"|"rejected"}
  /// and driftwatch_alertmanager_alerts_total{status="firing"|"resolved"|
  /// "filtered"|"triggered"}, and what the connection limits did as
  /// driftwatch_alertmanager_connections_total{result="accepted"|"refused"}
  /// and driftwatch_alertmanager_limit_hits_total{limit="header"|"body"|
  /// "write"}. The registry shares the counters' ownership.
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
    pm::register_http_limit_metrics(metrics, server_->shared_counters(), "driftwatch_alertmanager", "bridge", name);
  }

 private:
  struct stats {
    std::atomic<std::uint64_t> accepted{0}, rejected{0}, firing{0}, resolved{0}, filtered{0}, triggered{0};
  };

  void log(const std::string& line) const {
    if (options_.log) options_.log(driftwatch::detail::one_log_line(line));
  }

  static std::string peer(const httplib::Request& req) {
    return driftwatch::detail::escape_for_log(req.remote_addr, '\0', 64) + ":" + std::to_string(req.remote_port);
  }

  // Rejection lines are rate-limited to one per second (an unauthenticated
  // client must not be able to flood the log).
  void log_rejection(const httplib::Request& req, int status, const std::string& message) const {
    if (!options_.log) return;
    const auto now = std::chrono::steady_clock::now();
    std::size_t left_out = 0;
    {
      std::lock_guard<std::mutex> lock(log_mutex_);
      if (last_rejection_log_ != std::chrono::steady_clock::time_point{} &&
          now - last_rejection_log_ < std::chrono::seconds(1)) {
        ++rejections_not_logged_;
        return;
      }
      last_rejection_log_ = now;
      left_out = rejections_not_logged_;
      rejections_not_logged_ = 0;
    }
    log("alertmanager bridge: rejected " + driftwatch::detail::escape_for_log(req.method, '\0', 16) + " '" +
        driftwatch::detail::escape_for_log(req.path, '\'', 128) + "' from " + peer(req) + ": " +
        std::to_string(status) + " " + message +
        (left_out > 0 ? " (" + std::to_string(left_out) + " rejections not logged in the last second)" : ""));
  }

  void reject(const httplib::Request& req, httplib::Response& res, int status, const std::string& message) const {
    stats_->rejected.fetch_add(1, std::memory_order_relaxed);
    res.status = status;
    res.set_content(message + "\n", "text/plain; charset=utf-8");
    driftwatch::detail::guarded_server::close_after_response();
    log_rejection(req, status, message);
  }

  // Everything that can be decided from the request line and headers, before
  // a byte of the body is read. Returns true when it answered.
  bool refuse_early(const httplib::Request& req, httplib::Response& res) const {
    using driftwatch::detail::escape_for_log;
    if (req.path != options_.path) {
      reject(req, res, 404, "not found");
      return true;
    }
    if (req.method != "POST") {
      res.set_header("Allow", "POST");
      reject(req, res, 405, "method not allowed (Alertmanager POSTs notifications)");
      return true;
    }
    if (!options_.bearer_token.empty() &&
        !driftwatch::detail::bearer_matches(req.get_header_value("Authorization"), options_.bearer_token)) {
      res.set_header("WWW-Authenticate", "Bearer");
      reject(req, res, 401, "missing or wrong bearer token");
      return true;
    }
    const std::string encoding = req.get_header_value("Content-Encoding");
    if (!encoding.empty() && !driftwatch::detail::ascii_iequals(encoding, "identity")) {
      reject(req, res, 415, "Content-Encoding '" + escape_for_log(encoding, '\'', 64) + "' is not supported");
      return true;
    }
    const std::string transfer = req.get_header_value("Transfer-Encoding");
    if (!transfer.empty() && !driftwatch::detail::ascii_iequals(transfer, "chunked")) {
      reject(req, res, 501, "Transfer-Encoding '" + escape_for_log(transfer, '\'', 64) + "' is not supported");
      return true;
    }
    const std::string type = req.get_header_value("Content-Type");
    if (!driftwatch::detail::media_type_is(type, "application/json")) {
      reject(req, res, 415, "Content-Type must be application/json (got '" + escape_for_log(type, '\'', 64) + "')");
      return true;
    }
    if (req.has_header("Content-Length")) {
      const std::string length = req.get_header_value("Content-Length");
      std::uint64_t n = 0;
      const auto r = std::from_chars(length.data(), length.data() + length.size(), n);
      if (length.empty() || r.ec != std::errc() || r.ptr != length.data() + length.size()) {
        reject(req, res, 400, "invalid Content-Length");
        return true;
      }
      if (n > options_.max_body_bytes) {
        reject(req, res, 413, "body of " + std::to_string(n) + " bytes is larger than the limit of " +
                                  std::to_string(options_.max_body_bytes));
        return true;
      }
    }
    return false;
  }

  void install_handlers() {
    server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      return refuse_early(req, res) ? httplib::Server::HandlerResponse::Handled
                                    : httplib::Server::HandlerResponse::Unhandled;
    });
    // "Expect: 100-continue": the final answer instead of 100 when refused,
    // so the client never sends the body.
    server_->set_expect_100_continue_handler([this](const httplib::Request& req, httplib::Response& res) {
      return refuse_early(req, res) ? res.status : 100;
    });
    server_->Post(options_.path, [this](const httplib::Request& req, httplib::Response& res,
                                        const httplib::ContentReader& read_body) {
      // Checked again in case httplib routed here without the pre-routing
      // step (it always runs it first in 0.11; this is cheap).
      if (refuse_early(req, res)) return;
      std::string body;
      // One allocation when the length is announced (refuse_early checked it
      // against the limit); a chunked body grows from 64 KiB.
      const std::uint64_t announced = req.get_header_value<std::uint64_t>("Content-Length");
      body.reserve(static_cast<std::size_t>(
          std::min<std::uint64_t>(options_.max_body_bytes, announced > 0 ? announced : 64 * 1024)));
      bool too_large = false;
      const bool complete = read_body([&](const char* data, std::size_t size) {
        if (size > options_.max_body_bytes - body.size()) {
          too_large = true;
          return false;  // stop reading: nothing more is buffered
        }
        body.append(data, size);
        return true;
      });
      if (too_large)
        return reject(req, res, 413, "body larger than the limit of " + std::to_string(options_.max_body_bytes) +
                                         " bytes");
      if (!complete) return reject(req, res, 400, "the request body could not be read completely");
      handle(req, body, res);
    });
  }

  void handle(const httplib::Request& req, const std::string& body, httplib::Response& res) {
    alertmanager_notification_result parsed;
    try {
      parsed = parse_alertmanager_notification(body, options_);
    } catch (const driftwatch::error& e) {
      std::string what = e.what();
      if (what.compare(0, 12, "driftwatch: ") == 0) what.erase(0, 12);
      return reject(req, res, 400, "invalid Alertmanager payload: " + driftwatch::detail::escape_for_log(what, '\0', 512));
    } catch (const std::bad_alloc&) {
      return reject(req, res, 413, "payload too large to parse");
    }
    std::size_t triggered = 0;
    try {
      for (auto& e : parsed.events) {
        sink_(std::move(e));
        ++triggered;
      }
    } catch (const std::exception&) {
      stats_->triggered.fetch_add(triggered, std::memory_order_relaxed);
      return reject(req, res, 500, "the retraining trigger failed");
    }
    stats_->accepted.fetch_add(1, std::memory_order_relaxed);
    stats_->firing.fetch_add(parsed.firing, std::memory_order_relaxed);
    stats_->resolved.fetch_add(parsed.resolved, std::memory_order_relaxed);
    stats_->filtered.fetch_add(parsed.filtered, std::memory_order_relaxed);
    stats_->triggered.fetch_add(triggered, std::memory_order_relaxed);
    nlohmann::ordered_json answer;
    answer["firing"] = parsed.firing;
    answer["resolved"] = parsed.resolved;
    answer["filtered"] = parsed.filtered;
    answer["triggered"] = triggered;
    res.status = 200;
    res.set_content(answer.dump() + "\n", "application/json");
    log("alertmanager bridge: accepted a notification from " + peer(req) + ": " + std::to_string(parsed.firing) +
        " firing, " + std::to_string(parsed.resolved) + " resolved, " + std::to_string(parsed.filtered) +
        " filtered, " + std::to_string(triggered) + " handed to the retraining trigger");
  }

  alertmanager_bridge_options options_;
  sink sink_;
  std::shared_ptr<stats> stats_;
  std::unique_ptr<driftwatch::detail::guarded_server> server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex log_mutex_;
  mutable std::chrono::steady_clock::time_point last_rejection_log_{};
  mutable std::size_t rejections_not_logged_ = 0;
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
