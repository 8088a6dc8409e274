// SPDX-License-Identifier: Apache-2.0
#include "rip/packet.hpp"

#include <algorithm>
#include <bit>
#include <optional>

#include "util/buffer.hpp"

namespace anycastd::rip {

namespace {

DecodeFailure fail(DecodeError error, std::string message) {
  return {error, std::move(message)};
}

std::optional<std::uint8_t> mask_to_length(std::uint32_t mask) {
  const auto ones = static_cast<std::uint8_t>(std::countl_one(mask));
  const std::uint32_t expected = ones == 0 ? 0 : ~std::uint32_t{0} << (32 - ones);
  if (mask != expected) return std::nullopt;
  return ones;
}

std::uint32_t length_to_mask(std::uint8_t length) {
  return length == 0 ? 0 : ~std::uint32_t{0} << (32 - std::min<std::uint8_t>(length, 32));
}

void write_entry(BufWriter& w, const RouteEntry& e) {
  w.u16(e.afi);
  w.u16(e.route_tag);
  w.u32(e.address.v4_value());
  w.u32(length_to_mask(e.mask_length));
  w.u32(e.next_hop.v4_value());
  w.u32(e.metric);
}

// Reads one 20-byte entry that is not an authentication entry.
std::variant<RouteEntry, DecodeFailure> read_entry(BufReader& r, Command command,
                                                   std::uint8_t version, std::size_t index,
                                                   std::size_t count) {
  const auto at = " in entry " + std::to_string(index + 1);
  const auto afi = r.u16();
  const auto route_tag = r.u16();
  const auto address = r.u32();
  const auto mask = r.u32();
  const auto next_hop = r.u32();
  const auto metric = r.u32();
  if (!r.ok()) return fail(DecodeError::too_short, "entry cut short" + at);
  RouteEntry e;
  e.afi = *afi;
  e.route_tag = *route_tag;
  e.address = IpAddress::v4(*address);
  e.next_hop = IpAddress::v4(*next_hop);
  e.metric = *metric;
  if (e.afi == kAfiAuth) {
    // RFC 2453 §4.1: authentication is the first entry only.
    return fail(DecodeError::bad_auth, "authentication entry not first" + at);
  }
  const bool whole_table = command == Command::request && count == 1 && e.afi == 0;
  if (e.afi != kAfiInet && !whole_table) {
    return fail(DecodeError::bad_afi, "address family " + std::to_string(e.afi) + at);
  }
  if (version == 1 && (e.route_tag != 0 || *mask != 0 || e.next_hop.v4_value() != 0)) {
    // RFC 1058 §3.1: the fields after the address family and address must be zero.
    return fail(DecodeError::nonzero_field, "RIPv1 must-be-zero field set" + at);
  }
  if (whole_table && e.metric != kInfinity) {
    // RFC 2453 §3.9.1: "address family identifier of zero and a metric of infinity".
    return fail(DecodeError::bad_metric,
                "whole-table request with metric " + std::to_string(e.metric));
  }
  const std::uint32_t min_metric = command == Command::request ? 0 : 1;
  if (e.metric < min_metric || e.metric > kInfinity) {
    // RFC 2453 §3.9.2: "is the metric valid (i.e., between 1 and 16, inclusive)".
    return fail(DecodeError::bad_metric, "metric " + std::to_string(e.metric) + at);
  }
  const auto length = mask_to_length(*mask);
  if (!length) return fail(DecodeError::bad_mask, "non-contiguous subnet mask" + at);
  e.mask_length = *length;
  return e;
}

}  // namespace

bool Packet::is_whole_table_request() const {
  return command == Command::request && entries.size() == 1 && entries[0].afi == 0 &&
         entries[0].metric == kInfinity;
}

DecodeResult decode(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kHeaderSize + kEntrySize) {
    return fail(DecodeError::too_short, "packet of " + std::to_string(bytes.size()) + " bytes");
  }
  if ((bytes.size() - kHeaderSize) % kEntrySize != 0 || bytes.size() > kMaxPacketSize) {
    return fail(DecodeError::bad_length,
                "length " + std::to_string(bytes.size()) + " is not 4 + 20 * (1..25)");
  }
  BufReader r(bytes);
  Packet p;
  const auto command = r.u8();
  const auto version = r.u8();
  const auto unused = r.u16();
  if (!r.ok()) return fail(DecodeError::too_short, "header cut short");
  if (*command != 1 && *command != 2) {
    return fail(DecodeError::bad_command, "command " + std::to_string(*command));
  }
  p.command = static_cast<Command>(*command);
  p.version = *version;
  // RFC 2453 §4: version 0 is never valid; 1 is RIPv1 (RFC 1058); 2 and above
  // use the RIPv2 format.
  if (p.version == 0) return fail(DecodeError::bad_version, "version 0");
  if (p.version == 1 && *unused != 0) {
    return fail(DecodeError::nonzero_field, "RIPv1 header must-be-zero field set");
  }

