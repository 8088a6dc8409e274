// SPDX-License-Identifier: Apache-2.0
// OSPFv2 packets (RFC 2328 appendix A.3) with null, simple-password and
// keyed-MD5 authentication (appendix D). Pure encode/decode: no sockets, no
// clocks, no logging. Addresses and router IDs are host-order integers.
//
//   | version (1) | type (1) | packet length (2) |
//   | router ID (4) | area ID (4) |
//   | checksum (2) | AuType (2) | authentication (8) |        header, 24 bytes
//   | body: Hello, Database Description, LS Request, LS Update or LS Ack |
//   | MD5 digest (16), after `packet length`, with AuType 2 |
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "ospf/lsa.hpp"
#include "util/buffer.hpp"
#include "util/digest.hpp"

namespace anycastd::ospf {

inline constexpr std::uint8_t kIpProtocol = 89;
inline constexpr std::uint32_t kAllSpfRouters = 0xe0000005;  // 224.0.0.5
inline constexpr std::uint32_t kAllDRouters = 0xe0000006;    // 224.0.0.6
inline constexpr std::uint8_t kVersion = 2;
inline constexpr std::size_t kHeaderSize = 24;
inline constexpr std::size_t kMd5DigestSize = 16;
inline constexpr std::size_t kSimplePasswordSize = 8;

enum class PacketType : std::uint8_t {
  hello = 1,
  db_description = 2,
  ls_request = 3,
  ls_update = 4,
  ls_ack = 5,
};

enum class AuthType : std::uint16_t { null = 0, simple = 1, cryptographic = 2 };

// Database Description flags (RFC 2328 §A.3.3).
inline constexpr std::uint8_t kDdInit = 0x04;
inline constexpr std::uint8_t kDdMore = 0x02;
inline constexpr std::uint8_t kDdMaster = 0x01;

// RFC 2328 §A.3.2.
struct Hello {
  std::uint32_t network_mask = 0;
  std::uint16_t hello_interval = 10;
  std::uint8_t options = kOptionE;
  std::uint8_t priority = 0;
  std::uint32_t dead_interval = 40;
  std::uint32_t designated_router = 0;
  std::uint32_t backup_designated_router = 0;
  std::vector<std::uint32_t> neighbors;
  friend bool operator==(const Hello&, const Hello&) = default;
};

// RFC 2328 §A.3.3.
struct DatabaseDescription {
  std::uint16_t interface_mtu = 1500;
  std::uint8_t options = kOptionE;
  std::uint8_t flags = 0;
  std::uint32_t sequence = 0;
  std::vector<LsaHeader> headers;
  friend bool operator==(const DatabaseDescription&, const DatabaseDescription&) = default;
};

// RFC 2328 §A.3.4: each request names an LSA by (type, ID, advertising router).
struct LinkStateRequest {
  std::vector<LsaKey> requests;
  friend bool operator==(const LinkStateRequest&, const LinkStateRequest&) = default;
};

// RFC 2328 §A.3.5: whole LSAs, as bytes; each has passed check_lsa()'s
// length test (not its checksum: RFC 2328 §13 drops one bad LSA, not the packet).
struct LinkStateUpdate {
  std::vector<std::vector<std::uint8_t>> lsas;
  friend bool operator==(const LinkStateUpdate&, const LinkStateUpdate&) = default;
};

// RFC 2328 §A.3.6.
struct LinkStateAck {
  std::vector<LsaHeader> headers;
  friend bool operator==(const LinkStateAck&, const LinkStateAck&) = default;
};

using Body =
    std::variant<Hello, DatabaseDescription, LinkStateRequest, LinkStateUpdate, LinkStateAck>;

// RFC 2328 §D.3: the 64-bit field with AuType 2.
struct CryptoAuth {
  std::uint8_t key_id = 0;
  std::uint8_t data_length = kMd5DigestSize;
  std::uint32_t sequence = 0;
  friend bool operator==(const CryptoAuth&, const CryptoAuth&) = default;
};

struct Packet {
  std::uint32_t router_id = 0;
  std::uint32_t area_id = 0;
  AuthType auth_type = AuthType::null;
  std::array<std::uint8_t, 8> auth_data{};  // the raw 64-bit field
  Body body;

  PacketType type() const { return static_cast<PacketType>(body.index() + 1); }
  CryptoAuth crypto() const;
  friend bool operator==(const Packet&, const Packet&) = default;
};

// Each error's to_string() is the drop reason it is counted under (core/drops.hpp).
enum class DecodeError : std::uint8_t {
  truncated,      // shorter than the header
  bad_version,    // not 2
  bad_type,       // not 1..5
  bad_length,     // a packet length field below the header or beyond the bytes received
  bad_checksum,   // RFC 2328 §D.4.1/D.4.2: the standard IP checksum
  bad_auth_type,  // AuType not 0, 1 or 2
  malformed,      // a body that does not parse
};

struct DecodeFailure {
  DecodeError error = DecodeError::malformed;
  std::string message;
};

// Checks the whole packet (header, checksum unless AuType 2, body) before
// returning any of it. `bytes` start at the OSPF header (no IP header).
std::variant<Packet, DecodeFailure> decode(std::span<const std::uint8_t> bytes);

// The body codecs (packet_bodies.cpp), one per packet type. A decoder reads
// `body` to its end and fails on a field cut short or on bytes left over.
std::optional<DecodeFailure> decode_body(PacketType type, BufReader body, Body& out);
void encode_body(const Body& body, BufWriter& out);

// How encode() authenticates a packet.
struct Authenticator {
  config::AuthConfig config;
  std::uint32_t sequence = 0;  // AuType 2: the cryptographic sequence number
};
// Encodes `packet` (its auth fields are replaced by those `auth` makes):
// checksum for AuType 0 and 1, digest appended for AuType 2.
std::vector<std::uint8_t> encode(const Packet& packet, const Authenticator& auth);

enum class AuthError : std::uint8_t {
  none,
  wrong_type,      // RFC 2328 §D: "the AuType ... must match the configured"
  wrong_password,  // §D.2
  wrong_key_id,    // §D.3: unknown Key ID
  bad_digest,      // §D.4.3
  missing_digest,  // packet shorter than length + 16
  old_sequence,    // §D.4.3: sequence number below the neighbour's last one
};

// Checks a decoded packet's authentication against the interface's; `bytes`
// are the packet as received. `last_sequence` is the neighbour's last
// cryptographic sequence number, if any.
AuthError verify_auth(const Packet& packet, std::span<const std::uint8_t> bytes,
                      const config::AuthConfig& auth, std::optional<std::uint32_t> last_sequence);

// RFC 2328 §D.4.3: MD5 over the packet (length bytes) followed by the key
// zero-padded to 16 bytes.
Md5Digest md5_digest(std::span<const std::uint8_t> packet, std::string_view key);

// The standard IP checksum (RFC 1071) of `data`, over 16-bit words.
std::uint16_t ip_checksum(std::span<const std::uint8_t> data);

std::string_view to_string(DecodeError error);
// What went wrong, for the log: "wrong AuType", "bad digest", ...
std::string_view to_string(AuthError error);
// The drop reason: "auth_wrong_type", "auth_bad_digest", ... (the words RIP uses).
std::string_view drop_reason(AuthError error);
std::string_view to_string(PacketType type);

}  // namespace anycastd::ospf
