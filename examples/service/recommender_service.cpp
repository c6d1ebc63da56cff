// recommender_service: a small but complete recommendation service with
// driftwatch embedded -- the thing to copy when you add drift and ranking
// monitoring to your own C++ service. docs/embedding.md walks through it.
//
//   POST /recommend {"request_id": "r1", "features": [0.3, 1.2, ...], "device": "ios"}
//        -> {"request_id": "r1", "model_version": "v1", "items": [17, 4, ...]}
//   POST /feedback  {"request_id": "r1", "clicks": [4]}      (later, when the user acted)
//   GET  /healthz
//   GET  /metrics   on its own port, for Prometheus
//
// What it embeds:
//   - a drift_monitor behind concurrent<>: every request's feature vector is
//     observed by the HTTP worker thread that serves it, without a lock;
//   - tumbling time windows (driftwatch/window.hpp) fed from that monitor,
//     against a reference read from a file and re-read on a schedule (a
//     changed file -- a retrained model's training sample -- becomes the new
//     reference);
//   - ranking quality from delayed feedback: the served list is kept until
//     the clicks arrive, then scored (P@k, NDCG@k, ... as trec_eval) into a
//     concurrent<ranking_accumulator>;
//   - /metrics: monitor_exporter (drift of the current window), ranking_exporter
//     (per-request sums and counts), and the service's own counters;
//   - state saved every state.save_seconds and on SIGTERM/SIGINT, restored on
//     start; written atomically (state_file.hpp);
//   - the retraining webhook, configured in the config file, triggered when a
//     closed window shows drift.
//
// Usage: recommender_service --config config.yaml [--api-port N] [--metrics-port N]
//                            [--state-file PATH] [--no-monitoring]
// Prints "READY api=<port> metrics=<port> boot=<id>" once serving, and one line
// per state save ("SAVED ..."), restore ("RESTORED ...") and closed window.
#include <driftwatch/adapters/http_server.hpp>
#include <driftwatch/adapters/prometheus_monitor.hpp>
#include <driftwatch/adapters/prometheus_ranking.hpp>
#include <driftwatch/adapters/retrain_webhook.hpp>
#include <driftwatch/monitors/concurrent.hpp>
#include <driftwatch/monitors/monitor.hpp>
#include <driftwatch/metrics/ranking_accumulator.hpp>
#include <driftwatch/accumulators/serialization.hpp>
#include <driftwatch/monitors/window.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <memory>
#include <new>
#include <mutex>
#include <numeric>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "feedback_store.hpp"
#include "service_config.hpp"
#include "state_file.hpp"