  std::size_t count = (bytes.size() - kHeaderSize) / kEntrySize;
  std::size_t first_route = 0;
  // The authentication entry, if any, is the first one (RFC 2453 §4.1).
  BufReader peek(r.rest());
  const auto first_afi = peek.u16();
  const auto type = peek.u16();
  if (!peek.ok()) return fail(DecodeError::too_short, "first entry cut short");
  if (p.version >= 2 && *first_afi == kAfiAuth) {
    if (*type == kAuthTypeText) {
      const auto password = peek.bytes(kAuthKeySize);
      if (!password) return fail(DecodeError::bad_auth, "password cut short");
      TextAuth text;
      std::ranges::copy(*password, text.password.begin());
      p.auth = text;
      count -= 1;
    } else if (*type == kAuthTypeMd5) {
      Md5Auth md5;
      const auto packet_length = peek.u16();
      const auto key_id = peek.u8();
      const auto auth_data_len = peek.u8();
      const auto sequence = peek.u32();
      if (!peek.skip(8) /* reserved */) return fail(DecodeError::bad_auth, "MD5 entry cut short");
      md5.packet_length = *packet_length;
      md5.key_id = *key_id;
      md5.auth_data_len = *auth_data_len;
      md5.sequence = *sequence;
      // RFC 2082 §3.2: the trailer starts at "RIP-2 Packet Length" and holds
      // the 16-byte digest; FRR sends an Auth Data Len of 16 or 20.
      if (md5.auth_data_len != kMd5AuthDataLenRfc && md5.auth_data_len != kMd5AuthDataLenCompat) {
        return fail(DecodeError::bad_auth,
                    "MD5 auth data length " + std::to_string(md5.auth_data_len));
      }
      if (md5.packet_length + kEntrySize != bytes.size()) {
        return fail(DecodeError::bad_auth, "MD5 packet length " +
                                               std::to_string(md5.packet_length) +
                                               " does not end where the trailer starts");
      }
      if (count < 3) {
        return fail(DecodeError::bad_auth, "MD5-authenticated packet without route entries");
      }
      BufReader trailer(bytes.subspan(md5.packet_length));
      const auto trailer_afi = trailer.u16();
      const auto trailer_type = trailer.u16();
      const auto digest = trailer.bytes(md5.digest.size());
      if (!trailer.ok() || *trailer_afi != kAfiAuth || *trailer_type != kAuthTypeMd5Trailer) {
        return fail(DecodeError::bad_auth, "MD5 trailer missing");
      }
      std::ranges::copy(*digest, md5.digest.begin());
      p.auth = md5;
      count -= 2;
    } else {
      return fail(DecodeError::bad_auth, "authentication type " + std::to_string(*type));
    }
    if (count == 0) return fail(DecodeError::bad_auth, "authentication entry without routes");
    r.skip(kEntrySize);
    first_route = 1;
  }

  p.entries.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto entry = read_entry(r, p.command, p.version, first_route + i, count);
    if (auto* failure = std::get_if<DecodeFailure>(&entry)) return std::move(*failure);
    p.entries.push_back(std::get<RouteEntry>(entry));
  }
  return p;
}

Md5Digest md5_digest(std::span<const std::uint8_t> up_to_trailer_header, std::string_view key) {
  std::array<std::uint8_t, kAuthKeySize> padded{};
  std::copy_n(key.begin(), std::min(key.size(), padded.size()), padded.begin());
  Md5 md5;
  md5.update(up_to_trailer_header);
  md5.update(padded);
  return md5.finish();
}

