// driftwatch::retrain_webhook: an asynchronous, safe-to-leave-running trigger
// that starts a retraining pipeline (a GitLab pipeline trigger or any webhook
// receiver) when a monitor decides the model drifted.
//
// An optional adapter: needs <httplib.h> (cpp-httplib >= 0.11, see
// http_server.hpp on linking Debian's build), OpenSSL libcrypto (signing) and
// a thread library.
//
// Delivery semantics (at-least-once, deduplicable):
// - trigger(event) only enqueues: it never performs I/O and never waits for the
//   worker (it takes the queue lock for O(queue capacity) work).
// - Queue overflow policy, "coalesce by key": while an event with the same key
//   is queued, a new trigger for that key replaces its content (metric values,
//   reason) and keeps its place and event id; while one is being delivered, a
//   new trigger for that key is absorbed by it. A trigger for a new key when the
//   queue is full is dropped and counted (triggers_total{result="dropped"}).
// - Per-key cooldown: after a successful delivery for a key, triggers for that
//   key are suppressed for options.cooldown, so one incident starts one
//   pipeline even when the alert keeps firing. A delivery that finally fails
//   starts no cooldown.
// - Pipeline budget: at most options.pipeline_budget new events (distinct
//   incidents, i.e. pipelines) are queued per options.budget_window; the
//   others are refused (trigger_result::over_budget), counted in
//   triggers_total{result="over_budget"} and logged once per window. Queue
//   overflow (dropped) is also logged once per window: nothing is dropped
//   silently.
// - One worker thread delivers events one at a time. Each attempt carries the
//   same event id (webhook-id header, "event_id" in JSON, DRIFTWATCH_EVENT_ID in
//   GitLab variables) so the receiver can deduplicate retries.
// - Delivery mode (options.delivery): at-least-once retries on connection
//   errors, timeouts, HTTP 429 and 5xx; at-most-once (the default for the
//   GitLab trigger, which cannot deduplicate) retries only when the request
//   cannot have been acted on: the connection was never established, or the
//   answer was 429 or 503. Retries wait a full-jitter exponential backoff delay
//   uniform in [0, min(cap, base * 2^n)], or exactly the server's Retry-After
//   (seconds or HTTP-date) when given, itself capped at
//   options.max_retry_after. Any other status is final.
// - Time: an attempt never runs longer than connect_timeout + total_timeout,
//   whatever the server sends or how slowly (a watchdog shuts the connection
//   at that deadline); the response body is read and discarded, never stored.
// - Secrets (GitLab token, signing secret, extra header values, user info in
//   the URL) never appear in log lines, exception messages or metrics; logs
//   name the URL without user info, query string or fragment, and escape
//   every value (no control character reaches a log line).
#pragma once

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <driftwatch/adapters/detail/exposition_text.hpp>
#include <driftwatch/adapters/detail/log_text.hpp>
#include <driftwatch/adapters/prometheus.hpp>
#include <driftwatch/adapters/webhook_signature.hpp>
#include <driftwatch/core/error.hpp>

namespace driftwatch {

/// What asks for retraining. Only `key` drives coalescing and cooldown.
struct retrain_event {
  /// Identity of the incident: coalescing and cooldown are per key. Empty means
  /// `model` (one incident per model at a time).
  std::string key;
  std::string model;
  std::string model_version;
  /// Why, in a word or phrase: "psi_above_threshold", "precision_at_10_drop".
  std::string reason;
  /// Metric values that motivated the trigger (name, value); a non-finite value
  /// is sent as JSON null / the text "NaN", "+Inf", "-Inf".
  std::vector<std::pair<std::string, double>> metrics;
};

/// How the request body is shaped.
enum class retrain_payload {
  /// POST application/json: {"event_id","key","model","model_version","reason",
  /// "metrics":{...},"time"}; any 2xx is success.
  json,
  /// GitLab's pipeline trigger API (POST /api/v4/projects/:id/trigger/pipeline):
  /// application/x-www-form-urlencoded token, ref and variables[KEY]=value;
  /// success is 201 Created.
  gitlab_trigger,
};

/// When a failed attempt may be retried (see the top of this header).
enum class retrain_delivery {
  /// at_most_once for the GitLab trigger (it starts a pipeline per request
  /// and cannot deduplicate), at_least_once for the JSON payload (the
  /// receiver deduplicates on the event id).
  automatic,
  /// Retry whenever the request may not have been acted on (connection
  /// errors, timeouts, 429, 5xx); every retry carries the same event id.
  at_least_once,
  /// Retry only when the request cannot have been acted on: no connection
  /// was established, or the answer was 429 or 503. A timeout, a reset after
  /// sending, or another 5xx is final: one incident never starts two
  /// pipelines, at the price of none when such a failure happens.
  at_most_once,
};

/// Configuration of a retrain_webhook. Durations are wall-clock.
struct retrain_webhook_options {
  /// Target, "http://[user:password@]host[:port]/path[?query]" or https
  /// (https needs an OpenSSL-enabled cpp-httplib). User info is sent as HTTP
  /// Basic authentication. Neither user info nor the query string is ever
  /// logged.
  std::string url;
  retrain_payload payload = retrain_payload::json;
  /// GitLab: the pipeline trigger token (secret) and the ref to run.
  std::string gitlab_token;
  std::string gitlab_ref = "main";
  /// GitLab: extra pipeline variables added to every trigger (name, value).
  std::vector<std::pair<std::string, std::string>> gitlab_variables;
  /// Extra request headers (e.g. Authorization); values are treated as secrets.
  std::vector<std::pair<std::string, std::string>> headers;
  /// Standard Webhooks signing secret ("whsec_<base64>" or raw bytes); empty
  /// disables signing. The webhook-id header is sent either way.
  std::string signing_secret;

