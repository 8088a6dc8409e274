// SPDX-License-Identifier: Apache-2.0
// The BGP FSM driven through whole sessions by events on a fake clock: no
// sockets, no sleeps.
#include "bgp/fsm.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace anycastd::bgp {
namespace {

using namespace std::chrono_literals;

const IpAddress kLocal = *IpAddress::parse("198.18.1.2");
const Prefix kAnycast = *Prefix::parse("198.19.224.2/32");

FsmConfig base_config() {
  FsmConfig c;
  c.neighbor.address = *IpAddress::parse("198.18.1.1");
  c.neighbor.remote_asn = 65001;
  c.neighbor.hold_time = 9s;
  c.neighbor.communities = {0xfe4d0064};
  c.neighbor.drain_time = 5s;
  c.local_asn = 65101;
  c.bgp_identifier = kLocal.v4_value();
  return c;
}

Open peer_open(std::uint32_t id = 0xc6120101, std::uint32_t asn = 65001, std::uint16_t hold = 90) {
  Open o;
  o.my_as = static_cast<std::uint16_t>(asn);
  o.hold_time = hold;
  o.bgp_identifier = id;
  o.parameters.push_back({{Capability::multiprotocol(kIpv4Unicast)}});
  o.parameters.push_back({{Capability::four_octet_as(asn)}});
  return o;
}

class Harness {
 public:
  explicit Harness(FsmConfig config = base_config()) : fsm(std::move(config)) {}

  std::vector<Action> operator()(const Event& e) {
    last = fsm.handle(e, now);
    return last;
  }
  std::vector<Action> receive(ConnId conn, const std::vector<std::uint8_t>& bytes) {
    return (*this)(MessageReceived{conn, bytes});
  }
  void advance(std::chrono::milliseconds d) { now += d; }

  // The messages sent on `conn` by the last event.
  std::vector<Message> sent(ConnId conn) const {
    std::vector<Message> out;
    for (const auto& a : last) {
      const auto* s = std::get_if<Send>(&a);
      if (!s || s->conn != conn) continue;
      auto m = decode_message(s->bytes, {});
      EXPECT_TRUE(std::holds_alternative<Message>(m));
      if (auto* msg = std::get_if<Message>(&m)) out.push_back(*msg);
    }
    return out;
  }
  template <class T>
  std::vector<T> sent_of(ConnId conn) const {
    std::vector<T> out;
    for (const auto& m : sent(conn))
      if (auto* t = std::get_if<T>(&m)) out.push_back(*t);
    return out;
  }
  template <class T>
  bool did() const {
    for (const auto& a : last)
      if (std::holds_alternative<T>(a)) return true;
    return false;
  }
  bool closed(ConnId conn) const {
    for (const auto& a : last)
      if (auto* c = std::get_if<Close>(&a); c && c->conn == conn) return true;
    return false;
  }
  std::optional<TimePoint> armed(TimerId timer) const {
    std::optional<TimePoint> at;
    for (const auto& a : last)
      if (auto* t = std::get_if<ArmTimer>(&a); t && t->timer == timer) at = t->at;
    return at;
  }

  // Idle -> Established over connection `conn`, ours.
  void establish(ConnId conn = 1) {
    (*this)(Start{});
    (*this)(TcpConnected{conn, true, kLocal});
    receive(conn, encode(peer_open()));
    receive(conn, encode_keepalive());
    ASSERT_EQ(fsm.state(), State::established);
  }

