// The HTTP server core shared by the /metrics server and the Alertmanager
// bridge: cpp-httplib's request parsing and routing, with the connection
// handling replaced so that no client, however slow, broken or hostile, can
// hold the server, exhaust its memory or delay stop().
//
// cpp-httplib (0.11) reads each request through a Stream whose only bound is a
// per-recv timeout: a client sending one header byte every 100 ms is never cut
// off, a header line without a newline grows without limit, a chunked or
// length-less body is read whole before any handler runs, its thread pool
// queues connections without bound behind slow ones, and Server::stop() waits
// for every connection. guarded_server overrides the per-connection loop
// (Server::process_and_close_socket, virtual) and the task queue
// (Server::new_task_queue) and reads through guarded_stream, which enforces:
// - a total deadline and a byte budget for the request line and headers, and
//   another for the body (both per request);
// - a total deadline for writing the response;
// - an idle deadline between keep-alive requests and a request count cap;
// - a cap on concurrent connections: above it a connection is answered 503
//   and closed at once by the accepting thread (no queueing behind others);
// - stop(): every open connection is shut down (its reads and writes fail at
//   once), so stop() waits only for handlers already running.
// Any response with status >= 400 closes the connection, so an unread body is
// never parsed as a next request.
//
// Written against cpp-httplib's Server as it is from 0.11 (Debian 12) to 0.17:
// protected process_request(Stream&, bool, bool&, setup_request), protected
// svr_sock_, private virtual process_and_close_socket(socket_t). 0.18 changed
// process_request's parameters; porting means adapting serve() only.
#pragma once

#include <httplib.h>

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <driftwatch/core/error.hpp>

namespace driftwatch {

/// What every driftwatch HTTP server (metrics_http_server,
/// alertmanager_bridge) allows a client. All bounds are totals, not
/// per-packet timeouts: a client that trickles bytes is cut off at the
/// deadline.
struct http_server_limits {
  /// Connections served at the same time (each has a thread while open).
  /// Further connections are answered `503` with `Connection: close` and
  /// closed by the accepting thread at once (>= 1).
  std::size_t max_connections = 32;
  /// Time to receive a request line and all its headers, from its first byte.
  std::chrono::milliseconds header_timeout{5000};
  /// Bytes of request line and headers together (larger: the connection is
  /// closed, answered 400 when possible).
  std::size_t max_header_bytes = 16 * 1024;
  /// Time to receive the request body, from the end of the headers.
  std::chrono::milliseconds body_timeout{10000};
  /// Time to write the whole response.
  std::chrono::milliseconds write_timeout{10000};
  /// Time a keep-alive connection may wait for its next request (also the
  /// time a client may connect and send nothing).
  std::chrono::milliseconds idle_timeout{5000};
  /// Requests served on one connection before it is closed (>= 1).
  std::size_t max_requests_per_connection = 100;
};

/// Counters of what the limits did (monotonic; read at any time).
struct http_server_counters {
  std::uint64_t connections_accepted = 0;  // served (within max_connections)
  std::uint64_t connections_refused = 0;   // answered 503: max_connections reached or stopping
  std::uint64_t header_timeouts = 0;       // header_timeout or max_header_bytes hit
  std::uint64_t body_timeouts = 0;         // body_timeout or the body byte budget hit
  std::uint64_t write_timeouts = 0;        // write_timeout hit
};

namespace detail {

/// The counters behind http_server_counters, shared with metric collectors
/// (which may outlive the server).
struct http_counter_block {
  std::atomic<std::uint64_t> accepted{0}, refused{0}, header_timeouts{0}, body_timeouts{0}, write_timeouts{0};

