// SPDX-License-Identifier: Apache-2.0
#include "ospf/lsa.hpp"

#include <fmt/format.h>

#include "util/buffer.hpp"

namespace anycastd::ospf {

namespace {

LsaFailure fail(LsaError error, std::string message) {
  return LsaFailure{error, std::move(message)};
}

std::optional<LsaFailure> decode_body(std::uint8_t type, BufReader r, LsaBody& out) {
  const auto malformed = [&](std::string_view what) {
    return fail(LsaError::bad_length, fmt::format("{}-LSA: {}", lsa_type_name(type), what));
  };
  switch (type) {
    case static_cast<std::uint8_t>(LsaType::router): {
      RouterLsa lsa;
      const auto flags = r.u8();
      const auto zero = r.u8();
      const auto count = r.u16();
      if (!flags || !zero || !count) return malformed("truncated");
      lsa.flags = *flags;
      for (std::uint16_t i = 0; i < *count; ++i) {
        RouterLink link;
        const auto id = r.u32();
        const auto data = r.u32();
        const auto link_type = r.u8();
        const auto tos_count = r.u8();
        const auto metric = r.u16();
        if (!id || !data || !link_type || !tos_count || !metric) return malformed("truncated link");
        link.id = *id;
        link.data = *data;
        link.type = *link_type;
        link.metric = *metric;
        for (std::uint8_t t = 0; t < *tos_count; ++t) {
          const auto tos = r.u8();
          const auto pad = r.u8();
          const auto m = r.u16();
          if (!tos || !pad || !m) return malformed("truncated TOS metric");
          link.tos.push_back({*tos, *m});
        }
        lsa.links.push_back(std::move(link));
      }
      // RFC 2328 §A.4.2: "# links: the number of router links described in this LSA";
      // the links must fill the LSA.
      if (!r.empty()) return malformed("bytes after the last link");
      out = std::move(lsa);
      return std::nullopt;
    }
    case static_cast<std::uint8_t>(LsaType::network): {
      NetworkLsa lsa;
      const auto mask = r.u32();
      if (!mask || r.remaining() % 4 != 0) return malformed("bad length");
      lsa.mask = *mask;
      while (!r.empty()) {
        const auto router = r.u32();
        if (!router) return malformed("attached router cut short");
        lsa.attached_routers.push_back(*router);
      }
      out = std::move(lsa);
      return std::nullopt;
    }
    case static_cast<std::uint8_t>(LsaType::summary_network):
    case static_cast<std::uint8_t>(LsaType::summary_asbr): {
      SummaryLsa lsa;
      const auto mask = r.u32();
      const auto metric = r.u32();
      if (!mask || !metric || r.remaining() % 4 != 0) return malformed("bad length");
      lsa.mask = *mask;
      lsa.metric = *metric & 0xffffff;
      // The first word's top byte is the (zero) TOS of the default metric.
      if ((*metric >> 24) != 0) return malformed("non-zero TOS on the TOS 0 metric");
      while (!r.empty()) {
        const auto entry = r.u32();
        if (!entry) return malformed("TOS entry cut short");
        lsa.tos_entries.push_back(*entry);
      }
      out = std::move(lsa);
      return std::nullopt;
    }
    case static_cast<std::uint8_t>(LsaType::as_external):
    case static_cast<std::uint8_t>(LsaType::nssa_external): {
      ExternalLsa lsa;
      const auto mask = r.u32();
      if (!mask || r.remaining() == 0 || r.remaining() % 12 != 0) return malformed("bad length");
      lsa.mask = *mask;
      while (!r.empty()) {
        const auto word = r.u32();
        const auto forwarding = r.u32();
        const auto tag = r.u32();
        if (!r.ok()) return malformed("external metric cut short");
        ExternalMetric m;
        m.type2 = (*word & 0x80000000u) != 0;
        m.tos = static_cast<std::uint8_t>((*word >> 24) & 0x7f);
        m.metric = *word & 0xffffff;
        m.forwarding_address = *forwarding;
        m.route_tag = *tag;
        lsa.metrics.push_back(m);
      }
      out = std::move(lsa);
      return std::nullopt;
    }
    default: {
      const auto rest = r.rest();
      out = OpaqueLsa{{rest.begin(), rest.end()}};
      return std::nullopt;
    }
  }
}

struct BodyEncoder {
  BufWriter& w;
  void operator()(const RouterLsa& lsa) const {
    w.u8(lsa.flags);
    w.u8(0);
    w.u16(static_cast<std::uint16_t>(lsa.links.size()));
    for (const auto& link : lsa.links) {
      w.u32(link.id);
      w.u32(link.data);
      w.u8(link.type);
      w.u8(static_cast<std::uint8_t>(link.tos.size()));
      w.u16(link.metric);
      for (const auto& t : link.tos) {
        w.u8(t.tos);
        w.u8(0);
        w.u16(t.metric);
      }
    }
  }
  void operator()(const NetworkLsa& lsa) const {
    w.u32(lsa.mask);
    for (const auto r : lsa.attached_routers)
      w.u32(r);
  }
  void operator()(const SummaryLsa& lsa) const {
    w.u32(lsa.mask);
    w.u32(lsa.metric & 0xffffff);
    for (const auto t : lsa.tos_entries)
      w.u32(t);
  }
  void operator()(const ExternalLsa& lsa) const {
    w.u32(lsa.mask);
    for (const auto& m : lsa.metrics) {
      w.u32((m.type2 ? 0x80000000u : 0u) | (std::uint32_t{m.tos} & 0x7f) << 24 |
            (m.metric & 0xffffff));
      w.u32(m.forwarding_address);
      w.u32(m.route_tag);
    }
  }
  void operator()(const OpaqueLsa& lsa) const { w.bytes(lsa.body); }
};

}  // namespace

int compare_instances(const LsaHeader& a, const LsaHeader& b) {
  // RFC 2328 §13.1: "The LSA having the newer LS sequence number is more recent."
  if (a.sequence != b.sequence) return a.sequence > b.sequence ? 1 : -1;
  // "If the two instances have different LS checksums, then the instance
  // having the larger LS checksum ... is considered more recent."
  if (a.checksum != b.checksum) return a.checksum > b.checksum ? 1 : -1;
  // "If only one of the instances has its LS age field set to MaxAge, the
  // instance of age MaxAge is considered to be more recent."
  const bool a_max = a.age >= kMaxAge;
  const bool b_max = b.age >= kMaxAge;
  if (a_max != b_max) return a_max ? 1 : -1;
  // "If the LS age fields of the two instances differ by more than MaxAgeDiff,
  // the instance having the smaller (younger) LS age is considered more recent."
  const int diff = static_cast<int>(a.age) - static_cast<int>(b.age);
  if (diff > kMaxAgeDiff) return -1;
  if (diff < -kMaxAgeDiff) return 1;
  return 0;
}

std::variant<LsaHeader, LsaFailure> decode_lsa_header(std::span<const std::uint8_t> bytes) {
  BufReader r(bytes);
  LsaHeader h;
  const auto age = r.u16();
  const auto options = r.u8();
  const auto type = r.u8();
  const auto ls_id = r.u32();
  const auto adv = r.u32();
  const auto seq = r.u32();
  const auto checksum = r.u16();
  const auto length = r.u16();
  if (!r.ok()) return fail(LsaError::too_short, "LSA header shorter than 20 bytes");
  h.age = *age;
  h.options = *options;
  h.type = *type;
  h.ls_id = *ls_id;
  h.advertising_router = *adv;
  h.sequence = static_cast<std::int32_t>(*seq);
  h.checksum = *checksum;
  h.length = *length;
  return h;
}

std::optional<LsaFailure> check_lsa(std::span<const std::uint8_t> bytes) {
  auto header = decode_lsa_header(bytes);
  if (auto* f = std::get_if<LsaFailure>(&header)) return *f;
  const auto& h = std::get<LsaHeader>(header);
  if (h.length < kLsaHeaderSize) {
    return fail(LsaError::bad_length, fmt::format("LSA length {} is below 20", h.length));
  }
  if (h.length > bytes.size()) {
    return fail(LsaError::too_short,
                fmt::format("LSA length {} but only {} bytes", h.length, bytes.size()));
  }
  if (h.age > kMaxAge) return fail(LsaError::bad_age, fmt::format("LS age {}", h.age));
  if (static_cast<std::uint32_t>(h.sequence) == 0x80000000u) {
    return fail(LsaError::bad_sequence, "LS sequence number 0x80000000 is reserved");
  }
  const auto whole = bytes.first(h.length);
  if (!fletcher_ok(whole.subspan(2))) {
    return fail(LsaError::bad_checksum,
                fmt::format("{}-LSA {} from {}: bad LS checksum 0x{:04x}", lsa_type_name(h.type),
                            dotted(h.ls_id), dotted(h.advertising_router), h.checksum));
  }
  LsaBody body;
  return decode_body(h.type, BufReader(whole.subspan(kLsaHeaderSize)), body);
}

std::variant<Lsa, LsaFailure> decode_lsa(std::span<const std::uint8_t> bytes) {
  if (auto failure = check_lsa(bytes)) return *failure;
  const auto header = decode_lsa_header(bytes);
  if (const auto* failure = std::get_if<LsaFailure>(&header)) return *failure;
  Lsa lsa;
  lsa.header = std::get<LsaHeader>(header);
  const auto whole = bytes.first(lsa.header.length);
  if (auto failure =
          decode_body(lsa.header.type, BufReader(whole.subspan(kLsaHeaderSize)), lsa.body)) {
    return *failure;
  }
  return lsa;
}

void encode_lsa_header(const LsaHeader& h, std::vector<std::uint8_t>& out) {
  BufWriter w;
  w.u16(h.age);
  w.u8(h.options);
  w.u8(h.type);
  w.u32(h.ls_id);
  w.u32(h.advertising_router);
  w.u32(static_cast<std::uint32_t>(h.sequence));
  w.u16(h.checksum);
  w.u16(h.length);
  out.insert(out.end(), w.data().begin(), w.data().end());
}

std::vector<std::uint8_t> encode_lsa(const Lsa& lsa) {
  std::vector<std::uint8_t> out;
  out.reserve(64);
  encode_lsa_header(lsa.header, out);
  BufWriter body;
  std::visit(BodyEncoder{body}, lsa.body);
  out.insert(out.end(), body.data().begin(), body.data().end());
  const auto length = static_cast<std::uint16_t>(out.size());
  out[18] = static_cast<std::uint8_t>(length >> 8);
  out[19] = static_cast<std::uint8_t>(length);
  set_lsa_checksum(out);
  return out;
}

std::uint16_t fletcher_checksum(std::span<const std::uint8_t> data, std::size_t offset) {
  // RFC 905 appendix B.2 (the ISO 8473 algorithm): with the checksum octets
  // zero, sum C0 and C1 modulo 255, then choose X and Y so the whole sums to zero.
  std::int64_t c0 = 0;
  std::int64_t c1 = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const std::uint8_t b = (i == offset || i == offset + 1) ? 0 : data[i];
    c0 = (c0 + b) % 255;
    c1 = (c1 + c0) % 255;
  }
  const auto n = static_cast<std::int64_t>(data.size());
  const auto k = static_cast<std::int64_t>(offset) + 1;  // 1-based position of X
  std::int64_t x = ((n - k) * c0 - c1) % 255;
  if (x <= 0) x += 255;
  std::int64_t y = (510 - c0 - x) % 255;
  if (y <= 0) y += 255;
  return static_cast<std::uint16_t>(x << 8 | y);
}

