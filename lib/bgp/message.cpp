// SPDX-License-Identifier: Apache-2.0
#include "bgp/message.hpp"

#include <fmt/format.h>
#include <algorithm>

#include "framing.hpp"
#include "util/buffer.hpp"

namespace anycastd::bgp {

namespace {

constexpr std::size_t kOpenMinSize = 29;          // RFC 4271 §4.2
constexpr std::size_t kUpdateMinSize = 23;        // RFC 4271 §4.3
constexpr std::size_t kNotificationMinSize = 21;  // RFC 4271 §4.5
constexpr std::size_t kRouteRefreshSize = 23;     // RFC 2918 §3

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

}  // namespace anycastd::bgp
