// recommender_loadgen: drives a recommender_service as fast as it answers.
// Each of --threads threads keeps one keep-alive connection and sends
// POST /recommend with a random feature vector (plus, with probability
// --feedback, a POST /feedback of random clicks on the served list), until
// --duration seconds have passed. A failed request (e.g. the replica is
// down) is counted and retried after 10 ms on a new connection.
//
// Prints one JSON line: requests sent, acknowledged (HTTP 200) per boot id
// of the service (X-Boot-Id, so acks before and after a restart are told
// apart), failures, throughput, and p50/p90/p99/max latency of /recommend.
//
// Usage: recommender_loadgen --port N [--host 127.0.0.1] [--threads 4]
//          [--duration 10] [--features 4] [--feedback 0.5] [--shift 0] [--seed 1]
//          [--rate 0 (requests/s per thread; 0 = as fast as possible)]
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

struct thread_result {
  std::uint64_t sent = 0, failed = 0, feedback_acked = 0;
  std::map<std::string, std::uint64_t> acked_by_boot;
  std::vector<std::uint32_t> latency_us;
};

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 0, threads = 4, features = 4;
  double duration = 10, feedback = 0.5, shift = 0, rate = 0;
  std::uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--host") host = v;
    else if (a == "--port") port = std::atoi(v.c_str());
    else if (a == "--threads") threads = std::atoi(v.c_str());
    else if (a == "--duration") duration = std::atof(v.c_str());
    else if (a == "--features") features = std::atoi(v.c_str());
    else if (a == "--feedback") feedback = std::atof(v.c_str());
    else if (a == "--shift") shift = std::atof(v.c_str());
    else if (a == "--seed") seed = std::strtoull(v.c_str(), nullptr, 10);
    else if (a == "--rate") rate = std::atof(v.c_str());
    else {
      std::fprintf(stderr, "recommender_loadgen: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (port <= 0 || threads < 1 || features < 1 || duration <= 0) {
    std::fprintf(stderr, "usage: recommender_loadgen --port N [--threads 4] [--duration 10] [--features 4] ...\n");
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double>(duration));
  std::vector<thread_result> results(static_cast<std::size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      thread_result& r = results[static_cast<std::size_t>(t)];
      r.latency_us.reserve(1 << 20);
      std::mt19937_64 rng(seed * 1000003u + static_cast<std::uint64_t>(t));
      std::normal_distribution<double> normal(0.0, 1.0);
      std::uniform_real_distribution<double> u01(0.0, 1.0);
      const char* devices[] = {"ios", "android", "web"};
      httplib::Client client(host, port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      client.set_connection_timeout(1, 0);
      client.set_read_timeout(10, 0);
      std::string body;
      auto next_send = std::chrono::steady_clock::now();
      while (std::chrono::steady_clock::now() < deadline) {
        if (rate > 0) {
          std::this_thread::sleep_until(next_send);
          next_send += std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(1.0 / rate));
        }
        // Features on the scale of examples/service/reference.csv, moved by
        // `shift` standard deviations.
        nlohmann::json x = nlohmann::json::array();
        x.push_back(40.0 + 12.0 * (normal(rng) + shift));
        x.push_back(std::exp(3.0 + 0.6 * (normal(rng) + shift)));
        x.push_back(std::min(1.0, std::max(0.0, u01(rng) + 0.29 * shift)));
        x.push_back(7.0 * -std::log(1.0 - u01(rng)) + 7.0 * shift);
        for (int f = 4; f < features; ++f) x.push_back(normal(rng) + shift);
        while (static_cast<int>(x.size()) > features) x.erase(x.size() - 1);
        const double d = u01(rng);
        nlohmann::json req{{"features", x}, {"device", devices[d < 0.45 ? 0 : d < 0.85 ? 1 : 2]}};
        body = req.dump();
        ++r.sent;
        const auto t0 = std::chrono::steady_clock::now();
        auto res = client.Post("/recommend", body, "application/json");
        const auto t1 = std::chrono::steady_clock::now();
        if (!res || res->status != 200) {
          ++r.failed;
          client.stop();
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          continue;
        }
        r.latency_us.push_back(static_cast<std::uint32_t>(
            std::min<long long>(std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count(), 4000000000LL)));
        ++r.acked_by_boot[res->get_header_value("X-Boot-Id")];
        if (feedback > 0 && u01(rng) < feedback) {
          const auto served = nlohmann::json::parse(res->body, nullptr, false);
          if (served.is_discarded()) continue;
          nlohmann::json clicks = nlohmann::json::array();
          for (const auto& item : served["items"])
            if (u01(rng) < 0.15) clicks.push_back(item);
          nlohmann::json fb{{"request_id", served["request_id"]}, {"clicks", clicks}};
          auto fres = client.Post("/feedback", fb.dump(), "application/json");
          if (fres && fres->status == 200) ++r.feedback_acked;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  thread_result all;
  for (auto& r : results) {
    all.sent += r.sent;
    all.failed += r.failed;
    all.feedback_acked += r.feedback_acked;
    for (const auto& kv : r.acked_by_boot) all.acked_by_boot[kv.first] += kv.second;
    all.latency_us.insert(all.latency_us.end(), r.latency_us.begin(), r.latency_us.end());
  }
  std::sort(all.latency_us.begin(), all.latency_us.end());
  auto pct = [&](double p) -> double {
    if (all.latency_us.empty()) return 0.0;
    const auto i = static_cast<std::size_t>(p * static_cast<double>(all.latency_us.size() - 1) + 0.5);
    return all.latency_us[i];
  };
  std::uint64_t acked = 0;
  nlohmann::json by_boot = nlohmann::json::object();
  for (const auto& kv : all.acked_by_boot) {
    by_boot[kv.first] = kv.second;
    acked += kv.second;
  }
  nlohmann::json out{{"sent", all.sent},
                     {"acked", acked},
                     {"acked_by_boot", by_boot},
                     {"failed", all.failed},
                     {"feedback_acked", all.feedback_acked},
                     {"seconds", elapsed},
                     {"requests_per_second", static_cast<double>(acked) / elapsed},
                     {"p50_us", pct(0.50)},
                     {"p90_us", pct(0.90)},
                     {"p99_us", pct(0.99)},
                     {"max_us", all.latency_us.empty() ? 0.0 : static_cast<double>(all.latency_us.back())}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