std::vector<std::uint8_t> encode(const Packet& packet, std::string_view key) {
  BufWriter w(kMaxPacketSize);
  w.u8(static_cast<std::uint8_t>(packet.command));
  w.u8(packet.version);
  w.u16(0);
  std::size_t length_offset = 0;
  const auto* md5 = std::get_if<Md5Auth>(&packet.auth);
  if (const auto* text = std::get_if<TextAuth>(&packet.auth)) {
    w.u16(kAfiAuth);
    w.u16(kAuthTypeText);
    w.bytes(text->password);
  } else if (md5 != nullptr) {
    w.u16(kAfiAuth);
    w.u16(kAuthTypeMd5);
    length_offset = w.size();
    w.u16(0);
    w.u8(md5->key_id);
    w.u8(md5->auth_data_len);
    w.u32(md5->sequence);
    w.zeros(8);
  }
  for (const auto& e : packet.entries)
    write_entry(w, e);
  if (md5 != nullptr) {
    w.put_u16_at(length_offset, static_cast<std::uint16_t>(w.size()));
    w.u16(kAfiAuth);
    w.u16(kAuthTypeMd5Trailer);
    const auto digest = md5_digest(w.data(), key);
    w.bytes(digest);
  }
  return w.take();
}

Packet whole_table_request() {
  Packet p;
  p.command = Command::request;
  RouteEntry e;
  e.afi = 0;
  e.address = IpAddress::v4(0);
  e.mask_length = 0;
  e.next_hop = IpAddress::v4(0);
  e.metric = kInfinity;
  p.entries.push_back(e);
  return p;
}

TextAuth text_auth(std::string_view key) {
  TextAuth t;
  std::copy_n(key.begin(), std::min(key.size(), t.password.size()), t.password.begin());
  return t;
}

std::size_t max_routes_per_packet(config::AuthMode mode) {
  switch (mode) {
    case config::AuthMode::none:
      return kMaxEntries;
    case config::AuthMode::text:
      return kMaxEntries - 1;
    case config::AuthMode::md5:
      return kMaxEntries - 2;  // the header entry and the trailer
  }
  return kMaxEntries;
}

AuthError verify_auth(const Packet& packet, std::span<const std::uint8_t> bytes,
                      const config::AuthConfig& auth) {
  switch (auth.mode) {
    case config::AuthMode::none:
      return std::holds_alternative<NoAuth>(packet.auth) ? AuthError::none : AuthError::unexpected;
    case config::AuthMode::text: {
      if (std::holds_alternative<NoAuth>(packet.auth)) return AuthError::missing;
      const auto* text = std::get_if<TextAuth>(&packet.auth);
      if (text == nullptr) return AuthError::wrong_type;
      return *text == text_auth(auth.key) ? AuthError::none : AuthError::wrong_password;
    }
    case config::AuthMode::md5: {
      if (std::holds_alternative<NoAuth>(packet.auth)) return AuthError::missing;
      const auto* md5 = std::get_if<Md5Auth>(&packet.auth);
      if (md5 == nullptr) return AuthError::wrong_type;
      if (md5->key_id != auth.key_id) return AuthError::wrong_key_id;
      if (bytes.size() != std::size_t{md5->packet_length} + kEntrySize)
        return AuthError::bad_digest;
      const auto expected = md5_digest(bytes.first(md5->packet_length + 4), auth.key);
      return expected == md5->digest ? AuthError::none : AuthError::bad_digest;
    }
  }
  return AuthError::missing;
}

std::string_view to_string(DecodeError error) {
  switch (error) {
    case DecodeError::too_short:
      return "too_short";
    case DecodeError::bad_length:
      return "bad_length";
    case DecodeError::bad_command:
      return "bad_command";
    case DecodeError::bad_version:
      return "bad_version";
    case DecodeError::nonzero_field:
      return "nonzero_field";
    case DecodeError::bad_afi:
      return "bad_afi";
    case DecodeError::bad_metric:
      return "bad_metric";
    case DecodeError::bad_mask:
      return "bad_mask";
    case DecodeError::bad_auth:
      return "bad_auth";
  }
  return "unknown";
}

std::string_view to_string(AuthError error) {
  switch (error) {
    case AuthError::none:
      return "none";
    case AuthError::missing:
      return "auth_missing";
    case AuthError::unexpected:
      return "auth_unexpected";
    case AuthError::wrong_type:
      return "auth_wrong_type";
    case AuthError::wrong_password:
      return "auth_wrong_password";
    case AuthError::wrong_key_id:
      return "auth_wrong_key_id";
    case AuthError::bad_digest:
      return "auth_bad_digest";
  }
  return "unknown";
}

std::string_view to_string(Command command) {
  switch (command) {
    case Command::request:
      return "request";
    case Command::response:
      return "response";
  }
  return "unknown";
}

}  // namespace anycastd::rip