  Fsm fsm;
  TimePoint now{std::chrono::hours(1)};
  std::vector<Action> last;
};

TEST(BgpFsm, Establish) {
  Harness h;
  h(RouteChanged{kAnycast, core::RouteAction::announce, core::Cause::health});
  h(Start{});
  EXPECT_EQ(h.fsm.state(), State::connect);
  EXPECT_TRUE(h.did<Connect>());
  EXPECT_TRUE(h.armed(TimerId::connect_retry));

  h(TcpConnected{1, true, kLocal});
  EXPECT_EQ(h.fsm.state(), State::open_sent);
  const auto opens = h.sent_of<Open>(1);
  ASSERT_EQ(opens.size(), 1u);
  EXPECT_EQ(opens[0].hold_time, 9);
  EXPECT_EQ(opens[0].asn(), 65101u);
  // Spec §4: no Graceful Restart capability.
  EXPECT_EQ(opens[0].find_capability(capability::kGracefulRestart), nullptr);
  EXPECT_EQ(h.armed(TimerId::hold), h.now + 240s);

  h.receive(1, encode(peer_open()));
  EXPECT_EQ(h.fsm.state(), State::open_confirm);
  EXPECT_EQ(h.sent_of<Keepalive>(1).size(), 1u);
  EXPECT_EQ(h.fsm.hold_time(), 9);  // the smaller of 9 and 90
  EXPECT_EQ(h.armed(TimerId::keepalive), h.now + 3s);

  h.receive(1, encode_keepalive());
  EXPECT_EQ(h.fsm.state(), State::established);
  const auto updates = h.sent_of<Update>(1);
  ASSERT_EQ(updates.size(), 1u);
  const auto& a = updates[0].attributes;
  EXPECT_EQ(updates[0].nlri, std::vector<Prefix>{kAnycast});
  EXPECT_EQ(a.origin, Origin::igp);
  EXPECT_EQ(a.as_path, (AsPath{{SegmentType::as_sequence, {65101}}}));
  EXPECT_EQ(a.next_hop, kLocal);
  EXPECT_EQ(a.communities, (std::vector<std::uint32_t>{0xfe4d0064}));
  EXPECT_FALSE(a.med);
  EXPECT_EQ(h.fsm.advertised().size(), 1u);
}

TEST(BgpFsm, PassiveWaitsInActive) {
  auto c = base_config();
  c.neighbor.passive = true;
  Harness h(c);
  h(Start{});
  EXPECT_EQ(h.fsm.state(), State::active);
  EXPECT_FALSE(h.did<Connect>());
  h(TcpConnected{7, false, kLocal});
  EXPECT_EQ(h.fsm.state(), State::open_sent);
  EXPECT_EQ(h.sent_of<Open>(7).size(), 1u);
}

TEST(BgpFsm, ConnectFailureGoesActiveThenRetries) {
  Harness h;
  h(Start{});
  h(TcpConnectFailed{"Connection refused"});
  EXPECT_EQ(h.fsm.state(), State::active);
  const auto retry = h.armed(TimerId::connect_retry);
  ASSERT_TRUE(retry);
  // RFC 4271 §10 jitter: 0.75..1.0 of 5 s.
  EXPECT_GE(*retry, h.now + 3750ms);
  EXPECT_LE(*retry, h.now + 5s);
  h(TimerExpired{TimerId::connect_retry});
  EXPECT_EQ(h.fsm.state(), State::connect);
  EXPECT_TRUE(h.did<Connect>());
}

TEST(BgpFsm, HoldTimerExpiry) {
  Harness h;
  h.establish();
  h.advance(5s);
  h.receive(1, encode_keepalive());
  h.advance(4s);
  // The timer set at establishment fires; a KEEPALIVE came since: re-armed.
  h(TimerExpired{TimerId::hold});
  EXPECT_EQ(h.fsm.state(), State::established);
  EXPECT_EQ(h.armed(TimerId::hold), h.now + 5s);
  h.advance(5s);
  h(TimerExpired{TimerId::hold});
  EXPECT_EQ(h.fsm.state(), State::idle);
  const auto n = h.sent_of<Notification>(1);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].code, error::kHoldTimerExpired);
  EXPECT_TRUE(h.closed(1));
  EXPECT_EQ(h.armed(TimerId::idle_hold), h.now + 1s);
  EXPECT_EQ(h.fsm.advertised().size(), 0u);
}

