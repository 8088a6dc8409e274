// SPDX-License-Identifier: Apache-2.0
#include "bgp/error.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <array>

namespace anycastd::bgp {

std::string_view error_name(std::uint8_t code) {
  switch (code) {
    case error::kHeader:
      return "Message Header Error";
    case error::kOpen:
      return "OPEN Message Error";
    case error::kUpdate:
      return "UPDATE Message Error";
    case error::kHoldTimerExpired:
      return "Hold Timer Expired";
    case error::kFsm:
      return "Finite State Machine Error";
    case error::kCease:
      return "Cease";
    case error::kRouteRefresh:
      return "ROUTE-REFRESH Message Error";
    default:
      return "";
  }
}

std::string_view subcode_name(std::uint8_t code, std::uint8_t subcode) {
  using namespace error;
  static constexpr std::array<std::string_view, 4> header = {
      "", "Connection Not Synchronized", "Bad Message Length", "Bad Message Type"};
  static constexpr std::array<std::string_view, 12> open = {"Unspecific",
                                                            "Unsupported Version Number",
                                                            "Bad Peer AS",
                                                            "Bad BGP Identifier",
                                                            "Unsupported Optional Parameter",
                                                            "",
                                                            "Unacceptable Hold Time",
                                                            "Unsupported Capability",
                                                            "",
                                                            "",
                                                            "",
                                                            "Role Mismatch"};
  static constexpr std::array<std::string_view, 12> update = {"Unspecific",
                                                              "Malformed Attribute List",
                                                              "Unrecognized Well-known Attribute",
                                                              "Missing Well-known Attribute",
                                                              "Attribute Flags Error",
                                                              "Attribute Length Error",
                                                              "Invalid ORIGIN Attribute",
                                                              "",
                                                              "Invalid NEXT_HOP Attribute",
                                                              "Optional Attribute Error",
                                                              "Invalid Network Field",
                                                              "Malformed AS_PATH"};
  static constexpr std::array<std::string_view, 4> fsm = {
      "Unspecified", "Unexpected Message in OpenSent", "Unexpected Message in OpenConfirm",
      "Unexpected Message in Established"};
  static constexpr std::array<std::string_view, 11> cease = {"",
                                                             "Maximum Number of Prefixes Reached",
                                                             "Administrative Shutdown",
                                                             "Peer De-configured",
                                                             "Administrative Reset",
                                                             "Connection Rejected",
                                                             "Other Configuration Change",
                                                             "Connection Collision Resolution",
                                                             "Out of Resources",
                                                             "Hard Reset",
                                                             "BFD Down"};
  auto pick = [subcode](const auto& names) -> std::string_view {
    return subcode < names.size() ? names[subcode] : std::string_view{};
  };
  switch (code) {
    case kHeader:
      return pick(header);
    case kOpen:
      return pick(open);
    case kUpdate:
      return pick(update);
    case kFsm:
      return pick(fsm);
    case kCease:
      return pick(cease);
    case kRouteRefresh:
      return subcode == kInvalidRouteRefreshLength ? "Invalid Message Length" : "";
    default:
      return "";
  }
}

Notification Notification::administrative_shutdown(std::string_view message) {
  Notification n{error::kCease, error::kAdministrativeShutdown, {}};
  if (message.empty()) return n;
  // RFC 9003 §2: at most 255 octets; cut at a UTF-8 character boundary.
  std::size_t length = std::min(message.size(), kMaxShutdownMessage);
  while (length > 0 && length < message.size() &&
         (static_cast<unsigned char>(message[length]) & 0xc0) == 0x80) {
    --length;
  }
  n.data.push_back(static_cast<std::uint8_t>(length));
  n.data.insert(n.data.end(), message.begin(), message.begin() + static_cast<long>(length));
  return n;
}

std::optional<std::string> Notification::shutdown_message() const {
  if (code != error::kCease ||
      (subcode != error::kAdministrativeShutdown && subcode != error::kAdministrativeReset) ||
      data.empty() || data[0] > data.size() - 1) {
    return std::nullopt;
  }
  return std::string(data.begin() + 1, data.begin() + 1 + data[0]);
}

std::string Notification::describe() const {
  std::string text;
  const auto name = error_name(code);
  text = name.empty() ? fmt::format("error {}", code) : std::string(name);
  const auto sub = subcode_name(code, subcode);
  if (!sub.empty()) {
    text += "/" + std::string(sub);
  } else if (subcode != 0) {
    text += fmt::format("/subcode {}", subcode);
  }
  if (auto message = shutdown_message()) {
    std::string clean;
    for (char c : *message)
      clean += (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
    text += fmt::format(": \"{}\"", clean);
  }
  return text;
}
}  // namespace anycastd::bgp
