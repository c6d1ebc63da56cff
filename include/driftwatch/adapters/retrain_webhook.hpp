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
// - One worker thread delivers events one at a time. Each attempt carries the
//   same event id (webhook-id header, "event_id" in JSON, DRIFTWATCH_EVENT_ID in
//   GitLab variables) so the receiver can deduplicate retries.
// - Retries only on connection errors, timeouts, HTTP 429 and 5xx, after a
//   full-jitter exponential backoff delay uniform in [0, min(cap, base * 2^n)],
//   or exactly the server's Retry-After (seconds or HTTP-date) when given,
//   itself capped at options.max_retry_after. Any other status is final (no
//   retry on 4xx other than 429).
// - Secrets (GitLab token, signing secret, extra header values) never appear in
//   log lines, exception messages or metrics; logs name the URL without its
//   query string.
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

#include <driftwatch/adapters/detail/json_writer.hpp>
#include <driftwatch/adapters/detail/exposition_text.hpp>
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

/// Configuration of a retrain_webhook. Durations are wall-clock.
struct retrain_webhook_options {
  /// Target, "http://host[:port]/path[?query]" or https (https needs an
  /// OpenSSL-enabled cpp-httplib). The query string is never logged.
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
  /// Upper bound of one attempt: the read/write timeouts, and checked again at
  /// each received body chunk.
  std::chrono::milliseconds total_timeout{10000};
  /// Attempts per event, including the first (>= 1).
  int max_attempts = 6;
  std::chrono::milliseconds backoff_base{500};
  std::chrono::milliseconds backoff_cap{60000};
  /// A Retry-After longer than this is shortened to it.
  std::chrono::milliseconds max_retry_after{std::chrono::minutes(10)};
  std::chrono::milliseconds cooldown{std::chrono::hours(1)};
  /// Queued events (distinct keys) at most (>= 1).
  std::size_t queue_capacity = 64;

  /// Injectable for tests (defaults: system clock, an interruptible sleep, a
  /// seeded PRNG, no logging). `sleep` may return early; `uniform01` returns
  /// a value in [0, 1).
  std::function<std::chrono::system_clock::time_point()> now;
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<double()> uniform01;
  /// Receives one line per attempt outcome; never contains a secret.
  std::function<void(const std::string&)> log;
};

/// What trigger() did with an event.
enum class trigger_result { queued, coalesced, cooling_down, dropped, stopped };

constexpr const char* to_string(trigger_result r) noexcept {
  switch (r) {
    case trigger_result::queued: return "queued";
    case trigger_result::coalesced: return "coalesced";
    case trigger_result::cooling_down: return "cooling_down";
    case trigger_result::dropped: return "dropped";
    case trigger_result::stopped: return "stopped";
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
  std::string loggable;          // scheme://host:port/path (no query)
};

inline parsed_url parse_url(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos || (url.compare(0, scheme_end, "http") != 0 &&
                                          url.compare(0, scheme_end, "https") != 0))
    driftwatch::detail::fail("retrain_webhook: url must start with http:// or https:// (got a url of " +
                             std::to_string(url.size()) + " characters)");
  const auto path_start = url.find('/', scheme_end + 3);
  parsed_url p;
  p.scheme_host_port = url.substr(0, path_start);
  p.path_and_query = path_start == std::string::npos ? "/" : url.substr(path_start);
  if (p.scheme_host_port.size() <= scheme_end + 3) driftwatch::detail::fail("retrain_webhook: url has no host");
  const auto q = p.path_and_query.find('?');
  p.loggable = p.scheme_host_port + p.path_and_query.substr(0, q);
  return p;
}

}  // namespace detail

/// The retraining trigger. See the top of this header for delivery semantics.
///
/// Threading: trigger() is thread-safe and returns without I/O. One internal
/// worker thread sends requests. The destructor stops the worker: it
/// interrupts a backoff sleep, waits for an attempt in progress (bounded by
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
    if (worker_.joinable()) worker_.join();
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
    if (queue_.size() >= options_.queue_capacity) return count(trigger_result::dropped);
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
      body += "{\"event_id\":";
      detail::append_json_string(body, event_id);
      body += ",\"key\":";
      detail::append_json_string(body, event.key);
      body += ",\"model\":";
      detail::append_json_string(body, event.model);
      body += ",\"model_version\":";
      detail::append_json_string(body, event.model_version);
      body += ",\"reason\":";
      detail::append_json_string(body, event.reason);
      body += ",\"metrics\":{";
      for (std::size_t i = 0; i < event.metrics.size(); ++i) {
        if (i > 0) body += ',';
        detail::append_json_string(body, event.metrics[i].first);
        body += ':';
        if (std::isfinite(event.metrics[i].second))
          prometheus::detail::append_double(body, event.metrics[i].second);
        else
          body += "null";
      }
      body += "},\"time\":";
      detail::append_json_string(body, detail::rfc3339_utc(time));
      body += '}';
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
  static constexpr std::size_t trigger_result_count = 5;

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
    if (options_.log) options_.log(line);
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

    const auto deadline = std::chrono::steady_clock::now() + options_.total_timeout;
    bool deadline_hit = false;
    req.progress = [deadline, &deadline_hit](std::uint64_t, std::uint64_t) {
      if (std::chrono::steady_clock::now() > deadline) {
        deadline_hit = true;
        return false;
      }
      return true;
    };

    httplib::Client client(url_.scheme_host_port);
    client.set_connection_timeout(options_.connect_timeout);
    client.set_read_timeout(options_.total_timeout);
    client.set_write_timeout(options_.total_timeout);
    client.set_keep_alive(false);
    const auto started = std::chrono::steady_clock::now();
    auto res = client.send(req);

    attempt_outcome out;
    if (!res) {
      const httplib::Error e = res.error();
      out.retryable = true;
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
      } else {
        out.reason = reason_transport_error;
        out.what = "transport error (" + httplib::to_string(e) + ")";
      }
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
      out.retryable = true;
      out.reason = status == 429 ? reason_http_429 : reason_http_5xx;
      if (res->has_header("Retry-After"))
        out.has_retry_after = detail::parse_retry_after(res->get_header_value("Retry-After"), now, out.retry_after);
    } else {
      out.reason = (status >= 400 && status < 500) ? reason_http_4xx : reason_http_other;
    }
    return out;
  }

  bool deliver(const pending& job) {
    for (int n = 1; n <= options_.max_attempts; ++n) {
      stats_->attempts.fetch_add(1, std::memory_order_relaxed);
      const attempt_outcome out = attempt(job, n);
      const std::string where = url_.loggable + " event " + job.id + " key '" + job.event.key + "' attempt " +
                                std::to_string(n) + "/" + std::to_string(options_.max_attempts);
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
  std::mt19937_64 id_rng_;
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