// RFC 5882 §4.2 / RFC 9384: BFD Down closes the session with Cease/BFD Down
// and the usual back-off; while the session is not up it changes nothing.
TEST(BgpFsm, BfdDownCeasesAndReconnects) {
  Harness connecting;
  connecting(Start{});
  connecting(BfdDown{});
  EXPECT_EQ(connecting.fsm.state(), State::connect);
  Harness h;
  h.establish(2);
  h(BfdDown{});
  EXPECT_EQ(h.fsm.state(), State::idle);
  const auto n = h.sent_of<Notification>(2);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].code, error::kCease);
  EXPECT_EQ(n[0].subcode, error::kBfdDown);
  EXPECT_EQ(n[0].describe(), "Cease/BFD Down");
  EXPECT_TRUE(h.closed(2));
  EXPECT_TRUE(h.armed(TimerId::idle_hold));
}

TEST(BgpFsm, KeepalivesEveryThirdOfHoldTime) {
  Harness h;
  h.establish();
  h.advance(3s);
  h(TimerExpired{TimerId::keepalive});
  EXPECT_EQ(h.sent_of<Keepalive>(1).size(), 1u);
  EXPECT_EQ(h.armed(TimerId::keepalive), h.now + 3s);
}

TEST(BgpFsm, ZeroHoldTimeRunsNoTimers) {
  auto c = base_config();
  c.neighbor.hold_time = 0s;
  Harness h(c);
  h(Start{});
  h(TcpConnected{1, true, kLocal});
  h.receive(1, encode(peer_open()));
  EXPECT_EQ(h.fsm.hold_time(), 0);
  EXPECT_FALSE(h.armed(TimerId::keepalive));
  EXPECT_FALSE(h.armed(TimerId::hold));
}

TEST(BgpFsm, NotificationInEachState) {
  const auto cease = encode(Notification::administrative_shutdown("maintenance"));
  {
    Harness h;
    h(Start{});
    h(TcpConnected{1, true, kLocal});
    h.receive(1, cease);
    EXPECT_EQ(h.fsm.state(), State::idle);
    EXPECT_TRUE(h.closed(1));
    EXPECT_TRUE(h.sent(1).empty());  // never answer a NOTIFICATION
    EXPECT_NE(h.fsm.counters().last_error.find("maintenance"), std::string::npos);
  }
  {
    Harness h;
    h(Start{});
    h(TcpConnected{1, true, kLocal});
    h.receive(1, encode(peer_open()));
    h.receive(1, cease);
    EXPECT_EQ(h.fsm.state(), State::idle);
    EXPECT_TRUE(h.closed(1));
  }
  {
    Harness h;
    h.establish();
    h.receive(1, cease);
    EXPECT_EQ(h.fsm.state(), State::idle);
    EXPECT_TRUE(h.closed(1));
    EXPECT_TRUE(h.armed(TimerId::idle_hold));
  }
}

TEST(BgpFsm, UnexpectedMessagesAreFsmErrors) {
  Harness h;
  h(Start{});
  h(TcpConnected{1, true, kLocal});
  h.receive(1, encode_keepalive());
  auto n = h.sent_of<Notification>(1);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(std::pair(n[0].code, n[0].subcode),
            std::pair(error::kFsm, error::kUnexpectedInOpenSent));

  Harness e;
  e.establish();
  e.receive(1, encode(peer_open()));
  n = e.sent_of<Notification>(1);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].subcode, error::kUnexpectedInEstablished);
}

TEST(BgpFsm, OpenRefusals) {
  Harness h;
  h(Start{});
  h(TcpConnected{1, true, kLocal});
  h.receive(1, encode(peer_open(0xc6120101, 65009)));
  auto n = h.sent_of<Notification>(1);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(std::pair(n[0].code, n[0].subcode), std::pair(error::kOpen, error::kBadPeerAs));
  EXPECT_EQ(h.fsm.state(), State::idle);
}

