// SPDX-License-Identifier: Apache-2.0
// The client side of the control protocol, for anycastctl: one blocking
// request/response exchange with a deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

namespace anycastd::control {

struct ClientError {
  enum class Kind : std::uint8_t {
    unreachable,  // no socket, refused, permission denied
    timeout,      // connected, but no complete answer in time
    protocol,     // the answer is not a JSON object on one line
  };
  Kind kind = Kind::unreachable;
  int error_number = 0;  // errno for unreachable, else 0
  std::string message;   // e.g. "cannot reach anycastd at PATH: No such file or directory"
};

// Sends `req` as one line and returns the daemon's response object
// ({"ok":...}), or why there is none. Never throws for I/O problems.
std::variant<nlohmann::json, ClientError> request(const std::string& socket_path,
                                                  const nlohmann::json& req,
                                                  std::chrono::milliseconds timeout);

}  // namespace anycastd::control
