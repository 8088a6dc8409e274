#include "bgp/packet.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <array>

#include "util/buffer.hpp"

namespace anycastd::bgp {

namespace {

constexpr std::size_t kOpenMinSize = 29;          // RFC 4271 §4.2
constexpr std::size_t kUpdateMinSize = 23;        // RFC 4271 §4.3
constexpr std::size_t kNotificationMinSize = 21;  // RFC 4271 §4.5
constexpr std::size_t kRouteRefreshSize = 23;     // RFC 2918 §3

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

Notification make(std::uint8_t code, std::uint8_t subcode, std::vector<std::uint8_t> data = {}) {
  return Notification{code, subcode, std::move(data)};
}

// RFC 4271 §4.3: <length, prefix> with the prefix padded to whole octets.
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

// AS_PATH / AS4_PATH segments (RFC 4271 §4.3, RFC 6793 §3) with 2- or
// 4-octet AS numbers. RFC 7606 §7.2: an unknown segment type, a segment of
// zero length, or a length that overruns or leaves bytes over is malformed.
std::optional<AsPath> read_as_path(BufReader r, std::size_t width) {
  AsPath path;
  while (!r.empty()) {
    const auto type = r.u8().value_or(0);
    const auto count = r.u8().value_or(0);
    if (!r.ok() || type < 1 || type > 4 || count == 0) return std::nullopt;
    AsSegment segment;
    segment.type = static_cast<SegmentType>(type);
    segment.asns.reserve(count);
    for (unsigned i = 0; i < count; ++i) {
      const auto asn = width == 4 ? r.u32() : std::optional<std::uint32_t>(r.u16());
      if (!r.ok()) return std::nullopt;
      segment.asns.push_back(*asn);
    }
    path.push_back(std::move(segment));
  }
  return path;
}

// RFC 4271 §5.1.2: a segment holds at most 255 AS numbers; longer runs are split.
void write_as_path(BufWriter& w, const AsPath& path, std::size_t width) {
  for (const auto& segment : path) {
    for (std::size_t start = 0; start < segment.asns.size(); start += 255) {
      const std::size_t count = std::min<std::size_t>(255, segment.asns.size() - start);
      w.u8(static_cast<std::uint8_t>(segment.type));
      w.u8(static_cast<std::uint8_t>(count));
      for (std::size_t i = start; i < start + count; ++i) {
        const std::uint32_t asn = segment.asns[i];
        if (width == 4) {
          w.u32(asn);
        } else {
          w.u16(asn > 0xffff ? kAsTrans : static_cast<std::uint16_t>(asn));
        }
      }
    }
  }
}

bool has_confederation(const AsPath& path) {
  return std::any_of(path.begin(), path.end(), [](const AsSegment& s) {
    return s.type == SegmentType::confed_sequence || s.type == SegmentType::confed_set;
  });
}

bool needs_as_trans(const AsPath& path) {
  return std::any_of(path.begin(), path.end(), [](const AsSegment& s) {
    return std::any_of(s.asns.begin(), s.asns.end(), [](std::uint32_t a) { return a > 0xffff; });
  });
}

std::optional<Aggregator> read_aggregator(std::span<const std::uint8_t> value, std::size_t width) {
  if (value.size() != width + 4) return std::nullopt;
  BufReader r(value);
  const auto asn = width == 4 ? r.u32() : std::optional<std::uint32_t>(r.u16());
  const auto address = r.u32();
  if (!r.ok()) return std::nullopt;
  return Aggregator{*asn, IpAddress::v4(*address)};
}

// A 4-octet attribute value (NEXT_HOP, MULTI_EXIT_DISC, LOCAL_PREF);
// nullopt for any other length.
std::optional<std::uint32_t> u32_value(std::span<const std::uint8_t> value) {
  BufReader r(value);
  const auto v = r.u32();
  if (!r.ok() || !r.empty()) return std::nullopt;
  return v;
}

// Expected Optional and Transitive bits of the attributes we interpret (RFC
// 4271 §5, RFC 1997 §3, RFC 4760 §3-4, RFC 6793 §3).
std::optional<std::uint8_t> expected_flags(std::uint8_t type) {
  switch (type) {
    case attr::kOrigin:
    case attr::kAsPath:
    case attr::kNextHop:
    case attr::kLocalPref:
    case attr::kAtomicAggregate:
      return attr::kTransitive;
    case attr::kMultiExitDisc:
    case attr::kMpReachNlri:
    case attr::kMpUnreachNlri:
      return attr::kOptional;
    case attr::kAggregator:
    case attr::kCommunities:
    case attr::kAs4Path:
    case attr::kAs4Aggregator:
      return attr::kOptional | attr::kTransitive;
    default:
      return std::nullopt;
  }
}

// A raw attribute keeps its flags but not the Extended Length bit, which the
// encoder sets from the value's length.
std::uint8_t raw_flags(std::uint8_t flags) {
  return static_cast<std::uint8_t>(flags & ~attr::kExtendedLength);
}

class UpdateDecoder {
 public:
  UpdateDecoder(std::span<const std::uint8_t> body, const SessionContext& context)
      : body_(body), context_(context) {}

  UpdateDecode run();

