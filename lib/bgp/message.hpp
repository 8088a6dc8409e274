// SPDX-License-Identifier: Apache-2.0
// BGP-4 messages (RFC 4271 §4) with capabilities (RFC 5492): 4-octet AS
// numbers (RFC 6793), multiprotocol IPv4/IPv6 unicast (RFC 4760), route
// refresh (RFC 2918) and enhanced route refresh (RFC 7313); UPDATE error
// handling per RFC 7606. Pure encode/decode: no sockets, no clocks, no logging.
//
//   | marker (16 x 0xff) | length (2) | type (1) |          header, 19 bytes
//   OPEN:          | version | my AS (2) | hold time (2) | BGP Identifier (4) | opt len | params |
//   UPDATE:        | withdrawn len (2) | withdrawn | attr len (2) | path attributes | NLRI |
//   NOTIFICATION:  | code | subcode | data |
//   KEEPALIVE:     (header only)
//   ROUTE-REFRESH: | AFI (2) | subtype (1) | SAFI (1) |
//
// Every decoder checks the whole message before returning any of it; a
// failure carries the NOTIFICATION (code, subcode, data) the RFC asks for.
// UPDATE bodies and their attributes: bgp/attribute.hpp; codes: bgp/error.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "bgp/attribute.hpp"
#include "bgp/error.hpp"

namespace anycastd::bgp {

inline constexpr std::uint16_t kPort = 179;
inline constexpr std::size_t kHeaderSize = 19;
// RFC 4271 §4.1: "The value of the Length field MUST always be at least 19
// and no greater than 4096". RFC 8654 extended messages are not offered.
inline constexpr std::size_t kMaxMessageSize = 4096;
inline constexpr std::uint8_t kVersion = 4;
// RFC 4271 §4.2: "Hold Time MUST be either zero or at least three seconds."
inline constexpr std::uint16_t kMinHoldTime = 3;

enum class MessageType : std::uint8_t {
  open = 1,
  update = 2,
  notification = 3,
  keepalive = 4,
  route_refresh = 5,
};

// ---- capabilities (RFC 5492) ----
namespace capability {
inline constexpr std::uint8_t kMultiprotocol = 1;          // RFC 4760
inline constexpr std::uint8_t kRouteRefresh = 2;           // RFC 2918
inline constexpr std::uint8_t kGracefulRestart = 64;       // RFC 4724 (never sent)
inline constexpr std::uint8_t kFourOctetAs = 65;           // RFC 6793
inline constexpr std::uint8_t kEnhancedRouteRefresh = 70;  // RFC 7313
}  // namespace capability

struct Capability {
  std::uint8_t code = 0;
  std::vector<std::uint8_t> value;

  static Capability multiprotocol(AfiSafi afi_safi);
  static Capability four_octet_as(std::uint32_t asn);
  static Capability route_refresh();
  static Capability enhanced_route_refresh();
  friend bool operator==(const Capability&, const Capability&) = default;
};

// RFC 5492 §4: optional parameter type 2 holds capabilities, one or more
// per parameter. RFC 4271 §6.2: any other type is refused by the decoder
// (Unsupported Optional Parameter), so only type 2 is modelled.
inline constexpr std::uint8_t kParameterCapabilities = 2;
struct OptionalParameter {
  std::vector<Capability> capabilities;
  friend bool operator==(const OptionalParameter&, const OptionalParameter&) = default;
};

struct Open {
  std::uint8_t version = kVersion;
  std::uint16_t my_as = 0;
  std::uint16_t hold_time = 0;
  std::uint32_t bgp_identifier = 0;
  std::vector<OptionalParameter> parameters;

  const Capability* find_capability(std::uint8_t code) const;
  // RFC 6793 §3: the AS number from the 4-octet AS capability, if sent.
  std::optional<std::uint32_t> four_octet_as() const;
  // The speaker's AS: the capability's value, else My Autonomous System.
  std::uint32_t asn() const;
  // RFC 4760 §8: the AFI/SAFIs offered; none means IPv4 unicast only.
  std::vector<AfiSafi> multiprotocol() const;
  friend bool operator==(const Open&, const Open&) = default;
};

struct Keepalive {
  friend bool operator==(const Keepalive&, const Keepalive&) = default;
};

// RFC 2918 §3 / RFC 7313 §3.2: subtype 0 = request, 1 = BoRR, 2 = EoRR.
struct RouteRefresh {
  AfiSafi afi_safi;
  std::uint8_t subtype = 0;
  friend bool operator==(const RouteRefresh&, const RouteRefresh&) = default;
};
inline constexpr std::uint8_t kRefreshRequest = 0;
inline constexpr std::uint8_t kBeginningOfRouteRefresh = 1;
inline constexpr std::uint8_t kEndOfRouteRefresh = 2;

using Message = std::variant<Open, Update, Notification, Keepalive, RouteRefresh>;
// ---- decoding ----
struct Header {
  MessageType type = MessageType::keepalive;
  std::uint16_t length = kHeaderSize;
};

// RFC 4271 §6.1: checks marker, length (against the type's minimum) and
// type of the first 19 bytes. A failure is the NOTIFICATION to send.
std::variant<Header, Notification> decode_header(std::span<const std::uint8_t> bytes);

// The bodies (bytes after the header).
std::variant<Open, Notification> decode_open(std::span<const std::uint8_t> body);
Notification decode_notification(std::span<const std::uint8_t> body);
std::variant<RouteRefresh, Notification> decode_route_refresh(std::span<const std::uint8_t> body,
                                                              bool enhanced);

// A whole message, header included, for tests and fuzzers. An UPDATE whose
// errors are less than a session reset decodes (its action is not reported).
std::variant<Message, Notification> decode_message(std::span<const std::uint8_t> bytes,
                                                   const SessionContext& context,
                                                   bool enhanced_route_refresh = true);

// ---- encoding (whole messages, header included) ----
std::vector<std::uint8_t> encode(const Open& open);
std::vector<std::uint8_t> encode(const Notification& notification);
std::vector<std::uint8_t> encode(const RouteRefresh& refresh);
std::vector<std::uint8_t> encode_keepalive();
std::string_view to_string(MessageType type);
}  // namespace anycastd::bgp