  std::chrono::milliseconds connect_timeout{2000};
  /// With connect_timeout, the upper bound of one attempt: an attempt ends
  /// (as a timeout) at connect_timeout + total_timeout after it started,
  /// whatever the server does. (Host name resolution is outside this bound:
  /// the system resolver cannot be interrupted; use an address or a name the
  /// local resolver answers at once.)
  std::chrono::milliseconds total_timeout{10000};
  retrain_delivery delivery = retrain_delivery::automatic;
  /// Attempts per event, including the first (>= 1).
  int max_attempts = 6;
  std::chrono::milliseconds backoff_base{500};
  std::chrono::milliseconds backoff_cap{60000};
  /// A Retry-After longer than this is shortened to it.
  std::chrono::milliseconds max_retry_after{std::chrono::minutes(10)};
  std::chrono::milliseconds cooldown{std::chrono::hours(1)};
  /// Queued events (distinct keys) at most (>= 1).
  std::size_t queue_capacity = 64;
  /// New events (distinct incidents, hence pipelines) accepted per
  /// budget_window; further ones are refused as over_budget, counted and
  /// logged once per window. 0: no budget.
  std::size_t pipeline_budget = 20;
  std::chrono::milliseconds budget_window{std::chrono::hours(1)};

  /// Injectable for tests (defaults: system clock, an interruptible sleep, a
  /// seeded PRNG, no logging). `sleep` may return early; `uniform01` returns
  /// a value in [0, 1).
  std::function<std::chrono::system_clock::time_point()> now;
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<double()> uniform01;
  /// Receives one line per attempt outcome, and one per budget window when
  /// events are refused (over budget, queue full); never contains a secret
  /// or a control character.
  std::function<void(const std::string&)> log;
};

/// What trigger() did with an event.
enum class trigger_result { queued, coalesced, cooling_down, dropped, stopped, over_budget };

constexpr const char* to_string(trigger_result r) noexcept {
  switch (r) {
    case trigger_result::queued: return "queued";
    case trigger_result::coalesced: return "coalesced";
    case trigger_result::cooling_down: return "cooling_down";
    case trigger_result::dropped: return "dropped";
    case trigger_result::stopped: return "stopped";
    case trigger_result::over_budget: return "over_budget";
  }
  return "unknown";
}

namespace detail {

/// application/x-www-form-urlencoded component.
inline void append_form_encoded(std::string& out, std::string_view s) {
  static const char hex[] = "0123456789ABCDEF";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
}

inline std::string rfc3339_utc(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

/// Parses Retry-After: delay-seconds or an IMF-fixdate ("Sun, 06 Nov 1994
/// 08:49:37 GMT"). Returns false if absent or malformed.
inline bool parse_retry_after(std::string_view v, std::chrono::system_clock::time_point now,
                              std::chrono::milliseconds& out) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty()) return false;
  bool digits = true;
  for (char c : v) digits = digits && c >= '0' && c <= '9';
  if (digits) {
    if (v.size() > 9) v = "999999999";
    long long s = 0;
    for (char c : v) s = s * 10 + (c - '0');
    out = std::chrono::seconds(s);
    return true;
  }
  std::tm tm{};
  char wday[4] = {}, mon[4] = {}, zone[4] = {};
  const std::string text(v);
  if (std::sscanf(text.c_str(), "%3s, %d %3s %d %d:%d:%d %3s", wday, &tm.tm_mday, mon, &tm.tm_year, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, zone) != 8)
    return false;
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  tm.tm_mon = -1;
  for (int i = 0; i < 12; ++i)
    if (std::string_view(mon) == months[i]) tm.tm_mon = i;
  if (tm.tm_mon < 0 || std::string_view(zone) != "GMT") return false;
  tm.tm_year -= 1900;
  const std::time_t at = timegm(&tm);
  const auto target = std::chrono::system_clock::from_time_t(at);
  out = target > now ? std::chrono::duration_cast<std::chrono::milliseconds>(target - now)
                     : std::chrono::milliseconds(0);
  return true;
}

struct parsed_url {
  std::string scheme_host_port;  // "http://host:port"
  std::string path_and_query;    // "/path?query"
  std::string loggable;          // scheme://host:port/path (no user info, query or fragment), escaped
  bool has_userinfo = false;
  std::string user, password;    // percent-decoded user info (secret)
};

inline std::string percent_decode(std::string_view s) {
  auto hexval = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      out += static_cast<char>(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

/// Splits "scheme://[userinfo@]host[:port][/path][?query][#fragment]".
/// Errors never echo the URL (it may hold secrets).
inline parsed_url parse_url(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos || (url.compare(0, scheme_end, "http") != 0 &&
                                          url.compare(0, scheme_end, "https") != 0))
    driftwatch::detail::fail("retrain_webhook: url must start with http:// or https:// (got a url of " +
                             std::to_string(url.size()) + " characters)");
  const std::size_t authority_start = scheme_end + 3;
  const auto authority_end = url.find_first_of("/?#", authority_start);
  std::string authority = url.substr(authority_start, authority_end == std::string::npos
                                                          ? std::string::npos
                                                          : authority_end - authority_start);
  parsed_url p;
  const auto at = authority.rfind('@');
  if (at != std::string::npos) {
    const std::string userinfo = authority.substr(0, at);
    authority.erase(0, at + 1);
    const auto colon = userinfo.find(':');
    p.has_userinfo = true;
    p.user = percent_decode(userinfo.substr(0, colon));
    p.password = colon == std::string::npos ? std::string() : percent_decode(userinfo.substr(colon + 1));
  }
  if (authority.empty()) driftwatch::detail::fail("retrain_webhook: url has no host");
  for (char c : authority)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F)
      driftwatch::detail::fail("retrain_webhook: url host contains a space or control character");
  std::string rest = authority_end == std::string::npos ? std::string() : url.substr(authority_end);
  rest = rest.substr(0, rest.find('#'));
  p.scheme_host_port = url.substr(0, authority_start) + authority;
  p.path_and_query = rest.empty() || rest[0] == '?' ? "/" + rest : rest;
  p.loggable = redact_url(url);
  return p;
}

}  // namespace detail

