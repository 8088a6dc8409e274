// SPDX-License-Identifier: Apache-2.0
// The sans-IO OSPF instance driven by events on a fake clock: a scripted
// neighbour (its packets made with our own encoder) takes it through the
// RFC 2328 §10 adjacency, flooding, timers, failures, counters and reloads.
// No sockets, no sleeps.
#include "ospf/instance.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "harness.hpp"

namespace anycastd::ospf {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t kUs = 0xc6120102;       // 198.18.1.2
constexpr std::uint32_t kPeer = 0xc6120109;     // 198.18.1.9: higher, so the peer is master
constexpr std::uint32_t kLowPeer = 0xc6120101;  // 198.18.1.1: lower, so we are master
const Prefix kDns = *Prefix::parse("198.19.224.2/32");
const Prefix kNtp = *Prefix::parse("198.19.224.3/32");
constexpr std::uint32_t kDnsId = 0xc613e002;  // the LS ID of kDns's own LSA
constexpr std::uint32_t kNtpId = 0xc613e003;
const TimePoint t0 = TimePoint{} + 1000s;

using testing::FakeTimers;
using testing::has;
using testing::sent;

// The headers of the LSAs in the LS Updates a step sent.
std::vector<LsaHeader> flooded(const std::vector<Action>& actions) {
  std::vector<LsaHeader> out;
  for (const auto& p : sent(actions, PacketType::ls_update)) {
    for (const auto& bytes : std::get<LinkStateUpdate>(p.body).lsas)
      out.push_back(std::get<LsaHeader>(decode_lsa_header(bytes)));
  }
  return out;
}

// Whether a step flooded LSA `key` at MaxAge (a flush, RFC 2328 §14.1) or
// as a live instance.
bool flushed(const std::vector<Action>& actions, const LsaKey& key) {
  for (const auto& h : flooded(actions)) {
    if (LsaKey::of(h) == key && h.age == kMaxAge) return true;
  }
  return false;
}
bool originated(const std::vector<Action>& actions, const LsaKey& key) {
  for (const auto& h : flooded(actions)) {
    if (LsaKey::of(h) == key && h.age < kMaxAge) return true;
  }
  return false;
}

constexpr InterfaceId kEth1 = 2;
constexpr auto kRxmtInterval = 5s;  // the config's default RxmtInterval

Lsa router_lsa(std::uint32_t rid, std::int32_t seq, std::vector<RouterLink> links = {}) {
  Lsa lsa;
  lsa.header = {0, kOptionE, 1, rid, rid, seq, 0, 0};
  lsa.body = RouterLsa{0, std::move(links)};
  return lsa;
}

class OspfInstanceTest : public ::testing::Test {
 protected:
  void make(config::OspfInterfaceType type = config::OspfInterfaceType::point_to_point,
            std::uint8_t priority = 0, std::size_t lsdb_limit = 100000) {
    config.area = area_type == config::OspfAreaType::normal ? 0 : 1;
    config.area_type = area_type;
    config.announce_as = announce_as;
    config.lsdb_limit = static_cast<std::uint32_t>(lsdb_limit);
    config::OspfInterfaceConfig iface;
    iface.name = "eth1";
    iface.type = type;
    iface.priority = priority;
    config.interfaces = {iface};
    InterfaceInfo info{"eth1", kEth1, kUs, 24, 1500};
    instance.emplace(config, kUs, std::vector<InterfaceInfo>{info}, AreaOptions{1, 5000});
  }

  std::vector<Action> at(TimePoint t, const Event& e) {
    now = t;
    return feed(e);
  }
  std::vector<Action> feed(const Event& e) {
    auto out = instance->handle(e, now);
    timers.track(out);
    return out;
  }

  // Fires the armed timers due until `until`, in order, as the session would.
  std::vector<Action> advance(TimePoint until) {
    std::vector<Action> all;
    while (const auto due = timers.pop(until)) {
      now = due->second;
      auto out = feed(TimerExpired{due->first});
      all.insert(all.end(), out.begin(), out.end());
    }
    now = until;
    return all;
  }

  std::vector<Action> from(std::uint32_t rid, Body body, std::uint32_t source = 0,
                           std::uint32_t area = 0,
                           const config::AuthConfig& auth = config::AuthConfig{}) {
    Packet p;
    p.router_id = rid;
    p.area_id = area ? area : config.area;
    p.body = std::move(body);
    PacketReceived e{kEth1, source ? source : (rid == kPeer ? 0xc6120109u : rid), kAllSpfRouters,
                     encode(p, Authenticator{auth, 1})};
    return feed(e);
  }

  Hello hello(bool lists_us, std::uint32_t dr = 0, std::uint32_t bdr = 0,
              std::uint8_t priority = 1) {
    return testing::neighbor_hello(
        0xffffff00, priority, dr, bdr,
        lists_us ? std::vector<std::uint32_t>{kUs} : std::vector<std::uint32_t>{});
  }

  void start() { at(t0, Start{}); }

  const Neighbor* neighbor(std::uint32_t rid) const {
    const auto& n = iface().neighbors;
    const auto it = n.find(rid);
    return it == n.end() ? nullptr : &it->second;
  }

  const Interface& iface() const { return instance->area().interfaces.at(0); }
  const Lsdb& lsdb() const { return instance->area().lsdb; }
  std::int32_t sequence() const { return instance->origination().router_lsa_sequence(); }

  std::optional<RouterLsa> our_router_lsa() const {
    const auto* e = lsdb().find({1, kUs, kUs});
    if (!e) return std::nullopt;
    return std::get<RouterLsa>(std::get<Lsa>(decode_lsa(e->bytes)).body);
  }

