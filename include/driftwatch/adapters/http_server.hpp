// driftwatch::prometheus::metrics_http_server: serves a registry's exposition
// on GET /metrics over HTTP (cpp-httplib).
//
// An optional adapter: needs <httplib.h> (cpp-httplib >= 0.11) and a thread
// library. With Debian's libcpp-httplib-dev, which is a compiled library, link
// it through pkg-config (`cpp-httplib`): its Cflags carry the feature macros
// (CPPHTTPLIB_OPENSSL_SUPPORT, ...) that must match the library's build. With
// the upstream single header, just put httplib.h on the include path.
#pragma once

#include <httplib.h>

#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include <driftwatch/adapters/prometheus.hpp>
#include <driftwatch/adapters/detail/http_listener.hpp>
#include <driftwatch/core/error.hpp>

namespace driftwatch {
namespace prometheus {

/// Where and how metrics_http_server listens.
struct http_server_options {
  /// Address to bind: "127.0.0.1" (loopback only, the default), "0.0.0.0"
  /// (every IPv4 interface), "::" or a specific interface address.
  std::string address = "127.0.0.1";
  /// TCP port; 0 asks the kernel for an ephemeral port (see port()).
  int port = 0;
  /// Path that serves the exposition; any other path answers 404.
  std::string path = "/metrics";
  /// Format served when the scraper does not ask for OpenMetrics.
  exposition_format default_format = exposition_format::text_0_0_4;
  /// Serve OpenMetrics 1.0 when the request's Accept header names
  /// application/openmetrics-text (what Prometheus sends by default).
  bool negotiate_openmetrics = true;
  /// Connection cap and header/body/write/idle deadlines (see
  /// driftwatch::http_server_limits). The server reads no request body:
  /// anything but GET/HEAD of `path` is answered at once and the connection
  /// closed.
  http_server_limits limits;
};

/// Chooses the exposition format for a request's Accept header: OpenMetrics
/// when allowed and the header names application/openmetrics-text, else
/// `fallback`. (A simple substring test: Prometheus lists OpenMetrics first
/// with a higher q than text/plain when it wants it.)
inline exposition_format negotiate_format(std::string_view accept, exposition_format fallback,
                                          bool allow_openmetrics = true) {
  if (allow_openmetrics && accept.find("application/openmetrics-text") != std::string_view::npos)
    return exposition_format::openmetrics_1_0_0;
  return fallback;
}

/// Registers the connection counters of a driftwatch HTTP server as
/// `<prefix>_connections_total{result}` and `<prefix>_limit_hits_total{limit}`
/// (see metrics_http_server::register_metrics) under the constant label
/// `label_name`=`value`.
inline void register_http_limit_metrics(registry& metrics,
                                        std::shared_ptr<const driftwatch::detail::http_counter_block> c,
                                        const std::string& prefix, const std::string& label_name,
                                        const std::string& value) {
  const std::vector<prometheus::label> constant{{label_name, value}};
  metrics.add({prefix + "_connections", "Connections to a driftwatch HTTP server: served, or refused "
               "(max_connections reached, or stopping).",
               metric_type::counter, {"result"}, constant},
              [c](sample_writer& w) {
                const http_server_counters s = c->snapshot();
                w.counter({"accepted"}, s.connections_accepted);
                w.counter({"refused"}, s.connections_refused);
              });
  metrics.add({prefix + "_limit_hits", "Connections a driftwatch HTTP server closed at a limit: "
               "header (header_timeout or max_header_bytes), body (body_timeout or the body byte budget), "
               "write (write_timeout).",
               metric_type::counter, {"limit"}, constant},
              [c](sample_writer& w) {
                const http_server_counters s = c->snapshot();
                w.counter({"header"}, s.header_timeouts);
                w.counter({"body"}, s.body_timeouts);
                w.counter({"write"}, s.write_timeouts);
              });
}

/// An HTTP server on its own thread that renders `registry` at each GET of
/// options.path, with the Content-Type of the chosen format.
///
/// Guarantees:
/// - The constructor binds the socket and waits until the server thread is
///   accepting: on return, port() is the bound port and scrapes succeed. A
///   bind failure (address in use, even by another process: SO_REUSEPORT is
///   not set; an address not of this host) throws driftwatch::error naming
///   the address and port.
/// - Each scrape calls registry::render (see its threading contract); a
///   collector that throws yields HTTP 500 with a one-line message, and the
///   server keeps serving. HEAD is answered like GET without a body; other
///   methods on the path get 405, other paths 404.
/// - Bounded whatever the client does (options.limits): at most
///   max_connections served at once (others get 503 at once), request line
///   and headers within header_timeout and max_header_bytes, responses
///   written within write_timeout; no request body is ever read.
/// - stop() (and the destructor) shuts open connections down, stops
///   accepting and joins the thread: it waits only for scrapes already being
///   rendered, never for a client. Idempotent. The registry must outlive the
///   server.
class metrics_http_server {
 public:
  explicit metrics_http_server(const registry& metrics, http_server_options options = {})
      : registry_(&metrics), options_(std::move(options)) {
    driftwatch::detail::http_validate_limits(options_.limits, "metrics_http_server");
    server_ = std::make_unique<driftwatch::detail::guarded_server>(options_.limits, 0);
    install_handlers();
    port_ = driftwatch::detail::start_listening(*server_, options_.address, options_.port, "metrics_http_server", thread_);
  }

