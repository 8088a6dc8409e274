// SPDX-License-Identifier: Apache-2.0
// RIPv2 packets (RFC 2453 §4) with plain-text (RFC 2453 §4.1) and keyed-MD5
// (RFC 2082, as FRR ripd implements it) authentication. Pure encode/decode:
// no sockets, no clocks, no logging.
//
//   | command (1) | version (1) | must be zero (2) |              header, 4 bytes
//   | address family (2) | route tag (2) | IP address (4) |
//   | subnet mask (4) | next hop (4) | metric (4) |          route entry, 20 bytes, 1..25 of them
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "util/digest.hpp"
#include "util/prefix.hpp"

namespace anycastd::rip {

inline constexpr std::uint16_t kPort = 520;
inline constexpr std::uint8_t kVersion = 2;
inline constexpr std::uint32_t kInfinity = 16;
inline constexpr std::size_t kHeaderSize = 4;
inline constexpr std::size_t kEntrySize = 20;
// RFC 2453 §4: "... from 1 to 25 (inclusive) RIP entries", authentication
// entries included; hence 504 bytes at most.
inline constexpr std::size_t kMaxEntries = 25;
inline constexpr std::size_t kMaxPacketSize = kHeaderSize + kMaxEntries * kEntrySize;
inline constexpr std::uint16_t kAfiInet = 2;
inline constexpr std::uint16_t kAfiAuth = 0xFFFF;
inline constexpr std::uint16_t kAuthTypeText = 2;
inline constexpr std::uint16_t kAuthTypeMd5 = 3;
inline constexpr std::uint16_t kAuthTypeMd5Trailer = 1;
inline constexpr std::size_t kAuthKeySize = 16;
// The "Auth Data Len" FRR ripd sends by default ("old-ripd": 4 + 16); RFC 2082
// says 16. We send 20 and accept both, as FRR does.
inline constexpr std::uint8_t kMd5AuthDataLenCompat = 20;
inline constexpr std::uint8_t kMd5AuthDataLenRfc = 16;

enum class Command : std::uint8_t { request = 1, response = 2 };

struct RouteEntry {
  std::uint16_t afi = kAfiInet;
  std::uint16_t route_tag = 0;
  IpAddress address;
  std::uint8_t mask_length = 32;  // the subnet mask, validated contiguous
  IpAddress next_hop;
  std::uint32_t metric = 1;

  Prefix prefix() const { return Prefix{address, mask_length}; }
  friend bool operator==(const RouteEntry&, const RouteEntry&) = default;
};

struct NoAuth {
  friend bool operator==(const NoAuth&, const NoAuth&) = default;
};

// RFC 2453 §4.1: a 16-byte password, left-justified and padded with zeros.
struct TextAuth {
  std::array<std::uint8_t, kAuthKeySize> password{};
  friend bool operator==(const TextAuth&, const TextAuth&) = default;
};

// RFC 2082 §3: the header entry plus the digest from the trailing entry.
struct Md5Auth {
  std::uint16_t packet_length = 0;  // offset of the trailer; computed by encode()
  std::uint8_t key_id = 0;
  std::uint8_t auth_data_len = kMd5AuthDataLenCompat;
  std::uint32_t sequence = 0;
  Md5Digest digest{};  // computed by encode()
  friend bool operator==(const Md5Auth&, const Md5Auth&) = default;
};

using Authentication = std::variant<NoAuth, TextAuth, Md5Auth>;

struct Packet {
  Command command = Command::response;
  std::uint8_t version = kVersion;
  Authentication auth;
  std::vector<RouteEntry> entries;

  // RFC 2453 §3.9.1: exactly one entry, address family 0 and metric 16.
  bool is_whole_table_request() const;
  friend bool operator==(const Packet&, const Packet&) = default;
};

enum class DecodeError : std::uint8_t {
  too_short,      // less than a header and one entry
  bad_length,     // not header + a multiple of 20, or over 25 entries
  bad_command,    // not request (1) or response (2)
  bad_version,    // version 0
  nonzero_field,  // a must-be-zero field of RIPv1 (RFC 1058 §3.1) is set
  bad_afi,        // not 2 (or 0 in a whole-table request, 0xFFFF first)
  bad_metric,     // metric outside 1..16 (0..16 in a request)
  bad_mask,       // subnet mask not contiguous
  bad_auth,       // malformed authentication entry or trailer
};

struct DecodeFailure {
  DecodeError error = DecodeError::bad_length;
  std::string message;
};

using DecodeResult = std::variant<Packet, DecodeFailure>;

// Checks the whole packet before returning any of it.
DecodeResult decode(std::span<const std::uint8_t> bytes);

// Encodes `packet`. For Md5Auth the packet length and digest are computed with
// `key`; for TextAuth the password in the packet is used as it is.
std::vector<std::uint8_t> encode(const Packet& packet, std::string_view key = {});

// RFC 2453 §3.9.1: a request for the whole routing table.
Packet whole_table_request();

// TextAuth from a configured key (truncated or zero-padded to 16 bytes).
TextAuth text_auth(std::string_view key);

// Route entries that fit beside the authentication entries in one packet.
std::size_t max_routes_per_packet(config::AuthMode mode);

enum class AuthError : std::uint8_t {
  none,
  missing,     // we want authentication and the packet has none
  unexpected,  // the packet is authenticated and we are not configured to
  wrong_type,  // text where we want md5, or the other way round
  wrong_password,
  wrong_key_id,
  bad_digest,
};

// Checks a decoded packet's authentication against the configuration;
// `bytes` are the packet as received (the MD5 digest covers them).
AuthError verify_auth(const Packet& packet, std::span<const std::uint8_t> bytes,
                      const config::AuthConfig& auth);

// The RFC 2082 digest: MD5 over the packet up to and including the trailer
// header, followed by the key zero-padded to 16 bytes.
Md5Digest md5_digest(std::span<const std::uint8_t> up_to_trailer_header, std::string_view key);

std::string_view to_string(DecodeError error);
std::string_view to_string(AuthError error);
std::string_view to_string(Command command);

}  // namespace anycastd::rip
