// SPDX-License-Identifier: Apache-2.0
#include "bgp/message.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../hex.hpp"

namespace anycastd::bgp {
namespace {

using anycastd::test_vectors::from_hex;

Prefix prefix(std::string_view text) {
  return *Prefix::parse(text);
}

const std::string kMarker = "ffffffffffffffffffffffffffffffff";

Message decoded(const std::vector<std::uint8_t>& bytes, SessionContext context = {}) {
  auto result = decode_message(bytes, context);
  if (auto* n = std::get_if<Notification>(&result)) {
    ADD_FAILURE() << "decode failed: " << n->describe();
    return Keepalive{};
  }
  return std::get<Message>(result);
}

Notification refused(const std::vector<std::uint8_t>& bytes, SessionContext context = {}) {
  auto result = decode_message(bytes, context);
  if (auto* n = std::get_if<Notification>(&result)) return *n;
  ADD_FAILURE() << "decoded what should fail";
  return {};
}

// The following vectors were sent by FRR bgpd 8.4.4 (Debian 12) to anycastd
// and captured with `ip netns exec caps tshark -i eth0 -w frr.pcap tcp port
// 179`, then `tshark -r frr.pcap -Y bgp -T fields -e tcp.payload`. Lab: ns
// capr (FRR, AS 65001, router-id 198.18.1.1) and caps (anycastd, AS 65101,
// 198.18.1.2 / 2001:db8:1::2) over a veth; FRR has `network 203.0.113.0/24
// route-map C` (set community 65001:100, set metric 50) and `network
// 2001:db8:f00::/48` in the IPv6 unicast family.

// FRR's OPEN on the IPv4 session: hold 180, capabilities MP IPv4 unicast,
// route refresh (2 and the old Cisco 128), enhanced route refresh (70),
// 4-octet AS 65001, ADD-PATH (69), FQDN (73, "vm"), graceful restart (64)
// and long-lived graceful restart (71).
const auto kFrrOpen = from_hex(
    kMarker +
    "005e0104fde900b4c6120101410206010400010001020280000202020002024600020641040000fde902020600"
    "02064504000101010206490402766d0002044002c0780209470700010180000000");
// FRR's UPDATE: ORIGIN IGP, AS_PATH 65001 (extended length), NEXT_HOP
// 198.18.1.1, MED 50, COMMUNITIES 65001:100, NLRI 203.0.113.0/24.
const auto kFrrUpdate4 = from_hex(
    kMarker +
    "003e0200000023400101005002000602010000fde9400304c612010180040400000032c00804fde9006418cb00"
    "71");
// FRR's IPv6 UPDATE: MP_REACH_NLRI (extended length) with global +
// link-local next hop and 2001:db8:f00::/48, ORIGIN, AS_PATH, MED 0.
const auto kFrrUpdate6 = from_hex(
    kMarker +
    "005c0200000045900e002c0002012020010db8000100000000000000000001fe800000000000002c0655fffea7"
    "10fb003020010db80f00400101005002000602010000fde980040400000000");
const auto kFrrKeepalive = from_hex(kMarker + "001304");

// anycastd's own OPEN (AS 65101, hold 90, id 198.18.1.2, MP IPv4 unicast,
// route refresh, enhanced route refresh, 4-octet AS), as captured in the same
// session, and the Cease/Administrative Shutdown it sent on SIGTERM.
const auto kOurOpen = from_hex(
    kMarker + "00350104fe4d005ac61201021802060104000100010202020002024600020641040000fe4d");
const auto kOurShutdown =
    from_hex(kMarker + "002c03060216616e796361737464207368757474696e6720646f776e");

TEST(BgpPacket, FrrOpen) {
  const auto m = decoded(kFrrOpen);
  const auto& open = std::get<Open>(m);
  EXPECT_EQ(open.version, 4);
  EXPECT_EQ(open.my_as, 65001);
  EXPECT_EQ(open.hold_time, 180);
  EXPECT_EQ(open.bgp_identifier, 0xc6120101u);
  EXPECT_EQ(open.asn(), 65001u);
  EXPECT_EQ(open.multiprotocol(), std::vector<AfiSafi>{kIpv4Unicast});
  EXPECT_NE(open.find_capability(capability::kRouteRefresh), nullptr);
  EXPECT_NE(open.find_capability(capability::kEnhancedRouteRefresh), nullptr);
  EXPECT_NE(open.find_capability(capability::kGracefulRestart), nullptr);
  // struct -> bytes gives FRR's bytes back (one capability per parameter).
  EXPECT_EQ(encode(open), kFrrOpen);
}

TEST(BgpPacket, OurOpenBothWays) {
  Open open;
  open.my_as = 65101;
  open.hold_time = 90;
  open.bgp_identifier = 0xc6120102;
  for (auto c : {Capability::multiprotocol(kIpv4Unicast), Capability::route_refresh(),
                 Capability::enhanced_route_refresh(), Capability::four_octet_as(65101)}) {
    open.parameters.push_back({{c}});
  }
  EXPECT_EQ(encode(open), kOurOpen);
  EXPECT_EQ(std::get<Open>(decoded(kOurOpen)), open);
}

TEST(BgpPacket, FourOctetAsOpen) {
  Open open;
  open.my_as = kAsTrans;
  open.hold_time = 0;
  open.bgp_identifier = 1;
  open.parameters.push_back({{Capability::four_octet_as(4200000001u)}});
  const auto bytes = encode(open);
  EXPECT_EQ(bytes, from_hex(kMarker + "00250104"
                                      "5ba0"
                                      "0000"
                                      "00000001"
                                      "08"
                                      "0206"
                                      "4104fa56ea01"));
  EXPECT_EQ(std::get<Open>(decoded(bytes)).asn(), 4200000001u);
}

TEST(BgpPacket, FrrUpdateIpv4) {
  const auto m = decoded(kFrrUpdate4);
  const auto& u = std::get<Update>(m);
  EXPECT_TRUE(u.withdrawn.empty());
  EXPECT_EQ(u.nlri, std::vector<Prefix>{prefix("203.0.113.0/24")});
  const auto& a = u.attributes;
  EXPECT_EQ(a.origin, Origin::igp);
  EXPECT_EQ(a.as_path, (AsPath{{SegmentType::as_sequence, {65001}}}));
  EXPECT_EQ(a.next_hop, IpAddress::parse("198.18.1.1"));
  EXPECT_EQ(a.med, 50u);
  EXPECT_EQ(a.communities, (std::vector<std::uint32_t>{0xfde90064}));
  // FRR sets the extended-length flag on a short AS_PATH; we do not, so the
  // round trip is by value.
  EXPECT_EQ(std::get<Update>(decoded(encode(u, {}))), u);
}

TEST(BgpPacket, FrrUpdateIpv6) {
  const auto m = decoded(kFrrUpdate6);
  const auto& u = std::get<Update>(m);
  ASSERT_TRUE(u.attributes.mp_reach);
  EXPECT_EQ(u.attributes.mp_reach->afi_safi, kIpv6Unicast);
  EXPECT_EQ(u.attributes.mp_reach->next_hop.size(), 32u);
  EXPECT_EQ(u.attributes.mp_reach->nlri, std::vector<Prefix>{prefix("2001:db8:f00::/48")});
  EXPECT_EQ(u.attributes.med, 0u);
  EXPECT_EQ(u.announced_count(), 1u);
  EXPECT_EQ(std::get<Update>(decoded(encode(u, {}))), u);
}

TEST(BgpPacket, Keepalive) {
  EXPECT_EQ(encode_keepalive(), kFrrKeepalive);
  EXPECT_TRUE(std::holds_alternative<Keepalive>(decoded(kFrrKeepalive)));
}

TEST(BgpPacket, ShutdownNotification) {
  const auto n = Notification::administrative_shutdown("anycastd shutting down");
  EXPECT_EQ(encode(n), kOurShutdown);
  const auto back = std::get<Notification>(decoded(kOurShutdown));
  EXPECT_EQ(back, n);
  EXPECT_EQ(back.shutdown_message(), "anycastd shutting down");
  EXPECT_EQ(back.describe(), "Cease/Administrative Shutdown: \"anycastd shutting down\"");
  // RFC 9003: at most 255 octets, cut at a character boundary.
  const auto longer = Notification::administrative_shutdown(std::string(254, 'x') + "\xc3\xa9");
  EXPECT_EQ(longer.data[0], 254);
}

TEST(BgpPacket, OurAnnouncementBothWays) {
  // What the FSM sends for a degraded, draining service: ORIGIN IGP, AS_PATH
  // 65101 x2, NEXT_HOP, MED 1000, COMMUNITIES 65101:100 + GRACEFUL_SHUTDOWN.
  Update u;
  u.attributes.origin = Origin::igp;
  u.attributes.as_path = AsPath{{SegmentType::as_sequence, {65101, 65101}}};
  u.attributes.next_hop = IpAddress::parse("198.18.1.2");
  u.attributes.med = 1000;
  u.attributes.communities = std::vector<std::uint32_t>{0xfe4d0064, kGracefulShutdown};
  u.nlri = {prefix("198.19.224.2/32")};
  const auto bytes = from_hex(kMarker +
                              "0046020000002a"
                              "40010100"
                              "40020a02020000fe4d0000fe4d"
                              "400304c6120102"
                              "800404000003e8"
                              "c00808fe4d0064ffff0000"
                              "20c613e002");
  EXPECT_EQ(encode(u, {}), bytes);
  EXPECT_EQ(std::get<Update>(decoded(bytes)), u);
}

TEST(BgpPacket, MpReachAndUnreachBothWays) {
  Update u;
  u.attributes.mp_unreach = MpUnreach{kIpv6Unicast, {prefix("2001:db8:ffff::1/128")}};
  const auto w = from_hex(kMarker +
                          "002e0200000017"
                          "800f14"
                          "000201"
                          "80"
                          "20010db8ffff0000"
                          "0000000000000001");
  EXPECT_EQ(encode(u, {}), w);
  EXPECT_EQ(std::get<Update>(decoded(w)), u);

  Update a;
  a.attributes.mp_reach = MpReach{kIpv6Unicast, {}, {prefix("2001:db8:ffff::2/128")}};
  a.attributes.mp_reach->next_hop = from_hex("20010db8000100000000000000000002");
  a.attributes.origin = Origin::igp;
  a.attributes.as_path = AsPath{{SegmentType::as_sequence, {65101}}};
  const auto bytes = encode(a, {});
  EXPECT_EQ(bytes, from_hex(kMarker + "004d02000000"
                                      "36"
                                      "800e2600020110"
                                      "20010db800010000"
                                      "0000000000000002"
                                      "00"
                                      "80"
                                      "20010db8ffff0000"
                                      "0000000000000002"
                                      "40010100"
                                      "4002060201"
                                      "0000fe4d"));
  EXPECT_EQ(std::get<Update>(decoded(bytes)), a);
}

TEST(BgpPacket, TwoOctetAsPathWithAs4Path) {
  // RFC 6793 §4.2.2: towards an OLD speaker 4200000001 becomes AS_TRANS and
  // AS4_PATH carries the real path.
  Update u;
  u.attributes.origin = Origin::igp;
  u.attributes.as_path = AsPath{{SegmentType::as_sequence, {4200000001u}}};
  u.attributes.next_hop = IpAddress::parse("198.18.1.2");
  u.nlri = {prefix("198.19.224.2/32")};
  const SessionContext old{false, true, 0};
  const auto bytes = encode(u, old);
  EXPECT_EQ(bytes, from_hex(kMarker + "0037020000001b"
                                      "40010100"
                                      "400204"
                                      "02015ba0"
                                      "400304c6120102"
                                      "c01106"
                                      "0201fa56ea01"
                                      "20c613e002"));
  const auto back = std::get<Update>(decoded(bytes, old));
  EXPECT_EQ(back.attributes.as_path, (AsPath{{SegmentType::as_sequence, {kAsTrans}}}));
  EXPECT_EQ(back.attributes.as4_path, (AsPath{{SegmentType::as_sequence, {4200000001u}}}));
}

TEST(BgpPacket, RouteRefreshBothWays) {
  const RouteRefresh rr{kIpv4Unicast, kBeginningOfRouteRefresh};
  const auto bytes = from_hex(kMarker + "00170500010101");
  EXPECT_EQ(encode(rr), bytes);
  EXPECT_EQ(std::get<RouteRefresh>(decoded(bytes)), rr);
  // RFC 7313 §5: a BoRR of the wrong length is ROUTE-REFRESH Message Error.
  const auto n = refused(from_hex(kMarker + "0018050001010100"));
  EXPECT_EQ(n.code, error::kRouteRefresh);
  EXPECT_EQ(n.subcode, error::kInvalidRouteRefreshLength);
  EXPECT_EQ(n.data.size(), 24u);
}

TEST(BgpPacket, HeaderErrors) {
  // RFC 4271 §6.1.
  auto n = refused(from_hex("00" + kMarker.substr(2) + "001304"));
  EXPECT_EQ(std::pair(n.code, n.subcode),
            std::pair(error::kHeader, error::kConnectionNotSynchronized));
  n = refused(from_hex(kMarker + "001204"));
  EXPECT_EQ(std::pair(n.code, n.subcode), std::pair(error::kHeader, error::kBadMessageLength));
  EXPECT_EQ(n.data, from_hex("0012"));
  n = refused(from_hex(kMarker + "00140400"));  // KEEPALIVE must be 19 bytes
  EXPECT_EQ(n.data, from_hex("0014"));
  n = refused(from_hex(kMarker + "001309"));
  EXPECT_EQ(std::pair(n.subcode, n.data), std::pair(error::kBadMessageType, from_hex("09")));
  std::vector<std::uint8_t> big = from_hex(kMarker + "100102");
  big.resize(4097);
  n = refused(big);
  EXPECT_EQ(n.data, from_hex("1001"));
}

TEST(BgpPacket, OpenErrors) {
  // RFC 4271 §6.2.
  auto n = refused(from_hex(kMarker + "001d0103fde900b4c612010100"));
  EXPECT_EQ(std::tuple(n.code, n.subcode, n.data),
            std::tuple(error::kOpen, error::kUnsupportedVersion, from_hex("0004")));
  n = refused(from_hex(kMarker + "001d0104fde90002c612010100"));
  EXPECT_EQ(n.subcode, error::kUnacceptableHoldTime);
  n = refused(from_hex(kMarker + "001d0104fde900b40000000000"));
  EXPECT_EQ(n.subcode, error::kBadBgpIdentifier);
  n = refused(from_hex(kMarker + "00200104fde900b4c6120101030101ff"));
  EXPECT_EQ(n.subcode, error::kUnsupportedOptionalParameter);
  n = refused(from_hex(kMarker + "00210104fde900b4c612010104020241ff"));  // capability overrun
  EXPECT_EQ(std::pair(n.code, n.subcode), std::pair(error::kOpen, std::uint8_t{0}));
}

// ---- RFC 7606 ----

struct Case {
  const char* name;
  std::string attributes;  // hex
  std::string nlri;        // hex
  ErrorAction action;
  std::uint8_t subcode = 0;  // for session_reset
  SessionContext context = {true, true, 65001};
};

const std::string kOrigin = "40010100";
const std::string kAsPath = "40020602010000fde9";  // 65001
const std::string kNextHop = "400304c6120101";
const std::string kNlri = "18cb0071";

std::vector<std::uint8_t> update_body(const std::string& attributes, const std::string& nlri) {
  const auto a = from_hex(attributes);
  auto body = from_hex("0000");
  body.push_back(static_cast<std::uint8_t>(a.size() >> 8));
  body.push_back(static_cast<std::uint8_t>(a.size()));
  body.insert(body.end(), a.begin(), a.end());
  const auto n = from_hex(nlri);
  body.insert(body.end(), n.begin(), n.end());
  return body;
}

TEST(BgpPacket, Rfc7606Table) {
  const std::string base = kOrigin + kAsPath + kNextHop;
  const std::vector<Case> cases = {
      {"well-formed", base, kNlri, ErrorAction::none},
      {"end-of-rib", "", "", ErrorAction::none},
      {"ORIGIN value 3 (§7.1)", "40010103" + kAsPath + kNextHop, kNlri,
       ErrorAction::treat_as_withdraw},
      {"ORIGIN length 2 (§7.1)", "4001020000" + kAsPath + kNextHop, kNlri,
       ErrorAction::treat_as_withdraw},
      {"AS_PATH segment overrun (§7.2)", kOrigin + "40020602020000fde9" + kNextHop, kNlri,
       ErrorAction::treat_as_withdraw},
      {"AS_PATH segment type 7 (§7.2)", kOrigin + "40020607010000fde9" + kNextHop, kNlri,
       ErrorAction::treat_as_withdraw},
      {"AS_PATH not starting with the peer (RFC 4271 §6.3)",
       kOrigin + "40020602010000fdea" + kNextHop, kNlri, ErrorAction::treat_as_withdraw},
      {"AS_PATH confederation from eBGP", kOrigin + "40020603010000fde9" + kNextHop, kNlri,
       ErrorAction::treat_as_withdraw},
      {"NEXT_HOP length 5 (§7.3)", kOrigin + kAsPath + "400305c612010100", kNlri,
       ErrorAction::treat_as_withdraw},
      {"NEXT_HOP multicast (RFC 4271 §6.3)", kOrigin + kAsPath + "400304e0000001", kNlri,
       ErrorAction::treat_as_withdraw},
      {"MED length 3 (§7.4)", base + "800403000000", kNlri, ErrorAction::treat_as_withdraw},
      {"LOCAL_PREF from eBGP (§7.5)", base + "40050400000064", kNlri,
       ErrorAction::attribute_discard},
      {"ATOMIC_AGGREGATE length 1 (§7.6)", base + "40060100", kNlri,
       ErrorAction::attribute_discard},
      {"AGGREGATOR length 6 with 4-octet AS (§7.7)", base + "c00706fde9c6120101", kNlri,
       ErrorAction::attribute_discard},
      {"COMMUNITIES length 3 (§7.8)", base + "c00803010203", kNlri, ErrorAction::treat_as_withdraw},
      {"duplicate MED (§3 g)", base + "80040400000001" + "80040400000002", kNlri,
       ErrorAction::attribute_discard},
      {"ORIGIN with the optional bit (§3 c)", "c0010100" + kAsPath + kNextHop, kNlri,
       ErrorAction::treat_as_withdraw},
      {"missing NEXT_HOP (§3 d)", kOrigin + kAsPath, kNlri, ErrorAction::treat_as_withdraw},
      {"attribute length overrun (§4)", base + "80040800000001", kNlri,
       ErrorAction::treat_as_withdraw},
      {"unknown optional transitive attribute", base + "c0630201ff", kNlri, ErrorAction::none},
      {"unrecognized well-known attribute (RFC 4271 §6.3)", base + "40630101", kNlri,
       ErrorAction::session_reset, error::kUnrecognizedWellKnown},
      {"truncated NLRI (§5.3)", base, "18cb00", ErrorAction::session_reset,
       error::kInvalidNetworkField},
      {"NLRI prefix length 33 (§5.3)", base, "21cb007100ff", ErrorAction::session_reset,
       error::kInvalidNetworkField},
      {"MP_REACH next hop length 5 (§7.11)", kOrigin + kAsPath + "800e0b0002010520010db800000000",
       "", ErrorAction::session_reset, error::kOptionalAttribute},
      {"MP_REACH truncated NLRI (§5.3)",
       kOrigin + kAsPath +
           "800e1600020110"
           "20010db8000100000000000000000002"
           "00"
           "80",
       "", ErrorAction::session_reset, error::kOptionalAttribute},
      {"MP_REACH twice (§3 g)",
       std::string("800e0d00010104c61201010018cb0071") + "800e0d00010104c61201010018cb0071" +
           kOrigin + kAsPath,
       "", ErrorAction::session_reset, error::kMalformedAttributeList},
      {"MP_UNREACH truncated (§7.11)", "800f020002", "", ErrorAction::session_reset,
       error::kOptionalAttribute},
  };
  for (const auto& c : cases) {
    const auto d = decode_update(update_body(c.attributes, c.nlri), c.context);
    EXPECT_EQ(to_string(d.action), to_string(c.action)) << c.name << ": " << d.reason;
    if (c.action == ErrorAction::session_reset) {
      EXPECT_EQ(d.notification.code, error::kUpdate) << c.name;
      EXPECT_EQ(d.notification.subcode, c.subcode) << c.name;
    }
  }
}

TEST(BgpPacket, Rfc7606NotificationData) {
  // RFC 4271 §6.3: Unrecognized Well-known Attribute carries the attribute.
  const auto d = decode_update(update_body(kOrigin + kAsPath + kNextHop + "40630101", kNlri), {});
  EXPECT_EQ(d.notification.data, from_hex("40630101"));
  // Withdrawn routes length past the end: Malformed Attribute List.
  const auto w = decode_update(from_hex("00ff00"), {});
  EXPECT_EQ(w.action, ErrorAction::session_reset);
  EXPECT_EQ(w.notification.subcode, error::kMalformedAttributeList);
}

TEST(BgpPacket, LargeUpdateUsesExtendedLength) {
  Update u;
  u.attributes.mp_reach = MpReach{kIpv6Unicast, std::vector<std::uint8_t>(16, 0x20), {}};
  for (int i = 0; i < 40; ++i) {
    auto p = prefix("2001:db8:ffff::/128");
    p.address.bytes[15] = static_cast<std::uint8_t>(i);
    u.attributes.mp_reach->nlri.push_back(p);
  }
  const auto bytes = encode(u, {});
  EXPECT_EQ(bytes[23], attr::kOptional | attr::kExtendedLength);
  EXPECT_EQ(std::get<Update>(decoded(bytes)), u);
}

// An UPDATE with every attribute the decoder interprets, towards an OLD
// (2-octet AS) internal speaker so that LOCAL_PREF, AS4_PATH and
// AS4_AGGREGATOR are all read.
Update every_attribute() {
  Update u;
  u.withdrawn = {prefix("198.51.100.0/24")};
  auto& a = u.attributes;
  a.origin = Origin::egp;
  a.as_path = AsPath{{SegmentType::as_sequence, {kAsTrans, 65001}}};
  a.next_hop = IpAddress::parse("198.18.1.1");
  a.med = 7;
  a.local_pref = 200;
  a.atomic_aggregate = true;
  a.aggregator = Aggregator{65001, *IpAddress::parse("198.18.1.1")};
  a.communities = std::vector<std::uint32_t>{0xfde90064};
  a.as4_path = AsPath{{SegmentType::as_sequence, {4200000001u, 65001}}};
  a.as4_aggregator = Aggregator{4200000001u, *IpAddress::parse("198.18.1.1")};
  a.other = {RawAttribute{attr::kOptional | attr::kTransitive, 99, {1, 2, 3}}};
  u.nlri = {prefix("203.0.113.0/24"), prefix("203.0.114.128/25")};
  return u;
}

// Every truncation of every valid message: the decoders refuse it, never
// read past its end (the sanitizer build runs this too) and never return
// the whole message.
TEST(BgpPacket, EveryTruncationIsRefused) {
  const SessionContext old_internal{false, false, 0};
  const std::vector<std::pair<std::vector<std::uint8_t>, SessionContext>> messages = {
      {kFrrOpen, {}},
      {kOurOpen, {}},
      {kFrrUpdate4, {}},
      {kFrrUpdate6, {}},
      {encode(every_attribute(), old_internal), old_internal},
      {kFrrKeepalive, {}},
      {kOurShutdown, {}},
      {encode(RouteRefresh{kIpv4Unicast, kRefreshRequest}), {}},
      {encode(RouteRefresh{kIpv6Unicast, kEndOfRouteRefresh}), {}},
  };
  for (const auto& [bytes, context] : messages) {
    const auto whole = decoded(bytes, context);
    const auto body = std::span(bytes).subspan(kHeaderSize);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      SCOPED_TRACE(testing::Message()
                   << "type " << int{bytes[18]} << ", " << n << " of " << bytes.size() << " bytes");
      const auto cut = std::span(bytes).first(n);
      EXPECT_TRUE(std::holds_alternative<Notification>(decode_message(cut, context)));
      if (n < kHeaderSize) {
        EXPECT_TRUE(std::holds_alternative<Notification>(decode_header(cut)));
        continue;
      }
      const auto part = body.first(n - kHeaderSize);
      switch (static_cast<MessageType>(bytes[18])) {
        case MessageType::open:
          EXPECT_TRUE(std::holds_alternative<Notification>(decode_open(part)));
          break;
        case MessageType::update: {
          const auto d = decode_update(part, context);
          EXPECT_TRUE(d.action == ErrorAction::session_reset || Message(d.update) != whole);
          break;
        }
        case MessageType::notification:
          EXPECT_NE(Message(decode_notification(part)), whole);
          break;
        case MessageType::route_refresh:
          EXPECT_TRUE(std::holds_alternative<Notification>(decode_route_refresh(part, true)));
          break;
        case MessageType::keepalive:
          ADD_FAILURE() << "a KEEPALIVE has no body to cut";
          break;
      }
    }
  }
}

}  // namespace
}  // namespace anycastd::bgp
