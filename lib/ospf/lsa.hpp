// SPDX-License-Identifier: Apache-2.0
// OSPFv2 link-state advertisements (RFC 2328 §12, appendix A.4): the 20-byte
// LSA header, the router, network, summary and AS-external bodies, and the
// Fletcher checksum (RFC 905 appendix B, as RFC 2328 §12.1.7 prescribes).
// LSAs of any other type are kept as opaque bytes. Pure encode/decode.
//
//   | LS age (2) | options (1) | LS type (1) |
//   | link state ID (4) | advertising router (4) | LS sequence number (4) |
//   | LS checksum (2) | length (2) |                        header, 20 bytes
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace anycastd::ospf {

inline constexpr std::size_t kLsaHeaderSize = 20;
// RFC 2328 appendix B architectural constants.
inline constexpr std::uint16_t kMaxAge = 3600;         // seconds
inline constexpr std::uint16_t kMaxAgeDiff = 900;      // seconds
inline constexpr std::uint32_t kLsRefreshTime = 1800;  // seconds
inline constexpr std::int32_t kInitialSequenceNumber = static_cast<std::int32_t>(0x80000001);
inline constexpr std::int32_t kMaxSequenceNumber = 0x7fffffff;
// RFC 2328 §12.1.7: "the checksum is calculated over the entire contents of
// the LSA, excluding the LS age field"; the field is 14 bytes into that range.
inline constexpr std::size_t kChecksumOffset = 16;

enum class LsaType : std::uint8_t {
  router = 1,
  network = 2,
  summary_network = 3,
  summary_asbr = 4,
  as_external = 5,
  nssa_external = 7,  // RFC 3101: the body of an AS-external-LSA
};

// Options field (RFC 2328 §A.2).
inline constexpr std::uint8_t kOptionE = 0x02;
// RFC 3101 §2.1: the N bit in Hellos (and DDs), the P bit in a type-7 LSA's header.
inline constexpr std::uint8_t kOptionNP = 0x08;

struct LsaHeader {
  std::uint16_t age = 0;
  std::uint8_t options = 0;
  std::uint8_t type = 0;
  std::uint32_t ls_id = 0;
  std::uint32_t advertising_router = 0;
  std::int32_t sequence = kInitialSequenceNumber;
  std::uint16_t checksum = 0;
  std::uint16_t length = kLsaHeaderSize;
  friend bool operator==(const LsaHeader&, const LsaHeader&) = default;
};

// RFC 2328 §12.1: an LSA is identified by type, link state ID and advertising router.
struct LsaKey {
  std::uint8_t type = 0;
  std::uint32_t ls_id = 0;
  std::uint32_t advertising_router = 0;
  static LsaKey of(const LsaHeader& h) { return {h.type, h.ls_id, h.advertising_router}; }
  friend auto operator<=>(const LsaKey&, const LsaKey&) = default;
};

// RFC 2328 §13.1: which of two instances of one LSA is newer: >0 when `a` is,
// <0 when `b` is, 0 when they are the same instance.
int compare_instances(const LsaHeader& a, const LsaHeader& b);

enum class RouterLinkType : std::uint8_t {
  point_to_point = 1,
  transit = 2,
  stub = 3,
  virtual_link = 4
};

struct TosMetric {
  std::uint8_t tos = 0;
  std::uint16_t metric = 0;
  friend bool operator==(const TosMetric&, const TosMetric&) = default;
};

struct RouterLink {
  std::uint32_t id = 0;
  std::uint32_t data = 0;
  std::uint8_t type = 0;  // RouterLinkType; other values kept as received
  std::uint16_t metric = 0;
  std::vector<TosMetric> tos;
  friend bool operator==(const RouterLink&, const RouterLink&) = default;
};

// RFC 2328 §A.4.2: the router-LSA's E bit, "set when the router is an AS
// boundary router" (it originates AS-external or NSSA LSAs).
inline constexpr std::uint8_t kRouterFlagE = 0x02;

// RFC 2328 §A.4.2.
struct RouterLsa {
  std::uint8_t flags = 0;  // V, E, B bits
  std::vector<RouterLink> links;
  friend bool operator==(const RouterLsa&, const RouterLsa&) = default;
};

// RFC 2328 §A.4.3.
struct NetworkLsa {
  std::uint32_t mask = 0;
  std::vector<std::uint32_t> attached_routers;
  friend bool operator==(const NetworkLsa&, const NetworkLsa&) = default;
};

// RFC 2328 §A.4.4: types 3 and 4. Each TOS entry is TOS (8 bits) and metric (24 bits).
struct SummaryLsa {
  std::uint32_t mask = 0;
  std::uint32_t metric = 0;  // 24 bits
  std::vector<std::uint32_t> tos_entries;
  friend bool operator==(const SummaryLsa&, const SummaryLsa&) = default;
};

struct ExternalMetric {
  bool type2 = false;        // the E bit
  std::uint8_t tos = 0;      // 7 bits
  std::uint32_t metric = 0;  // 24 bits
  std::uint32_t forwarding_address = 0;
  std::uint32_t route_tag = 0;
  friend bool operator==(const ExternalMetric&, const ExternalMetric&) = default;
};

// RFC 2328 §A.4.5: the first metric is TOS 0. Type 7 (RFC 3101) is the same.
struct ExternalLsa {
  std::uint32_t mask = 0;
  std::vector<ExternalMetric> metrics;
  friend bool operator==(const ExternalLsa&, const ExternalLsa&) = default;
};

// Any other type (opaque LSAs of RFC 5250, ...): stored and flooded as it is.
struct OpaqueLsa {
  std::vector<std::uint8_t> body;
  friend bool operator==(const OpaqueLsa&, const OpaqueLsa&) = default;
};

using LsaBody = std::variant<RouterLsa, NetworkLsa, SummaryLsa, ExternalLsa, OpaqueLsa>;

struct Lsa {
  LsaHeader header;
  LsaBody body;
  friend bool operator==(const Lsa&, const Lsa&) = default;
};

// Each error's to_string() is the reason it is counted under in "lsa_dropped".
enum class LsaError : std::uint8_t {
  too_short,     // fewer than 20 bytes, or fewer than the length field says
  bad_length,    // length field below 20, or a body that does not fill it exactly
  bad_checksum,  // RFC 2328 §13 (1): "the LSA's LS checksum is verified"
  bad_age,       // LS age above MaxAge
  bad_sequence,  // RFC 2328 §12.1.6: 0x80000000 is reserved
};

struct LsaFailure {
  LsaError error = LsaError::too_short;
  std::string message;
};

std::variant<LsaHeader, LsaFailure> decode_lsa_header(std::span<const std::uint8_t> bytes);
// Decodes one whole LSA (exactly `length` bytes of `bytes` are used) and
// checks its checksum.
std::variant<Lsa, LsaFailure> decode_lsa(std::span<const std::uint8_t> bytes);
// Checks an LSA's length, age, sequence number, checksum and body without
// building it, as the flooding code needs.
std::optional<LsaFailure> check_lsa(std::span<const std::uint8_t> bytes);

void encode_lsa_header(const LsaHeader& h, std::vector<std::uint8_t>& out);
// Encodes `lsa`, filling in the length and the checksum (the header's own
// values for those are ignored).
std::vector<std::uint8_t> encode_lsa(const Lsa& lsa);

// RFC 905 appendix B: the two checksum octets for `data` when they are to sit
// at `offset` (their current value there is ignored).
std::uint16_t fletcher_checksum(std::span<const std::uint8_t> data, std::size_t offset);
// Whether `data` (checksum octets in place) sums to zero, i.e. is intact.
bool fletcher_ok(std::span<const std::uint8_t> data);
// Checksum of a whole encoded LSA (the age field is excluded).
std::uint16_t lsa_checksum(std::span<const std::uint8_t> lsa);
// Rewrites the checksum of an encoded LSA in place.
void set_lsa_checksum(std::vector<std::uint8_t>& lsa);
// The 16-bit age field of an encoded LSA.
void set_lsa_age(std::span<std::uint8_t> lsa, std::uint16_t age);

std::string_view to_string(LsaError error);
// "router", "network", "summary", "asbr_summary", "external", "nssa_external" or "type-N".
std::string lsa_type_name(std::uint8_t type);
// Dotted-quad text of a host-order IPv4 address or router ID.
std::string dotted(std::uint32_t value);

}  // namespace anycastd::ospf