  // Takes a point-to-point adjacency with kPeer (master) to Full; the peer
  // has its own router-LSA, which we request and receive.
  void bring_up_full() {
    start();
    auto out = from(kPeer, hello(true));
    ASSERT_EQ(neighbor(kPeer)->state, NeighborState::ex_start);
    // Our initial DD: I|M|MS, empty (§10.8).
    auto dds = sent(out, PacketType::db_description);
    ASSERT_EQ(dds.size(), 1u);
    const auto& first = std::get<DatabaseDescription>(dds[0].body);
    EXPECT_EQ(first.flags, kDdInit | kDdMore | kDdMaster);
    EXPECT_TRUE(first.headers.empty());
    // The peer (higher router ID) is master.
    DatabaseDescription init;
    init.flags = kDdInit | kDdMore | kDdMaster;
    init.sequence = 7000;
    out = from(kPeer, init);
    EXPECT_EQ(neighbor(kPeer)->state, NeighborState::exchange);
    dds = sent(out, PacketType::db_description);
    ASSERT_EQ(dds.size(), 1u);
    const auto& reply = std::get<DatabaseDescription>(dds[0].body);
    EXPECT_EQ(reply.sequence, 7000u);
    EXPECT_EQ(reply.flags & kDdMaster, 0);
    ASSERT_GE(reply.headers.size(), 1u);  // our router-LSA, and our prefixes' LSAs
    for (const auto& h : reply.headers)
      EXPECT_EQ(h.advertising_router, kUs);
    // The master's summary: its router-LSA, M clear.
    peer_lsa =
        encode_lsa(router_lsa(kPeer, kInitialSequenceNumber + 4, {{kUs, 0xc6120109u, 1, 10, {}}}));
    DatabaseDescription next;
    next.flags = kDdMaster;
    next.sequence = 7001;
    next.headers = {std::get<LsaHeader>(decode_lsa_header(peer_lsa))};
    out = from(kPeer, next);
    EXPECT_EQ(neighbor(kPeer)->state, NeighborState::loading);
    auto lsrs = sent(out, PacketType::ls_request);
    ASSERT_EQ(lsrs.size(), 1u);
    EXPECT_EQ(std::get<LinkStateRequest>(lsrs[0].body).requests,
              (std::vector<LsaKey>{{1, kPeer, kPeer}}));
    out = from(kPeer, LinkStateUpdate{{peer_lsa}});
    EXPECT_EQ(neighbor(kPeer)->state, NeighborState::full);
    // §13.5: a delayed acknowledgement, within kAckDelay.
    EXPECT_TRUE(sent(out, PacketType::ls_ack).empty());
    auto acks = sent(advance(now + kAckDelay), PacketType::ls_ack);
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(std::get<LinkStateAck>(acks[0].body).headers.size(), 1u);
  }

  // Full at t0, then 10 s later (MinLSInterval since any origination), the
  // peer's Hello kept up.
  void full_and_quiet() {
    bring_up_full();
    advance(t0 + 10s);
    from(kPeer, hello(true));
  }