TEST(BgpFsm, ReconnectBackOff) {
  Harness h;
  h(Start{});
  std::vector<std::chrono::milliseconds> holds;
  for (ConnId conn = 1; conn <= 4; ++conn) {
    h(TcpConnected{conn, true, kLocal});
    h(TcpClosed{conn, "reset"});  // OpenSent -> Active
    h(TimerExpired{TimerId::connect_retry});
    h(TcpConnected{conn + 10, true, kLocal});
    h.receive(conn + 10, encode(peer_open()));
    h(TcpClosed{conn + 10, "reset"});  // OpenConfirm -> Idle
    const auto at = h.armed(TimerId::idle_hold);
    ASSERT_TRUE(at);
    holds.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(*at - h.now));
    h.advance(holds.back());
    h(TimerExpired{TimerId::idle_hold});
    EXPECT_EQ(h.fsm.state(), State::connect);
  }
  EXPECT_EQ(holds, (std::vector<std::chrono::milliseconds>{1s, 2s, 4s, 8s}));
}

TEST(BgpFsm, IdleRefusesConnections) {
  Harness h;
  h(TcpConnected{3, false, kLocal});
  EXPECT_TRUE(h.closed(3));
  EXPECT_EQ(h.fsm.state(), State::idle);
}

// RFC 4271 §6.8: both sides connect at once.
TEST(BgpFsm, CollisionLowerLocalIdKeepsTheirConnection) {
  Harness h;  // our id 198.18.1.2
  h(Start{});
  h(TcpConnected{1, true, kLocal});   // ours, OpenSent
  h(TcpConnected{2, false, kLocal});  // theirs
  EXPECT_EQ(h.sent_of<Open>(2).size(), 1u);
  h.receive(2, encode(peer_open(0xc6120109)));  // their id 198.18.1.9 is higher
  EXPECT_EQ(h.fsm.state(), State::open_sent);   // waits for the OPEN on ours
  h.receive(1, encode(peer_open(0xc6120109)));
  const auto n = h.sent_of<Notification>(1);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(std::pair(n[0].code, n[0].subcode),
            std::pair(error::kCease, error::kConnectionCollisionResolution));
  EXPECT_TRUE(h.closed(1));
  EXPECT_EQ(h.sent_of<Keepalive>(2).size(), 1u);
  EXPECT_EQ(h.fsm.state(), State::open_confirm);
  h.receive(2, encode_keepalive());
  EXPECT_EQ(h.fsm.state(), State::established);
  // What still arrives on the closed connection is ignored.
  h.receive(1, encode_keepalive());
  EXPECT_EQ(h.fsm.state(), State::established);
}

TEST(BgpFsm, CollisionHigherLocalIdKeepsOurs) {
  Harness h;
  h(Start{});
  h(TcpConnected{1, true, kLocal});
  h.receive(1, encode(peer_open(0xc6120101)));  // OpenConfirm on ours
  h(TcpConnected{2, false, kLocal});
  h.receive(2, encode(peer_open(0xc6120101)));  // their id is lower than ours
  const auto n = h.sent_of<Notification>(2);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].subcode, error::kConnectionCollisionResolution);
  EXPECT_TRUE(h.closed(2));
  EXPECT_EQ(h.fsm.state(), State::open_confirm);
  h.receive(1, encode_keepalive());
  EXPECT_EQ(h.fsm.state(), State::established);
}

TEST(BgpFsm, EstablishedRefusesASecondConnection) {
  Harness h;
  h.establish();
  h(TcpConnected{5, false, kLocal});
  EXPECT_TRUE(h.closed(5));
  EXPECT_EQ(h.fsm.state(), State::established);
}

TEST(BgpFsm, WithdrawAtOnceOnHealthFailure) {
  Harness h;
  h(RouteChanged{kAnycast, core::RouteAction::announce, core::Cause::health});
  h.establish();
  h(RouteChanged{kAnycast, core::RouteAction::withdraw, core::Cause::health});
  h(Flush{});
  const auto u = h.sent_of<Update>(1);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].withdrawn, std::vector<Prefix>{kAnycast});
  EXPECT_TRUE(h.fsm.advertised().empty());
}

TEST(BgpFsm, DegradeRaisesMedAndPrepends) {
  Harness h;
  h.establish();
  h(RouteChanged{kAnycast, core::RouteAction::degrade, core::Cause::health});
  h(Flush{});
  const auto u = h.sent_of<Update>(1);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].attributes.med, 1000u);
  EXPECT_EQ(u[0].attributes.as_path,
            (AsPath{{SegmentType::as_sequence, {65101, 65101, 65101, 65101}}}));
}