  http_server_counters snapshot() const noexcept {
    http_server_counters c;
    c.connections_accepted = accepted.load(std::memory_order_relaxed);
    c.connections_refused = refused.load(std::memory_order_relaxed);
    c.header_timeouts = header_timeouts.load(std::memory_order_relaxed);
    c.body_timeouts = body_timeouts.load(std::memory_order_relaxed);
    c.write_timeouts = write_timeouts.load(std::memory_order_relaxed);
    return c;
  }
};

inline void http_validate_limits(const http_server_limits& l, const char* who) {
  if (l.max_connections < 1) fail(std::string(who) + ": limits.max_connections must be >= 1");
  if (l.max_requests_per_connection < 1) fail(std::string(who) + ": limits.max_requests_per_connection must be >= 1");
  if (l.max_header_bytes < 256) fail(std::string(who) + ": limits.max_header_bytes must be >= 256");
  const auto zero = std::chrono::milliseconds(0);
  if (l.header_timeout <= zero || l.body_timeout <= zero || l.write_timeout <= zero || l.idle_timeout <= zero)
    fail(std::string(who) + ": the limits' timeouts must be positive");
}

inline void socket_address(socket_t sock, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  const int r = peer ? ::getpeername(sock, reinterpret_cast<sockaddr*>(&addr), &len)
                     : ::getsockname(sock, reinterpret_cast<sockaddr*>(&addr), &len);
  ip.clear();
  port = 0;
  if (r != 0) return;
  char host[NI_MAXHOST];
  char serv[NI_MAXSERV];
  if (::getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host;
    port = std::atoi(serv);
  }
}

/// A buffered socket stream with total deadlines and byte budgets (see the
/// top of this header). Reads fail (-1) past the read deadline or budget,
/// writes past the write deadline; which limit was hit is recorded.
class guarded_stream final : public httplib::Stream {
 public:
  using clock = std::chrono::steady_clock;
  enum class phase { idle, headers, body, response };

  explicit guarded_stream(socket_t sock) : sock_(sock) {}

  /// Waits up to `idle` for the first byte of the next request.
  bool wait_for_request(std::chrono::milliseconds idle) {
    if (pos_ < size_) return true;
    return poll_until(POLLIN, clock::now() + idle);
  }
  void begin_headers(std::chrono::milliseconds timeout, std::size_t budget) { enter(phase::headers, timeout, budget); }
  void begin_body(std::chrono::milliseconds timeout, std::size_t budget) { enter(phase::body, timeout, budget); }
  void begin_response(std::chrono::milliseconds timeout) {
    phase_ = phase::response;
    write_deadline_ = clock::now() + timeout;
    write_deadline_set_ = true;
  }
  /// The phase whose limit ended the last failed read or write, or idle.
  phase limit_hit() const noexcept { return limit_hit_; }

  bool is_readable() const override {
    if (pos_ < size_) return true;
    return poll_until(POLLIN, read_deadline_);
  }
  bool is_writable() const override { return poll_until(POLLOUT, current_write_deadline()); }

  ssize_t read(char* ptr, std::size_t n) override {
    if (n == 0) return 0;
    if (used_ >= budget_) return hit();
    n = std::min(n, budget_ - used_);
    if (pos_ == size_) {
      if (!poll_until(POLLIN, read_deadline_)) return hit();
      ssize_t got;
      do {
        got = ::recv(sock_, buffer_, sizeof buffer_, 0);
      } while (got < 0 && errno == EINTR);
      if (got <= 0) return got;
      pos_ = 0;
      size_ = static_cast<std::size_t>(got);
    }
    const std::size_t take = std::min(n, size_ - pos_);
    std::memcpy(ptr, buffer_ + pos_, take);
    pos_ += take;
    used_ += take;
    return static_cast<ssize_t>(take);
  }

