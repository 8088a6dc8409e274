// SPDX-License-Identifier: Apache-2.0
#include "bgp/attribute.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <array>

#include "framing.hpp"
#include "util/buffer.hpp"

namespace anycastd::bgp {

namespace {

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
  // Records a problem with the attribute being read (current_); the most
  // severe one decides the action.
  void note(ErrorAction action, std::string reason, Notification notification = {}) {
    if (action <= out_.action) return;
    out_.action = action;
    out_.attribute = current_;
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
  std::uint8_t current_ = 0;
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
    current_ = type.value_or(0);
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
    for (const auto type : {attr::kOrigin, attr::kAsPath, attr::kNextHop}) {
      if (seen_[type] || (type == attr::kNextHop && u.nlri.empty())) continue;
      current_ = type;
      note(ErrorAction::treat_as_withdraw,
           fmt::format("the well-known mandatory {} is missing", attribute_name(type)));
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

}  // namespace

UpdateDecode decode_update(std::span<const std::uint8_t> body, const SessionContext& context) {
  return UpdateDecoder(body, context).run();
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

std::size_t nlri_size(const Prefix& prefix) {
  return 1 + (prefix.length + 7u) / 8u;
}

std::size_t Update::announced_count() const {
  return nlri.size() + (attributes.mp_reach ? attributes.mp_reach->nlri.size() : 0);
}

std::size_t Update::withdrawn_count() const {
  return withdrawn.size() + (attributes.mp_unreach ? attributes.mp_unreach->withdrawn.size() : 0);
}

std::string_view attribute_name(std::uint8_t type) {
  switch (type) {
    case attr::kOrigin:
      return "ORIGIN";
    case attr::kAsPath:
      return "AS_PATH";
    case attr::kNextHop:
      return "NEXT_HOP";
    case attr::kMultiExitDisc:
      return "MULTI_EXIT_DISC";
    case attr::kLocalPref:
      return "LOCAL_PREF";
    case attr::kAtomicAggregate:
      return "ATOMIC_AGGREGATE";
    case attr::kAggregator:
      return "AGGREGATOR";
    case attr::kCommunities:
      return "COMMUNITIES";
    case attr::kMpReachNlri:
      return "MP_REACH_NLRI";
    case attr::kMpUnreachNlri:
      return "MP_UNREACH_NLRI";
    case attr::kAs4Path:
      return "AS4_PATH";
    case attr::kAs4Aggregator:
      return "AS4_AGGREGATOR";
    default:
      return "unknown";
  }
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
