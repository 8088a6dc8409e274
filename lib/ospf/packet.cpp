// SPDX-License-Identifier: Apache-2.0
#include "ospf/packet.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "util/buffer.hpp"

namespace anycastd::ospf {

namespace {

DecodeFailure fail(DecodeError error, std::string message) {
  return DecodeFailure{error, std::move(message)};
}

}  // namespace

CryptoAuth Packet::crypto() const {
  CryptoAuth c;
  c.key_id = auth_data[2];
  c.data_length = auth_data[3];
  c.sequence = std::uint32_t{auth_data[4]} << 24 | std::uint32_t{auth_data[5]} << 16 |
               std::uint32_t{auth_data[6]} << 8 | auth_data[7];
  return c;
}

std::uint16_t ip_checksum(std::span<const std::uint8_t> data) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < data.size(); i += 2)
    sum += std::uint32_t{data[i]} << 8 | data[i + 1];
  if (data.size() % 2 == 1) sum += std::uint32_t{data.back()} << 8;
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

std::variant<Packet, DecodeFailure> decode(std::span<const std::uint8_t> bytes) {
  BufReader r(bytes);
  const auto version = r.u8();
  const auto type = r.u8();
  const auto length = r.u16();
  const auto router_id = r.u32();
  const auto area_id = r.u32();
  const auto checksum = r.u16();
  const auto au_type = r.u16();
  const auto auth = r.bytes(8);
  if (!r.ok()) return fail(DecodeError::truncated, fmt::format("{} bytes", bytes.size()));
  if (*version != kVersion) {
    return fail(DecodeError::bad_version, fmt::format("version {}", *version));
  }
  if (*type < 1 || *type > 5) return fail(DecodeError::bad_type, fmt::format("type {}", *type));
  if (*length < kHeaderSize || *length > bytes.size()) {
    return fail(DecodeError::bad_length,
                fmt::format("packet length {} with {} bytes", *length, bytes.size()));
  }
  if (*au_type > 2) return fail(DecodeError::bad_auth_type, fmt::format("AuType {}", *au_type));
  const auto packet_bytes = bytes.first(*length);
  if (*au_type != static_cast<std::uint16_t>(AuthType::cryptographic)) {
    // RFC 2328 §D.4.1: "the checksum ... excluding the 64-bit authentication field".
    std::vector<std::uint8_t> copy(packet_bytes.begin(), packet_bytes.end());
    std::fill(copy.begin() + 16, copy.begin() + 24, 0);
    if (ip_checksum(copy) != 0) {
      return fail(DecodeError::bad_checksum, fmt::format("checksum 0x{:04x}", *checksum));
    }
  }
  Packet p;
  p.router_id = *router_id;
  p.area_id = *area_id;
  p.auth_type = static_cast<AuthType>(*au_type);
  std::copy(auth->begin(), auth->end(), p.auth_data.begin());
  const auto failure = decode_body(static_cast<PacketType>(*type),
                                   BufReader(packet_bytes.subspan(kHeaderSize)), p.body);
  if (failure) return *failure;
  return p;
}

Md5Digest md5_digest(std::span<const std::uint8_t> packet, std::string_view key) {
  std::array<std::uint8_t, kMd5DigestSize> padded{};
  std::memcpy(padded.data(), key.data(), std::min(key.size(), padded.size()));
  Md5 md5;
  md5.update(packet);
  md5.update(padded);
  return md5.finish();
}

std::vector<std::uint8_t> encode(const Packet& packet, const Authenticator& auth) {
  BufWriter w(128);
  w.u8(kVersion);
  w.u8(static_cast<std::uint8_t>(packet.type()));
  w.u16(0);  // length, below
  w.u32(packet.router_id);
  w.u32(packet.area_id);
  w.u16(0);  // checksum, below
  AuthType type = AuthType::null;
  switch (auth.config.mode) {
    case config::AuthMode::none:
      type = AuthType::null;
      break;
    case config::AuthMode::text:
      type = AuthType::simple;
      break;
    case config::AuthMode::md5:
      type = AuthType::cryptographic;
      break;
  }
  w.u16(static_cast<std::uint16_t>(type));
  w.zeros(8);  // authentication, below
  encode_body(packet.body, w);
  auto out = w.take();
  const auto length = static_cast<std::uint16_t>(out.size());
  out[2] = static_cast<std::uint8_t>(length >> 8);
  out[3] = static_cast<std::uint8_t>(length);
  switch (type) {
    case AuthType::null:
    case AuthType::simple: {
      // RFC 2328 §D.4.2: the checksum is computed with the authentication field
      // zero, then the password is put in.
      const std::uint16_t sum = ip_checksum(out);
      out[12] = static_cast<std::uint8_t>(sum >> 8);
      out[13] = static_cast<std::uint8_t>(sum);
      if (type == AuthType::simple) {
        const auto& key = auth.config.key;
        std::memcpy(out.data() + 16, key.data(), std::min(key.size(), kSimplePasswordSize));
      }
      break;
    }
    case AuthType::cryptographic: {
      // RFC 2328 §D.4.3: checksum not computed; Key ID, Auth Data Len and the
      // sequence number in the field; the digest appended after `length`.
      out[18] = auth.config.key_id;
      out[19] = kMd5DigestSize;
      out[20] = static_cast<std::uint8_t>(auth.sequence >> 24);
      out[21] = static_cast<std::uint8_t>(auth.sequence >> 16);
      out[22] = static_cast<std::uint8_t>(auth.sequence >> 8);
      out[23] = static_cast<std::uint8_t>(auth.sequence);
      const auto digest = md5_digest(out, auth.config.key);
      out.insert(out.end(), digest.begin(), digest.end());
      break;
    }
  }
  return out;
}

