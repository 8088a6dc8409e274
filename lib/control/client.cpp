// SPDX-License-Identifier: Apache-2.0
#include "control/client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/unique_fd.hpp"

namespace anycastd::control {

namespace {

using Clock = std::chrono::steady_clock;

// Largest response accepted; a status of thousands of services fits easily.
constexpr std::size_t kMaxResponse = 16 * 1024 * 1024;

using util::UniqueFd;

ClientError unreachable(const std::string& path, int error) {
  return {ClientError::Kind::unreachable, error,
          "cannot reach anycastd at " + path + ": " + std::strerror(error)};
}

ClientError timed_out(const std::string& path, std::chrono::milliseconds timeout) {
  return {
      ClientError::Kind::timeout, 0,
      "anycastd at " + path + " did not answer within " + std::to_string(timeout.count()) + "ms"};
}

// Waits until `fd` is ready for `events` or the deadline passes; false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd pfd{fd, events, 0};
    const int n = ::poll(&pfd, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return true;  // the next syscall reports the error
  }
}

}  // namespace

std::variant<nlohmann::json, ClientError> request(const std::string& socket_path,
                                                  const nlohmann::json& req,
                                                  std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.empty() || socket_path.size() >= sizeof address.sun_path)
    return unreachable(socket_path, ENAMETOOLONG);
  std::memcpy(address.sun_path, socket_path.data(), socket_path.size());

  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return unreachable(socket_path, errno);
  for (;;) {
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0)
      break;
    if (errno == EINTR) continue;
    // EAGAIN: the listen backlog is full; a Unix socket cannot be polled for it.
    if (errno != EAGAIN) return unreachable(socket_path, errno);
    if (Clock::now() >= deadline) return timed_out(socket_path, timeout);
    ::poll(nullptr, 0, 10);
  }

  const std::string line =
      req.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::size_t sent = 0;
  while (sent < line.size()) {
    const auto n = ::send(fd.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n >= 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return unreachable(socket_path, errno);
    if (!wait_for(fd.get(), POLLOUT, deadline)) return timed_out(socket_path, timeout);
  }

  std::string response;
  char buffer[8192];
  for (;;) {
    const auto newline = response.find('\n');
    if (newline != std::string::npos) {
      response.resize(newline);
      break;
    }
    if (response.size() > kMaxResponse)
      return ClientError{ClientError::Kind::protocol, 0,
                         "anycastd at " + socket_path + " sent an answer longer than " +
                             std::to_string(kMaxResponse) + " bytes"};
    const auto n = ::recv(fd.get(), buffer, sizeof buffer, 0);
    if (n > 0) {
      response.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0)
      return ClientError{ClientError::Kind::protocol, 0,
                         "anycastd at " + socket_path + " closed the connection without answering"};
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return unreachable(socket_path, errno);
    if (!wait_for(fd.get(), POLLIN, deadline)) return timed_out(socket_path, timeout);
  }

  auto doc = nlohmann::json::parse(response, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("ok") || !doc["ok"].is_boolean())
    return ClientError{ClientError::Kind::protocol, 0,
                       "anycastd at " + socket_path + " sent an answer that is not a response"};
  return doc;
}

}  // namespace anycastd::control
