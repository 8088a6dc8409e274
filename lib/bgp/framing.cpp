// SPDX-License-Identifier: Apache-2.0
#include "framing.hpp"

#include <algorithm>

namespace anycastd::bgp {

void write_header(BufWriter& w, MessageType type) {
  for (int i = 0; i < 16; ++i)
    w.u8(0xff);
  w.u16(0);  // patched by finish()
  w.u8(static_cast<std::uint8_t>(type));
}

std::vector<std::uint8_t> finish(BufWriter& w) {
  w.put_u16_at(16, static_cast<std::uint16_t>(w.size()));
  return w.take();
}

std::vector<std::uint8_t> u16_bytes(std::uint16_t v) {
  return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

Notification make(std::uint8_t code, std::uint8_t subcode, std::vector<std::uint8_t> data) {
  return Notification{code, subcode, std::move(data)};
}

// Bits past the length are cleared so equal prefixes compare equal.
bool read_prefixes(BufReader r, Family family, std::vector<Prefix>& out) {
  const std::uint8_t max = family == Family::ipv4 ? 32 : 128;
  while (!r.empty()) {
    const auto length = r.u8().value_or(0);
    const auto bytes = r.bytes((length + 7u) / 8u);
    if (!r.ok() || length > max) return false;
    const std::size_t n = bytes->size();
    Prefix p;
    p.address.family = family;
    p.length = length;
    std::copy(bytes->begin(), bytes->end(), p.address.bytes.begin());
    if (length % 8 != 0) {
      p.address.bytes[n - 1] &= static_cast<std::uint8_t>(0xff << (8 - length % 8));
    }
    out.push_back(p);
  }
  return true;
}

void write_prefix(BufWriter& w, const Prefix& p) {
  w.u8(p.length);
  w.bytes(std::span(p.address.bytes.data(), (p.length + 7u) / 8u));
}

std::optional<Family> family_of(AfiSafi afi_safi) {
  if (afi_safi == kIpv4Unicast) return Family::ipv4;
  if (afi_safi == kIpv6Unicast) return Family::ipv6;
  return std::nullopt;
}

std::optional<std::uint32_t> u32_value(std::span<const std::uint8_t> value) {
  BufReader r(value);
  const auto v = r.u32();
  if (!r.ok() || !r.empty()) return std::nullopt;
  return v;
}

}  // namespace anycastd::bgp