  // What the tests before issue 13 assume; make() takes them.
  config::OspfAreaType area_type = config::OspfAreaType::normal;
  config::OspfAnnounceAs announce_as = config::OspfAnnounceAs::router_lsa;
  config::OspfConfig config;
  std::optional<Instance> instance;
  TimePoint now = t0;
  FakeTimers timers;
  std::vector<std::uint8_t> peer_lsa;
};

TEST_F(OspfInstanceTest, StartSendsHelloAndOriginatesRouterLsa) {
  make();
  auto out = at(t0, RouteChanged{kDns, core::RouteAction::announce});
  out = at(t0, Start{});
  auto hellos = sent(out, PacketType::hello);
  ASSERT_EQ(hellos.size(), 1u);
  const auto& h = std::get<Hello>(hellos[0].body);
  EXPECT_EQ(h.priority, 0);
  EXPECT_EQ(h.network_mask, 0u);  // point-to-point
  EXPECT_EQ(iface().state, InterfaceState::point_to_point);
  const auto lsa = our_router_lsa();
  ASSERT_TRUE(lsa);
  // The link's subnet as a stub, and the anycast /32 at prefix_cost.
  ASSERT_EQ(lsa->links.size(), 2u);
  EXPECT_EQ(lsa->links[1].id, 0xc613e002u);
  EXPECT_EQ(lsa->links[1].data, 0xffffffffu);
  EXPECT_EQ(lsa->links[1].metric, 1);
  EXPECT_EQ(sequence(), kInitialSequenceNumber);
}

TEST_F(OspfInstanceTest, FullAdjacencyAsSlaveThenPointToPointLinkInRouterLsa) {
  make();
  bring_up_full();
  // The adjacency changes the router-LSA, after MinLSInterval from the first.
  advance(t0 + 5s);
  const auto lsa = our_router_lsa();
  ASSERT_TRUE(lsa);
  EXPECT_EQ(lsa->links[0].type, static_cast<std::uint8_t>(RouterLinkType::point_to_point));
  EXPECT_EQ(lsa->links[0].id, kPeer);
  EXPECT_EQ(lsdb().size(), 2u);
}

TEST_F(OspfInstanceTest, MasterRetransmitsDatabaseDescription) {
  make();
  start();
  from(kLowPeer, hello(true));
  const auto* nbr = neighbor(kLowPeer);
  ASSERT_EQ(nbr->state, NeighborState::ex_start);
  const std::uint32_t seq = nbr->dd_sequence;
  // Nothing heard: the initial DD goes again after RxmtInterval, unchanged.
  auto out = advance(t0 + kRxmtInterval);
  auto dds = sent(out, PacketType::db_description);
  ASSERT_EQ(dds.size(), 1u);
  EXPECT_EQ(std::get<DatabaseDescription>(dds[0].body).sequence, seq);
  // The lower-ID peer also claims master: it loses, and we answer at once.
  DatabaseDescription claim;
  claim.flags = kDdInit | kDdMore | kDdMaster;
  claim.sequence = 1;
  out = from(kLowPeer, claim);
  EXPECT_EQ(sent(out, PacketType::db_description).size(), 1u);
  EXPECT_EQ(neighbor(kLowPeer)->state, NeighborState::ex_start);
  // It becomes slave: acknowledges our sequence number, I and MS clear.
  DatabaseDescription slave;
  slave.sequence = seq;
  out = from(kLowPeer, slave);
  EXPECT_TRUE(neighbor(kLowPeer)->master);
  dds = sent(out, PacketType::db_description);
  ASSERT_EQ(dds.size(), 1u);
  const auto& next = std::get<DatabaseDescription>(dds[0].body);
  EXPECT_EQ(next.sequence, seq + 1);
  EXPECT_EQ(next.flags, kDdMaster);
  EXPECT_EQ(next.headers.size(), 1u);
  // The slave acknowledges with M clear: exchange done, nothing to load.
  slave.sequence = seq + 1;
  from(kLowPeer, slave);
  EXPECT_EQ(neighbor(kLowPeer)->state, NeighborState::full);
}

TEST_F(OspfInstanceTest, SequenceNumberMismatchRestartsExchange) {
  make();
  start();
  from(kPeer, hello(true));
  DatabaseDescription init;
  init.flags = kDdInit | kDdMore | kDdMaster;
  init.sequence = 7000;
  from(kPeer, init);
  ASSERT_EQ(neighbor(kPeer)->state, NeighborState::exchange);
  DatabaseDescription wrong;
  wrong.flags = kDdMaster | kDdMore;
  wrong.sequence = 7005;  // the slave expects 7001
  auto out = from(kPeer, wrong);
  EXPECT_EQ(neighbor(kPeer)->state, NeighborState::ex_start);
  auto dds = sent(out, PacketType::db_description);
  ASSERT_EQ(dds.size(), 1u);
  EXPECT_EQ(std::get<DatabaseDescription>(dds[0].body).flags, kDdInit | kDdMore | kDdMaster);
}

TEST_F(OspfInstanceTest, SlaveAnswersDuplicateDdWithItsLastOne) {
  make();
  bring_up_full();
  DatabaseDescription dup;
  dup.flags = kDdMaster;
  dup.sequence = 7001;
  dup.headers = {std::get<LsaHeader>(decode_lsa_header(peer_lsa))};
  auto out = from(kPeer, dup);
  EXPECT_EQ(neighbor(kPeer)->state, NeighborState::full);
  EXPECT_EQ(sent(out, PacketType::db_description).size(), 1u);
}

TEST_F(OspfInstanceTest, DeadTimerRemovesNeighbour) {
  make();
  bring_up_full();
  advance(t0 + 39s);
  ASSERT_NE(neighbor(kPeer), nullptr);
  advance(t0 + 41s);
  EXPECT_EQ(neighbor(kPeer), nullptr);
  const auto lsa = our_router_lsa();
  ASSERT_TRUE(lsa);
  EXPECT_NE(lsa->links[0].type, static_cast<std::uint8_t>(RouterLinkType::point_to_point));
}

TEST_F(OspfInstanceTest, OneWayHelloDropsAdjacency) {
  make();
  bring_up_full();
  from(kPeer, hello(false));
  EXPECT_EQ(neighbor(kPeer)->state, NeighborState::init);
}

TEST_F(OspfInstanceTest, ServiceChangeGoesOutAtOnceAfterQuietPeriod) {
  make();
  bring_up_full();
  advance(t0 + 30s);
  from(kPeer, hello(true));
  const auto before = sequence();
  auto out = feed(RouteChanged{kDns, core::RouteAction::announce});
  EXPECT_EQ(sequence(), before + 1);
  auto updates = sent(out, PacketType::ls_update);
  ASSERT_EQ(updates.size(), 1u);
  from(kPeer, LinkStateAck{{lsdb().find({1, kUs, kUs})->header}});
  // A second change 1 s later (a cost) waits for MinLSInterval (5 s after the first).
  now += 1s;
  out = feed(RouteChanged{kDns, core::RouteAction::degrade});
  EXPECT_TRUE(sent(out, PacketType::ls_update).empty());
  out = advance(now + 3500ms);
  EXPECT_TRUE(sent(out, PacketType::ls_update).empty());
  out = advance(now + 1s);
  EXPECT_EQ(sent(out, PacketType::ls_update).size(), 1u);
  EXPECT_EQ(sequence(), before + 2);
  EXPECT_EQ(our_router_lsa()->links.back().metric, 1000);
}

TEST_F(OspfInstanceTest, RouterLsaWithdrawalOfTheLastPrefixInsideMinLsIntervalFlushesAtOnce) {
  // announce_as = "router-lsa" (the only way in a stub area): the adjacency
  // just came Full, so a new router-LSA must wait for MinLSInterval. The
  // withdrawal of its only prefix flushes it at once instead (§14.1).
  make();
  feed(RouteChanged{kDns, core::RouteAction::announce});
  bring_up_full();
  const LsaKey ours = instance->area().own_router_lsa();
  const auto before = sequence();
  ASSERT_EQ(our_router_lsa()->links.back().id, kDnsId);
  now = t0 + 1s;
  auto out = feed(RouteChanged{kDns, core::RouteAction::withdraw});
  EXPECT_TRUE(flushed(out, ours));
  EXPECT_EQ(sequence(), before);  // premature aging: no new instance
  // Acknowledged, it leaves the database; the instance without the prefix
  // follows MinLSInterval after the last one.
  from(kPeer, LinkStateAck{{lsdb().find(ours)->header}});
  out = advance(t0 + 4900ms);
  EXPECT_FALSE(originated(out, ours));
  out = advance(t0 + 5s);
  EXPECT_TRUE(originated(out, ours));
  EXPECT_EQ(sequence(), before + 1);
  const auto lsa = our_router_lsa();
  for (const auto& link : lsa->links)
    EXPECT_NE(link.id, kDnsId);
}

TEST_F(OspfInstanceTest, RouterLsaFlushedForAWithdrawalComesBackWhenThePrefixDoes) {
  make();
  feed(RouteChanged{kDns, core::RouteAction::announce});
  bring_up_full();
  const LsaKey ours = instance->area().own_router_lsa();
  const auto before = sequence();
  now = t0 + 1s;
  EXPECT_TRUE(flushed(feed(RouteChanged{kDns, core::RouteAction::withdraw}), ours));
  // Back before MinLSInterval is over: the router-LSA says what it said
  // before, but it was flushed, so a new instance still goes out then.
  now = t0 + 2s;
  EXPECT_FALSE(originated(feed(RouteChanged{kDns, core::RouteAction::announce}), ours));
  const auto out = advance(t0 + 5s);
  EXPECT_TRUE(originated(out, ours));
  EXPECT_EQ(sequence(), before + 1);
  EXPECT_EQ(our_router_lsa()->links.back().id, kDnsId);
}

TEST_F(OspfInstanceTest, RouterLsaWithdrawalOfOneOfTwoPrefixesWaitsForMinLsInterval) {
  // The other prefix is still announced: flushing would withdraw it too.
  make();
  feed(RouteChanged{kDns, core::RouteAction::announce});
  feed(RouteChanged{kNtp, core::RouteAction::announce});
  bring_up_full();
  const LsaKey ours = instance->area().own_router_lsa();
  now = t0 + 1s;
  auto out = feed(RouteChanged{kDns, core::RouteAction::withdraw});
  EXPECT_FALSE(flushed(out, ours));
  EXPECT_FALSE(originated(out, ours));
  out = advance(t0 + 5s);
  EXPECT_TRUE(originated(out, ours));
  EXPECT_EQ(our_router_lsa()->links.back().id, kNtpId);
}

TEST_F(OspfInstanceTest, DegradedCost) {
  make();
  start();
  auto out = feed(RouteChanged{kDns, core::RouteAction::degrade});
  advance(t0 + 5s);
  EXPECT_EQ(our_router_lsa()->links.back().metric, 1000);
}

TEST_F(OspfInstanceTest, RetransmitsUntilAcknowledged) {
  make();
  bring_up_full();
  advance(t0 + 30s);
  from(kPeer, hello(true));
  feed(RouteChanged{kDns, core::RouteAction::announce});
  ASSERT_EQ(neighbor(kPeer)->retransmission_list.size(), 1u);
  auto out = advance(now + kRxmtInterval);
  auto updates = sent(out, PacketType::ls_update);
  ASSERT_EQ(updates.size(), 1u);
  // Sent straight to the neighbour; acknowledged, it stops.
  const auto own = lsdb().find({1, kUs, kUs})->header;
  from(kPeer, LinkStateAck{{own}});
  EXPECT_TRUE(neighbor(kPeer)->retransmission_list.empty());
  out = advance(now + 2 * kRxmtInterval);
  EXPECT_TRUE(sent(out, PacketType::ls_update).empty());
}

TEST_F(OspfInstanceTest, NewerLsaIsInstalledAndAcknowledgedOlderAnsweredWithOurs) {
  make();
  bring_up_full();
  now += 2s;
  const auto newer = encode_lsa(router_lsa(kPeer, kInitialSequenceNumber + 5));
  auto out = from(kPeer, LinkStateUpdate{{newer}});
  EXPECT_EQ(sent(advance(now + kAckDelay), PacketType::ls_ack).size(), 1u);
  EXPECT_EQ(lsdb().find({1, kPeer, kPeer})->header.sequence, kInitialSequenceNumber + 5);
  // An older one gets our copy back (§13 step 8).
  now += 2s;
  out = from(kPeer, LinkStateUpdate{{peer_lsa}});
  auto updates = sent(out, PacketType::ls_update);
  ASSERT_EQ(updates.size(), 1u);
  // Unknown LS types are stored and acknowledged like any other.
  Lsa opaque{{0, 0, 10, 0x01000001u, kPeer, kInitialSequenceNumber, 0, 0}, OpaqueLsa{{1, 2, 3, 4}}};
  out = from(kPeer, LinkStateUpdate{{encode_lsa(opaque)}});
  EXPECT_NE(lsdb().find({10, 0x01000001u, kPeer}), nullptr);
  EXPECT_EQ(sent(advance(now + kAckDelay), PacketType::ls_ack).size(), 1u);
}

TEST_F(OspfInstanceTest, OurOldRouterLsaComesBackAndWeGoPastIt) {
  make();
  bring_up_full();
  now += 6s;
  // A copy from a previous run of ours, with a higher sequence number.
  const auto stale = encode_lsa(router_lsa(kUs, kInitialSequenceNumber + 40));
  from(kPeer, LinkStateUpdate{{stale}});
  EXPECT_EQ(sequence(), kInitialSequenceNumber + 41);
  EXPECT_EQ(lsdb().find({1, kUs, kUs})->header.sequence, kInitialSequenceNumber + 41);
}

TEST_F(OspfInstanceTest, MaxAgeLsaIsFlushedAfterAcknowledgement) {
  make();
  bring_up_full();
  now += 2s;
  auto flushed = peer_lsa;
  set_lsa_age(flushed, kMaxAge);
  from(kPeer, LinkStateUpdate{{flushed}});
  // Installed at MaxAge, then removed at the next aging pass (no
  // retransmission lists hold it, no exchange in progress).
  advance(now + 2s);
  EXPECT_EQ(lsdb().find({1, kPeer, kPeer}), nullptr);
}

TEST_F(OspfInstanceTest, LsdbLimitRefusesNewLsasButAcknowledgesThem) {
  make(config::OspfInterfaceType::point_to_point, 0, 3);
  bring_up_full();  // our router-LSA and the peer's: 2 of 3
  now += 2s;
  LinkStateUpdate lsu;
  for (std::uint32_t i = 0; i < 5; ++i) {
    Lsa ext{{0, kOptionE, 5, 0xc6130000u + (i << 8), kPeer, kInitialSequenceNumber, 0, 0},
            ExternalLsa{0xffffff00u, {{true, 0, 20, 0, 0}}}};
    lsu.lsas.push_back(encode_lsa(ext));
  }
  auto out = from(kPeer, lsu);
  EXPECT_EQ(lsdb().size(), 3u);
  EXPECT_EQ(lsdb().overflows(), 4u);
  EXPECT_EQ(instance->area().lsa_dropped.at("lsdb_full"), 4u);
  auto acks = sent(advance(now + kAckDelay), PacketType::ls_ack);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(std::get<LinkStateAck>(acks[0].body).headers.size(), 5u);
}

TEST_F(OspfInstanceTest, DropsAndCountsBadPackets) {
  make(config::OspfInterfaceType::broadcast);
  start();
  from(kPeer, hello(true), 0, 1);  // area 0.0.0.1
  auto h = hello(true);
  h.hello_interval = 5;
  from(kPeer, h);
  h = hello(true);
  h.dead_interval = 30;
  from(kPeer, h);
  h = hello(true);
  h.network_mask = 0xffff0000;
  from(kPeer, h);
  from(kPeer, hello(true), 0, 0, {config::AuthMode::md5, 1, "secret"});
  from(kPeer, hello(true), 0x0a000001);  // not on the link
  Packet p;
  p.router_id = kPeer;
  p.body = hello(true);
  auto bytes = encode(p, {});
  bytes[12] ^= 0xff;
  feed(PacketReceived{kEth1, 0xc6120109u, kAllSpfRouters, bytes});
  const auto& counters = iface().counters.packets;
  EXPECT_EQ(counters.dropped, (std::map<std::string, std::uint64_t, std::less<>>{
                                  {"wrong_area", 1},
                                  {"interval_mismatch", 2},
                                  {"netmask_mismatch", 1},
                                  {"auth_wrong_type", 1},
                                  {"not_on_link", 1},
                                  {"bad_checksum", 1},
                              }));
  // Each packet counted once: none of them was also accepted.
  EXPECT_EQ(counters.received, 7u);
  EXPECT_EQ(counters.accepted, 0u);
  EXPECT_EQ(instance->counters().dropped, counters.dropped);
  EXPECT_TRUE(iface().neighbors.empty());
}

TEST_F(OspfInstanceTest, Md5AuthenticatedAdjacency) {
  make();
  config.interfaces[0].authentication = {config::AuthMode::md5, 1, "secret"};
  instance.emplace(config, kUs, std::vector<InterfaceInfo>{{"eth1", kEth1, kUs, 24, 1500}},
                   AreaOptions{1, 1});
  start();
  auto out = from(kPeer, hello(true), 0, 0, {config::AuthMode::md5, 1, "secret"});
  EXPECT_EQ(neighbor(kPeer)->state, NeighborState::ex_start);
  const auto* s = std::get_if<Send>(&out[0]);
  for (const auto& a : out) {
    if (std::holds_alternative<Send>(a)) s = &std::get<Send>(a);
  }
  ASSERT_NE(s, nullptr);
  const auto p = std::get<Packet>(decode(s->bytes));
  EXPECT_EQ(p.auth_type, AuthType::cryptographic);
  EXPECT_EQ(verify_auth(p, s->bytes, {config::AuthMode::md5, 1, "secret"}, std::nullopt),
            AuthError::none);
  from(kPeer, hello(true), 0, 0, {config::AuthMode::md5, 1, "wrong"});
  EXPECT_EQ(iface().counters.packets.dropped.at("auth_bad_digest"), 1u);
}

TEST_F(OspfInstanceTest, BroadcastDrOtherFormsAdjacencyOnlyWithDrAndBdr) {
  make(config::OspfInterfaceType::broadcast);
  start();
  EXPECT_EQ(iface().state, InterfaceState::dr_other);
  const std::uint32_t dr = 0xc6120109u;
  const std::uint32_t other = 0xc6120105u;
  from(kPeer, hello(true, dr, 0));
  EXPECT_EQ(iface().designated_router, dr);
  EXPECT_EQ(neighbor(kPeer)->state, NeighborState::ex_start);
  from(other, hello(true, dr, 0, 0), other);
  EXPECT_EQ(neighbor(other)->state, NeighborState::two_way);
  // DR change: the other router declares itself DR with higher priority; the
  // election moves, adjacencies follow (AdjOK?).
  from(other, hello(true, other, 0, 200), other);
  from(kPeer, hello(true, other, dr));
  EXPECT_EQ(iface().designated_router, other);
  EXPECT_EQ(iface().backup_designated_router, dr);
  EXPECT_EQ(neighbor(other)->state, NeighborState::ex_start);
  EXPECT_EQ(neighbor(kPeer)->state, NeighborState::ex_start);
  // We never become DR with priority 0, so never originate a network-LSA.
  EXPECT_EQ(lsdb().counts().count(2), 0u);
}

TEST_F(OspfInstanceTest, EligibleRouterAloneBecomesDrAfterWait) {
  make(config::OspfInterfaceType::broadcast, 1);
  start();
  EXPECT_EQ(iface().state, InterfaceState::waiting);
  auto out = advance(t0 + 40s);
  EXPECT_EQ(iface().state, InterfaceState::dr);
  EXPECT_TRUE(std::any_of(out.begin(), out.end(), [](const Action& a) {
    const auto* m = std::get_if<SetAllDRouters>(&a);
    return m && m->member;
  }));
}

TEST_F(OspfInstanceTest, StopFlushesRouterLsaAndSaysGoodbye) {
  make();
  bring_up_full();
  advance(t0 + 30s);
  from(kPeer, hello(true));
  feed(RouteChanged{kDns, core::RouteAction::announce});
  now += 2s;
  auto out = feed(Stop{now + 1s, now + 1500ms});
  auto updates = sent(out, PacketType::ls_update);
  ASSERT_EQ(updates.size(), 1u);
  const auto& lsa = std::get<LinkStateUpdate>(updates[0].body).lsas.at(0);
  EXPECT_EQ(std::get<LsaHeader>(decode_lsa_header(lsa)).age, kMaxAge);
  EXPECT_FALSE(has<Stopped>(out));
  // The peer acknowledges: a Hello that lists nobody, then Stopped.
  out = from(kPeer, LinkStateAck{{std::get<LsaHeader>(decode_lsa_header(lsa))}});
  EXPECT_TRUE(has<Stopped>(out));
  auto hellos = sent(out, PacketType::hello);
  ASSERT_EQ(hellos.size(), 1u);
  EXPECT_TRUE(std::get<Hello>(hellos[0].body).neighbors.empty());
}

TEST_F(OspfInstanceTest, StopRightAfterAChangeFlushesAtOnceResendsAfterMinLsArrivalThenGivesUp) {
  make();
  bring_up_full();
  advance(t0 + 30s);
  from(kPeer, hello(true));
  const TimePoint change = now;
  feed(RouteChanged{kDns, core::RouteAction::announce});
  const TimePoint stop = now + 200ms;
  now = stop;
  // The flush goes at once; the peer may discard it for MinLSArrival (§13
  // (5a)), so it goes again as soon as the peer would take it.
  auto out = feed(Stop{now + 1s, now + 1500ms});
  EXPECT_EQ(sent(out, PacketType::ls_update).size(), 1u);
  out = advance(change + kMinLsArrival + kMinLsArrivalSlack - 1ms);
  EXPECT_TRUE(sent(out, PacketType::ls_update).empty());
  out = advance(change + kMinLsArrival + kMinLsArrivalSlack);
  EXPECT_EQ(sent(out, PacketType::ls_update).size(), 1u);
  // No acknowledgement: stopped anyway at the deadline the stop brought, not before.
  out = advance(stop + 1499ms);
  EXPECT_FALSE(has<Stopped>(out));
  out = advance(stop + 1500ms);
  EXPECT_TRUE(has<Stopped>(out));
}

TEST_F(OspfInstanceTest, CountsEachPacketOnceAndLsasDroppedApart) {
  make();
  bring_up_full();
  const auto& counters = instance->counters();
  EXPECT_EQ(counters.received, counters.accepted + counters.dropped_total());
  EXPECT_TRUE(counters.dropped.empty());
  const auto accepted = counters.accepted;
  now += 2s;
  // A valid LS Update carrying one LSA whose checksum is wrong: the packet
  // is accepted, the LSA dropped and counted apart.
  auto bad = encode_lsa(router_lsa(kPeer, kInitialSequenceNumber + 9));
  bad[kChecksumOffset] ^= 0xff;
  from(kPeer, LinkStateUpdate{{bad}});
  EXPECT_EQ(counters.accepted, accepted + 1);
  EXPECT_TRUE(counters.dropped.empty());
  EXPECT_EQ(instance->area().lsa_dropped,
            (std::map<std::string, std::uint64_t, std::less<>>{{"bad_checksum", 1}}));
  // A packet from a router that is no neighbour, and a request from one
  // not yet in Exchange.
  from(0xc6120105u, LinkStateAck{}, 0xc6120105u);
  from(kLowPeer, hello(true));
  ASSERT_EQ(neighbor(kLowPeer)->state, NeighborState::ex_start);
  from(kLowPeer, LinkStateRequest{{{1, kUs, kUs}}});
  EXPECT_EQ(counters.dropped, (std::map<std::string, std::uint64_t, std::less<>>{
                                  {"unknown_neighbor", 1}, {"not_adjacent", 1}}));
  EXPECT_EQ(counters.received, counters.accepted + counters.dropped_total());
  EXPECT_EQ(iface().counters.packets.received, counters.received);
}

TEST_F(OspfInstanceTest, RefreshesTheRouterLsaAtLsRefreshTimeThoughNothingChanged) {
  make();
  start();
  const auto first = sequence();
  advance(t0 + kLsRefresh - 1s);
  EXPECT_EQ(sequence(), first);
  advance(t0 + kLsRefresh);
  EXPECT_EQ(sequence(), first + 1);
  EXPECT_EQ(lsdb().find({1, kUs, kUs})->age(now), 0);
  advance(t0 + 2 * kLsRefresh);
  EXPECT_EQ(sequence(), first + 2);
}

TEST_F(OspfInstanceTest, NeighborDownKillsTheAdjacencyAtOnce) {
  make();
  bring_up_full();
  auto out = feed(NeighborDown{0xc6120109u});
  EXPECT_EQ(neighbor(kPeer), nullptr);
  EXPECT_FALSE(timers.at(TimerId::of(TimerKind::inactivity, kEth1, kPeer)));
  // Not a neighbour's address: nothing happens.
  out = feed(NeighborDown{0xc6120177u});
  EXPECT_TRUE(out.empty());
}

TEST_F(OspfInstanceTest, ReloadOfCostsReoriginatesWithoutTouchingTheAdjacency) {
  make();
  bring_up_full();
  feed(RouteChanged{kDns, core::RouteAction::announce});
  advance(t0 + 30s);
  from(kPeer, hello(true));
  const auto before = sequence();
  auto next = config;
  next.prefix_cost = 7;
  next.interfaces[0].cost = 25;
  next.lsdb_limit = 500;
  auto out = feed(Reconfigure{next, {}});
  EXPECT_EQ(sequence(), before + 1);
  const auto lsa = our_router_lsa();
  EXPECT_EQ(lsa->links.front().metric, 25);  // the point-to-point link
  EXPECT_EQ(lsa->links.back().metric, 7);    // the anycast /32
  EXPECT_EQ(sent(out, PacketType::ls_update).size(), 1u);
  EXPECT_TRUE(sent(out, PacketType::db_description).empty());
  EXPECT_TRUE(sent(out, PacketType::hello).empty());
  EXPECT_EQ(neighbor(kPeer)->state, NeighborState::full);
  EXPECT_EQ(lsdb().limit(), 500u);
  EXPECT_EQ(instance->config(), next);
}

TEST_F(OspfInstanceTest, ReloadRestartsOnlyTheInterfaceWhoseTransportChanged) {
  make();
  config::OspfInterfaceConfig eth2 = config.interfaces[0];
  eth2.name = "eth2";
  config.interfaces.push_back(eth2);
  constexpr InterfaceId kEth2 = 3;
  constexpr std::uint32_t kOther = 0xc6120305u;
  instance.emplace(config, kUs,
                   std::vector<InterfaceInfo>{{"eth1", kEth1, kUs, 24, 1500},
                                              {"eth2", kEth2, 0xc6120302u, 24, 1500}},
                   AreaOptions{1, 5000});
  start();
  from(kPeer, hello(true));
  Packet p;
  p.router_id = kOther;
  p.body = hello(true);
  feed(PacketReceived{kEth2, kOther, kAllSpfRouters, encode(p, {})});
  ASSERT_EQ(neighbor(kPeer)->state, NeighborState::ex_start);
  ASSERT_EQ(instance->area().interfaces[1].neighbors.at(kOther).state, NeighborState::ex_start);
  auto next = config;
  next.interfaces[0].hello_interval = std::chrono::seconds(5);
  next.interfaces[0].dead_interval = std::chrono::seconds(20);
  now += 1s;
  const auto out = feed(Reconfigure{next, {}});
  // eth1: a goodbye, then Hellos at the new interval; its neighbour is gone.
  std::vector<Hello> eth1_hellos;
  for (const auto& a : out) {
    const auto* s = std::get_if<Send>(&a);
    if (!s) continue;
    EXPECT_EQ(s->interface, kEth1);
    eth1_hellos.push_back(std::get<Hello>(std::get<Packet>(decode(s->bytes)).body));
  }
  ASSERT_EQ(eth1_hellos.size(), 2u);
  EXPECT_TRUE(eth1_hellos[0].neighbors.empty());
  EXPECT_EQ(eth1_hellos[0].hello_interval, 10);
  EXPECT_EQ(eth1_hellos[1].hello_interval, 5);
  EXPECT_EQ(neighbor(kPeer), nullptr);
  EXPECT_EQ(timers.at(TimerId::of(TimerKind::hello, kEth1)), now + 5s);
  // eth2 is untouched.
  EXPECT_EQ(instance->area().interfaces[1].neighbors.at(kOther).state, NeighborState::ex_start);
}

TEST_F(OspfInstanceTest, ReloadAddsAndRemovesInterfaces) {
  make();
  start();
  advance(t0 + 10s);
  auto next = config;
  next.interfaces[0].name = "eth3";
  constexpr InterfaceId kEth3 = 4;
  const auto out = feed(Reconfigure{next, {{"eth3", kEth3, 0xc6120402u, 24, 1500}}});
  ASSERT_EQ(instance->area().interfaces.size(), 1u);
  EXPECT_EQ(iface().info.name, "eth3");
  EXPECT_EQ(iface().state, InterfaceState::point_to_point);
  // eth1 said goodbye and stopped; eth3 says hello.
  std::map<InterfaceId, int> hellos;
  for (const auto& a : out) {
    if (const auto* s = std::get_if<Send>(&a)) ++hellos[s->interface];
  }
  EXPECT_EQ(hellos, (std::map<InterfaceId, int>{{kEth1, 1}, {kEth3, 1}}));
  EXPECT_FALSE(timers.at(TimerId::of(TimerKind::hello, kEth1)));
  EXPECT_TRUE(timers.at(TimerId::of(TimerKind::hello, kEth3)));
  // The router-LSA describes eth3's subnet, not eth1's.
  EXPECT_EQ(our_router_lsa()->links.at(0).id, 0xc6120400u);
}

// ---- issue 13: one LSA per prefix; a withdrawal never waits ----

TEST_F(OspfInstanceTest, ExternalWithdrawalOneSecondAfterAnAdjacencyChangeGoesOutAtOnce) {
  announce_as = config::OspfAnnounceAs::external;
  make();
  feed(RouteChanged{kDns, core::RouteAction::announce});
  bring_up_full();  // the adjacency reached Full at t0: a new router-LSA is due
  const LsaKey dns{5, kDnsId, kUs};
  const auto* lsa = lsdb().find(dns);
  ASSERT_NE(lsa, nullptr);
  const auto external = std::get<ExternalLsa>(std::get<Lsa>(decode_lsa(lsa->bytes)).body);
  EXPECT_EQ(external.mask, 0xffffffffu);
  EXPECT_FALSE(external.metrics.at(0).type2);  // type 1: routers add their distance to us
  EXPECT_EQ(external.metrics.at(0).metric, 1u);
  EXPECT_EQ(external.metrics.at(0).forwarding_address, 0u);
  EXPECT_EQ(our_router_lsa()->flags, kRouterFlagE);
  EXPECT_EQ(our_router_lsa()->links.size(), 1u);  // the p2p subnet; no stub link for the prefix
  const auto router_seq = sequence();
  now = t0 + 1s;
  auto out = feed(RouteChanged{kDns, core::RouteAction::withdraw});
  EXPECT_TRUE(flushed(out, dns));
  EXPECT_EQ(sequence(), router_seq);  // the router-LSA is not what carries it
  // Its own Full change still waits for MinLSInterval.
  EXPECT_FALSE(originated(out, instance->area().own_router_lsa()));
}

TEST_F(OspfInstanceTest, ExternalTwoWithdrawalsOneSecondApartEachGoOutAtOnce) {
  announce_as = config::OspfAnnounceAs::external;
  make();
  feed(RouteChanged{kDns, core::RouteAction::announce});
  feed(RouteChanged{kNtp, core::RouteAction::announce});
  full_and_quiet();
  auto out = feed(RouteChanged{kDns, core::RouteAction::withdraw});
  EXPECT_TRUE(flushed(out, {5, kDnsId, kUs}));
  EXPECT_FALSE(flushed(out, {5, kNtpId, kUs}));
  now += 1s;
  out = feed(RouteChanged{kNtp, core::RouteAction::withdraw});
  EXPECT_TRUE(flushed(out, {5, kNtpId, kUs}));
}

TEST_F(OspfInstanceTest, ExternalFlapInsideMinLsIntervalWithdrawsAtOnceAndHoldsTheReannouncement) {
  announce_as = config::OspfAnnounceAs::external;
  make();
  full_and_quiet();
  const LsaKey dns{5, kDnsId, kUs};
  const TimePoint up = now;
  auto out = feed(RouteChanged{kDns, core::RouteAction::announce});
  ASSERT_TRUE(originated(out, dns));
  const auto first = lsdb().find(dns)->header.sequence;
  // Down 500 ms later: flushed at once. The peer installed the instance
  // 500 ms ago and may discard the flush (MinLSArrival), so it goes again
  // as soon as the peer takes it, not after RxmtInterval.
  now = up + 500ms;
  out = feed(RouteChanged{kDns, core::RouteAction::withdraw});
  EXPECT_TRUE(flushed(out, dns));
  out = advance(up + kMinLsArrival + kMinLsArrivalSlack - 1ms);
  EXPECT_TRUE(flooded(out).empty());
  out = advance(up + kMinLsArrival + kMinLsArrivalSlack);
  EXPECT_TRUE(flushed(out, dns));
  // Back up at 1.5 s: a new instance, held until MinLSInterval after the first.
  now = up + 1500ms;
  out = feed(RouteChanged{kDns, core::RouteAction::announce});
  EXPECT_FALSE(originated(out, dns));
  EXPECT_EQ(instance->origination().announcements(instance->area()).at(0).sequence, std::nullopt);
  // Down again while held: nothing new to flush, nothing goes out later.
  now = up + 2s;
  out = feed(RouteChanged{kDns, core::RouteAction::withdraw});
  EXPECT_FALSE(originated(out, dns));
  from(kPeer, LinkStateAck{{lsdb().find(dns)->header}});
  // Up again at 3 s: out at MinLSInterval, with the next sequence number.
  now = up + 3s;
  feed(RouteChanged{kDns, core::RouteAction::announce});
  out = advance(up + kMinLsInterval - 1ms);
  EXPECT_FALSE(originated(out, dns));
  out = advance(up + kMinLsInterval);
  EXPECT_TRUE(originated(out, dns));
  EXPECT_EQ(lsdb().find(dns)->header.sequence, first + 1);
  // And a withdrawal right after that goes out at once again.
  now += 200ms;
  out = feed(RouteChanged{kDns, core::RouteAction::withdraw});
  EXPECT_TRUE(flushed(out, dns));
}

TEST_F(OspfInstanceTest, ExternalReannouncementRightAfterAnAcknowledgedFlushIsResentSoon) {
  announce_as = config::OspfAnnounceAs::external;
  make();
  full_and_quiet();
  const LsaKey dns{5, kDnsId, kUs};
  feed(RouteChanged{kDns, core::RouteAction::announce});
  from(kPeer, LinkStateAck{{lsdb().find(dns)->header}});
  now += 10s;
  const TimePoint down = now;
  auto out = feed(RouteChanged{kDns, core::RouteAction::withdraw});
  ASSERT_TRUE(flushed(out, dns));
  from(kPeer, LinkStateAck{{lsdb().find(dns)->header}});
  advance(now + 700ms);  // the aging pass removes the acknowledged flush
  ASSERT_EQ(lsdb().find(dns), nullptr);
  // Back 800 ms after the flush: out at once (the last origination is 10 s
  // old), and again once the peer's MinLSArrival since the flush has passed.
  now = down + 800ms;
  out = feed(RouteChanged{kDns, core::RouteAction::announce});
  EXPECT_TRUE(originated(out, dns));
  out = advance(down + kMinLsArrival + kMinLsArrivalSlack - 1ms);
  EXPECT_FALSE(originated(out, dns));
  out = advance(down + kMinLsArrival + kMinLsArrivalSlack);
  EXPECT_TRUE(originated(out, dns));
}

TEST_F(OspfInstanceTest, ExternalStopFlushesEveryLsaOfOursAtOnce) {
  announce_as = config::OspfAnnounceAs::external;
  make();
  feed(RouteChanged{kDns, core::RouteAction::announce});
  full_and_quiet();
  auto out = feed(Stop{now + 1s, now + 1500ms});
  EXPECT_TRUE(flushed(out, {5, kDnsId, kUs}));
  EXPECT_TRUE(flushed(out, instance->area().own_router_lsa()));
  EXPECT_FALSE(has<Stopped>(out));
  // Stopped once both are acknowledged.
  out = from(kPeer, LinkStateAck{{lsdb().find({5, kDnsId, kUs})->header}});
  EXPECT_FALSE(has<Stopped>(out));
  out = from(kPeer, LinkStateAck{{lsdb().find(instance->area().own_router_lsa())->header}});
  EXPECT_TRUE(has<Stopped>(out));
}

TEST_F(OspfInstanceTest, ExternalDegradeAndRefreshAreNewInstances) {
  announce_as = config::OspfAnnounceAs::external;
  make();
  feed(RouteChanged{kDns, core::RouteAction::announce});
  start();
  const LsaKey dns{5, kDnsId, kUs};
  const auto seq = lsdb().find(dns)->header.sequence;
  now = t0 + 10s;
  feed(RouteChanged{kDns, core::RouteAction::degrade});
  const auto body = std::get<ExternalLsa>(std::get<Lsa>(decode_lsa(lsdb().find(dns)->bytes)).body);
  EXPECT_EQ(body.metrics.at(0).metric, 1000u);
  EXPECT_EQ(lsdb().find(dns)->header.sequence, seq + 1);
  // §12.4: a new instance at LSRefreshTime, though nothing changed.
  advance(now + kLsRefresh);
  EXPECT_EQ(lsdb().find(dns)->header.sequence, seq + 2);
}

TEST_F(OspfInstanceTest, ExternalOfOursFromAPreviousRunIsOvertakenOrFlushed) {
  announce_as = config::OspfAnnounceAs::external;
  make();
  feed(RouteChanged{kDns, core::RouteAction::announce});
  bring_up_full();
  now += 6s;
  // Our kDns LSA with a higher sequence number (§13.4): we go past it at once.
  Lsa stale{{0, kOptionE, 5, kDnsId, kUs, kInitialSequenceNumber + 40, 0, 0},
            ExternalLsa{0xffffffffu, {{false, 0, 7, 0, 0}}}};
  auto out = from(kPeer, LinkStateUpdate{{encode_lsa(stale)}});
  EXPECT_TRUE(originated(out, {5, kDnsId, kUs}));
  EXPECT_EQ(lsdb().find({5, kDnsId, kUs})->header.sequence, kInitialSequenceNumber + 41);
  // One for a prefix we no longer announce is flushed.
  Lsa gone{{0, kOptionE, 5, kNtpId, kUs, kInitialSequenceNumber + 3, 0, 0},
           ExternalLsa{0xffffffffu, {{false, 0, 1, 0, 0}}}};
  out = from(kPeer, LinkStateUpdate{{encode_lsa(gone)}});
  EXPECT_TRUE(flushed(out, {5, kNtpId, kUs}));
}

// ---- area types ----

TEST_F(OspfInstanceTest, StubAreaHellosClearTheEBitRefuseOthersAndCarryPrefixesAsStubLinks) {
  area_type = config::OspfAreaType::stub;
  make();
  auto out = at(t0, Start{});
  auto hellos = sent(out, PacketType::hello);
  ASSERT_EQ(hellos.size(), 1u);
  EXPECT_EQ(std::get<Hello>(hellos[0].body).options, 0);
  // A normal area's Hello (E set) is refused and counted; a stub one is taken.
  auto h = hello(true);
  h.options = kOptionE;
  from(kPeer, h);
  EXPECT_EQ(neighbor(kPeer), nullptr);
  EXPECT_EQ(instance->counters().dropped.at("options_mismatch"), 1u);
  EXPECT_EQ(iface().counters.packets.dropped.at("options_mismatch"), 1u);
  h.options = 0;
  from(kPeer, h);
  ASSERT_NE(neighbor(kPeer), nullptr);
  EXPECT_EQ(instance->counters().received,
            instance->counters().accepted + instance->counters().dropped_total());
  // Nothing external: the prefix is a stub link of the router-LSA.
  now = t0 + 10s;
  feed(RouteChanged{kDns, core::RouteAction::announce});
  EXPECT_EQ(lsdb().counts().count(5), 0u);
  EXPECT_EQ(our_router_lsa()->links.back().id, kDnsId);
  EXPECT_EQ(our_router_lsa()->flags, 0);
  EXPECT_EQ(lsdb().find(instance->area().own_router_lsa())->header.options, 0);
  // §13 (3): an AS-external-LSA has no place in a stub area.
  EXPECT_EQ(instance->area().carries(5), false);
}

TEST_F(OspfInstanceTest, NssaHellosSetTheNBitAndPrefixesAreType7WithThePBit) {
  area_type = config::OspfAreaType::nssa;
  announce_as = config::OspfAnnounceAs::external;
  make();
  feed(RouteChanged{kDns, core::RouteAction::announce});
  auto out = at(t0, Start{});
  auto hellos = sent(out, PacketType::hello);
  ASSERT_EQ(hellos.size(), 1u);
  EXPECT_EQ(std::get<Hello>(hellos[0].body).options, kOptionNP);
  const auto* lsa = lsdb().find({7, kDnsId, kUs});
  ASSERT_NE(lsa, nullptr);
  EXPECT_EQ(lsa->header.options, kOptionNP);
  const auto body = std::get<ExternalLsa>(std::get<Lsa>(decode_lsa(lsa->bytes)).body);
  EXPECT_EQ(body.metrics.at(0).forwarding_address, kUs);  // to be translated, RFC 3101
  EXPECT_EQ(lsdb().find({5, kDnsId, kUs}), nullptr);
  // A Hello without the N bit (a normal or stub area) is refused and counted.
  auto h = hello(true);
  from(kPeer, h);
  h.options = 0;
  from(kPeer, h);
  EXPECT_EQ(neighbor(kPeer), nullptr);
  EXPECT_EQ(instance->counters().dropped.at("options_mismatch"), 2u);
  h.options = kOptionNP;
  out = from(kPeer, h);
  EXPECT_NE(neighbor(kPeer), nullptr);
  // The DD carries the area's options too.
  const auto dds = sent(out, PacketType::db_description);
  ASSERT_EQ(dds.size(), 1u);
  EXPECT_EQ(std::get<DatabaseDescription>(dds[0].body).options, kOptionNP);
}

TEST_F(OspfInstanceTest, NormalAreaRefusesStubAndNssaHellos) {
  make();
  start();
  auto h = hello(true);
  h.options = 0;
  from(kPeer, h);
  h.options = kOptionNP;
  from(kPeer, h);
  EXPECT_EQ(neighbor(kPeer), nullptr);
  EXPECT_EQ(iface().counters.packets.dropped.at("options_mismatch"), 2u);
}

TEST_F(OspfInstanceTest, AnExternalLsaInAStubAreaIsDroppedAndCounted) {
  area_type = config::OspfAreaType::stub;
  make();
  start();
  auto h = hello(true);
  h.options = 0;
  from(kPeer, h);
  DatabaseDescription init;
  init.options = 0;
  init.flags = kDdInit | kDdMore | kDdMaster;
  init.sequence = 7000;
  from(kPeer, init);
  DatabaseDescription last;
  last.options = 0;
  last.flags = kDdMaster;
  last.sequence = 7001;
  from(kPeer, last);
  ASSERT_EQ(neighbor(kPeer)->state, NeighborState::full);
  Lsa ext{{0, kOptionE, 5, 0xc6130000u, kPeer, kInitialSequenceNumber, 0, 0},
          ExternalLsa{0xffffff00u, {{true, 0, 20, 0, 0}}}};
  from(kPeer, LinkStateUpdate{{encode_lsa(ext)}});
  EXPECT_EQ(lsdb().find({5, 0xc6130000u, kPeer}), nullptr);
  EXPECT_EQ(instance->area().lsa_dropped.at("wrong_area_type"), 1u);
}

TEST_F(OspfInstanceTest, RetransmitIntervalAndTransmitDelayComeFromTheInterface) {
  make();
  config.interfaces[0].retransmit_interval = 2s;
  config.interfaces[0].transmit_delay = 3s;
  InterfaceInfo info{"eth1", kEth1, kUs, 24, 1500};
  instance.emplace(config, kUs, std::vector<InterfaceInfo>{info}, AreaOptions{1, 5000});
  bring_up_full();
  advance(t0 + 30s);
  from(kPeer, hello(true));
  from(kPeer, LinkStateAck{{lsdb().find(instance->area().own_router_lsa())->header}});
  feed(RouteChanged{kDns, core::RouteAction::announce});
  EXPECT_TRUE(flooded(advance(now + 2s - 1ms)).empty());
  auto out = advance(now + 1ms);
  const auto again = flooded(out);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].age, 2u + 3u);  // 2 s in the database, plus InfTransDelay
}

}  // namespace
}  // namespace anycastd::ospf