  metrics_http_server(const metrics_http_server&) = delete;
  metrics_http_server& operator=(const metrics_http_server&) = delete;

  ~metrics_http_server() { stop(); }

  /// The bound TCP port (the kernel's choice when options.port was 0).
  int port() const noexcept { return port_; }
  /// The bound address as given in the options.
  const std::string& address() const noexcept { return options_.address; }

  /// What the limits did so far (refused connections, timeouts).
  http_server_counters counters() const noexcept { return server_->counters(); }

  /// Registers what the limits did under the constant label server=`name`:
  /// driftwatch_metrics_http_connections_total{result="accepted"|"refused"}
  /// and driftwatch_metrics_http_limit_hits_total{limit="header"|"body"|
  /// "write"}. The registry shares the counters' ownership (it may be the one
  /// this server serves).
  void register_metrics(registry& metrics, const std::string& name) const {
    register_http_limit_metrics(metrics, server_->shared_counters(), "driftwatch_metrics_http", "server", name);
  }

  /// Shuts open connections down, stops accepting and joins the server
  /// thread. Idempotent.
  void stop() {
    driftwatch::detail::stop_listening(*server_, thread_);
  }

 private:
  void install_handlers() {
    auto serve = [this](const httplib::Request& req, httplib::Response& res) {
      const exposition_format format = negotiate_format(req.get_header_value("Accept"), options_.default_format,
                                                        options_.negotiate_openmetrics);
      try {
        res.set_content(registry_->render(format), content_type(format));
        res.status = 200;
      } catch (const std::exception& e) {
        res.status = 500;
        res.set_content(std::string("error rendering metrics: ") + e.what() + "\n", "text/plain; charset=utf-8");
      }
    };
    server_->Get(options_.path, serve);
    // Everything else is answered before any body is read (httplib would
    // otherwise read a POST body whole before routing it to a 404/405), and
    // the connection is closed after the answer.
    auto refuse = [this](const httplib::Request& req, httplib::Response& res) {
      if (req.path != options_.path) {
        res.status = 404;
        res.set_content("not found\n", "text/plain; charset=utf-8");
      } else if (req.method != "GET" && req.method != "HEAD") {
        res.status = 405;
        res.set_header("Allow", "GET, HEAD");
        res.set_content("method not allowed\n", "text/plain; charset=utf-8");
      } else {
        return false;
      }
      driftwatch::detail::guarded_server::close_after_response();
      return true;
    };
    server_->set_pre_routing_handler([refuse](const httplib::Request& req, httplib::Response& res) {
      return refuse(req, res) ? httplib::Server::HandlerResponse::Handled
                              : httplib::Server::HandlerResponse::Unhandled;
    });
    // "Expect: 100-continue": answer the final status instead of 100 when
    // the request will be refused, so the client never sends the body.
    server_->set_expect_100_continue_handler([refuse](const httplib::Request& req, httplib::Response& res) {
      return refuse(req, res) ? res.status : 100;
    });
  }

  const registry* registry_;
  http_server_options options_;
  std::unique_ptr<driftwatch::detail::guarded_server> server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace prometheus
}  // namespace driftwatch
