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

std::optional<LsaHeader> read_lsa_header(BufReader& r) {
  const auto bytes = r.bytes(kLsaHeaderSize);
  if (!bytes) return std::nullopt;
  return std::get<LsaHeader>(decode_lsa_header(*bytes));
}

std::optional<DecodeFailure> decode_hello(BufReader r, Hello& out) {
  const auto mask = r.u32();
  const auto hello = r.u16();
  const auto options = r.u8();
  const auto priority = r.u8();
  const auto dead = r.u32();
  const auto dr = r.u32();
  const auto bdr = r.u32();
  if (!bdr) return fail(DecodeError::malformed, "Hello shorter than 20 bytes");
  if (r.remaining() % 4 != 0) return fail(DecodeError::malformed, "Hello neighbor list not whole");
  out.network_mask = *mask;
  out.hello_interval = *hello;
  out.options = *options;
  out.priority = *priority;
  out.dead_interval = *dead;
  out.designated_router = *dr;
  out.backup_designated_router = *bdr;
  while (!r.empty())
    out.neighbors.push_back(*r.u32());
  return std::nullopt;
}

std::optional<DecodeFailure> decode_dd(BufReader r, DatabaseDescription& out) {
  const auto mtu = r.u16();
  const auto options = r.u8();
  const auto flags = r.u8();
  const auto seq = r.u32();
  if (!seq) return fail(DecodeError::malformed, "Database Description shorter than 8 bytes");
  if (r.remaining() % kLsaHeaderSize != 0) {
    return fail(DecodeError::malformed, "Database Description LSA headers not whole");
  }
  out.interface_mtu = *mtu;
  out.options = *options;
  out.flags = *flags;
  out.sequence = *seq;
  while (!r.empty())
    out.headers.push_back(*read_lsa_header(r));
  return std::nullopt;
}

std::optional<DecodeFailure> decode_lsr(BufReader r, LinkStateRequest& out) {
  if (r.remaining() % 12 != 0) return fail(DecodeError::malformed, "LS Request entries not whole");
  while (!r.empty()) {
    const auto type = *r.u32();
    const auto id = *r.u32();
    const auto adv = *r.u32();
    // RFC 2328 §A.3.4: LS type is a 32-bit field; the LSA types fit in 8 bits.
    if (type == 0 || type > 0xff) {
      return fail(DecodeError::malformed, fmt::format("LS Request for LS type {}", type));
    }
    out.requests.push_back({static_cast<std::uint8_t>(type), id, adv});
  }
  return std::nullopt;
}

std::optional<DecodeFailure> decode_lsu(BufReader r, LinkStateUpdate& out) {
  const auto count = r.u32();
  if (!count) return fail(DecodeError::malformed, "LS Update shorter than 4 bytes");
  for (std::uint32_t i = 0; i < *count; ++i) {
    const auto rest = r.rest();
    const auto header = decode_lsa_header(rest);
    if (std::holds_alternative<LsaFailure>(header)) {
      return fail(DecodeError::malformed,
                  fmt::format("LS Update: LSA {} of {} truncated", i + 1, *count));
    }
    const auto length = std::get<LsaHeader>(header).length;
    if (length < kLsaHeaderSize || length > rest.size()) {
      return fail(DecodeError::malformed,
                  fmt::format("LS Update: LSA {} of {} has length {} with {} bytes left", i + 1,
                              *count, length, rest.size()));
    }
    const auto bytes = *r.bytes(length);
    out.lsas.emplace_back(bytes.begin(), bytes.end());
  }
  // RFC 2328 §A.3.5: "# LSAs: the number of LSAs included in this update";
  // anything after them means the count is wrong.
  if (!r.empty()) return fail(DecodeError::malformed, "LS Update: bytes after the last LSA");
  return std::nullopt;
}

std::optional<DecodeFailure> decode_ack(BufReader r, LinkStateAck& out) {
  if (r.remaining() % kLsaHeaderSize != 0) {
    return fail(DecodeError::malformed, "LS Acknowledgment headers not whole");
  }
  while (!r.empty())
    out.headers.push_back(*read_lsa_header(r));
  return std::nullopt;
}

void write_lsa_header(BufWriter& w, const LsaHeader& h) {
  std::vector<std::uint8_t> bytes;
  encode_lsa_header(h, bytes);
  w.bytes(bytes);
}

struct BodyWriter {
  BufWriter& w;
  void operator()(const Hello& h) const {
    w.u32(h.network_mask);
    w.u16(h.hello_interval);
    w.u8(h.options);
    w.u8(h.priority);
    w.u32(h.dead_interval);
    w.u32(h.designated_router);
    w.u32(h.backup_designated_router);
    for (const auto n : h.neighbors)
      w.u32(n);
  }
  void operator()(const DatabaseDescription& d) const {
    w.u16(d.interface_mtu);
    w.u8(d.options);
    w.u8(d.flags);
    w.u32(d.sequence);
    for (const auto& h : d.headers)
      write_lsa_header(w, h);
  }
  void operator()(const LinkStateRequest& r) const {
    for (const auto& k : r.requests) {
      w.u32(k.type);
      w.u32(k.ls_id);
      w.u32(k.advertising_router);
    }
  }
  void operator()(const LinkStateUpdate& u) const {
    w.u32(static_cast<std::uint32_t>(u.lsas.size()));
    for (const auto& lsa : u.lsas)
      w.bytes(lsa);
  }
  void operator()(const LinkStateAck& a) const {
    for (const auto& h : a.headers)
      write_lsa_header(w, h);
  }
};

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
  if (!auth) return fail(DecodeError::too_short, fmt::format("{} bytes", bytes.size()));
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
  const BufReader body(packet_bytes.subspan(kHeaderSize));
  std::optional<DecodeFailure> failure;
  switch (static_cast<PacketType>(*type)) {
    case PacketType::hello:
      failure = decode_hello(body, p.body.emplace<Hello>());
      break;
    case PacketType::db_description:
      failure = decode_dd(body, p.body.emplace<DatabaseDescription>());
      break;
    case PacketType::ls_request:
      failure = decode_lsr(body, p.body.emplace<LinkStateRequest>());
      break;
    case PacketType::ls_update:
      failure = decode_lsu(body, p.body.emplace<LinkStateUpdate>());
      break;
    case PacketType::ls_ack:
      failure = decode_ack(body, p.body.emplace<LinkStateAck>());
      break;
  }
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
  std::visit(BodyWriter{w}, packet.body);
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
    case DecodeError::too_short:
      return "too_short";
    case DecodeError::bad_version:
      return "bad_version";
    case DecodeError::bad_type:
      return "bad_type";
    case DecodeError::bad_length:
      return "bad_length";
    case DecodeError::bad_checksum:
      return "bad_checksum";
    case DecodeError::bad_auth_type:
      return "bad_auth_type";
    case DecodeError::malformed:
      return "malformed";
  }
  return "unknown";
}

std::string_view to_string(AuthError error) {
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
      return "auth_missing_digest";
    case AuthError::old_sequence:
      return "auth_old_sequence";
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