TEST(BgpFsm, AdminWithdrawDrains) {
  Harness h;
  h(RouteChanged{kAnycast, core::RouteAction::announce, core::Cause::health});
  h.establish();
  h(RouteChanged{kAnycast, core::RouteAction::withdraw, core::Cause::admin});
  EXPECT_EQ(h.armed(TimerId::drain), h.now + 5s);
  h(Flush{});
  auto u = h.sent_of<Update>(1);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].nlri, std::vector<Prefix>{kAnycast});
  EXPECT_EQ(u[0].attributes.communities,
            (std::vector<std::uint32_t>{0xfe4d0064, kGracefulShutdown}));
  h.advance(5s);
  h(TimerExpired{TimerId::drain});
  u = h.sent_of<Update>(1);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].withdrawn, std::vector<Prefix>{kAnycast});
}

TEST(BgpFsm, GracefulShutdownOnFailureWhenConfigured) {
  auto c = base_config();
  c.neighbor.graceful_shutdown = true;
  Harness h(c);
  h(RouteChanged{kAnycast, core::RouteAction::announce, core::Cause::health});
  h.establish();
  h(RouteChanged{kAnycast, core::RouteAction::withdraw, core::Cause::health});
  EXPECT_TRUE(h.armed(TimerId::drain));
  // Back before the drain ends: announced again, without the community.
  h(RouteChanged{kAnycast, core::RouteAction::announce, core::Cause::health});
  h(Flush{});
  EXPECT_TRUE(h.sent_of<Update>(1).empty());
  EXPECT_FALSE(h.fsm.advertised().at(kAnycast).graceful_shutdown);
}

TEST(BgpFsm, ShutdownDrainsThenCeases) {
  Harness h;
  h(RouteChanged{kAnycast, core::RouteAction::announce, core::Cause::health});
  h.establish();
  h(Stop{h.now + 1s, h.now + 1500ms});
  // The drain ends with the stop budget's (core/stop_budget.hpp), before drain_time.
  EXPECT_EQ(h.armed(TimerId::drain), h.now + 1s);
  auto u = h.sent_of<Update>(1);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].attributes.communities->back(), kGracefulShutdown);
  EXPECT_FALSE(h.did<Stopped>());
  h.advance(1s);
  h(TimerExpired{TimerId::drain});
  const auto sent = h.sent(1);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(std::get<Update>(sent[0]).withdrawn, std::vector<Prefix>{kAnycast});
  const auto& n = std::get<Notification>(sent[1]);
  EXPECT_EQ(n.shutdown_message(), "anycastd shutting down");
  EXPECT_EQ(n.subcode, error::kAdministrativeShutdown);
  EXPECT_TRUE(h.closed(1));
  EXPECT_TRUE(h.did<Stopped>());
  EXPECT_EQ(h.fsm.state(), State::idle);
  // No automatic restart after a stop.
  EXPECT_FALSE(h.armed(TimerId::idle_hold));
}

TEST(BgpFsm, ShutdownWhileConnectingStopsAtOnce) {
  Harness h;
  h(Start{});
  h(Stop{h.now + 1s, h.now + 1500ms});
  EXPECT_TRUE(h.did<AbortConnect>());
  EXPECT_TRUE(h.did<Stopped>());
}