 private:
  // Records a problem; the most severe one decides the action.
  void note(ErrorAction action, std::string reason, Notification notification = {}) {
    if (action <= out_.action) return;
    out_.action = action;
    out_.reason = std::move(reason);
    out_.notification = std::move(notification);
  }
  bool reset(std::uint8_t subcode, std::string reason, std::vector<std::uint8_t> data = {}) {
    note(ErrorAction::session_reset, std::move(reason),
         make(error::kUpdate, subcode, std::move(data)));
    return false;
  }
  void attribute(std::uint8_t flags, std::uint8_t type, std::span<const std::uint8_t> value,
                 std::span<const std::uint8_t> whole);
  void mp_reach(std::uint8_t flags, std::span<const std::uint8_t> value,
                std::span<const std::uint8_t> whole);
  void mp_unreach(std::uint8_t flags, std::span<const std::uint8_t> value,
                  std::span<const std::uint8_t> whole);
  void as_path(std::span<const std::uint8_t> value);

  std::span<const std::uint8_t> body_;
  const SessionContext& context_;
  UpdateDecode out_;
  std::array<bool, 256> seen_{};
};

UpdateDecode UpdateDecoder::run() {
  Update& u = out_.update;
  BufReader r(body_);
  // RFC 4271 §6.3: "If the Withdrawn Routes Length or Total Attribute Length
  // is too large ... the Error Subcode MUST be set to Malformed Attribute List."
  const auto withdrawn_length = r.u16();
  if (!r.ok()) {
    reset(error::kMalformedAttributeList, "UPDATE too short for the withdrawn routes length");
    return std::move(out_);
  }
  auto withdrawn = r.sub(*withdrawn_length);
  const auto attributes_length = r.u16();
  auto attributes = r.sub(attributes_length.value_or(0));
  if (!r.ok()) {
    reset(error::kMalformedAttributeList,
          "withdrawn routes or path attribute length runs past the end of the UPDATE");
    return std::move(out_);
  }
  // RFC 7606 §5.3: a syntactically incorrect Withdrawn Routes or NLRI field
  // cannot be handled short of a session reset.
  if (!read_prefixes(*withdrawn, Family::ipv4, u.withdrawn)) {
    reset(error::kInvalidNetworkField, "malformed withdrawn routes field");
    return std::move(out_);
  }
  if (!read_prefixes(BufReader(r.rest()), Family::ipv4, u.nlri)) {
    reset(error::kInvalidNetworkField, "malformed NLRI field");
    return std::move(out_);
  }

  while (!attributes->empty() && out_.action != ErrorAction::session_reset) {
    const std::size_t start = attributes->position();
    const auto flags = attributes->u8().value_or(0);
    const auto type = attributes->u8();
    const auto length = (flags & attr::kExtendedLength)
                            ? attributes->u16()
                            : std::optional<std::uint16_t>(attributes->u8());
    const auto value = attributes->bytes(length.value_or(0));
    if (!attributes->ok()) {
      // RFC 7606 §4: an attribute whose header or declared length runs past
      // the Total Path Attribute Length is handled with "treat-as-withdraw".
      note(ErrorAction::treat_as_withdraw, "path attribute overruns the attribute field");
      break;
    }
    const auto whole =
        body_.subspan(2 + *withdrawn_length + 2 + start, attributes->position() - start);
    // RFC 7606 §3(g): "If the MP_REACH_NLRI attribute or the MP_UNREACH_NLRI
    // attribute appears more than once in the UPDATE message, then a
    // NOTIFICATION message MUST be sent with the Error Subcode 'Malformed
    // Attribute List'. If any other attribute ... appears more than once
    // ..., then all the occurrences of the attribute other than the first
    // one SHALL be discarded".
    if (seen_[*type]) {
      if (*type == attr::kMpReachNlri || *type == attr::kMpUnreachNlri) {
        reset(error::kMalformedAttributeList, fmt::format("attribute {} appears twice", *type));
      } else {
        note(ErrorAction::attribute_discard, fmt::format("attribute {} appears twice", *type));
      }
      continue;
    }
    seen_[*type] = true;
    attribute(flags, *type, *value, whole);
  }
  if (out_.action == ErrorAction::session_reset) return std::move(out_);

  // RFC 7606 §3(d): "If any of the well-known mandatory attributes are not
  // present in an UPDATE message, then 'treat-as-withdraw' MUST be used."
  // RFC 4760 §3 makes NEXT_HOP needed only with NLRI in the UPDATE itself.
  const auto& a = u.attributes;
  const bool mp_nlri = a.mp_reach && !a.mp_reach->nlri.empty();
  if (!u.nlri.empty() || mp_nlri) {
    if (!seen_[attr::kOrigin] || !seen_[attr::kAsPath] ||
        (!u.nlri.empty() && !seen_[attr::kNextHop])) {
      note(ErrorAction::treat_as_withdraw, "a well-known mandatory attribute is missing");
    }
  }
  return std::move(out_);
}

void UpdateDecoder::attribute(std::uint8_t flags, std::uint8_t type,
                              std::span<const std::uint8_t> value,
                              std::span<const std::uint8_t> whole) {
  PathAttributes& a = out_.update.attributes;
  const auto expected = expected_flags(type);
  if (!expected) {
    // RFC 4271 §6.3: "If any of the well-known mandatory attributes are not
    // recognized, then the Error Subcode MUST be set to Unrecognized
    // Well-known Attribute. The Data field MUST contain the unrecognized attribute".
    if (!(flags & attr::kOptional)) {
      reset(error::kUnrecognizedWellKnown,
            fmt::format("unrecognized well-known attribute {}", type),
            {whole.begin(), whole.end()});
      return;
    }
    // RFC 4271 §5: unrecognized optional attributes are accepted (we pass
    // nothing on, so the Partial bit is of no concern).
    a.other.push_back({raw_flags(flags), type, {value.begin(), value.end()}});
    return;
  }
  // RFC 7606 §3(c): "If the value of either the Optional or Transitive bits
  // in the Attribute Flags is in conflict with their specified values, then
  // the attribute MUST be treated as malformed and the 'treat-as-withdraw'
  // approach used". MP attributes are still parsed, to locate their NLRI.
  const bool bad_flags = (flags & (attr::kOptional | attr::kTransitive)) != *expected;
  if (bad_flags) {
    note(ErrorAction::treat_as_withdraw,
         fmt::format("attribute {} has flags {:#04x}", type, flags));
    if (type != attr::kMpReachNlri && type != attr::kMpUnreachNlri) return;
  }
  const std::size_t aggregator_width = context_.four_octet_as ? 4 : 2;
  BufReader r(value);
  switch (type) {
    case attr::kOrigin:
      // RFC 7606 §7.1: length other than one or an undefined value is
      // malformed: "treat-as-withdraw".
      if (value.size() != 1 || value[0] > 2) {
        note(ErrorAction::treat_as_withdraw, "malformed ORIGIN");
        return;
      }
      a.origin = static_cast<Origin>(value[0]);
      return;
    case attr::kAsPath:
      as_path(value);
      return;
    case attr::kNextHop: {
      // RFC 7606 §7.3: a NEXT_HOP whose length is not 4 is malformed:
      // "treat-as-withdraw". RFC 4271 §6.3: a semantically incorrect one
      // (not a valid unicast address) means the route is ignored.
      const auto v4 = u32_value(value);
      if (!v4) {
        note(ErrorAction::treat_as_withdraw, "NEXT_HOP length is not 4");
        return;
      }
      const IpAddress next_hop = IpAddress::v4(*v4);
      const std::uint32_t v = next_hop.v4_value();
      if (v == 0 || v == 0xffffffff || (v >> 28) == 0xe) {
        note(ErrorAction::treat_as_withdraw,
             fmt::format("NEXT_HOP {} is not a unicast address", next_hop.to_string()));
        return;
      }
      a.next_hop = next_hop;
      return;
    }
    case attr::kMultiExitDisc:
      // RFC 7606 §7.4: a MULTI_EXIT_DISC whose length is not 4: "treat-as-withdraw".
      a.med = u32_value(value);
      if (!a.med) note(ErrorAction::treat_as_withdraw, "MULTI_EXIT_DISC length is not 4");
      return;
    case attr::kLocalPref:
      // RFC 7606 §7.5: "If the LOCAL_PREF attribute is received from an
      // external neighbor, it SHALL be discarded using the approach of
      // 'attribute discard'"; from an internal one, a length other than 4
      // is malformed: "treat-as-withdraw".
      if (context_.external) {
        note(ErrorAction::attribute_discard, "LOCAL_PREF from an external peer");
        return;
      }
      a.local_pref = u32_value(value);
      if (!a.local_pref) note(ErrorAction::treat_as_withdraw, "LOCAL_PREF length is not 4");
      return;
    case attr::kAtomicAggregate:
      // RFC 7606 §7.6: a length other than 0: "attribute discard".
      if (!value.empty()) {
        note(ErrorAction::attribute_discard, "ATOMIC_AGGREGATE length is not 0");
        return;
      }
      a.atomic_aggregate = true;
      return;
    case attr::kAggregator:
      // RFC 7606 §7.7: a length other than 6 (or 8 with 4-octet AS numbers):
      // "attribute discard".
      if (auto aggregator = read_aggregator(value, aggregator_width)) {
        a.aggregator = *aggregator;
      } else {
        note(ErrorAction::attribute_discard, "AGGREGATOR has the wrong length");
      }
      return;
    case attr::kCommunities: {
      // RFC 7606 §7.8: "The error handling ... is 'treat-as-withdraw' ... if
      // the length of the attribute is not a non-zero multiple of four".
      if (value.empty() || value.size() % 4 != 0) {
        note(ErrorAction::treat_as_withdraw, "COMMUNITIES length is not a multiple of 4");
        return;
      }
      std::vector<std::uint32_t> communities;
      communities.reserve(value.size() / 4);
      for (auto c = r.u32(); r.ok(); c = r.u32())
        communities.push_back(*c);
      a.communities = std::move(communities);
      return;
    }
    case attr::kMpReachNlri:
      mp_reach(flags, value, whole);
      return;
    case attr::kMpUnreachNlri:
      mp_unreach(flags, value, whole);
      return;
    case attr::kAs4Path: {
      // RFC 6793 §3: "A NEW BGP speaker MUST NOT send AS4_PATH ... to a NEW
      // BGP speaker" and §6: a malformed AS4_PATH is handled by "attribute
      // discard"; confederation segments do not belong in it either.
      if (context_.four_octet_as) {
        note(ErrorAction::attribute_discard, "AS4_PATH between 4-octet AS speakers");
        return;
      }
      auto path = read_as_path(r, 4);
      if (!path || has_confederation(*path)) {
        note(ErrorAction::attribute_discard, "malformed AS4_PATH");
        return;
      }
      a.as4_path = std::move(*path);
      return;
    }
    case attr::kAs4Aggregator:
      // RFC 6793 §6: a malformed AS4_AGGREGATOR: "attribute discard".
      if (context_.four_octet_as) {
        note(ErrorAction::attribute_discard, "AS4_AGGREGATOR between 4-octet AS speakers");
        return;
      }
      if (auto aggregator = read_aggregator(value, 4)) {
        a.as4_aggregator = *aggregator;
      } else {
        note(ErrorAction::attribute_discard, "AS4_AGGREGATOR length is not 8");
      }
      return;
    default:
      return;
  }
}

void UpdateDecoder::as_path(std::span<const std::uint8_t> value) {
  PathAttributes& a = out_.update.attributes;
  // RFC 7606 §7.2: a malformed AS_PATH: "treat-as-withdraw".
  auto path = read_as_path(BufReader(value), context_.four_octet_as ? 4 : 2);
  if (!path) {
    note(ErrorAction::treat_as_withdraw, "malformed AS_PATH");
    return;
  }
  if (context_.external) {
    // RFC 5065 §5.3: confederation segments never come from outside.
    if (has_confederation(*path)) {
      note(ErrorAction::treat_as_withdraw,
           "AS_PATH from an external peer has confederation segments");
      return;
    }
    // RFC 4271 §6.3: "If the UPDATE message is received from an external
    // peer, the local system MAY check whether the leftmost ... AS in the
    // AS_PATH attribute is equal to the autonomous system number of the
    // peer" (Malformed AS_PATH, which RFC 7606 §7.2 makes treat-as-withdraw).
    if (context_.peer_asn != 0) {
      const std::uint32_t expect =
          !context_.four_octet_as && context_.peer_asn > 0xffff ? kAsTrans : context_.peer_asn;
      if (path->empty() || path->front().type != SegmentType::as_sequence ||
          path->front().asns.front() != expect) {
        note(ErrorAction::treat_as_withdraw,
             fmt::format("AS_PATH does not start with the peer's AS {}", expect));
        return;
      }
    }
  }
  a.as_path = std::move(*path);
}

void UpdateDecoder::mp_reach(std::uint8_t flags, std::span<const std::uint8_t> value,
                             std::span<const std::uint8_t> whole) {
  BufReader r(value);
  const auto afi = r.u16();
  const auto safi = r.u8();
  const auto next_hop_length = r.u8();
  const auto next_hop = r.bytes(next_hop_length.value_or(0));
  r.skip(1);  // reserved
  // RFC 4760 §7 and RFC 7606 §7.11: when the attribute is malformed so that
  // its NLRI cannot be located, only a session reset remains, with
  // "UPDATE Message Error"/"Optional Attribute Error".
  if (!r.ok()) {
    reset(error::kOptionalAttribute, "MP_REACH_NLRI is truncated", {whole.begin(), whole.end()});
    return;
  }
  const AfiSafi afi_safi{*afi, *safi};
  const auto family = family_of(afi_safi);
  if (!family) {
    // An AFI/SAFI we did not offer (RFC 4760 §8): not ours to interpret.
    out_.update.attributes.other.push_back(
        {raw_flags(flags), attr::kMpReachNlri, {value.begin(), value.end()}});
    return;
  }
  // RFC 7606 §7.11: "If the Length of Next Hop Network Address field of the
  // MP_REACH attribute is inconsistent with that which was expected, the
  // attribute is considered malformed ... the 'session reset' approach ...
  // MUST be used." IPv4 uses 4 octets, IPv6 16 or 32 (RFC 2545 §3).
  const bool next_hop_ok = *family == Family::ipv4
                               ? *next_hop_length == 4
                               : (*next_hop_length == 16 || *next_hop_length == 32);
  if (!next_hop_ok) {
    reset(
        error::kOptionalAttribute,
        fmt::format("MP_REACH_NLRI next hop length {} does not fit AFI {}", *next_hop_length, *afi),
        {whole.begin(), whole.end()});
    return;
  }
  MpReach mp;
  mp.afi_safi = afi_safi;
  mp.next_hop.assign(next_hop->begin(), next_hop->end());
  // RFC 7606 §5.3: a syntactically incorrect MP_REACH NLRI field: session reset.
  if (!read_prefixes(BufReader(r.rest()), *family, mp.nlri)) {
    reset(error::kOptionalAttribute, "malformed NLRI in MP_REACH_NLRI",
          {whole.begin(), whole.end()});
    return;
  }
  out_.update.attributes.mp_reach = std::move(mp);
}

void UpdateDecoder::mp_unreach(std::uint8_t flags, std::span<const std::uint8_t> value,
                               std::span<const std::uint8_t> whole) {
  BufReader r(value);
  const auto afi = r.u16();
  const auto safi = r.u8();
  if (!r.ok()) {
    reset(error::kOptionalAttribute, "MP_UNREACH_NLRI is truncated", {whole.begin(), whole.end()});
    return;
  }
  const AfiSafi afi_safi{*afi, *safi};
  const auto family = family_of(afi_safi);
  if (!family) {
    out_.update.attributes.other.push_back(
        {raw_flags(flags), attr::kMpUnreachNlri, {value.begin(), value.end()}});
    return;
  }
  MpUnreach mp;
  mp.afi_safi = afi_safi;
  // RFC 7606 §5.3: a syntactically incorrect withdrawn field: session reset.
  if (!read_prefixes(BufReader(r.rest()), *family, mp.withdrawn)) {
    reset(error::kOptionalAttribute, "malformed withdrawn routes in MP_UNREACH_NLRI",
          {whole.begin(), whole.end()});
    return;
  }
  out_.update.attributes.mp_unreach = std::move(mp);
}

void write_attribute(BufWriter& w, std::uint8_t flags, std::uint8_t type,
                     const std::vector<std::uint8_t>& value) {
  const bool extended = value.size() > 255;
  w.u8(static_cast<std::uint8_t>((flags & ~attr::kExtendedLength) |
                                 (extended ? attr::kExtendedLength : 0)));
  w.u8(type);
  if (extended) {
    w.u16(static_cast<std::uint16_t>(value.size()));
  } else {
    w.u8(static_cast<std::uint8_t>(value.size()));
  }
  w.bytes(value);
}

std::vector<std::uint8_t> mp_reach_value(const MpReach& mp) {
  BufWriter w;
  w.u16(mp.afi_safi.afi);
  w.u8(mp.afi_safi.safi);
  w.u8(static_cast<std::uint8_t>(mp.next_hop.size()));
  w.bytes(mp.next_hop);
  w.u8(0);  // reserved
  for (const auto& p : mp.nlri)
    write_prefix(w, p);
  return w.take();
}

std::vector<std::uint8_t> mp_unreach_value(const MpUnreach& mp) {
  BufWriter w;
  w.u16(mp.afi_safi.afi);
  w.u8(mp.afi_safi.safi);
  for (const auto& p : mp.withdrawn)
    write_prefix(w, p);
  return w.take();
}

std::vector<std::uint8_t> aggregator_value(const Aggregator& a, std::size_t width) {
  BufWriter w;
  if (width == 4) {
    w.u32(a.asn);
  } else {
    w.u16(a.asn > 0xffff ? kAsTrans : static_cast<std::uint16_t>(a.asn));
  }
  w.u32(a.address.v4_value());
  return w.take();
}

std::string_view error_name(std::uint8_t code) {
  switch (code) {
    case error::kHeader:
      return "Message Header Error";
    case error::kOpen:
      return "OPEN Message Error";
    case error::kUpdate:
      return "UPDATE Message Error";
    case error::kHoldTimerExpired:
      return "Hold Timer Expired";
    case error::kFsm:
      return "Finite State Machine Error";
    case error::kCease:
      return "Cease";
    case error::kRouteRefresh:
      return "ROUTE-REFRESH Message Error";
    default:
      return "";
  }
}

std::string_view subcode_name(std::uint8_t code, std::uint8_t subcode) {
  using namespace error;
  static constexpr std::array<std::string_view, 4> header = {
      "", "Connection Not Synchronized", "Bad Message Length", "Bad Message Type"};
  static constexpr std::array<std::string_view, 12> open = {"Unspecific",
                                                            "Unsupported Version Number",
                                                            "Bad Peer AS",
                                                            "Bad BGP Identifier",
                                                            "Unsupported Optional Parameter",
                                                            "",
                                                            "Unacceptable Hold Time",
                                                            "Unsupported Capability",
                                                            "",
                                                            "",
                                                            "",
                                                            "Role Mismatch"};
  static constexpr std::array<std::string_view, 12> update = {"Unspecific",
                                                              "Malformed Attribute List",
                                                              "Unrecognized Well-known Attribute",
                                                              "Missing Well-known Attribute",
                                                              "Attribute Flags Error",
                                                              "Attribute Length Error",
                                                              "Invalid ORIGIN Attribute",
                                                              "",
                                                              "Invalid NEXT_HOP Attribute",
                                                              "Optional Attribute Error",
                                                              "Invalid Network Field",
                                                              "Malformed AS_PATH"};
  static constexpr std::array<std::string_view, 4> fsm = {
      "Unspecified", "Unexpected Message in OpenSent", "Unexpected Message in OpenConfirm",
      "Unexpected Message in Established"};
  static constexpr std::array<std::string_view, 11> cease = {"",
                                                             "Maximum Number of Prefixes Reached",
                                                             "Administrative Shutdown",
                                                             "Peer De-configured",
                                                             "Administrative Reset",
                                                             "Connection Rejected",
                                                             "Other Configuration Change",
                                                             "Connection Collision Resolution",
                                                             "Out of Resources",
                                                             "Hard Reset",
                                                             "BFD Down"};
  auto pick = [subcode](const auto& names) -> std::string_view {
    return subcode < names.size() ? names[subcode] : std::string_view{};
  };
  switch (code) {
    case kHeader:
      return pick(header);
    case kOpen:
      return pick(open);
    case kUpdate:
      return pick(update);
    case kFsm:
      return pick(fsm);
    case kCease:
      return pick(cease);
    case kRouteRefresh:
      return subcode == kInvalidRouteRefreshLength ? "Invalid Message Length" : "";
    default:
      return "";
  }
}

}  // namespace

// ---- capabilities and OPEN ----

Capability Capability::multiprotocol(AfiSafi afi_safi) {
  // RFC 4760 §8: AFI (2), reserved (1), SAFI (1).
  return {capability::kMultiprotocol,
          {static_cast<std::uint8_t>(afi_safi.afi >> 8), static_cast<std::uint8_t>(afi_safi.afi), 0,
           afi_safi.safi}};
}

Capability Capability::four_octet_as(std::uint32_t asn) {
  BufWriter w;
  w.u32(asn);
  return {capability::kFourOctetAs, w.take()};
}

Capability Capability::route_refresh() {
  return {capability::kRouteRefresh, {}};
}

Capability Capability::enhanced_route_refresh() {
  return {capability::kEnhancedRouteRefresh, {}};
}

const Capability* Open::find_capability(std::uint8_t code) const {
  for (const auto& p : parameters) {
    for (const auto& c : p.capabilities) {
      if (c.code == code) return &c;
    }
  }
  return nullptr;
}

std::optional<std::uint32_t> Open::four_octet_as() const {
  const Capability* c = find_capability(capability::kFourOctetAs);
  return c ? u32_value(c->value) : std::nullopt;
}

std::uint32_t Open::asn() const {
  return four_octet_as().value_or(my_as);
}

std::vector<AfiSafi> Open::multiprotocol() const {
  std::vector<AfiSafi> out;
  for (const auto& p : parameters) {
    for (const auto& c : p.capabilities) {
      if (c.code != capability::kMultiprotocol || c.value.size() != 4) continue;
      const AfiSafi afi_safi{static_cast<std::uint16_t>((c.value[0] << 8) | c.value[1]),
                             c.value[3]};
      if (std::find(out.begin(), out.end(), afi_safi) == out.end()) out.push_back(afi_safi);
    }
  }
  return out;
}

// ---- NOTIFICATION ----

Notification Notification::administrative_shutdown(std::string_view message) {
  Notification n{error::kCease, error::kAdministrativeShutdown, {}};
  if (message.empty()) return n;
  // RFC 9003 §2: at most 255 octets; cut at a UTF-8 character boundary.
  std::size_t length = std::min(message.size(), kMaxShutdownMessage);
  while (length > 0 && length < message.size() &&
         (static_cast<unsigned char>(message[length]) & 0xc0) == 0x80) {
    --length;
  }
  n.data.push_back(static_cast<std::uint8_t>(length));
  n.data.insert(n.data.end(), message.begin(), message.begin() + static_cast<long>(length));
  return n;
}

std::optional<std::string> Notification::shutdown_message() const {
  if (code != error::kCease ||
      (subcode != error::kAdministrativeShutdown && subcode != error::kAdministrativeReset) ||
      data.empty() || data[0] > data.size() - 1) {
    return std::nullopt;
  }
  return std::string(data.begin() + 1, data.begin() + 1 + data[0]);
}

std::string Notification::describe() const {
  std::string text;
  const auto name = error_name(code);
  text = name.empty() ? fmt::format("error {}", code) : std::string(name);
  const auto sub = subcode_name(code, subcode);
  if (!sub.empty()) {
    text += "/" + std::string(sub);
  } else if (subcode != 0) {
    text += fmt::format("/subcode {}", subcode);
  }
  if (auto message = shutdown_message()) {
    std::string clean;
    for (char c : *message)
      clean += (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
    text += fmt::format(": \"{}\"", clean);
  }
  return text;
}

// ---- decoding ----

std::variant<Header, Notification> decode_header(std::span<const std::uint8_t> bytes) {
  BufReader r(bytes);
  const auto marker = r.bytes(16);
  const auto length = r.u16();
  const auto type = r.u8();
  if (!r.ok()) return make(error::kHeader, error::kBadMessageLength);
  // RFC 4271 §6.1: "If the Marker field of the message header is not as
  // expected, then a synchronization error has occurred and the Error
  // Subcode MUST be set to Connection Not Synchronized."
  if (std::any_of(marker->begin(), marker->end(), [](std::uint8_t b) { return b != 0xff; })) {
    return make(error::kHeader, error::kConnectionNotSynchronized);
  }
  // "... the Error Subcode MUST be set to Bad Message Length. The Data field
  // MUST contain the erroneous Length field."
  const auto bad_length = make(error::kHeader, error::kBadMessageLength, u16_bytes(*length));
  if (*length < kHeaderSize || *length > kMaxMessageSize) return bad_length;
  // "If the Type field of the message header is not recognized, then the
  // Error Subcode MUST be set to Bad Message Type. The Data field MUST
  // contain the erroneous Type field."
  Header h{static_cast<MessageType>(*type), *length};
  switch (*type) {
    case 1:
      if (*length < kOpenMinSize) return bad_length;
      break;
    case 2:
      if (*length < kUpdateMinSize) return bad_length;
      break;
    case 3:
      if (*length < kNotificationMinSize) return bad_length;
      break;
    case 4:
      if (*length != kHeaderSize) return bad_length;
      break;
    case 5:
      // The length of a ROUTE-REFRESH is checked by decode_route_refresh:
      // RFC 7313 §5 answers it with its own error code.
      break;
    default:
      return make(error::kHeader, error::kBadMessageType, {*type});
  }
  return h;
}

std::variant<Open, Notification> decode_open(std::span<const std::uint8_t> body) {
  BufReader r(body);
  Open open;
  const auto version = r.u8();
  const auto my_as = r.u16();
  const auto hold_time = r.u16();
  const auto id = r.u32();
  const auto parameters_length = r.u8();
  if (!r.ok()) return make(error::kHeader, error::kBadMessageLength);
  // RFC 4271 §6.2: "If the version number ... is not supported, then the
  // Error Subcode MUST be set to Unsupported Version Number. The Data field
  // is a 2-octet unsigned integer, which indicates the largest, locally-supported
  // version number less than the version the remote BGP peer bid".
  if (*version != kVersion) {
    return make(error::kOpen, error::kUnsupportedVersion, u16_bytes(kVersion));
  }
  open.my_as = *my_as;
  open.hold_time = *hold_time;
  open.bgp_identifier = *id;
  // "An implementation MUST reject Hold Time values of one or two seconds."
  if (open.hold_time == 1 || open.hold_time == 2) {
    return make(error::kOpen, error::kUnacceptableHoldTime);
  }
  // RFC 6286 §2.2: the BGP Identifier is a non-zero 4-octet number.
  if (open.bgp_identifier == 0) return make(error::kOpen, error::kBadBgpIdentifier);
  auto parameters = r.sub(*parameters_length);
  // "If one of the Optional Parameters in the OPEN message is recognized,
  // but is malformed, then the Error Subcode MUST be set to 0 (Unspecific)."
  const auto malformed = make(error::kOpen, 0);
  if (!r.ok() || !r.empty()) return malformed;
  while (!parameters->empty()) {
    const auto type = parameters->u8();
    const auto length = parameters->u8();
    auto value = parameters->sub(length.value_or(0));
    if (!parameters->ok()) return malformed;
    // "If one of the Optional Parameters in the OPEN message is not
    // recognized, then the Error Subcode MUST be set to Unsupported Optional
    // Parameters." (RFC 9072 extended parameters, type 255, are not supported.)
    if (*type != kParameterCapabilities) {
      return make(error::kOpen, error::kUnsupportedOptionalParameter);
    }
    OptionalParameter parameter;
    while (!value->empty()) {
      const auto code = value->u8();
      const auto cap_length = value->u8();
      const auto cap_value = value->bytes(cap_length.value_or(0));
      if (!value->ok()) return malformed;
      // RFC 4760 §8 and RFC 6793 §3 fix the length of these two.
      if ((*code == capability::kMultiprotocol || *code == capability::kFourOctetAs) &&
          *cap_length != 4) {
        return malformed;
      }
      parameter.capabilities.push_back({*code, {cap_value->begin(), cap_value->end()}});
    }
    open.parameters.push_back(std::move(parameter));
  }
  return open;
}

Notification decode_notification(std::span<const std::uint8_t> body) {
  // The header check guarantees code and subcode; a shorter body reads as 0/0.
  BufReader r(body);
  const auto code = r.u8();
  const auto subcode = r.u8();
  if (!r.ok()) return Notification{0, 0, {}};
  return Notification{*code, *subcode, {r.rest().begin(), r.rest().end()}};
}

std::variant<RouteRefresh, Notification> decode_route_refresh(std::span<const std::uint8_t> body,
                                                              bool enhanced) {
  BufReader r(body);
  const auto afi = r.u16();
  const auto subtype = r.u8();
  const auto safi = r.u8();
  // RFC 7313 §5: a BoRR/EoRR whose length is not 4 (and any too-short
  // ROUTE-REFRESH) is answered with "ROUTE-REFRESH Message Error"/"Invalid
  // Message Length", the Data field holding the whole message. Without the
  // enhanced capability it is a plain Bad Message Length (RFC 4271 §6.1).
  const bool bad = !r.ok() || (*subtype != kRefreshRequest && !r.empty());
  if (bad) {
    const auto length = static_cast<std::uint16_t>(kHeaderSize + body.size());
    if (!enhanced) return make(error::kHeader, error::kBadMessageLength, u16_bytes(length));
    BufWriter w;
    write_header(w, MessageType::route_refresh);
    w.bytes(body);
    w.put_u16_at(16, length);
    return make(error::kRouteRefresh, error::kInvalidRouteRefreshLength, w.take());
  }
  return RouteRefresh{{*afi, *safi}, *subtype};
}

UpdateDecode decode_update(std::span<const std::uint8_t> body, const SessionContext& context) {
  return UpdateDecoder(body, context).run();
}

std::variant<Message, Notification> decode_message(std::span<const std::uint8_t> bytes,
                                                   const SessionContext& context,
                                                   bool enhanced_route_refresh) {
  if (bytes.size() < kHeaderSize) return make(error::kHeader, error::kBadMessageLength);
  const auto header = decode_header(bytes);
  if (const auto* n = std::get_if<Notification>(&header)) return *n;
  const auto& h = std::get<Header>(header);
  if (h.length != bytes.size()) {
    return make(error::kHeader, error::kBadMessageLength, u16_bytes(h.length));
  }
  const auto body = bytes.subspan(kHeaderSize);
  switch (h.type) {
    case MessageType::open: {
      auto open = decode_open(body);
      if (auto* n = std::get_if<Notification>(&open)) return *n;
      return Message(std::move(std::get<Open>(open)));
    }
    case MessageType::update: {
      auto u = decode_update(body, context);
      if (u.action == ErrorAction::session_reset) return u.notification;
      return Message(std::move(u.update));
    }
    case MessageType::notification:
      return Message(decode_notification(body));
    case MessageType::keepalive:
      return Message(Keepalive{});
    case MessageType::route_refresh: {
      auto rr = decode_route_refresh(body, enhanced_route_refresh);
      if (auto* n = std::get_if<Notification>(&rr)) return *n;
      return Message(std::get<RouteRefresh>(rr));
    }
  }
  return make(error::kHeader, error::kBadMessageType, {static_cast<std::uint8_t>(h.type)});
}

// ---- encoding ----

std::vector<std::uint8_t> encode(const Open& open) {
  BufWriter w(64);
  write_header(w, MessageType::open);
  w.u8(open.version);
  w.u16(open.my_as);
  w.u16(open.hold_time);
  w.u32(open.bgp_identifier);
  const std::size_t length_at = w.size();
  w.u8(0);
  for (const auto& p : open.parameters) {
    w.u8(kParameterCapabilities);
    const std::size_t param_at = w.size();
    w.u8(0);
    for (const auto& c : p.capabilities) {
      w.u8(c.code);
      w.u8(static_cast<std::uint8_t>(c.value.size()));
      w.bytes(c.value);
    }
    w.data()[param_at] = static_cast<std::uint8_t>(w.size() - param_at - 1);
  }
  w.data()[length_at] = static_cast<std::uint8_t>(w.size() - length_at - 1);
  return finish(w);
}

std::vector<std::uint8_t> encode(const Update& update, const SessionContext& context) {
  BufWriter w(256);
  write_header(w, MessageType::update);
  const std::size_t withdrawn_at = w.size();
  w.u16(0);
  for (const auto& p : update.withdrawn)
    write_prefix(w, p);
  w.put_u16_at(withdrawn_at, static_cast<std::uint16_t>(w.size() - withdrawn_at - 2));
  const std::size_t attributes_at = w.size();
  w.u16(0);
  const PathAttributes& a = update.attributes;
  const std::size_t width = context.four_octet_as ? 4 : 2;
  // RFC 7606 §5.1: "the MP_REACH_NLRI or MP_UNREACH_NLRI attribute ... SHALL
  // be encoded as the very first path attribute"; the rest follow in
  // ascending type order (RFC 4271 §5).
  if (a.mp_unreach) {
    write_attribute(w, attr::kOptional, attr::kMpUnreachNlri, mp_unreach_value(*a.mp_unreach));
  }
  if (a.mp_reach)
    write_attribute(w, attr::kOptional, attr::kMpReachNlri, mp_reach_value(*a.mp_reach));
  if (a.origin) {
    write_attribute(w, attr::kTransitive, attr::kOrigin, {static_cast<std::uint8_t>(*a.origin)});
  }
  if (a.as_path) {
    BufWriter v;
    write_as_path(v, *a.as_path, width);
    write_attribute(w, attr::kTransitive, attr::kAsPath, v.take());
  }
  if (a.next_hop) {
    BufWriter v;
    v.u32(a.next_hop->v4_value());
    write_attribute(w, attr::kTransitive, attr::kNextHop, v.take());
  }
  if (a.med) {
    BufWriter v;
    v.u32(*a.med);
    write_attribute(w, attr::kOptional, attr::kMultiExitDisc, v.take());
  }
  if (a.local_pref) {
    BufWriter v;
    v.u32(*a.local_pref);
    write_attribute(w, attr::kTransitive, attr::kLocalPref, v.take());
  }
  if (a.atomic_aggregate) write_attribute(w, attr::kTransitive, attr::kAtomicAggregate, {});
  if (a.aggregator) {
    write_attribute(w, attr::kOptional | attr::kTransitive, attr::kAggregator,
                    aggregator_value(*a.aggregator, width));
  }
  if (a.communities) {
    BufWriter v;
    for (const auto c : *a.communities)
      v.u32(c);
    write_attribute(w, attr::kOptional | attr::kTransitive, attr::kCommunities, v.take());
  }
  // RFC 6793 §4.2.2: towards an OLD speaker, AS numbers above 65535 become
  // AS_TRANS in AS_PATH and the real path goes in AS4_PATH.
  std::optional<AsPath> as4_path = a.as4_path;
  if (!as4_path && !context.four_octet_as && a.as_path && needs_as_trans(*a.as_path)) {
    as4_path = a.as_path;
  }
  if (as4_path) {
    BufWriter v;
    write_as_path(v, *as4_path, 4);
    write_attribute(w, attr::kOptional | attr::kTransitive, attr::kAs4Path, v.take());
  }
  if (a.as4_aggregator) {
    write_attribute(w, attr::kOptional | attr::kTransitive, attr::kAs4Aggregator,
                    aggregator_value(*a.as4_aggregator, 4));
  }
  for (const auto& raw : a.other)
    write_attribute(w, raw.flags, raw.type, raw.value);
  w.put_u16_at(attributes_at, static_cast<std::uint16_t>(w.size() - attributes_at - 2));
  for (const auto& p : update.nlri)
    write_prefix(w, p);
  return finish(w);
}

std::vector<std::uint8_t> encode(const Notification& notification) {
  BufWriter w(kHeaderSize + 2 + notification.data.size());
  write_header(w, MessageType::notification);
  w.u8(notification.code);
  w.u8(notification.subcode);
  w.bytes(notification.data);
  return finish(w);
}

std::vector<std::uint8_t> encode(const RouteRefresh& refresh) {
  BufWriter w(kRouteRefreshSize);
  write_header(w, MessageType::route_refresh);
  w.u16(refresh.afi_safi.afi);
  w.u8(refresh.subtype);
  w.u8(refresh.afi_safi.safi);
  return finish(w);
}

std::vector<std::uint8_t> encode_keepalive() {
  BufWriter w(kHeaderSize);
  write_header(w, MessageType::keepalive);
  return finish(w);
}

std::size_t nlri_size(const Prefix& prefix) {
  return 1 + (prefix.length + 7u) / 8u;
}

std::size_t Update::announced_count() const {
  return nlri.size() + (attributes.mp_reach ? attributes.mp_reach->nlri.size() : 0);
}

std::size_t Update::withdrawn_count() const {
  return withdrawn.size() + (attributes.mp_unreach ? attributes.mp_unreach->withdrawn.size() : 0);
}

std::string_view to_string(MessageType type) {
  switch (type) {
    case MessageType::open:
      return "OPEN";
    case MessageType::update:
      return "UPDATE";
    case MessageType::notification:
      return "NOTIFICATION";
    case MessageType::keepalive:
      return "KEEPALIVE";
    case MessageType::route_refresh:
      return "ROUTE-REFRESH";
  }
  return "?";
}

std::string_view to_string(ErrorAction action) {
  switch (action) {
    case ErrorAction::none:
      return "none";
    case ErrorAction::attribute_discard:
      return "attribute-discard";
    case ErrorAction::treat_as_withdraw:
      return "treat-as-withdraw";
    case ErrorAction::session_reset:
      return "session-reset";
  }
  return "?";
}

}  // namespace anycastd::bgp