  ssize_t write(const char* ptr, std::size_t n) override {
    const clock::time_point deadline = current_write_deadline();
    if (!poll_until(POLLOUT, deadline)) {
      limit_hit_ = phase::response;
      return -1;
    }
    ssize_t sent;
    do {
      sent = ::send(sock_, ptr, n, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    return sent;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { socket_address(sock_, true, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { socket_address(sock_, false, ip, port); }
  socket_t socket() const override { return sock_; }

  /// The write deadline outside of begin_response (e.g. "100 Continue").
  std::chrono::milliseconds interim_write_timeout{5000};

 private:
  void enter(phase p, std::chrono::milliseconds timeout, std::size_t budget) {
    phase_ = p;
    read_deadline_ = clock::now() + timeout;
    budget_ = budget;
    used_ = 0;
    write_deadline_set_ = false;
    limit_hit_ = phase::idle;
  }
  ssize_t hit() {
    limit_hit_ = phase_;
    return -1;
  }
  clock::time_point current_write_deadline() const {
    return write_deadline_set_ ? write_deadline_ : clock::now() + interim_write_timeout;
  }
  // Polls until `events` or the deadline; false on timeout, error or hangup
  // without the event.
  bool poll_until(short events, clock::time_point deadline) const {
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
      if (left <= 0) return false;
      pollfd p{sock_, events, 0};
      const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000 * 60)));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return false;
      if (r == 0) continue;  // re-check the deadline
      // POLLHUP/POLLERR: let recv/send report it (0 or -1) without waiting.
      return true;
    }
  }

  socket_t sock_;
  char buffer_[4096];
  std::size_t pos_ = 0, size_ = 0;
  phase phase_ = phase::idle;
  phase limit_hit_ = phase::idle;
  clock::time_point read_deadline_{};
  clock::time_point write_deadline_{};
  bool write_deadline_set_ = false;
  std::size_t budget_ = 0, used_ = 0;
};

/// A cpp-httplib server with the limits above. Configure its handlers as
/// usual; `body_budget` is the most body bytes (after transfer decoding
/// framing, i.e. as read from the socket) any request may send.
class guarded_server : public httplib::Server {
 public:
  guarded_server(http_server_limits limits, std::size_t body_budget)
      : limits_(limits), body_budget_(body_budget) {
    new_task_queue = [this] { return new connection_pool(*this); };
    set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) {
      connection* c = current();
      if (c == nullptr) return;
      c->stream.begin_response(limits_.write_timeout);
      if (res.status >= 400) c->close_after = true;
      if (c->close_after) {
        res.headers.erase("Keep-Alive");
        res.set_header("Connection", "close");
      }
    });
  }

  /// Asks the connection serving the current request (call from a handler)
  /// to close after its response.
  static void close_after_response() {
    if (connection* c = current()) c->close_after = true;
  }

  /// Shuts every open connection down (reads and writes fail at once) and
  /// refuses new ones; then Server::stop() ends the accept loop.
  void begin_stop() {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    for (socket_t s : open_) ::shutdown(s, SHUT_RDWR);
  }

  http_server_counters counters() const noexcept { return counters_->snapshot(); }
  std::shared_ptr<const http_counter_block> shared_counters() const { return counters_; }

  const http_server_limits& limits() const noexcept { return limits_; }

  /// cpp-httplib listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, fixed
  /// when the library was built): a burst of connections beyond it has its
  /// SYNs dropped and retried a second later, which delays a scrape behind a
  /// burst of other clients. listen() again on the bound socket raises it.
  void raise_backlog() {
    const socket_t s = svr_sock_;
    if (s != INVALID_SOCKET) ::listen(s, SOMAXCONN);
  }

 private:
  struct connection {
    explicit connection(socket_t s) : stream(s) {}
    guarded_stream stream;
    bool close_after = false;
  };
  static connection*& current() {
    static thread_local connection* c = nullptr;
    return c;
  }
  static bool& refuse_flag() {
    static thread_local bool refuse = false;
    return refuse;
  }

  // Thread per connection up to max_connections; above it the job runs on
  // the accepting thread with refuse_flag() set, which answers 503 at once.
  class connection_pool final : public httplib::TaskQueue {
   public:
    explicit connection_pool(guarded_server& server) : server_(server) {}
    ~connection_pool() override { shutdown(); }

    void enqueue(std::function<void()> fn) override {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!shutdown_ && busy_ < server_.limits_.max_connections) {
          ++busy_;
          jobs_.push_back(std::move(fn));
          if (idle_ < jobs_.size()) threads_.emplace_back([this] { work(); });
          lock.unlock();
          wake_.notify_one();
          return;
        }
      }
      refuse_flag() = true;
      fn();
      refuse_flag() = false;
    }