TEST(BgpFsm, MalformedUpdates) {
  Harness h;
  h.establish();
  // COMMUNITIES of 3 bytes: treat-as-withdraw, the session stays.
  const auto bad = std::vector<std::uint8_t>{
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0x00, 0x33, 0x02, 0x00, 0x00, 0x00, 0x18, 0x40, 0x01, 0x01, 0x00, 0x40,
      0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9, 0x40, 0x03, 0x04, 0xc6, 0x12, 0x01,
      0x01, 0xc0, 0x08, 0x03, 0x01, 0x02, 0x03, 0x18, 0xcb, 0x00, 0x71};
  h.receive(1, bad);
  EXPECT_EQ(h.fsm.state(), State::established);
  EXPECT_EQ(h.fsm.counters().treat_as_withdraw, 1u);
  EXPECT_TRUE(h.sent(1).empty());
  // A good one is counted and dropped.
  Update good;
  good.attributes.origin = Origin::igp;
  good.attributes.as_path = AsPath{{SegmentType::as_sequence, {65001}}};
  good.attributes.next_hop = IpAddress::parse("198.18.1.1");
  good.nlri = {*Prefix::parse("203.0.113.0/24"), *Prefix::parse("203.0.114.0/24")};
  h.receive(1, encode(good, {}));
  EXPECT_EQ(h.fsm.counters().prefixes_received_discarded, 2u);
  // Truncated NLRI: session reset with UPDATE Message Error/Invalid Network Field.
  auto truncated = encode(good, {});
  truncated.pop_back();
  truncated[17] = static_cast<std::uint8_t>(truncated.size());
  h.receive(1, truncated);
  const auto n = h.sent_of<Notification>(1);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(std::pair(n[0].code, n[0].subcode),
            std::pair(error::kUpdate, error::kInvalidNetworkField));
  EXPECT_EQ(h.fsm.state(), State::idle);
}

TEST(BgpFsm, RouteRefreshResendsWithBorrEorr) {
  Harness h;
  h(RouteChanged{kAnycast, core::RouteAction::announce, core::Cause::health});
  h(Start{});
  h(TcpConnected{1, true, kLocal});
  auto open = peer_open();
  open.parameters.push_back({{Capability::enhanced_route_refresh()}});
  h.receive(1, encode(open));
  h.receive(1, encode_keepalive());
  h.receive(1, encode(RouteRefresh{kIpv4Unicast, kRefreshRequest}));
  const auto sent = h.sent(1);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(std::get<RouteRefresh>(sent[0]).subtype, kBeginningOfRouteRefresh);
  EXPECT_EQ(std::get<Update>(sent[1]).nlri, std::vector<Prefix>{kAnycast});
  EXPECT_EQ(std::get<RouteRefresh>(sent[2]).subtype, kEndOfRouteRefresh);
}

TEST(BgpFsm, ManyPrefixesSplitAt4096Bytes) {
  Harness h;
  h.establish();
  for (std::uint32_t i = 0; i < 2000; ++i)
    h(RouteChanged{Prefix{IpAddress::v4(0xc6130000 + i), 32}, core::RouteAction::announce,
                   core::Cause::health});
  h(Flush{});
  std::size_t total = 0;
  for (const auto& a : h.last) {
    if (const auto* s = std::get_if<Send>(&a)) {
      EXPECT_LE(s->bytes.size(), kMaxMessageSize);
    }
  }
  for (const auto& u : h.sent_of<Update>(1))
    total += u.nlri.size();
  EXPECT_EQ(total, 2000u);
  EXPECT_GT(h.sent_of<Update>(1).size(), 2u);
}

// Every message received is accepted or dropped for one reason, and each
// kind of bad message moves its own counter.
TEST(BgpFsm, EveryMessageIsCountedOnce) {
  Harness h;
  h.establish();
  const auto& c = h.fsm.counters();
  EXPECT_EQ(c.messages.received, 2u);
  EXPECT_EQ(c.messages.accepted, 2u);
  EXPECT_EQ(c.received_by_type.at("open"), 1u);
  EXPECT_EQ(c.received_by_type.at("keepalive"), 1u);
  EXPECT_EQ(c.sent_by_type.at("open"), 1u);
  // A message on a connection already closed.
  h.receive(7, encode_keepalive());
  EXPECT_EQ(c.messages.dropped.at("stale_connection"), 1u);
  // A bad marker ends the session with Connection Not Synchronized.
  auto bad = encode_keepalive();
  bad[0] = 0;
  h.receive(1, bad);
  EXPECT_EQ(c.messages.dropped.at("bad_marker"), 1u);
  EXPECT_EQ(c.notifications_sent.at("1/1"), 1u);
  EXPECT_EQ(c.messages.received, c.messages.accepted + c.messages.dropped_total());
}