/// The retraining trigger. See the top of this header for delivery semantics.
///
/// Threading: trigger() is thread-safe and returns without I/O. One internal
/// worker thread sends requests; a watchdog thread ends an attempt at its
/// deadline. The destructor stops the worker: it interrupts a backoff sleep,
/// aborts an attempt in progress (shutting its connection: the request may or
/// may not have reached the receiver; never later than the attempt's
/// connect_timeout + total_timeout) and discards events still queued; call
/// wait_idle() first to drain.
class retrain_webhook {
 public:
  /// Validates the options (throws driftwatch::error, never echoing a secret)
  /// and starts the worker thread.
  explicit retrain_webhook(retrain_webhook_options options)
      : options_(std::move(options)), url_(detail::parse_url(options_.url)), stats_(std::make_shared<stats>()) {
    if (options_.max_attempts < 1) driftwatch::detail::fail("retrain_webhook: max_attempts must be >= 1");
    if (options_.queue_capacity < 1) driftwatch::detail::fail("retrain_webhook: queue_capacity must be >= 1");
    if (options_.pipeline_budget > 0 && options_.budget_window <= std::chrono::milliseconds(0))
      driftwatch::detail::fail("retrain_webhook: budget_window must be positive");
    if (options_.connect_timeout <= std::chrono::milliseconds(0) || options_.total_timeout <= std::chrono::milliseconds(0))
      driftwatch::detail::fail("retrain_webhook: connect_timeout and total_timeout must be positive");
    if (options_.delivery == retrain_delivery::automatic)
      options_.delivery = options_.payload == retrain_payload::gitlab_trigger ? retrain_delivery::at_most_once
                                                                               : retrain_delivery::at_least_once;
    if (options_.payload == retrain_payload::gitlab_trigger && options_.gitlab_token.empty())
      driftwatch::detail::fail("retrain_webhook: the GitLab payload needs gitlab_token");
    if (!options_.signing_secret.empty()) key_ = webhook_signature::key_from_secret(options_.signing_secret);
    if (!options_.now) options_.now = [] { return std::chrono::system_clock::now(); };
    if (!options_.uniform01) {
      auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
      auto m = std::make_shared<std::mutex>();
      options_.uniform01 = [rng, m] {
        std::lock_guard<std::mutex> lock(*m);
        return std::uniform_real_distribution<double>(0.0, 1.0)(*rng);
      };
    }
    id_rng_.seed(std::random_device{}());
    watchdog_ = std::thread([this] { watch(); });
    worker_ = std::thread([this] { run(); });
  }

