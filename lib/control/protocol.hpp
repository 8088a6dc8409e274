// SPDX-License-Identifier: Apache-2.0
// The control protocol (lib/control/PROTOCOL.md) without sockets: one JSON
// object per line each way. Pure functions, so the parser can be unit tested
// and fuzzed on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

namespace anycastd::control {

// Longest request line the server reads, newline excluded.
inline constexpr std::size_t kMaxRequestLine = 64 * 1024;

enum class Command : std::uint8_t { status, withdraw, announce, reload };

struct Request {
  Command command = Command::status;
  // withdraw/announce: the service, or nullopt for every service ("all": true).
  std::optional<std::string> service;

  friend bool operator==(const Request&, const Request&) = default;
};

// Parses one request line (a trailing "\n" or "\r\n" is allowed). Returns the
// request, or a one-line message saying what is wrong and how to fix it.
std::variant<Request, std::string> parse_request(std::string_view line);

// The request as a JSON object that parse_request() accepts.
nlohmann::json to_json(const Request& request);

struct Reply {
  bool ok = true;
  std::string error;  // when !ok: one line, what is wrong and what to do
  nlohmann::json result = nlohmann::json::object();  // when ok

  static Reply success(nlohmann::json result = nlohmann::json::object()) {
    return Reply{true, {}, std::move(result)};
  }
  static Reply failure(std::string error) { return Reply{false, std::move(error), {}}; }
};

// {"ok":true,"result":...} or {"ok":false,"error":"..."}, newline-terminated.
// Strings that are not valid UTF-8 are repaired, never thrown on.
std::string encode_reply(Reply reply);

std::string_view to_string(Command command);

}  // namespace anycastd::control
