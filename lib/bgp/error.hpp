// SPDX-License-Identifier: Apache-2.0
// BGP NOTIFICATION codes and subcodes (RFC 4271 §4.5, RFC 4486, RFC 6608,
// RFC 7313), the NOTIFICATION itself and the names of its codes, for logs
// and anycastctl status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace anycastd::bgp {

// RFC 9003 §2: the Shutdown Communication is at most 255 octets of UTF-8.
inline constexpr std::size_t kMaxShutdownMessage = 255;

namespace error {
inline constexpr std::uint8_t kHeader = 1;
inline constexpr std::uint8_t kConnectionNotSynchronized = 1;
inline constexpr std::uint8_t kBadMessageLength = 2;
inline constexpr std::uint8_t kBadMessageType = 3;

inline constexpr std::uint8_t kOpen = 2;
inline constexpr std::uint8_t kUnsupportedVersion = 1;
inline constexpr std::uint8_t kBadPeerAs = 2;
inline constexpr std::uint8_t kBadBgpIdentifier = 3;
inline constexpr std::uint8_t kUnsupportedOptionalParameter = 4;
inline constexpr std::uint8_t kUnacceptableHoldTime = 6;

inline constexpr std::uint8_t kUpdate = 3;
inline constexpr std::uint8_t kMalformedAttributeList = 1;
inline constexpr std::uint8_t kUnrecognizedWellKnown = 2;
inline constexpr std::uint8_t kMissingWellKnown = 3;
inline constexpr std::uint8_t kAttributeFlags = 4;
inline constexpr std::uint8_t kAttributeLength = 5;
inline constexpr std::uint8_t kInvalidOrigin = 6;
inline constexpr std::uint8_t kInvalidNextHop = 8;
inline constexpr std::uint8_t kOptionalAttribute = 9;
inline constexpr std::uint8_t kInvalidNetworkField = 10;
inline constexpr std::uint8_t kMalformedAsPath = 11;

inline constexpr std::uint8_t kHoldTimerExpired = 4;

inline constexpr std::uint8_t kFsm = 5;
inline constexpr std::uint8_t kUnexpectedInOpenSent = 1;
inline constexpr std::uint8_t kUnexpectedInOpenConfirm = 2;
inline constexpr std::uint8_t kUnexpectedInEstablished = 3;

inline constexpr std::uint8_t kCease = 6;
inline constexpr std::uint8_t kAdministrativeShutdown = 2;
inline constexpr std::uint8_t kPeerDeconfigured = 3;
inline constexpr std::uint8_t kAdministrativeReset = 4;
inline constexpr std::uint8_t kConnectionRejected = 5;
inline constexpr std::uint8_t kOtherConfigurationChange = 6;
inline constexpr std::uint8_t kConnectionCollisionResolution = 7;
inline constexpr std::uint8_t kBfdDown = 10;  // RFC 9384

inline constexpr std::uint8_t kRouteRefresh = 7;
inline constexpr std::uint8_t kInvalidRouteRefreshLength = 1;
}  // namespace error

struct Notification {
  std::uint8_t code = error::kCease;
  std::uint8_t subcode = 0;
  std::vector<std::uint8_t> data;

  // RFC 8203/9003: Cease/Administrative Shutdown with a Shutdown Communication.
  static Notification administrative_shutdown(std::string_view message);
  // The Shutdown Communication of a Cease/Administrative Shutdown or Reset.
  std::optional<std::string> shutdown_message() const;
  // "Cease/Administrative Shutdown: \"maintenance\"", "UPDATE Message Error/Malformed AS_PATH".
  std::string describe() const;
  friend bool operator==(const Notification&, const Notification&) = default;
};

// "Cease", "UPDATE Message Error"; empty for a code without a name.
std::string_view error_name(std::uint8_t code);
// "Administrative Shutdown"; empty for a subcode without a name.
std::string_view subcode_name(std::uint8_t code, std::uint8_t subcode);

}  // namespace anycastd::bgp
