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
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "util/prefix.hpp"

namespace anycastd::bgp {

inline constexpr std::uint16_t kPort = 179;
inline constexpr std::size_t kHeaderSize = 19;
// RFC 4271 §4.1: "The value of the Length field MUST always be at least 19
// and no greater than 4096". RFC 8654 extended messages are not offered.
inline constexpr std::size_t kMaxMessageSize = 4096;
inline constexpr std::uint8_t kVersion = 4;
// RFC 6793 §9: the reserved 2-octet AS number standing in for a 4-octet one.
inline constexpr std::uint16_t kAsTrans = 23456;
// RFC 8326 §5: the well-known GRACEFUL_SHUTDOWN community 65535:0.
inline constexpr std::uint32_t kGracefulShutdown = 0xFFFF0000;
// RFC 4271 §4.2: "Hold Time MUST be either zero or at least three seconds."
inline constexpr std::uint16_t kMinHoldTime = 3;
// RFC 9003 §2: the Shutdown Communication is at most 255 octets of UTF-8.
inline constexpr std::size_t kMaxShutdownMessage = 255;

enum class MessageType : std::uint8_t {
  open = 1,
  update = 2,
  notification = 3,
  keepalive = 4,
  route_refresh = 5,
};

struct AfiSafi {
  std::uint16_t afi = 1;
  std::uint8_t safi = 1;
  friend bool operator==(const AfiSafi&, const AfiSafi&) = default;
  friend auto operator<=>(const AfiSafi&, const AfiSafi&) = default;
};
inline constexpr AfiSafi kIpv4Unicast{1, 1};
inline constexpr AfiSafi kIpv6Unicast{2, 1};

// ---- NOTIFICATION codes (RFC 4271 §4.5, RFC 4486, RFC 6608, RFC 7313) ----
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
inline constexpr std::uint8_t kConnectionCollisionResolution = 7;
inline constexpr std::uint8_t kBfdDown = 10;  // RFC 9384

inline constexpr std::uint8_t kRouteRefresh = 7;
inline constexpr std::uint8_t kInvalidRouteRefreshLength = 1;
}  // namespace error

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

// ---- UPDATE and path attributes (RFC 4271 §4.3, §5) ----
namespace attr {
inline constexpr std::uint8_t kOptional = 0x80;
inline constexpr std::uint8_t kTransitive = 0x40;
inline constexpr std::uint8_t kPartial = 0x20;
inline constexpr std::uint8_t kExtendedLength = 0x10;

inline constexpr std::uint8_t kOrigin = 1;
inline constexpr std::uint8_t kAsPath = 2;
inline constexpr std::uint8_t kNextHop = 3;
inline constexpr std::uint8_t kMultiExitDisc = 4;
inline constexpr std::uint8_t kLocalPref = 5;
inline constexpr std::uint8_t kAtomicAggregate = 6;
inline constexpr std::uint8_t kAggregator = 7;
inline constexpr std::uint8_t kCommunities = 8;
inline constexpr std::uint8_t kMpReachNlri = 14;
inline constexpr std::uint8_t kMpUnreachNlri = 15;
inline constexpr std::uint8_t kAs4Path = 17;
inline constexpr std::uint8_t kAs4Aggregator = 18;
}  // namespace attr

enum class Origin : std::uint8_t { igp = 0, egp = 1, incomplete = 2 };

enum class SegmentType : std::uint8_t {
  as_set = 1,
  as_sequence = 2,
  confed_sequence = 3,  // RFC 5065
  confed_set = 4,
};

struct AsSegment {
  SegmentType type = SegmentType::as_sequence;
  std::vector<std::uint32_t> asns;
  friend bool operator==(const AsSegment&, const AsSegment&) = default;
};
using AsPath = std::vector<AsSegment>;

struct Aggregator {
  std::uint32_t asn = 0;
  IpAddress address;
  friend bool operator==(const Aggregator&, const Aggregator&) = default;
};

