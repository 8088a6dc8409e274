// SPDX-License-Identifier: Apache-2.0
// BFD Control packets (RFC 5880 §4.1) with the authentication sections of
// §4.2 (simple password) and §4.4 (keyed / meticulous keyed SHA1). Pure
// encode/decode: no sockets, no clocks, no logging.
//
//   |Vers|  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
//   |                       My Discriminator                        |
//   |                      Your Discriminator                       |
//   |                    Desired Min TX Interval                    |
//   |                   Required Min RX Interval                    |
//   |                 Required Min Echo RX Interval                 |
//   | Auth Type | Auth Len | Auth Key ID | ...                       (if A)
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "util/digest.hpp"

namespace anycastd::bfd {

// RFC 5881 §4: single-hop Control packets go to UDP port 3784, from a source
// port in 49152..65535.
inline constexpr std::uint16_t kPort = 3784;
inline constexpr std::uint16_t kSourcePortMin = 49152;
inline constexpr std::uint16_t kSourcePortMax = 65535;
// RFC 5881 §5: sent with TTL 255; anything else is discarded.
inline constexpr int kTtl = 255;
inline constexpr std::uint8_t kVersion = 1;
inline constexpr std::size_t kHeaderSize = 24;
inline constexpr std::size_t kSha1AuthSize = 28;     // §4.4: Auth Len 28
inline constexpr std::size_t kMaxPasswordSize = 16;  // §4.2
inline constexpr std::size_t kSha1KeySize = 20;      // §4.4: key padded to 20 bytes

// RFC 5880 §4.1 "Sta".
enum class State : std::uint8_t { admin_down = 0, down = 1, init = 2, up = 3 };

// RFC 5880 §4.1 "Diag".
enum class Diag : std::uint8_t {
  none = 0,
  control_detection_time_expired = 1,
  echo_function_failed = 2,
  neighbor_signaled_session_down = 3,
  forwarding_plane_reset = 4,
  path_down = 5,
  concatenated_path_down = 6,
  administratively_down = 7,
  reverse_concatenated_path_down = 8,
};

// RFC 5880 §4.1 "Auth Type".
enum class AuthType : std::uint8_t {
  simple_password = 1,
  keyed_md5 = 2,
  meticulous_keyed_md5 = 3,
  keyed_sha1 = 4,
  meticulous_keyed_sha1 = 5,
};

// §4.2: Key ID and a 1..16 byte password.
struct PasswordAuth {
  std::uint8_t key_id = 0;
  std::string password;
  friend bool operator==(const PasswordAuth&, const PasswordAuth&) = default;
};
// §4.3/§4.4: Key ID, sequence number and digest (16 bytes for MD5, which we
// decode but do not speak; 20 for SHA1).
struct DigestAuth {
  AuthType type = AuthType::keyed_sha1;
  std::uint8_t key_id = 0;
  std::uint32_t sequence = 0;
  std::vector<std::uint8_t> digest;  // computed by encode() for SHA1
  friend bool operator==(const DigestAuth&, const DigestAuth&) = default;
};
using Authentication = std::variant<PasswordAuth, DigestAuth>;

struct ControlPacket {
  Diag diag = Diag::none;
  State state = State::down;
  bool poll = false;
  bool final = false;
  bool control_plane_independent = false;
  bool demand = false;
  std::uint8_t detect_mult = 3;
  std::uint32_t my_discriminator = 0;
  std::uint32_t your_discriminator = 0;
  std::uint32_t desired_min_tx_us = 0;
  std::uint32_t required_min_rx_us = 0;
  std::uint32_t required_min_echo_rx_us = 0;
  std::optional<Authentication> auth;  // the A bit
  friend bool operator==(const ControlPacket&, const ControlPacket&) = default;
};

// Why a packet fails RFC 5880 §6.8.6's checks that need no session; the
// names are the drop reasons of core/drops.hpp.
enum class DecodeError : std::uint8_t {
  truncated,          // shorter than the header or than its Length field
  bad_version,        // Version is not 1
  bad_length,         // Length below the minimum (24, or 26 with A)
  bad_detect_mult,    // Detect Mult is zero
  multipoint,         // the M bit is set
  bad_discriminator,  // My Discriminator zero, or Your Discriminator zero while not Down/AdminDown
  bad_auth,           // a malformed authentication section
};
struct DecodeFailure {
  DecodeError error = DecodeError::truncated;
  std::string message;
};
using DecodeResult = std::variant<ControlPacket, DecodeFailure>;

// Checks the whole packet before returning any of it. Bytes beyond the
// Length field (UDP padding) are ignored.
DecodeResult decode(std::span<const std::uint8_t> bytes);

// Encodes `packet`. For SHA1 the digest is computed with `key` (§6.7.4: over
// the packet with the key, zero-padded to 20 bytes, in the digest field).
std::vector<std::uint8_t> encode(const ControlPacket& packet, std::string_view key = {});

// §6.7.4: whether the SHA1 digest of `bytes`, a packet as received with a
// SHA1 section, is right for `key`.
bool sha1_digest_valid(std::span<const std::uint8_t> bytes, std::string_view key);

std::string_view to_string(DecodeError error);
std::string_view to_string(State state);
std::string_view to_string(Diag diag);

}  // namespace anycastd::bfd