namespace recsvc {

namespace dw = driftwatch;
namespace pm = driftwatch::prometheus;
using wall_clock = std::chrono::system_clock;

// ---- logging: one line per event on stdout -----------------------------------
std::mutex log_mutex;
template <class... Args>
void log_line(const char* format, Args... args) {
  std::lock_guard<std::mutex> lock(log_mutex);
  std::printf(format, args...);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

// ---- the reference: a CSV sample of the training data --------------------------
// Header row of column names; one row per training example; plain
// comma-separated cells without quoting; an empty cell is missing.
struct reference_data {
  std::vector<std::vector<double>> numeric;            // per configured feature
  std::vector<std::vector<std::string>> categorical;   // per configured categorical field
  std::vector<std::uint64_t> numeric_missing, categorical_missing;
  std::uint64_t fingerprint = 0;                       // FNV-1a of the file's bytes
};

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

reference_data read_reference(const service_config& c) {
  std::ifstream in(c.reference_file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the reference file " + c.reference_file);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  reference_data r;
  r.fingerprint = 14695981039346656037ull;
  for (unsigned char ch : text) r.fingerprint = (r.fingerprint ^ ch) * 1099511628211ull;

  std::istringstream lines(text);
  std::string line;
  if (!std::getline(lines, line)) throw std::runtime_error(c.reference_file + ": empty (no header row)");
  const auto header = split_csv_line(line);
  auto column = [&](const std::string& name) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) throw std::runtime_error(c.reference_file + ": no column '" + name + "'");
    return static_cast<std::size_t>(it - header.begin());
  };
  std::vector<std::size_t> num_cols, cat_cols;
  for (const auto& f : c.features) num_cols.push_back(column(f));
  for (const auto& f : c.categorical) cat_cols.push_back(column(f));
  r.numeric.resize(num_cols.size());
  r.categorical.resize(cat_cols.size());
  r.numeric_missing.assign(num_cols.size(), 0);
  r.categorical_missing.assign(cat_cols.size(), 0);
  std::size_t row = 1;
  while (std::getline(lines, line)) {
    ++row;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto cells = split_csv_line(line);
    if (cells.size() != header.size())
      throw std::runtime_error(c.reference_file + ":" + std::to_string(row) + ": " + std::to_string(cells.size()) +
                               " cells, the header has " + std::to_string(header.size()));
    for (std::size_t i = 0; i < num_cols.size(); ++i) {
      const std::string& cell = cells[num_cols[i]];
      if (cell.empty()) {
        ++r.numeric_missing[i];
        continue;
      }
      char* end = nullptr;
      const double v = std::strtod(cell.c_str(), &end);
      if (end != cell.c_str() + cell.size())
        throw std::runtime_error(c.reference_file + ":" + std::to_string(row) + ": column '" + c.features[i] +
                                 "': not a number: '" + cell + "'");
      r.numeric[i].push_back(v);
    }
    for (std::size_t i = 0; i < cat_cols.size(); ++i) {
      const std::string& cell = cells[cat_cols[i]];
      if (cell.empty())
        ++r.categorical_missing[i];
      else
        r.categorical[i].push_back(cell);
    }
  }
  return r;
}

// The monitor every window starts from: frozen reference, bins and thresholds.
// Numeric features get ids 0..F-1 in config order, categorical ones F.. after.
dw::drift_monitor make_prototype(const service_config& c, const reference_data& ref) {
  dw::monitor_config mc;
  mc.bins = c.bins;
  mc.thresholds.psi = c.psi_threshold;
  mc.thresholds.js_distance = c.js_threshold;
  mc.thresholds.ks_pvalue = c.ks_pvalue;
  mc.thresholds.chi2_pvalue = c.chi2_pvalue;
  dw::drift_monitor m(mc);
  for (std::size_t i = 0; i < c.features.size(); ++i) m.add_numeric(c.features[i], ref.numeric[i], ref.numeric_missing[i]);
  for (std::size_t i = 0; i < c.categorical.size(); ++i)
    m.add_categorical(c.categorical[i], ref.categorical[i], ref.categorical_missing[i]);
  return m;
}

// ---- the model: a toy linear ranker over a fixed catalog -----------------------
class toy_model {
 public:
  toy_model(std::size_t catalog, std::size_t dims, std::uint64_t seed) : dims_(dims), weights_(catalog * dims), bias_(catalog) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    for (auto& w : weights_) w = normal(rng);
    for (auto& b : bias_) b = 0.5 * normal(rng);
  }
  /// The k best items for feature vector x (missing values as 0), best first.
  std::vector<dw::item_id> rank(const std::vector<double>& x, std::size_t k) const {
    const std::size_t n = bias_.size();
    std::vector<std::pair<double, dw::item_id>> scored(n);
    for (std::size_t i = 0; i < n; ++i) {
      double s = bias_[i];
      for (std::size_t d = 0; d < dims_; ++d) s += weights_[i * dims_ + d] * (std::isfinite(x[d]) ? x[d] : 0.0);
      scored[i] = {s, static_cast<dw::item_id>(i + 1)};
    }
    std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(k), scored.end(),
                      [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
    std::vector<dw::item_id> out(k);
    for (std::size_t i = 0; i < k; ++i) out[i] = scored[i].second;
    return out;
  }

 private:
  std::size_t dims_;
  std::vector<double> weights_, bias_;
};

// ---- the service ----------------------------------------------------------------
class service {
 public:
  explicit service(service_config config)
      : c_(std::move(config)),
        model_(c_.catalog_size, c_.features.size(), c_.model_seed),
        pending_(c_.monitoring ? c_.pending_feedback : 0, c_.k),  // nothing held without monitoring
        ranking_(dw::ranking_accumulator(c_.model_version, c_.k), 1024),
        boot_(std::random_device{}() * 4294967296ull + std::random_device{}()) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(boot_));
    boot_hex_ = hex;
    if (!c_.monitoring) return;
    const reference_data ref = read_reference(c_);
    install_reference(make_prototype(c_, ref), ref.fingerprint);
    restore();
    register_metrics();
    if (c_.webhook.enabled) start_webhook();
  }

  // Binds the API port and serves on a pool of c_.threads workers.
  void start() {
    api_.new_task_queue = [n = c_.threads] { return new httplib::ThreadPool(static_cast<std::size_t>(n)); };
    api_.set_keep_alive_max_count(1000000);
    api_.set_tcp_nodelay(true);  // small JSON answers: no Nagle delay
    // An idle keep-alive connection holds a worker until this timeout, and
    // stop() waits for the workers: keep it short so SIGTERM stops quickly.
    api_.set_keep_alive_timeout(2);
    api_.set_read_timeout(10, 0);
    api_.set_write_timeout(10, 0);
    api_.set_payload_max_length(64 * 1024);
    api_.Post("/recommend", [this](const httplib::Request& q, httplib::Response& r) { recommend(q, r); });
    api_.Post("/feedback", [this](const httplib::Request& q, httplib::Response& r) { feedback(q, r); });
    api_.Get("/healthz", [](const httplib::Request&, httplib::Response& r) { r.set_content("ok\n", "text/plain"); });
    api_port_ = c_.api_port == 0 ? api_.bind_to_any_port(c_.address) : (api_.bind_to_port(c_.address, c_.api_port) ? c_.api_port : -1);
    if (api_port_ <= 0)
      throw std::runtime_error("cannot bind the API to " + c_.address + ":" + std::to_string(c_.api_port));
    api_thread_ = std::thread([this] { api_.listen_after_bind(); });
    while (!api_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (c_.monitoring) {
      pm::http_server_options o;
      o.address = c_.address;
      o.port = c_.metrics_port;
      metrics_server_.emplace(metrics_, o);
    }
    log_line("READY api=%d metrics=%d boot=%s", api_port_, metrics_server_ ? metrics_server_->port() : 0, boot_hex_.c_str());
  }

  // The main thread's periodic work, every 100 ms (or the save period if
  // shorter): drain the live monitor
  // into the window (which closes windows on time), save on schedule, re-read
  // the reference on schedule.
  void tick() {
    if (!c_.monitoring) return;
    const auto now = std::chrono::steady_clock::now();
    drain();
    if (!c_.state_file.empty() && now >= next_save_) {
      save();
      next_save_ = now + c_.save_interval;
    }
    if (now >= next_reference_check_) {
      check_reference();
      next_reference_check_ = now + c_.reference_refresh;
    }
  }

  void stop() {
    api_.stop();
    if (api_thread_.joinable()) api_thread_.join();
    if (metrics_server_) metrics_server_->stop();
    if (c_.monitoring) {
      exporter_->stop_collecting();
      if (!c_.state_file.empty()) save();
    }
    if (webhook_) webhook_->wait_idle(std::chrono::milliseconds(2000));
    log_line("STOPPED");
  }

 private:
  struct live_monitor {
    live_monitor(dw::drift_monitor prototype, std::uint64_t fp) : monitor(std::move(prototype), 1024), fingerprint(fp) {}
    dw::concurrent<dw::drift_monitor> monitor;
    std::uint64_t fingerprint;
  };
  using window_type = dw::tumbling_time_window<dw::drift_monitor, wall_clock>;

  // -- request path ------------------------------------------------------------
  static void bad_request(httplib::Response& r, const std::string& why) {
    r.status = 400;
    r.set_content(nlohmann::json{{"error", why}}.dump(), "application/json");
  }

  void recommend(const httplib::Request& q, httplib::Response& r) {
    const auto body = nlohmann::json::parse(q.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return bad_request(r, "the body is not a JSON object");
    const auto features = body.find("features");
    if (features == body.end() || !features->is_array() || features->size() != c_.features.size())
      return bad_request(r, "'features' must be an array of " + std::to_string(c_.features.size()) +
                                " numbers (" + c_.features.front() + ", ...) or nulls");
    std::vector<double> x(c_.features.size());
    bool any_null = false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const auto& v = (*features)[i];
      if (v.is_null()) {
        x[i] = std::numeric_limits<double>::quiet_NaN();
        any_null = true;
      }
      else if (v.is_number())
        x[i] = v.get<double>();
      else
        return bad_request(r, "'features'[" + std::to_string(i) + "] (" + c_.features[i] + ") is not a number");
    }
    std::vector<const std::string*> cats(c_.categorical.size(), nullptr);
    for (std::size_t i = 0; i < cats.size(); ++i) {
      const auto it = body.find(c_.categorical[i]);
      if (it != body.end() && it->is_string()) cats[i] = it->get_ptr<const std::string*>();
    }
    std::string id;
    if (const auto it = body.find("request_id"); it != body.end() && it->is_string())
      id = it->get<std::string>();
    else
      id = boot_hex_ + "-" + std::to_string(next_id_.fetch_add(1, std::memory_order_relaxed));

    // The served list's place in the feedback store, requested now so its
    // cache misses overlap the ranking below.
    pending_lists::fingerprint key;
    if (c_.monitoring) {
      key = pending_lists::fingerprint_of(id);
      pending_.prefetch(key);
    }

    auto items = model_.rank(x, c_.k);

    if (c_.monitoring) {
      // The monitoring of this request: one lock-free update of this worker
      // thread's shard of the live monitor (the whole numeric row at once
      // when no value is missing), and the served list kept for its
      // feedback. Nothing here allocates (but the first sight of a category
      // in a shard).
      live_.load(std::memory_order_acquire)->monitor.apply([&](dw::drift_monitor& m) {
        if (!any_null) {
          m.observe_row(dw::span<const double>(x.data(), x.size()));
        } else {
          for (std::size_t i = 0; i < x.size(); ++i) {
            if ((*features)[i].is_null())
              m.observe_missing(i);
            else
              m.observe(i, x[i]);
          }
        }
        for (std::size_t i = 0; i < cats.size(); ++i) {
          if (cats[i])
            m.observe(x.size() + i, std::string_view(*cats[i]));
          else
            m.observe_missing(x.size() + i);
        }
      });
      pending_.put(key, items);
    }
    nlohmann::json out{{"request_id", id}, {"model_version", c_.model_version}, {"items", items}};
    r.set_header("X-Boot-Id", boot_hex_);
    r.set_content(out.dump(), "application/json");
  }

  void feedback(const httplib::Request& q, httplib::Response& r) {
    const auto body = nlohmann::json::parse(q.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return bad_request(r, "the body is not a JSON object");
    const auto id = body.find("request_id");
    const auto clicks = body.find("clicks");
    if (id == body.end() || !id->is_string()) return bad_request(r, "'request_id' (a string) is required");
    if (clicks == body.end() || !clicks->is_array()) return bad_request(r, "'clicks' must be an array of item ids");
    std::vector<dw::judgment> judged;
    for (const auto& c : *clicks) {
      if (!c.is_number_unsigned()) return bad_request(r, "'clicks' must hold item ids (non-negative integers)");
      judged.push_back({c.get<dw::item_id>(), 1});
    }
    r.set_header("X-Boot-Id", boot_hex_);
    if (!c_.monitoring) {
      r.set_content("{\"evaluated\":false}", "application/json");
      return;
    }
    thread_local std::vector<dw::item_id> served;  // reused: no allocation per feedback
    if (!pending_.take(id->get_ref<const std::string&>(), served)) {
      unknown_feedback_.fetch_add(1, std::memory_order_relaxed);
      r.status = 404;
      r.set_content("{\"error\":\"unknown or expired request_id\"}", "application/json");
      return;
    }
    // Duplicate clicks on one item are one judgment.
    std::sort(judged.begin(), judged.end(), [](const auto& a, const auto& b) { return a.item < b.item; });
    judged.erase(std::unique(judged.begin(), judged.end(), [](const auto& a, const auto& b) { return a.item == b.item; }),
                 judged.end());
    ranking_.apply([&](dw::ranking_accumulator& acc) { acc.observe(served, judged); });
    r.set_content("{\"evaluated\":true}", "application/json");
  }

  // -- windows, reference, state -------------------------------------------------
  void install_reference(dw::drift_monitor prototype, std::uint64_t fingerprint) {
    auto fresh = std::make_unique<live_monitor>(prototype, fingerprint);
    window_.emplace(std::move(prototype), std::chrono::duration_cast<wall_clock::duration>(c_.window));
    totals_.assign(c_.features.size() + c_.categorical.size(), 0);
    live_.store(fresh.get(), std::memory_order_release);
    live_monitors_.push_back(std::move(fresh));
  }

  // Counts what a drained delta holds, per feature (valid + invalid values).
  void count(const dw::drift_monitor& delta) {
    for (std::size_t i = 0; i < c_.features.size(); ++i)
      totals_[i] += delta.current_histogram(i).count() + delta.current_histogram(i).invalid_count();
    for (std::size_t i = 0; i < c_.categorical.size(); ++i) {
      const auto& cc = delta.current_categories(c_.features.size() + i);
      totals_[c_.features.size() + i] += cc.count() + cc.overflow_count();
    }
  }

  // Moves everything observed so far into the window; reports a window that
  // closed. Holds window_mutex_.
  void drain_locked() {
    dw::drift_monitor delta = live_.load(std::memory_order_acquire)->monitor.take();
    if (window_->advance()) on_window_closed(window_->last_closed());
    count(delta);
    window_->add(delta);
  }
  void drain() {
    std::lock_guard<std::mutex> lock(window_mutex_);
    drain_locked();
  }

  // Windows closed by this process, across reference refreshes (each
  // refresh starts a new window object). Holds window_mutex_.
  std::uint64_t windows_closed_locked() const { return windows_closed_before_ + window_->windows_closed(); }

  void on_window_closed(const dw::drift_monitor& closed) {
    std::string drifted;
    dw::retrain_event event;
    event.model = c_.model;
    event.model_version = c_.model_version;
    event.reason = "drift_in_closed_window";
    for (const auto& f : closed.report()) {
      if (!f.drift) continue;
      drifted += (drifted.empty() ? "" : ",") + f.name;
      if (f.psi.valid()) event.metrics.emplace_back("psi_" + f.name, f.psi.value);
    }
    log_line("WINDOW closed=%llu drift=%s", static_cast<unsigned long long>(windows_closed_locked()),
             drifted.empty() ? "none" : drifted.c_str());
    if (!drifted.empty() && webhook_) {
      const auto result = webhook_->trigger(event);
      log_line("RETRAIN trigger=%s features=%s", dw::to_string(result), drifted.c_str());
    }
  }

  // Re-reads the reference file; a changed file becomes the new reference:
  // the current window closes early (against the old reference) and a new
  // live monitor takes the requests.
  void check_reference() {
    reference_data ref;
    try {
      ref = read_reference(c_);
    } catch (const std::exception& e) {
      log_line("REFERENCE unreadable, keeping the current one: %s", e.what());
      return;
    }
    live_monitor* old = live_.load(std::memory_order_acquire);
    if (ref.fingerprint == old->fingerprint) return;
    auto fresh = std::make_unique<live_monitor>(make_prototype(c_, ref), ref.fingerprint);
    live_.store(fresh.get(), std::memory_order_release);
    // Requests that loaded the old pointer just before the swap finish their
    // (microsecond) update well within this grace period.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    std::lock_guard<std::mutex> lock(window_mutex_);
    dw::drift_monitor last = old->monitor.take();
    count(last);
    window_->add(last);
    dw::drift_monitor closing = window_->current();
    windows_closed_before_ += window_->windows_closed() + 1;  // + the one closing now
    window_type next(make_prototype(c_, ref), std::chrono::duration_cast<wall_clock::duration>(c_.window));
    next.restore(make_prototype(c_, ref), std::move(closing), wall_clock::now());
    window_.emplace(std::move(next));
    on_window_closed(window_->last_closed());
    // The monitor before the old one is surely idle now: free it.
    if (live_monitors_.size() > 2) live_monitors_.erase(live_monitors_.begin());
    live_monitors_.push_back(std::move(fresh));
    ++reference_generation_;
    log_line("REFERENCE refreshed generation=%llu", static_cast<unsigned long long>(reference_generation_));
  }

  void save() {
    saved_state s;
    std::uint64_t first_total = 0;
    {
      std::lock_guard<std::mutex> lock(window_mutex_);
      drain_locked();
      s.window_current = dw::serialize(window_->current());
      s.window_last_closed = dw::serialize(window_->last_closed());
      s.window_start_unix_ns = static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(window_->current_start().time_since_epoch()).count());
      s.reference_fingerprint = live_.load(std::memory_order_acquire)->fingerprint;
      s.observations_total = totals_;
      first_total = totals_.empty() ? 0 : totals_[0];
      s.ranking = dw::serialize(ranking_.snapshot());
    }
    s.saved_at_unix_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(wall_clock::now().time_since_epoch()).count());
    const auto t0 = std::chrono::steady_clock::now();
    try {
      save_state(s, c_.state_file);
      ++saves_ok_;
      log_line("SAVED observations=%llu us=%lld", static_cast<unsigned long long>(first_total),
               static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::steady_clock::now() - t0).count()));
    } catch (const std::exception& e) {
      ++saves_failed_;
      log_line("SAVE failed: %s", e.what());
    }
  }

  void restore() {
    if (c_.state_file.empty()) return;
    auto s = load_state(c_.state_file);  // throws on a file that does not check out
    if (!s) {
      log_line("RESTORED nothing (no state file %s)", c_.state_file.c_str());
      return;
    }
    if (s->observations_total.size() != totals_.size())
      throw std::runtime_error("state file " + c_.state_file + ": saved for " +
                               std::to_string(s->observations_total.size()) + " features, configured " +
                               std::to_string(totals_.size()));
    totals_ = s->observations_total;
    ranking_.merge(dw::deserialize<dw::ranking_accumulator>(s->ranking));
    const char* window = "dropped (the reference changed since the save)";
    if (s->reference_fingerprint == live_.load()->fingerprint) {
      window_->restore(dw::deserialize<dw::drift_monitor>(s->window_current),
                       dw::deserialize<dw::drift_monitor>(s->window_last_closed),
                       wall_clock::time_point(std::chrono::duration_cast<wall_clock::duration>(
                           std::chrono::nanoseconds(s->window_start_unix_ns))));
      window = "restored";
    }
    log_line("RESTORED observations=%llu window=%s", static_cast<unsigned long long>(totals_.empty() ? 0 : totals_[0]),
             window);
  }

  // -- metrics and webhook ---------------------------------------------------------
  void register_metrics() {
    const std::vector<pm::label> ml{{"model", c_.model}};
    // Registered first, so it runs first in every scrape: it drains the live
    // monitor into the window and publishes the ranking snapshot, so what
    // follows is current.
    metrics_.add({"recommender_observations", "Values observed per feature since the first start (restored from state).",
                  pm::metric_type::counter, {"feature"}, ml},
                 [this](pm::sample_writer& w) {
                   std::vector<std::uint64_t> totals;
                   {
                     std::lock_guard<std::mutex> lock(window_mutex_);
                     drain_locked();
                     totals = totals_;
                   }
                   ranking_exporter_->publish(ranking_.snapshot());
                   for (std::size_t i = 0; i < totals.size(); ++i)
                     w.counter({i < c_.features.size() ? c_.features[i] : c_.categorical[i - c_.features.size()]},
                               totals[i]);
                 });
    metrics_.add({"recommender_boot_info", "The running process's boot id (changes at every start).",
                  pm::metric_type::gauge, {"boot"}, ml},
                 [this](pm::sample_writer& w) { w.gauge({boot_hex_}, 1.0); });
    metrics_.add({"recommender_feedback_unknown", "Feedback for a request id never served or already expired.",
                  pm::metric_type::counter, {}, ml},
                 [this](pm::sample_writer& w) { w.counter({}, unknown_feedback_.load(std::memory_order_relaxed)); });
    metrics_.add({"recommender_pending_evicted", "Served lists evicted before their feedback arrived.",
                  pm::metric_type::counter, {}, ml},
                 [this](pm::sample_writer& w) { w.counter({}, pending_.evicted()); });
    metrics_.add({"recommender_state_saves", "State saves by outcome.", pm::metric_type::counter, {"outcome"}, ml},
                 [this](pm::sample_writer& w) {
                   w.counter({"ok"}, saves_ok_.load());
                   w.counter({"failed"}, saves_failed_.load());
                 });
    metrics_.add({"recommender_windows_closed", "Tumbling windows closed by this process.", pm::metric_type::counter,
                  {}, ml},
                 [this](pm::sample_writer& w) {
                   std::lock_guard<std::mutex> lock(window_mutex_);
                   w.counter({}, windows_closed_locked());
                 });
    exporter_.emplace(metrics_, c_.model);
    exporter_->collect_from([this] {
      std::lock_guard<std::mutex> lock(window_mutex_);
      return window_->current();
    });
    ranking_exporter_.emplace(metrics_, c_.model);
  }

  void start_webhook() {
    const webhook_config& w = c_.webhook;
    dw::retrain_webhook_options o;
    o.url = w.url;
    o.payload = w.payload == "gitlab_trigger" ? dw::retrain_payload::gitlab_trigger : dw::retrain_payload::json;
    o.gitlab_ref = w.gitlab_ref;
    o.gitlab_variables = w.variables;
    o.cooldown = w.cooldown;
    auto from_env = [](const std::string& var, const char* what) {
      if (var.empty()) return std::string();
      const char* v = std::getenv(var.c_str());
      if (!v || !*v) throw std::runtime_error(std::string("retrain_webhook.") + what + ": environment variable " + var + " is not set");
      return std::string(v);
    };
    o.gitlab_token = from_env(w.gitlab_token_env, "gitlab_token_env");
    o.signing_secret = from_env(w.signing_secret_env, "signing_secret_env");
    o.log = [](const std::string& line) { log_line("WEBHOOK %s", line.c_str()); };
    webhook_.emplace(o);
    webhook_->register_metrics(metrics_, "retrain");
  }

  service_config c_;
  toy_model model_;
  pending_lists pending_;
  dw::concurrent<dw::ranking_accumulator> ranking_;
  std::uint64_t boot_;
  std::string boot_hex_;
  std::atomic<std::uint64_t> next_id_{0}, unknown_feedback_{0}, saves_ok_{0}, saves_failed_{0};

  std::atomic<live_monitor*> live_{nullptr};
  std::vector<std::unique_ptr<live_monitor>> live_monitors_;  // the live one last; older ones retired
  std::mutex window_mutex_;                                   // guards window_ and totals_
  std::optional<window_type> window_;
  std::vector<std::uint64_t> totals_;
  std::uint64_t reference_generation_ = 0;
  std::uint64_t windows_closed_before_ = 0;  // by window objects replaced at reference refreshes

  pm::registry metrics_;
  std::optional<pm::monitor_exporter> exporter_;
  std::optional<pm::ranking_exporter> ranking_exporter_;
  std::optional<dw::retrain_webhook> webhook_;

  httplib::Server api_;
  std::thread api_thread_;
  int api_port_ = 0;
  std::optional<pm::metrics_http_server> metrics_server_;

  std::chrono::steady_clock::time_point next_save_ = std::chrono::steady_clock::now() + c_.save_interval;
  std::chrono::steady_clock::time_point next_reference_check_ = std::chrono::steady_clock::now() + c_.reference_refresh;
};

}  // namespace recsvc

