// SPDX-License-Identifier: Apache-2.0
// The control socket server (lib/control/PROTOCOL.md).
//
//   anycastctl --line--> ControlServer --Handlers--> daemon
//              <--line--               <--Reply----
//
// Everything runs on the daemon's io_context. A client is one session: it
// may send several requests, one at a time; it is closed after kIdleTimeout
// without a complete request, after a request line longer than
// kMaxRequestLine, or when kMaxClients are already connected.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "control/protocol.hpp"

namespace anycastd::control {

inline constexpr std::size_t kMaxClients = 32;

namespace detail {
struct ServerState;  // defined in server.cpp
}
inline constexpr std::chrono::seconds kIdleTimeout{5};

// What the daemon does for each command. A missing handler answers
// "not supported"; an exception becomes an error reply.
struct Handlers {
  std::function<nlohmann::json()> status;
  std::function<Reply(const std::optional<std::string>& service /*nullopt = all*/)> withdraw;
  std::function<Reply(const std::optional<std::string>& service)> announce;
  std::function<Reply()> reload;
  // Told of every answer: the command ("invalid" for a request that does not
  // parse) and whether it succeeded (for the metrics).
  std::function<void(std::string_view command, bool ok)> answered;
};

class ControlServer {
 public:
  // Creates the parent directory if missing (0750), replaces a stale socket
  // file, binds, sets mode 0660 and the process's group, and listens.
  // Throws std::runtime_error saying what failed and what to do; refuses to
  // take over a socket another process is still serving.
  ControlServer(boost::asio::io_context& io, std::string socket_path, Handlers handlers);
  // Closes every client and the listening socket, and unlinks the socket file.
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  const std::string& socket_path() const;
  std::size_t client_count() const;

  // Answers one request line; what a session does with each line it reads.
  static std::string answer(const Handlers& handlers, std::string_view line);

 private:
  std::shared_ptr<detail::ServerState> state_;
};

}  // namespace anycastd::control
