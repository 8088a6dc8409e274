// SPDX-License-Identifier: Apache-2.0
// BGP UPDATE messages and their path attributes (RFC 4271 §4.3, §5;
// COMMUNITIES RFC 1997, MP_REACH/MP_UNREACH RFC 4760, AS4_PATH RFC 6793)
// with the error handling of RFC 7606: a malformed attribute is discarded,
// makes the UPDATE a withdrawal, or resets the session, and the decoder
// says which. Pure encode/decode.
//
//   UPDATE:     | withdrawn len (2) | withdrawn | attr len (2) | path attributes | NLRI |
//   attribute:  | flags | type | length (1, or 2 with Extended Length) | value |
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/error.hpp"
#include "util/prefix.hpp"

namespace anycastd::bgp {

// RFC 6793 §9: the reserved 2-octet AS number standing in for a 4-octet one.
inline constexpr std::uint16_t kAsTrans = 23456;
// RFC 8326 §5: the well-known GRACEFUL_SHUTDOWN community 65535:0.
inline constexpr std::uint32_t kGracefulShutdown = 0xFFFF0000;

struct AfiSafi {
  std::uint16_t afi = 1;
  std::uint8_t safi = 1;
  friend bool operator==(const AfiSafi&, const AfiSafi&) = default;
  friend auto operator<=>(const AfiSafi&, const AfiSafi&) = default;
};
inline constexpr AfiSafi kIpv4Unicast{1, 1};
inline constexpr AfiSafi kIpv6Unicast{2, 1};

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
  // The type of the attribute it was found in; 0 for the fields around them.
  std::uint8_t attribute = 0;
  Notification notification;
};

UpdateDecode decode_update(std::span<const std::uint8_t> body, const SessionContext& context);
std::vector<std::uint8_t> encode(const Update& update, const SessionContext& context);

// The length on the wire of one prefix in NLRI encoding (RFC 4271 §4.3).
std::size_t nlri_size(const Prefix& prefix);

std::string_view to_string(ErrorAction action);
// "COMMUNITIES"; "unknown" for a type not interpreted here.
std::string_view attribute_name(std::uint8_t type);
}  // namespace anycastd::bgp