int main(int argc, char** argv) {
  std::string config_path;
  std::optional<int> api_port, metrics_port;
  std::optional<std::string> state_file;
  bool no_monitoring = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "recommender_service: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--config") config_path = value();
    else if (a == "--api-port") api_port = std::atoi(value().c_str());
    else if (a == "--metrics-port") metrics_port = std::atoi(value().c_str());
    else if (a == "--state-file") state_file = value();
    else if (a == "--no-monitoring") no_monitoring = true;
    else {
      std::fprintf(stderr,
                   "usage: recommender_service --config FILE [--api-port N] [--metrics-port N] [--state-file PATH] "
                   "[--no-monitoring]\n");
      return 2;
    }
  }
  if (config_path.empty()) {
    std::fprintf(stderr, "recommender_service: --config FILE is required\n");
    return 2;
  }
  // SIGTERM/SIGINT are blocked in every thread (the HTTP workers inherit the
  // mask) and taken synchronously by the main loop below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  try {
    recsvc::service_config config = recsvc::load_config(config_path);
    if (api_port) config.api_port = *api_port;
    if (metrics_port) config.metrics_port = *metrics_port;
    if (state_file) config.state_file = *state_file;
    if (no_monitoring) config.monitoring = false;
    recsvc::service svc(config);
    svc.start();
    // Wake every 100 ms (or every save period, if shorter) for the periodic work.
    const auto period_ns = std::min<long long>(
        100000000LL, std::chrono::duration_cast<std::chrono::nanoseconds>(config.save_interval).count());
    for (;;) {
      const timespec period{0, static_cast<long>(period_ns)};
      const int sig = sigtimedwait(&stop_signals, nullptr, &period);
      if (sig == SIGTERM || sig == SIGINT) break;
      svc.tick();
    }
    svc.stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "recommender_service: %s\n", e.what());
    return 1;
  }
  return 0;
}