TEST(BgpFsm, Rfc7606CountersAndLog) {
  Harness h;
  h.establish();
  // LOCAL_PREF from an external peer: attribute discard (RFC 7606 §7.5).
  Update u;
  u.attributes.origin = Origin::igp;
  u.attributes.as_path = AsPath{{SegmentType::as_sequence, {65001}}};
  u.attributes.next_hop = IpAddress::parse("198.18.1.1");
  u.attributes.local_pref = 100;
  u.nlri = {*Prefix::parse("203.0.113.0/24")};
  h.receive(1, encode(u, {}));
  const auto& c = h.fsm.counters();
  EXPECT_EQ(c.attribute_discard, 1u);
  EXPECT_EQ(c.treat_as_withdraw, 0u);
  EXPECT_EQ(c.messages.accepted, 3u);
  bool logged = false;
  for (const auto& a : h.last) {
    if (const auto* l = std::get_if<Log>(&a)) {
      logged = l->text.find("198.18.1.1") != std::string::npos &&
               l->text.find("attribute 5 (LOCAL_PREF)") != std::string::npos &&
               !l->rate_key.empty();
    }
  }
  EXPECT_TRUE(logged);
  // ORIGIN missing: treat-as-withdraw.
  u.attributes.local_pref.reset();
  u.attributes.origin.reset();
  h.receive(1, encode(u, {}));
  EXPECT_EQ(c.treat_as_withdraw, 1u);
  EXPECT_EQ(c.attribute_discard, 1u);
  EXPECT_EQ(c.session_reset, 0u);
  EXPECT_TRUE(c.messages.dropped.empty());
  EXPECT_EQ(h.fsm.state(), State::established);
}

TEST(BgpFsm, ReconfigureResendsChangedAnnouncements) {
  Harness h;
  h(RouteChanged{kAnycast, core::RouteAction::announce, core::Cause::health});
  h.establish();
  auto next = base_config();
  next.neighbor.communities = {0xfe4d0064, 0xfe4d00c8};
  h(Reconfigure{next, false});
  const auto u = h.sent_of<Update>(1);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].nlri, std::vector<Prefix>{kAnycast});
  EXPECT_EQ(*u[0].attributes.communities, next.neighbor.communities);
  EXPECT_FALSE(h.closed(1));
  EXPECT_EQ(h.fsm.state(), State::established);
  // Nothing that shows on the wire: nothing sent.
  next.neighbor.drain_time = 9s;
  h(Reconfigure{next, false});
  EXPECT_TRUE(h.sent(1).empty());
  EXPECT_EQ(h.fsm.config().neighbor.drain_time, 9s);
}

TEST(BgpFsm, ReconfigureRestartSendsOtherConfigurationChange) {
  Harness h;
  h.establish();
  auto next = base_config();
  next.neighbor.hold_time = 30s;
  h(Reconfigure{next, true});
  const auto n = h.sent_of<Notification>(1);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(std::pair(n[0].code, n[0].subcode),
            std::pair(error::kCease, error::kOtherConfigurationChange));
  EXPECT_TRUE(h.closed(1));
  // At once, not after the idle hold: a new connection with the new settings.
  EXPECT_TRUE(h.did<Connect>());
  EXPECT_EQ(h.fsm.state(), State::connect);
  h(TcpConnected{2, true, kLocal});
  EXPECT_EQ(h.sent_of<Open>(2).at(0).hold_time, 30);
}

TEST(BgpFsm, DeconfigureWithdrawsAndCeases) {
  Harness h;
  h(RouteChanged{kAnycast, core::RouteAction::announce, core::Cause::health});
  h.establish();
  h(Deconfigure{});
  const auto sent = h.sent(1);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(std::get<Update>(sent[0]).withdrawn, std::vector<Prefix>{kAnycast});
  EXPECT_EQ(std::get<Notification>(sent[1]).subcode, error::kPeerDeconfigured);
  EXPECT_TRUE(h.did<Stopped>());
  EXPECT_FALSE(h.armed(TimerId::idle_hold));
}

}  // namespace
}  // namespace anycastd::bgp
