// Starting and stopping a cpp-httplib server on its own thread, shared by the
// /metrics server and the Alertmanager bridge.
#pragma once

#include <httplib.h>

#include <chrono>
#include <string>
#include <thread>

#include <driftwatch/core/error.hpp>

namespace driftwatch {
namespace detail {

/// Binds `server` to address:port (port 0: the kernel picks one), starts its
/// listen loop on `thread` and returns once the loop runs; returns the bound
/// port. Sets SO_REUSEADDR only: cpp-httplib's default also sets SO_REUSEPORT,
/// which would let a second process bind the same port and silently split the
/// traffic. Waiting for the loop matters because httplib's stop() is a no-op
/// until it runs, so stopping right after start could otherwise hang the join.
/// Throws driftwatch::error naming `who` and the address when binding fails.
inline int start_listening(httplib::Server& server, const std::string& address, int port, const char* who,
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
  thread = std::thread([&server] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::microseconds(100));
  return bound;
}

/// Stops the listen loop started by start_listening and joins its thread. Idempotent.
inline void stop_listening(httplib::Server& server, std::thread& thread) {
  if (thread.joinable()) {
    server.stop();
    thread.join();
  }
}

}  // namespace detail
}  // namespace driftwatch