bool fletcher_ok(std::span<const std::uint8_t> data) {
  std::uint32_t c0 = 0;
  std::uint32_t c1 = 0;
  for (const auto b : data) {
    c0 = (c0 + b) % 255;
    c1 = (c1 + c0) % 255;
  }
  return c0 == 0 && c1 == 0;
}

std::uint16_t lsa_checksum(std::span<const std::uint8_t> lsa) {
  return fletcher_checksum(lsa.subspan(2), kChecksumOffset - 2);
}

void set_lsa_checksum(std::vector<std::uint8_t>& lsa) {
  const std::uint16_t sum = lsa_checksum(lsa);
  lsa[kChecksumOffset] = static_cast<std::uint8_t>(sum >> 8);
  lsa[kChecksumOffset + 1] = static_cast<std::uint8_t>(sum);
}

void set_lsa_age(std::span<std::uint8_t> lsa, std::uint16_t age) {
  lsa[0] = static_cast<std::uint8_t>(age >> 8);
  lsa[1] = static_cast<std::uint8_t>(age);
}

std::string_view to_string(LsaError error) {
  switch (error) {
    case LsaError::too_short:
      return "truncated";
    case LsaError::bad_length:
      return "bad_length";
    case LsaError::bad_checksum:
      return "bad_checksum";
    case LsaError::bad_age:
      return "bad_age";
    case LsaError::bad_sequence:
      return "bad_sequence";
  }
  return "unknown";
}

std::string lsa_type_name(std::uint8_t type) {
  switch (type) {
    case 1:
      return "router";
    case 2:
      return "network";
    case 3:
      return "summary";
    case 4:
      return "asbr_summary";
    case 5:
      return "external";
    case 7:
      return "nssa_external";
    default:
      return fmt::format("type-{}", type);
  }
}

std::string dotted(std::uint32_t v) {
  return fmt::format("{}.{}.{}.{}", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
}

}  // namespace anycastd::ospf
