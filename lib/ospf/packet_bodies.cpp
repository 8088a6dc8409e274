// SPDX-License-Identifier: Apache-2.0
// The five OSPFv2 packet bodies (RFC 2328 §A.3.2 to §A.3.6), each decoded
// field by field from a BufReader that must end exactly where the body does.
#include <fmt/format.h>

#include "ospf/packet.hpp"

namespace anycastd::ospf {

namespace {

DecodeFailure malformed(std::string message) {
  return DecodeFailure{DecodeError::malformed, std::move(message)};
}

std::optional<LsaHeader> read_lsa_header(BufReader& r) {
  const auto bytes = r.bytes(kLsaHeaderSize);
  if (!bytes) return std::nullopt;
  const auto header = decode_lsa_header(*bytes);
  if (const auto* h = std::get_if<LsaHeader>(&header)) return *h;
  return std::nullopt;
}

// A run of LSA headers to the end of `r` (Database Description, LS Ack).
std::optional<DecodeFailure> read_lsa_headers(BufReader& r, std::string_view what,
                                              std::vector<LsaHeader>& out) {
  if (r.remaining() % kLsaHeaderSize != 0) {
    return malformed(fmt::format("{}: LSA headers not whole ({} bytes)", what, r.remaining()));
  }
  while (!r.empty()) {
    const auto header = read_lsa_header(r);
    if (!header) return malformed(fmt::format("{}: LSA header cut short", what));
    out.push_back(*header);
  }
  return std::nullopt;
}

// RFC 2328 §A.3.2.
std::optional<DecodeFailure> decode_hello(BufReader r, Hello& out) {
  const auto mask = r.u32();
  const auto hello = r.u16();
  const auto options = r.u8();
  const auto priority = r.u8();
  const auto dead = r.u32();
  const auto dr = r.u32();
  const auto bdr = r.u32();
  if (!r.ok()) return malformed("Hello shorter than 20 bytes");
  if (r.remaining() % 4 != 0) return malformed("Hello neighbor list not whole");
  out.network_mask = *mask;
  out.hello_interval = *hello;
  out.options = *options;
  out.priority = *priority;
  out.dead_interval = *dead;
  out.designated_router = *dr;
  out.backup_designated_router = *bdr;
  while (!r.empty()) {
    const auto neighbor = r.u32();
    if (!neighbor) return malformed("Hello neighbor cut short");
    out.neighbors.push_back(*neighbor);
  }
  return std::nullopt;
}

// RFC 2328 §A.3.3.
std::optional<DecodeFailure> decode_dd(BufReader r, DatabaseDescription& out) {
  const auto mtu = r.u16();
  const auto options = r.u8();
  const auto flags = r.u8();
  const auto seq = r.u32();
  if (!r.ok()) return malformed("Database Description shorter than 8 bytes");
  out.interface_mtu = *mtu;
  out.options = *options;
  out.flags = *flags;
  out.sequence = *seq;
  return read_lsa_headers(r, "Database Description", out.headers);
}

// RFC 2328 §A.3.4.
std::optional<DecodeFailure> decode_lsr(BufReader r, LinkStateRequest& out) {
  if (r.remaining() % 12 != 0) return malformed("LS Request entries not whole");
  while (!r.empty()) {
    const auto type = r.u32();
    const auto id = r.u32();
    const auto adv = r.u32();
    if (!r.ok()) return malformed("LS Request entry cut short");
    // RFC 2328 §A.3.4: LS type is a 32-bit field; the LSA types fit in 8 bits.
    if (*type == 0 || *type > 0xff)
      return malformed(fmt::format("LS Request for LS type {}", *type));
    out.requests.push_back({static_cast<std::uint8_t>(*type), *id, *adv});
  }
  return std::nullopt;
}

// RFC 2328 §A.3.5.
std::optional<DecodeFailure> decode_lsu(BufReader r, LinkStateUpdate& out) {
  const auto count = r.u32();
  if (!count) return malformed("LS Update shorter than 4 bytes");
  for (std::uint32_t i = 0; i < *count; ++i) {
    const auto header = decode_lsa_header(r.rest());
    const auto* h = std::get_if<LsaHeader>(&header);
    if (!h) return malformed(fmt::format("LS Update: LSA {} of {} truncated", i + 1, *count));
    if (h->length < kLsaHeaderSize || h->length > r.remaining()) {
      return malformed(fmt::format("LS Update: LSA {} of {} has length {} with {} bytes left",
                                   i + 1, *count, h->length, r.remaining()));
    }
    const auto bytes = r.bytes(h->length);
    if (!bytes) return malformed(fmt::format("LS Update: LSA {} of {} cut short", i + 1, *count));
    out.lsas.emplace_back(bytes->begin(), bytes->end());
  }
  // RFC 2328 §A.3.5: "# LSAs: the number of LSAs included in this update";
  // anything after them means the count is wrong.
  if (!r.empty()) return malformed("LS Update: bytes after the last LSA");
  return std::nullopt;
}

// RFC 2328 §A.3.6.
std::optional<DecodeFailure> decode_ack(BufReader r, LinkStateAck& out) {
  return read_lsa_headers(r, "LS Acknowledgment", out.headers);
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

std::optional<DecodeFailure> decode_body(PacketType type, BufReader body, Body& out) {
  switch (type) {
    case PacketType::hello:
      return decode_hello(body, out.emplace<Hello>());
    case PacketType::db_description:
      return decode_dd(body, out.emplace<DatabaseDescription>());
    case PacketType::ls_request:
      return decode_lsr(body, out.emplace<LinkStateRequest>());
    case PacketType::ls_update:
      return decode_lsu(body, out.emplace<LinkStateUpdate>());
    case PacketType::ls_ack:
      return decode_ack(body, out.emplace<LinkStateAck>());
  }
  return malformed(fmt::format("packet type {}", static_cast<int>(type)));
}

void encode_body(const Body& body, BufWriter& out) {
  std::visit(BodyWriter{out}, body);
}

}  // namespace anycastd::ospf