AuthError verify_auth(const Packet& packet, std::span<const std::uint8_t> bytes,
                      const config::AuthConfig& auth, std::optional<std::uint32_t> last_sequence) {
  switch (auth.mode) {
    case config::AuthMode::none:
      return packet.auth_type == AuthType::null ? AuthError::none : AuthError::wrong_type;
    case config::AuthMode::text: {
      if (packet.auth_type != AuthType::simple) return AuthError::wrong_type;
      std::array<std::uint8_t, 8> want{};
      std::memcpy(want.data(), auth.key.data(), std::min(auth.key.size(), want.size()));
      return packet.auth_data == want ? AuthError::none : AuthError::wrong_password;
    }
    case config::AuthMode::md5: {
      if (packet.auth_type != AuthType::cryptographic) return AuthError::wrong_type;
      const CryptoAuth c = packet.crypto();
      if (c.key_id != auth.key_id) return AuthError::wrong_key_id;
      if (bytes.size() < kHeaderSize) return AuthError::missing_digest;
      const std::size_t length = std::size_t{bytes[2]} << 8 | bytes[3];
      if (c.data_length != kMd5DigestSize || bytes.size() < length + kMd5DigestSize) {
        return AuthError::missing_digest;
      }
      const auto digest = md5_digest(bytes.first(length), auth.key);
      if (!std::equal(digest.begin(), digest.end(), bytes.begin() + length)) {
        return AuthError::bad_digest;
      }
      // RFC 2328 §D.4.3: "If the cryptographic sequence number found in the
      // OSPF header is less than the stored value, the packet is rejected."
      if (last_sequence && c.sequence < *last_sequence) return AuthError::old_sequence;
      return AuthError::none;
    }
  }
  return AuthError::wrong_type;
}

std::string_view to_string(DecodeError error) {
  switch (error) {
    case DecodeError::truncated:
      return "truncated";
    case DecodeError::bad_version:
      return "bad_version";
    case DecodeError::bad_type:
      return "bad_type";
    case DecodeError::bad_length:
      return "bad_length";
    case DecodeError::bad_checksum:
      return "bad_checksum";
    case DecodeError::bad_auth_type:
      return "auth_wrong_type";
    case DecodeError::malformed:
      return "malformed";
  }
  return "unknown";
}

std::string_view to_string(AuthError error) {
  switch (error) {
    case AuthError::none:
      return "authenticated";
    case AuthError::wrong_type:
      return "wrong AuType";
    case AuthError::wrong_password:
      return "wrong password";
    case AuthError::wrong_key_id:
      return "unknown key ID";
    case AuthError::bad_digest:
      return "bad digest";
    case AuthError::missing_digest:
      return "no digest";
    case AuthError::old_sequence:
      return "cryptographic sequence number went back";
  }
  return "unknown";
}

std::string_view drop_reason(AuthError error) {
  switch (error) {
    case AuthError::none:
      return "none";
    case AuthError::wrong_type:
      return "auth_wrong_type";
    case AuthError::wrong_password:
      return "auth_wrong_password";
    case AuthError::wrong_key_id:
      return "auth_wrong_key_id";
    case AuthError::bad_digest:
      return "auth_bad_digest";
    case AuthError::missing_digest:
      return "auth_missing";
    case AuthError::old_sequence:
      return "auth_sequence";
  }
  return "auth_unknown";
}

std::string_view to_string(PacketType type) {
  switch (type) {
    case PacketType::hello:
      return "Hello";
    case PacketType::db_description:
      return "Database Description";
    case PacketType::ls_request:
      return "LS Request";
    case PacketType::ls_update:
      return "LS Update";
    case PacketType::ls_ack:
      return "LS Acknowledgment";
  }
  return "unknown";
}

}  // namespace anycastd::ospf