    void shutdown() override {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        shutdown_ = true;
      }
      wake_.notify_all();
      for (auto& t : threads_)
        if (t.joinable()) t.join();
    }

   private:
    void work() {
      std::unique_lock<std::mutex> lock(mutex_);
      for (;;) {
        ++idle_;
        wake_.wait(lock, [this] { return shutdown_ || !jobs_.empty(); });
        --idle_;
        if (jobs_.empty()) return;  // shutting down, nothing left
        std::function<void()> fn = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        fn();
        lock.lock();
        --busy_;
      }
    }

    guarded_server& server_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    std::vector<std::thread> threads_;
    std::size_t busy_ = 0, idle_ = 0;
    bool shutdown_ = false;
  };

  static void refuse(socket_t sock) {
    static const char answer[] =
        "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n"
        "Content-Type: text/plain\r\nContent-Length: 21\r\n\r\ntoo many connections\n";
    // One non-blocking attempt: the accepting thread never waits on a client.
    (void)::send(sock, answer, sizeof answer - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
  }

  bool process_and_close_socket(socket_t sock) override {
    if (refuse_flag()) {
      counters_->refused.fetch_add(1, std::memory_order_relaxed);
      refuse(sock);
      return false;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) {
        counters_->refused.fetch_add(1, std::memory_order_relaxed);
        refuse(sock);
        return false;
      }
      open_.insert(sock);
    }
    counters_->accepted.fetch_add(1, std::memory_order_relaxed);
    bool ok = false;
    try {
      ok = serve(sock);
    } catch (...) {
      ok = false;  // never let an exception end the worker thread
    }
    current() = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      open_.erase(sock);
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  bool serve(socket_t sock) {
    connection conn(sock);
    conn.stream.interim_write_timeout = limits_.write_timeout;
    bool ok = true;
    for (std::size_t n = 0; n < limits_.max_requests_per_connection; ++n) {
      if (!conn.stream.wait_for_request(limits_.idle_timeout)) break;
      conn.stream.begin_headers(limits_.header_timeout, limits_.max_header_bytes);
      conn.close_after = false;
      bool closed = false;
      const bool last = n + 1 == limits_.max_requests_per_connection;
      current() = &conn;
      ok = process_request(conn.stream, last, closed, [this, &conn](httplib::Request&) {
        conn.stream.begin_body(limits_.body_timeout, body_budget_);
      });
      current() = nullptr;
      switch (conn.stream.limit_hit()) {
        case guarded_stream::phase::headers: counters_->header_timeouts.fetch_add(1, std::memory_order_relaxed); break;
        case guarded_stream::phase::body: counters_->body_timeouts.fetch_add(1, std::memory_order_relaxed); break;
        case guarded_stream::phase::response: counters_->write_timeouts.fetch_add(1, std::memory_order_relaxed); break;
        case guarded_stream::phase::idle: break;
      }
      if (!ok || closed || conn.close_after || conn.stream.limit_hit() != guarded_stream::phase::idle) break;
    }
    return ok;
  }

  http_server_limits limits_;
  std::size_t body_budget_;
  std::mutex mutex_;
  std::set<socket_t> open_;
  bool stopping_ = false;
  std::shared_ptr<http_counter_block> counters_ = std::make_shared<http_counter_block>();
};

/// Binds `server` to address:port (port 0: the kernel picks one), starts its
/// listen loop on `thread` and returns once the loop runs; returns the bound
/// port. Sets SO_REUSEADDR only: cpp-httplib's default also sets SO_REUSEPORT,
/// which would let a second process bind the same port and silently split the
/// traffic. Waiting for the loop matters because httplib's stop() is a no-op
/// until it runs, so stopping right after start could otherwise hang the join.
/// Throws driftwatch::error naming `who` and the address when binding fails.
inline int start_listening(guarded_server& server, const std::string& address, int port, const char* who,
                           std::thread& thread) {
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const char*>(&yes), sizeof yes);
  });
  int bound = port;
  const bool ok = port == 0 ? (bound = server.bind_to_any_port(address)) > 0 : server.bind_to_port(address, port);
  if (!ok)
    fail(std::string(who) + ": cannot bind " + address + ":" + std::to_string(port) +
         " (address in use or not available)");
  server.raise_backlog();
  thread = std::thread([&server] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::microseconds(100));
  return bound;
}

/// Stops the listen loop started by start_listening and joins its thread:
/// open connections are shut down first, so this waits only for handlers
/// already running. Idempotent.
inline void stop_listening(guarded_server& server, std::thread& thread) {
  if (thread.joinable()) {
    server.begin_stop();
    server.stop();
    thread.join();
  }
}

}  // namespace detail
}  // namespace driftwatch