// RFC 4760 §3, for IPv4 and IPv6 unicast (other AFI/SAFIs stay raw attributes).
struct MpReach {
  AfiSafi afi_safi = kIpv6Unicast;
  std::vector<std::uint8_t> next_hop;  // 4, 16, or 32 (global + link-local) bytes
  std::vector<Prefix> nlri;
  friend bool operator==(const MpReach&, const MpReach&) = default;
};

struct MpUnreach {
  AfiSafi afi_safi = kIpv6Unicast;
  std::vector<Prefix> withdrawn;
  friend bool operator==(const MpUnreach&, const MpUnreach&) = default;
};

// An attribute we do not interpret (unknown optional ones, MP for other AFIs).
struct RawAttribute {
  std::uint8_t flags = 0;
  std::uint8_t type = 0;
  std::vector<std::uint8_t> value;
  friend bool operator==(const RawAttribute&, const RawAttribute&) = default;
};

struct PathAttributes {
  std::optional<Origin> origin;
  std::optional<AsPath> as_path;
  std::optional<IpAddress> next_hop;
  std::optional<std::uint32_t> med;
  std::optional<std::uint32_t> local_pref;
  bool atomic_aggregate = false;
  std::optional<Aggregator> aggregator;
  std::optional<std::vector<std::uint32_t>> communities;
  std::optional<AsPath> as4_path;
  std::optional<Aggregator> as4_aggregator;
  std::optional<MpReach> mp_reach;
  std::optional<MpUnreach> mp_unreach;
  std::vector<RawAttribute> other;
  friend bool operator==(const PathAttributes&, const PathAttributes&) = default;
};

struct Update {
  std::vector<Prefix> withdrawn;
  PathAttributes attributes;
  std::vector<Prefix> nlri;

  // Prefixes this UPDATE announces and withdraws, all families together.
  std::size_t announced_count() const;
  std::size_t withdrawn_count() const;
  friend bool operator==(const Update&, const Update&) = default;
};

using Message = std::variant<Open, Update, Notification, Keepalive, RouteRefresh>;

// What decoding and encoding UPDATEs needs to know about the session.
struct SessionContext {
  // RFC 6793 §4: both sides sent the 4-octet AS capability, so AS_PATH and
  // AGGREGATOR carry 4-octet numbers.
  bool four_octet_as = true;
  // The peer is in another AS (eBGP).
  bool external = true;
  // For the RFC 4271 §6.3 check of the leftmost AS on eBGP; 0 skips it.
  std::uint32_t peer_asn = 0;
};

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

// RFC 7606 §2: the error handling approaches, from least to most severe.
enum class ErrorAction : std::uint8_t {
  none,
  attribute_discard,  // the malformed attribute is dropped, the UPDATE is used
  treat_as_withdraw,  // every prefix the UPDATE announces is treated as withdrawn
  session_reset,      // NOTIFICATION and close
};

struct UpdateDecode {
  Update update;
  ErrorAction action = ErrorAction::none;
  // The most severe problem found, for logs; and for session_reset the NOTIFICATION.
  std::string reason;
  Notification notification;
};

UpdateDecode decode_update(std::span<const std::uint8_t> body, const SessionContext& context);

// A whole message, header included, for tests and fuzzers. An UPDATE whose
// errors are less than a session reset decodes (its action is not reported).
std::variant<Message, Notification> decode_message(std::span<const std::uint8_t> bytes,
                                                   const SessionContext& context,
                                                   bool enhanced_route_refresh = true);

// ---- encoding (whole messages, header included) ----
std::vector<std::uint8_t> encode(const Open& open);
std::vector<std::uint8_t> encode(const Update& update, const SessionContext& context);
std::vector<std::uint8_t> encode(const Notification& notification);
std::vector<std::uint8_t> encode(const RouteRefresh& refresh);
std::vector<std::uint8_t> encode_keepalive();

// The length on the wire of one prefix in NLRI encoding (RFC 4271 §4.3).
std::size_t nlri_size(const Prefix& prefix);

std::string_view to_string(MessageType type);
std::string_view to_string(ErrorAction action);

}  // namespace anycastd::bgp
