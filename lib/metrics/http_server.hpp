// SPDX-License-Identifier: Apache-2.0
// The metrics endpoint: HTTP/1.1 with Boost.Beast on the daemon's event loop.
//
//   Prometheus --GET path--> MetricsServer --render()--> exposition text
//
// Only GET and HEAD of `path` (a query string is ignored) are served. Bad
// requests get a 4xx and the connection is closed: another path 404, another
// method 405, headers over Limits::max_header 431, a request with a body 413,
// anything unparsable 400. A request must arrive whole within
// Limits::request_timeout of the connection going idle, so slow and idle
// clients are closed; beyond Limits::max_connections a new client gets 503.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace anycastd::metrics {

struct Limits {
  std::size_t max_connections = 16;
  std::size_t max_header = 8 * 1024;
  std::chrono::milliseconds request_timeout{5000};
  std::chrono::milliseconds write_timeout{10000};
};

namespace detail {
struct HttpState;  // defined in http_server.cpp
}

class MetricsServer {
 public:
  using Render = std::function<std::string()>;

  // Binds and listens; throws std::runtime_error saying what failed.
  MetricsServer(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& listen,
                std::string path, Render render, Limits limits = {});
  // Closes the listening socket and every client.
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  boost::asio::ip::tcp::endpoint local_endpoint() const;
  void set_path(std::string path);
  std::size_t client_count() const;

 private:
  std::shared_ptr<detail::HttpState> state_;
};

}  // namespace anycastd::metrics