  retrain_webhook(const retrain_webhook&) = delete;
  retrain_webhook& operator=(const retrain_webhook&) = delete;

  ~retrain_webhook() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    {
      std::lock_guard<std::mutex> lock(watch_mutex_);
      abort_attempt_ = true;  // the watchdog shuts the connection in progress now
    }
    watch_wake_.notify_all();
    if (worker_.joinable()) worker_.join();
    {
      std::lock_guard<std::mutex> lock(watch_mutex_);
      watch_stop_ = true;
    }
    watch_wake_.notify_all();
    if (watchdog_.joinable()) watchdog_.join();
  }

  /// Asks for retraining. Returns at once (no I/O, no waiting on the worker)
  /// with what happened to the event; see the overflow and cooldown policy.
  trigger_result trigger(retrain_event event) {
    if (event.key.empty()) event.key = event.model;
    const auto now = options_.now();
    std::unique_lock<std::mutex> lock(mutex_);
    if (stopping_) return count(trigger_result::stopped);
    auto cd = cooldown_until_.find(event.key);
    if (cd != cooldown_until_.end()) {
      if (now < cd->second) return count(trigger_result::cooling_down);
      cooldown_until_.erase(cd);
    }
    if (in_flight_ && in_flight_key_ == event.key) return count(trigger_result::coalesced);
    for (auto& queued : queue_) {
      if (queued.event.key == event.key) {
        queued.event = std::move(event);  // newest values, same id and place
        return count(trigger_result::coalesced);
      }
    }
    if (options_.budget_window > std::chrono::milliseconds(0) && now - window_start_ >= options_.budget_window) {
      window_start_ = now;
      window_used_ = 0;
      over_budget_logged_ = dropped_logged_ = false;
    }
    if (queue_.size() >= options_.queue_capacity) {
      const bool first = !dropped_logged_;
      dropped_logged_ = true;
      lock.unlock();
      if (first)
        log("retrain webhook: " + url_.loggable + ": queue full (" + std::to_string(options_.queue_capacity) +
            " incidents waiting); dropping new incidents such as key '" +
            detail::escape_for_log(event.key, '\'') + "' (counted in triggers_total{result=\"dropped\"}; "
            "logged once per budget window)");
      return count(trigger_result::dropped);
    }
    if (options_.pipeline_budget > 0 && window_used_ >= options_.pipeline_budget) {
      const bool first = !over_budget_logged_;
      over_budget_logged_ = true;
      lock.unlock();
      if (first)
        log("retrain webhook: " + url_.loggable + ": pipeline budget of " + std::to_string(options_.pipeline_budget) +
            " per " + std::to_string(options_.budget_window.count()) +
            " ms used up; not triggering new incidents such as key '" + detail::escape_for_log(event.key, '\'') +
            "' until the window ends (counted in triggers_total{result=\"over_budget\"}; logged once per window)");
      return count(trigger_result::over_budget);
    }
    ++window_used_;
    queue_.push_back(pending{std::move(event), new_event_id(), now});
    stats_->queue_depth.store(queue_.size(), std::memory_order_relaxed);
    lock.unlock();
    wake_.notify_all();
    return count(trigger_result::queued);
  }

  /// Waits until no event is queued or being delivered, or `max_wait` passes.
  /// Returns true if idle. For tests and graceful shutdown.
  bool wait_idle(std::chrono::milliseconds max_wait) {
    std::unique_lock<std::mutex> lock(mutex_);
    return idle_.wait_for(lock, max_wait, [this] { return queue_.empty() && !in_flight_; });
  }

  /// Registers this webhook's metrics in `metrics` under the constant label
  /// webhook=`name` (choose a name, never the URL): triggers by result,
  /// attempts, successes, failed attempts by reason, abandoned events, queue
  /// depth and last success time. The collectors share ownership of the
  /// counters, so the registry may outlive this object.
  void register_metrics(prometheus::registry& metrics, const std::string& name) const {
    auto s = stats_;
    const std::vector<prometheus::label> wl{{"webhook", name}};
    namespace pm = prometheus;
    metrics.add({"driftwatch_retrain_webhook_triggers", "Calls of trigger() by what happened to the event.",
                 pm::metric_type::counter, {"result"}, wl},
                [s](pm::sample_writer& w) {
                  for (std::size_t i = 0; i < trigger_result_count; ++i)
                    w.counter({to_string(static_cast<trigger_result>(i))},
                              s->triggers[i].load(std::memory_order_relaxed));
                });
    metrics.add({"driftwatch_retrain_webhook_attempts", "HTTP attempts made (first tries and retries).",
                 pm::metric_type::counter, {}, wl},
                [s](pm::sample_writer& w) { w.counter({}, s->attempts.load(std::memory_order_relaxed)); });
    metrics.add({"driftwatch_retrain_webhook_successes", "Events delivered successfully.",
                 pm::metric_type::counter, {}, wl},
                [s](pm::sample_writer& w) { w.counter({}, s->successes.load(std::memory_order_relaxed)); });
    metrics.add({"driftwatch_retrain_webhook_failures", "Failed attempts by reason.", pm::metric_type::counter,
                 {"reason"}, wl},
                [s](pm::sample_writer& w) {
                  for (std::size_t i = 0; i < failure_reason_count; ++i)
                    w.counter({failure_reason_names()[i]}, s->failures[i].load(std::memory_order_relaxed));
                });
    metrics.add({"driftwatch_retrain_webhook_abandoned", "Events given up on (non-retryable or out of attempts).",
                 pm::metric_type::counter, {}, wl},
                [s](pm::sample_writer& w) { w.counter({}, s->abandoned.load(std::memory_order_relaxed)); });
    metrics.add({"driftwatch_retrain_webhook_queue_depth", "Events waiting for delivery.", pm::metric_type::gauge,
                 {}, wl},
                [s](pm::sample_writer& w) {
                  w.gauge({}, static_cast<double>(s->queue_depth.load(std::memory_order_relaxed)));
                });
    metrics.add({"driftwatch_retrain_webhook_last_success_timestamp_seconds",
                 "Unix time of the last successful delivery (0 if none).", pm::metric_type::gauge, {}, wl},
                [s](pm::sample_writer& w) { w.gauge({}, s->last_success.load(std::memory_order_relaxed)); });
  }

  // Counters, also readable directly (e.g. in tests).
  std::uint64_t attempts() const noexcept { return stats_->attempts.load(); }
  std::uint64_t successes() const noexcept { return stats_->successes.load(); }
  std::uint64_t abandoned() const noexcept { return stats_->abandoned.load(); }
  std::uint64_t triggers(trigger_result r) const noexcept {
    return stats_->triggers[static_cast<std::size_t>(r)].load();
  }
  /// Failed attempts for a reason: "connect_error", "timeout", "http_429",
  /// "http_5xx", "http_4xx", "http_other", "transport_error".
  std::uint64_t failures(std::string_view reason) const noexcept {
    for (std::size_t i = 0; i < failure_reason_count; ++i)
      if (reason == failure_reason_names()[i]) return stats_->failures[i].load();
    return 0;
  }

  /// The body that would be sent for `event` with `event_id` at `time` (the
  /// same function the worker uses; exposed for tests and documentation).
  std::string body_for(const retrain_event& event, const std::string& event_id,
                       std::chrono::system_clock::time_point time) const {
    std::string body;
    if (options_.payload == retrain_payload::json) {
      nlohmann::ordered_json doc;
      doc["event_id"] = event_id;
      doc["key"] = event.key;
      doc["model"] = event.model;
      doc["model_version"] = event.model_version;
      doc["reason"] = event.reason;
      nlohmann::ordered_json metrics = nlohmann::ordered_json::object();
      for (const auto& m : event.metrics) {
        if (std::isfinite(m.second))
          metrics[m.first] = m.second;
        else
          metrics[m.first] = nullptr;
      }
      doc["metrics"] = std::move(metrics);
      doc["time"] = detail::rfc3339_utc(time);
      // Invalid UTF-8 in a string becomes U+FFFD rather than an exception.
      body = doc.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    } else {
      auto field = [&body](std::string_view name, std::string_view value) {
        if (!body.empty()) body += '&';
        detail::append_form_encoded(body, name);
        body += '=';
        detail::append_form_encoded(body, value);
      };
      field("token", options_.gitlab_token);
      field("ref", options_.gitlab_ref);
      auto variable = [&field](const std::string& name, std::string_view value) {
        field("variables[" + name + "]", value);
      };
      variable("DRIFTWATCH_EVENT_ID", event_id);
      variable("DRIFTWATCH_KEY", event.key);
      variable("DRIFTWATCH_MODEL", event.model);
      variable("DRIFTWATCH_MODEL_VERSION", event.model_version);
      variable("DRIFTWATCH_REASON", event.reason);
      variable("DRIFTWATCH_TIME", detail::rfc3339_utc(time));
      for (const auto& m : event.metrics) {
        std::string value;
        prometheus::detail::append_double(value, m.second);
        std::string name = "DRIFTWATCH_METRIC_";
        for (char c : m.first) {
          const auto u = static_cast<unsigned char>(c);
          name += std::isalnum(u) ? static_cast<char>(std::toupper(u)) : '_';
        }
        variable(name, value);
      }
      for (const auto& v : options_.gitlab_variables) variable(v.first, v.second);
    }
    return body;
  }

 private:
  enum failure_reason : std::size_t {
    reason_connect_error,
    reason_timeout,
    reason_http_429,
    reason_http_5xx,
    reason_http_4xx,
    reason_http_other,
    reason_transport_error,
    failure_reason_count
  };
  static const char* const* failure_reason_names() noexcept {
    static const char* const names[] = {"connect_error", "timeout",    "http_429",       "http_5xx",
                                        "http_4xx",      "http_other", "transport_error"};
    return names;
  }
  static constexpr std::size_t trigger_result_count = 6;

  struct stats {
    std::atomic<std::uint64_t> triggers[trigger_result_count] = {};
    std::atomic<std::uint64_t> attempts{0};
    std::atomic<std::uint64_t> successes{0};
    std::atomic<std::uint64_t> failures[failure_reason_count] = {};
    std::atomic<std::uint64_t> abandoned{0};
    std::atomic<std::size_t> queue_depth{0};
    std::atomic<double> last_success{0.0};
  };

  struct pending {
    retrain_event event;
    std::string id;
    std::chrono::system_clock::time_point created;
  };

  trigger_result count(trigger_result r) {
    stats_->triggers[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed);
    return r;
  }

  // "evt_" + 32 hex digits (128 random bits); called under mutex_.
  std::string new_event_id() {
    static const char hex[] = "0123456789abcdef";
    std::string id = "evt_";
    for (int half = 0; half < 2; ++half) {
      std::uint64_t bits = id_rng_();
      for (int i = 0; i < 16; ++i, bits >>= 4) id += hex[bits & 15];
    }
    return id;
  }

  void log(const std::string& line) const {
    if (options_.log) options_.log(detail::one_log_line(line));
  }

  // Ends the attempt in progress at its deadline, or at once when the
  // destructor asks (Client::stop() shuts its socket down: the blocked read
  // or write fails and send() returns).
  // Past the deadline it keeps stopping the client every 50 ms until send()
  // returns: a stop() that lands while the client is still resolving the
  // host has no socket to shut, the next one has.
  void watch() {
    std::unique_lock<std::mutex> lock(watch_mutex_);
    while (!watch_stop_) {
      if (watched_ == nullptr) {
        watch_wake_.wait(lock);
        continue;
      }
      if (abort_attempt_ || std::chrono::steady_clock::now() >= watch_deadline_) {
        watch_fired_ = true;
        watched_->stop();
        watch_wake_.wait_for(lock, std::chrono::milliseconds(50));
        continue;
      }
      watch_wake_.wait_until(lock, watch_deadline_);
    }
  }

  // Sleeps `d` unless stopping; returns false if stopping.
  bool pause(std::chrono::milliseconds d) {
    if (options_.sleep) {
      options_.sleep(d);
      std::lock_guard<std::mutex> lock(mutex_);
      return !stopping_;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, d, [this] { return stopping_; });
    return !stopping_;
  }

  void run() {
    for (;;) {
      pending job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        job = std::move(queue_.front());
        queue_.pop_front();
        in_flight_ = true;
        in_flight_key_ = job.event.key;
        stats_->queue_depth.store(queue_.size(), std::memory_order_relaxed);
      }
      const bool ok = deliver(job);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (ok) cooldown_until_[job.event.key] = options_.now() + options_.cooldown;
        in_flight_ = false;
        in_flight_key_.clear();
      }
      idle_.notify_all();
    }
  }

  struct attempt_outcome {
    bool success = false;
    bool retryable = false;
    failure_reason reason = reason_transport_error;
    bool has_retry_after = false;
    std::chrono::milliseconds retry_after{0};
    std::string what;  // for the log: status or error kind, never a secret
  };

  attempt_outcome attempt(const pending& job, int number) {
    const auto now = options_.now();
    const std::string body = body_for(job.event, job.id, job.created);
    httplib::Request req;
    req.method = "POST";
    req.path = url_.path_and_query;
    req.body = body;
    req.headers.emplace("Content-Type", options_.payload == retrain_payload::json
                                            ? "application/json"
                                            : "application/x-www-form-urlencoded");
    req.headers.emplace("User-Agent", "driftwatch-retrain-webhook");
    req.headers.emplace(webhook_signature::id_header, job.id);
    req.headers.emplace("Idempotency-Key", job.id);
    req.headers.emplace("X-Driftwatch-Attempt", std::to_string(number));
    const std::int64_t ts = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    req.headers.emplace(webhook_signature::timestamp_header, std::to_string(ts));
    if (!key_.empty())
      req.headers.emplace(webhook_signature::signature_header, webhook_signature::sign(key_, job.id, ts, body));
    for (const auto& h : options_.headers) req.headers.emplace(h.first, h.second);

    // The response body is read and discarded: a receiver cannot make us
    // store an unbounded answer.
    req.content_receiver = [](const char*, std::size_t, std::uint64_t, std::uint64_t) { return true; };

    httplib::Client client(url_.scheme_host_port);
    client.set_connection_timeout(options_.connect_timeout);
    client.set_read_timeout(options_.total_timeout);
    client.set_write_timeout(options_.total_timeout);
    client.set_keep_alive(false);
    if (url_.has_userinfo) client.set_basic_auth(url_.user, url_.password);

    attempt_outcome out;
    const auto started = std::chrono::steady_clock::now();
    {
      std::lock_guard<std::mutex> lock(watch_mutex_);
      if (abort_attempt_) {
        out.reason = reason_transport_error;
        out.what = "interrupted by shutdown";
        return out;
      }
      watched_ = &client;
      watch_deadline_ = started + options_.connect_timeout + options_.total_timeout;
      watch_fired_ = false;
    }
    watch_wake_.notify_all();
    auto res = client.send(req);
    bool deadline_hit = false;
    {
      std::lock_guard<std::mutex> lock(watch_mutex_);
      watched_ = nullptr;
      deadline_hit = watch_fired_;
    }

    // A complete response counts even if the deadline passed while it was
    // being finished: the receiver answered.
    if (!res) {
      const httplib::Error e = res.error();
      // Whether the receiver may have acted on the request: not if the
      // connection was never made.
      const bool never_sent = e == httplib::Error::Connection || e == httplib::Error::ConnectionTimeout;
      out.retryable = never_sent || at_least_once();
      if (e == httplib::Error::ConnectionTimeout) {
        out.reason = reason_timeout;
        out.what = "connect timeout";
      } else if (e == httplib::Error::Connection) {
        out.reason = reason_connect_error;
        out.what = "connection failed";
      } else if (deadline_hit || e == httplib::Error::Canceled ||
                 (e == httplib::Error::Read &&
                  std::chrono::steady_clock::now() - started >= options_.total_timeout)) {
        out.reason = reason_timeout;
        out.what = "timed out";
        if (abort_requested()) out.what = "interrupted by shutdown";
      } else {
        out.reason = reason_transport_error;
        out.what = "transport error (" + httplib::to_string(e) + ")";
      }
      if (!out.retryable) out.what += ", after the request may have been sent (at-most-once: not retried)";
      return out;
    }
    const int status = res->status;
    out.what = "HTTP " + std::to_string(status);
    const bool success = options_.payload == retrain_payload::gitlab_trigger ? status == 201
                                                                              : (status >= 200 && status < 300);
    if (success) {
      out.success = true;
      return out;
    }
    if (status == 429 || (status >= 500 && status < 600)) {
      // at-most-once: only answers that say the request was not acted on.
      out.retryable = at_least_once() || status == 429 || status == 503;
      out.reason = status == 429 ? reason_http_429 : reason_http_5xx;
      if (res->has_header("Retry-After"))
        out.has_retry_after = detail::parse_retry_after(res->get_header_value("Retry-After"), now, out.retry_after);
      if (!out.retryable) out.what += " (at-most-once: not retried)";
    } else {
      out.reason = (status >= 400 && status < 500) ? reason_http_4xx : reason_http_other;
    }
    return out;
  }

  bool at_least_once() const noexcept { return options_.delivery == retrain_delivery::at_least_once; }
  bool abort_requested() {
    std::lock_guard<std::mutex> lock(watch_mutex_);
    return abort_attempt_;
  }

  bool deliver(const pending& job) {
    for (int n = 1; n <= options_.max_attempts; ++n) {
      stats_->attempts.fetch_add(1, std::memory_order_relaxed);
      const attempt_outcome out = attempt(job, n);
      const std::string where = url_.loggable + " event " + job.id + " key '" +
                                detail::escape_for_log(job.event.key, '\'') + "' attempt " + std::to_string(n) + "/" +
                                std::to_string(options_.max_attempts);
      if (!out.success && abort_requested()) {
        log("retrain webhook: " + where + " interrupted by shutdown (the receiver may or may not have it)");
        return false;
      }
      if (out.success) {
        stats_->successes.fetch_add(1, std::memory_order_relaxed);
        stats_->last_success.store(
            std::chrono::duration<double>(options_.now().time_since_epoch()).count(), std::memory_order_relaxed);
        log("retrain webhook: delivered " + where + ": " + out.what);
        return true;
      }
      stats_->failures[out.reason].fetch_add(1, std::memory_order_relaxed);
      if (!out.retryable || n == options_.max_attempts) {
        stats_->abandoned.fetch_add(1, std::memory_order_relaxed);
        log("retrain webhook: giving up on " + where + ": " + out.what +
            (out.retryable ? " (out of attempts)" : " (not retryable)"));
        return false;
      }
      // Full jitter: uniform in [0, min(cap, base * 2^(n-1))].
      const double ceiling = std::min(static_cast<double>(options_.backoff_cap.count()),
                                      static_cast<double>(options_.backoff_base.count()) * std::ldexp(1.0, n - 1));
      auto delay = std::chrono::milliseconds(static_cast<long long>(ceiling * options_.uniform01()));
      if (out.has_retry_after) delay = std::min(out.retry_after, options_.max_retry_after);
      log("retrain webhook: " + where + " failed: " + out.what + "; retrying in " + std::to_string(delay.count()) +
          " ms" + (out.has_retry_after ? " (Retry-After)" : ""));
      if (!pause(delay)) return false;
    }
    return false;
  }

  retrain_webhook_options options_;
  detail::parsed_url url_;
  std::vector<unsigned char> key_;
  std::shared_ptr<stats> stats_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<pending> queue_;
  std::map<std::string, std::chrono::system_clock::time_point> cooldown_until_;
  bool in_flight_ = false;
  std::string in_flight_key_;
  bool stopping_ = false;
  std::chrono::system_clock::time_point window_start_{};
  std::size_t window_used_ = 0;
  bool over_budget_logged_ = false, dropped_logged_ = false;
  std::mt19937_64 id_rng_;

  std::mutex watch_mutex_;
  std::condition_variable watch_wake_;
  httplib::Client* watched_ = nullptr;
  std::chrono::steady_clock::time_point watch_deadline_{};
  bool watch_fired_ = false, abort_attempt_ = false, watch_stop_ = false;
  std::thread watchdog_;
  std::thread worker_;
};

}  // namespace driftwatch

// The adapter names' convention (docs/design.md, "Names"): the
// namespace of the system the adapter talks to (with webhook_signature.hpp's
// sign/verify). The flat names above are deprecated spellings, kept until 0.2.
namespace driftwatch {
namespace webhook {
using retrain_webhook = driftwatch::retrain_webhook;
using retrain_webhook_options = driftwatch::retrain_webhook_options;
using retrain_event = driftwatch::retrain_event;
}  // namespace webhook
}  // namespace driftwatch
