// SPDX-License-Identifier: Apache-2.0
#include "rip/speaker.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>

namespace anycastd::rip {
namespace {

using namespace std::chrono_literals;

IpAddress ip(std::string_view text) {
  return *IpAddress::parse(text);
}
Prefix pfx(std::string_view text) {
  return *Prefix::parse(text);
}

const TimePoint t0 = TimePoint{} + 1000s;

std::vector<Send> sends(const std::vector<Action>& actions) {
  std::vector<Send> out;
  for (const auto& a : actions) {
    if (const auto* s = std::get_if<Send>(&a)) out.push_back(*s);
  }
  return out;
}

std::vector<ArmTimer> arms(const std::vector<Action>& actions) {
  std::vector<ArmTimer> out;
  for (const auto& a : actions) {
    if (const auto* t = std::get_if<ArmTimer>(&a)) out.push_back(*t);
  }
  return out;
}

bool has_stopped(const std::vector<Action>& actions) {
  for (const auto& a : actions) {
    if (std::holds_alternative<Stopped>(a)) return true;
  }
  return false;
}

Packet packet_of(const Send& send) {
  auto result = decode(send.bytes);
  EXPECT_TRUE(std::holds_alternative<Packet>(result));
  return std::holds_alternative<Packet>(result) ? std::get<Packet>(result) : Packet{};
}

// prefix -> metric over every packet sent to `to`.
std::map<Prefix, std::uint32_t> routes_to(const std::vector<Send>& sent, const Destination& to) {
  std::map<Prefix, std::uint32_t> out;
  for (const auto& s : sent) {
    if (!(s.to == to)) continue;
    const Packet p = packet_of(s);
    EXPECT_EQ(p.command, Command::response);
    for (const auto& e : p.entries) {
      EXPECT_EQ(e.route_tag, 0);
      EXPECT_EQ(e.next_hop, ip("0.0.0.0"));
      out[e.prefix()] = e.metric;
    }
  }
  return out;
}

const Destination kMulticast = Multicast{3};
const Prefix kDns = pfx("198.19.224.2/32");
const Prefix kNtp = pfx("198.19.224.3/32");

class RipSpeakerTest : public ::testing::Test {
 protected:
  RipSpeakerTest() {
    config.interfaces = {"eth1"};
    config.metric = 1;
    config.degraded_metric = 8;
    config.update_interval = 30s;
  }

  void make(SpeakerOptions options = {}) {
    speaker = std::make_unique<Speaker>(
        config, std::vector<InterfaceInfo>{{"eth1", 3, ip("198.18.5.2"), 24}}, options);
  }

  std::vector<Action> run(const Event& e, TimePoint now = t0) { return speaker->handle(e, now); }

  std::vector<Action> announce(const Prefix& p, TimePoint now = t0,
                               core::RouteAction action = core::RouteAction::announce) {
    return run(RouteChanged{p, action}, now);
  }

  // Starts with `prefixes` announced, returning the start-up actions.
  std::vector<Action> start_with(std::initializer_list<Prefix> prefixes) {
    make();
    for (const auto& p : prefixes)
      EXPECT_TRUE(announce(p).empty());
    return run(Start{});
  }

  std::vector<Action> receive(const Packet& p, std::string_view from = "198.18.5.1",
                              std::uint16_t port = kPort, std::string_view key = {},
                              TimePoint now = t0) {
    return run(PacketReceived{3, ip(from), port, encode(p, key)}, now);
  }

  std::uint64_t dropped(const std::string& reason) const {
    const auto& d = speaker->interface_counters()[0].packets.dropped;
    const auto it = d.find(reason);
    return it == d.end() ? 0 : it->second;
  }

  config::RipConfig config;
  std::unique_ptr<Speaker> speaker;
};

Packet response(std::vector<RouteEntry> entries) {
  Packet p;
  p.entries = std::move(entries);
  return p;
}

RouteEntry rte(const Prefix& p, std::uint32_t metric) {
  RouteEntry e;
  e.address = p.address;
  e.mask_length = p.length;
  e.next_hop = ip("0.0.0.0");
  e.metric = metric;
  return e;
}

TEST_F(RipSpeakerTest, StartSendsFullUpdateAndArmsPeriodicTimer) {
  const auto actions = start_with({kDns, kNtp});
  const auto sent = sends(actions);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(routes_to(sent, kMulticast), (std::map<Prefix, std::uint32_t>{{kDns, 1}, {kNtp, 1}}));
  const auto timers = arms(actions);
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].timer, TimerId::update);
  EXPECT_GE(timers[0].at, t0 + 25s);
  EXPECT_LE(timers[0].at, t0 + 35s);
  EXPECT_EQ(speaker->interface_counters()[0].sent, 1u);
  EXPECT_EQ(speaker->interface_counters()[0].last_update, t0);
}

TEST_F(RipSpeakerTest, PeriodicUpdateJitterStaysWithinBounds) {
  std::set<TimePoint::rep> seen;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    make({.seed = seed});
    announce(kDns);
    run(Start{});
    TimePoint now = t0;
    for (int i = 0; i < 10; ++i) {
      now += 31s;
      const auto actions = run(TimerExpired{TimerId::update}, now);
      EXPECT_EQ(routes_to(sends(actions), kMulticast),
                (std::map<Prefix, std::uint32_t>{{kDns, 1}}));
      const auto timers = arms(actions);
      ASSERT_EQ(timers.size(), 1u);
      EXPECT_GE(timers[0].at, now + 25s);
      EXPECT_LE(timers[0].at, now + 35s);
      seen.insert((timers[0].at - now).count());
    }
  }
  EXPECT_GT(seen.size(), 100u) << "the offset should be random";
}

TEST_F(RipSpeakerTest, SameSeedGivesSameSchedule) {
  make({.seed = 42});
  const auto a = arms(run(Start{}));
  make({.seed = 42});
  const auto b = arms(run(Start{}));
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].at, b[0].at);
}

TEST_F(RipSpeakerTest, NothingToAnnounceSendsNothing) {
  const auto actions = start_with({});
  EXPECT_TRUE(sends(actions).empty());
  EXPECT_EQ(arms(actions).size(), 1u);
}

TEST_F(RipSpeakerTest, AnnounceTriggersImmediateUpdateWithOnlyTheChange) {
  start_with({kNtp});
  const auto actions = announce(kDns, t0 + 10s);
  EXPECT_EQ(routes_to(sends(actions), kMulticast), (std::map<Prefix, std::uint32_t>{{kDns, 1}}));
  EXPECT_TRUE(arms(actions).empty());
  // The same state again is not a change.
  EXPECT_TRUE(sends(announce(kDns, t0 + 20s)).empty());
}

TEST_F(RipSpeakerTest, BurstOfChangesIsHeldOneToFiveSeconds) {
  start_with({});
  const TimePoint t = t0 + 10s;
  EXPECT_EQ(sends(announce(kDns, t)).size(), 1u);
  const auto second = announce(kNtp, t + 100ms);
  EXPECT_TRUE(sends(second).empty());
  const auto timers = arms(second);
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].timer, TimerId::triggered_update);
  EXPECT_GE(timers[0].at, t + 1s);
  EXPECT_LE(timers[0].at, t + 5s);
  // A third change within the hold neither sends nor re-arms.
  const auto third = announce(kDns, t + 200ms, core::RouteAction::degrade);
  EXPECT_TRUE(sends(third).empty());
  EXPECT_TRUE(arms(third).empty());
  const auto fired = run(TimerExpired{TimerId::triggered_update}, timers[0].at);
  EXPECT_EQ(routes_to(sends(fired), kMulticast),
            (std::map<Prefix, std::uint32_t>{{kDns, 8}, {kNtp, 1}}));
  // Long after the hold, the next change goes out at once again.
  EXPECT_EQ(sends(announce(kDns, t + 60s)).size(), 1u);
}

TEST_F(RipSpeakerTest, WithdrawDoesNotWaitForTheHold) {
  start_with({kNtp});
  const TimePoint t = t0 + 10s;
  EXPECT_EQ(sends(announce(kDns, t)).size(), 1u);
  // Within the hold after that triggered update, a withdrawal still goes
  // out at once (spec §4), poisoned.
  const auto withdrawn = announce(kNtp, t + 100ms, core::RouteAction::withdraw);
  EXPECT_EQ(routes_to(sends(withdrawn), kMulticast), (std::map<Prefix, std::uint32_t>{{kNtp, 16}}));
}

TEST_F(RipSpeakerTest, WithdrawIsPoisonedThenForgotten) {
  start_with({kDns, kNtp});
  const auto actions = announce(kDns, t0 + 5s, core::RouteAction::withdraw);
  EXPECT_EQ(routes_to(sends(actions), kMulticast), (std::map<Prefix, std::uint32_t>{{kDns, 16}}));
  TimePoint now = t0 + 30s;
  for (int i = 0; i < 4; ++i, now += 30s) {
    const auto periodic = run(TimerExpired{TimerId::update}, now);
    EXPECT_EQ(routes_to(sends(periodic), kMulticast),
              (std::map<Prefix, std::uint32_t>{{kDns, 16}, {kNtp, 1}}))
        << "periodic update " << i;
  }
  const auto later = run(TimerExpired{TimerId::update}, now);
  EXPECT_EQ(routes_to(sends(later), kMulticast), (std::map<Prefix, std::uint32_t>{{kNtp, 1}}));
  // Withdrawing what is not announced says nothing.
  EXPECT_TRUE(sends(announce(kDns, now + 10s, core::RouteAction::withdraw)).empty());
}

TEST_F(RipSpeakerTest, ReannounceWhilePoisonedStopsPoisoning) {
  start_with({kDns});
  announce(kDns, t0 + 10s, core::RouteAction::withdraw);
  const auto back = announce(kDns, t0 + 20s);
  EXPECT_EQ(routes_to(sends(back), kMulticast), (std::map<Prefix, std::uint32_t>{{kDns, 1}}));
  EXPECT_EQ(speaker->advertised(), (std::map<Prefix, std::uint32_t>{{kDns, 1}}));
}

TEST_F(RipSpeakerTest, DegradeUsesDegradedMetric) {
  start_with({kDns});
  const auto degraded = announce(kDns, t0 + 10s, core::RouteAction::degrade);
  EXPECT_EQ(routes_to(sends(degraded), kMulticast), (std::map<Prefix, std::uint32_t>{{kDns, 8}}));
  const auto periodic = run(TimerExpired{TimerId::update}, t0 + 30s);
  EXPECT_EQ(routes_to(sends(periodic), kMulticast), (std::map<Prefix, std::uint32_t>{{kDns, 8}}));
  const auto healthy = announce(kDns, t0 + 40s);
  EXPECT_EQ(routes_to(sends(healthy), kMulticast), (std::map<Prefix, std::uint32_t>{{kDns, 1}}));
}

TEST_F(RipSpeakerTest, Ipv6PrefixesAreNotCarried) {
  start_with({});
  EXPECT_TRUE(sends(announce(pfx("2001:db8::1/128"), t0 + 1s)).empty());
}

TEST_F(RipSpeakerTest, UpdatesAlsoGoToConfiguredNeighbors) {
  config.neighbors = {ip("198.18.5.1")};
  const auto sent = sends(start_with({kDns}));
  ASSERT_EQ(sent.size(), 2u);
  const Destination unicast = Unicast{3, ip("198.18.5.1"), kPort};
  EXPECT_EQ(routes_to(sent, kMulticast), (std::map<Prefix, std::uint32_t>{{kDns, 1}}));
  EXPECT_EQ(routes_to(sent, unicast), (std::map<Prefix, std::uint32_t>{{kDns, 1}}));
}

TEST_F(RipSpeakerTest, AnswersWholeTableRequestToRequesterPort) {
  start_with({kDns, kNtp});
  for (std::uint16_t port : {kPort, std::uint16_t{40000}}) {
    const auto sent = sends(receive(whole_table_request(), "198.18.5.1", port));
    const Destination back = Unicast{3, ip("198.18.5.1"), port};
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(routes_to(sent, back), (std::map<Prefix, std::uint32_t>{{kDns, 1}, {kNtp, 1}}));
  }
  EXPECT_EQ(speaker->interface_counters()[0].packets.accepted, 2u);
}

TEST_F(RipSpeakerTest, AnswersSpecificRequest) {
  start_with({kDns});
  announce(kNtp, t0 + 1s, core::RouteAction::degrade);
  Packet request;
  request.command = Command::request;
  request.entries = {rte(kDns, 0), rte(kNtp, 0), rte(pfx("198.19.224.9/32"), 0)};
  const auto sent = sends(receive(request, "198.18.5.7", 33000));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, (Destination{Unicast{3, ip("198.18.5.7"), 33000}}));
  const Packet answer = packet_of(sent[0]);
  EXPECT_EQ(answer.command, Command::response);
  ASSERT_EQ(answer.entries.size(), 3u);
  EXPECT_EQ(answer.entries[0].metric, 1u);
  EXPECT_EQ(answer.entries[1].metric, 8u);
  EXPECT_EQ(answer.entries[2].metric, 16u);
}

TEST_F(RipSpeakerTest, ResponsesAreCountedPerNeighborNeverInstalled) {
  start_with({kDns});
  const auto actions = receive(response({rte(pfx("198.18.1.0/24"), 1), rte(pfx("0.0.0.0/0"), 2)}),
                               "198.18.5.1", kPort, {}, t0 + 3s);
  EXPECT_TRUE(sends(actions).empty());
  ASSERT_EQ(speaker->neighbors().count(ip("198.18.5.1")), 1u);
  const auto& n = speaker->neighbors().at(ip("198.18.5.1"));
  EXPECT_EQ(n.packets, 1u);
  EXPECT_EQ(n.routes, 2u);
  EXPECT_EQ(n.last_heard, t0 + 3s);
  EXPECT_EQ(speaker->interface_counters()[0].packets.accepted, 1u);
  EXPECT_EQ(speaker->advertised(), (std::map<Prefix, std::uint32_t>{{kDns, 1}}));
}

// RFC 5882 §4.3: BFD says the router is gone; it is marked and logged, our
// updates go on, and its next packet clears the mark.
TEST_F(RipSpeakerTest, BfdDownMarksTheRouterGoneUntilHeardAgain) {
  start_with({kDns});
  const Packet heard = response({rte(pfx("198.18.1.0/24"), 1)});
  receive(heard, "198.18.5.1", kPort, {}, t0 + 1s);
  auto actions = run(NeighborDown{ip("198.18.5.1")}, t0 + 2s);
  EXPECT_TRUE(sends(actions).empty());
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_NE(std::get<Log>(actions[0]).text.find("198.18.5.1 is gone"), std::string::npos);
  EXPECT_EQ(speaker->neighbors().at(ip("198.18.5.1")).gone_since, t0 + 2s);
  EXPECT_TRUE(run(NeighborDown{ip("198.18.5.1")}, t0 + 3s).empty());  // logged once
  EXPECT_FALSE(sends(run(TimerExpired{TimerId::update}, t0 + 30s)).empty());
  receive(heard, "198.18.5.1", kPort, {}, t0 + 31s);
  EXPECT_FALSE(speaker->neighbors().at(ip("198.18.5.1")).gone_since);
}

// RFC 2453 §3.9.2: a router keeps only its best route. When the origin it
// preferred goes, it advertises our prefix with metric 16 and has no route
// until our next periodic update, unless we answer at once.
TEST_F(RipSpeakerTest, RouterThatLosesItsRouteToOurPrefixHearsOursAtOnce) {
  config.metric = 3;
  start_with({kDns, kNtp});
  announce(kNtp, t0 + 1s, core::RouteAction::withdraw);  // poisoned, no longer ours
  const auto other = pfx("198.18.1.0/24");
  // The router reaches kDns through the other origin (metric 2); it
  // poison-reverses kNtp (16 from the start): nothing to answer.
  auto actions = receive(response({rte(kDns, 2), rte(kNtp, 16), rte(other, 1)}), "198.18.5.1",
                         kPort, {}, t0 + 10s);
  EXPECT_TRUE(sends(actions).empty());
  EXPECT_EQ(speaker->neighbors().at(ip("198.18.5.1")).reaches, std::set<Prefix>{kDns});
  // That origin is gone: metric 16 for kDns, and for prefixes not ours.
  actions = receive(response({rte(kDns, 16), rte(kNtp, 16), rte(other, 16)}), "198.18.5.1", kPort,
                    {}, t0 + 11s);
  EXPECT_EQ(routes_to(sends(actions), kMulticast), (std::map<Prefix, std::uint32_t>{{kDns, 3}}));
  EXPECT_TRUE(std::any_of(actions.begin(), actions.end(), [](const Action& a) {
    const auto* log = std::get_if<Log>(&a);
    return log && log->text.find("198.18.5.1 lost its route") != std::string::npos;
  }));
  // Still 16: already answered. Another router that never reached it: nothing.
  EXPECT_TRUE(sends(receive(response({rte(kDns, 16)}), "198.18.5.1", kPort, {}, t0 + 20s)).empty());
  EXPECT_TRUE(sends(receive(response({rte(kDns, 16)}), "198.18.5.9", kPort, {}, t0 + 20s)).empty());
  // Reached again, and lost again within the hold after our answer: the
  // answer waits for the hold's end.
  receive(response({rte(kDns, 2)}), "198.18.5.1", kPort, {}, t0 + 11500ms);
  actions = receive(response({rte(kDns, 16)}), "198.18.5.1", kPort, {}, t0 + 11600ms);
  EXPECT_TRUE(sends(actions).empty());
  const auto timers = arms(actions);
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].timer, TimerId::triggered_update);
  EXPECT_GE(timers[0].at, t0 + 12s);
  const auto fired = run(TimerExpired{TimerId::triggered_update}, timers[0].at);
  EXPECT_EQ(routes_to(sends(fired), kMulticast), (std::map<Prefix, std::uint32_t>{{kDns, 3}}));
}

TEST_F(RipSpeakerTest, DropsAndCountsBadPackets) {
  start_with({kDns});
  const Packet good = response({rte(pfx("198.18.1.0/24"), 1)});
  // RFC 2453 §3.9.2: not from a directly connected network.
  receive(good, "203.0.113.1");
  EXPECT_EQ(dropped("not_on_link"), 1u);
  // RFC 2453 §3.9.2: responses come from port 520.
  receive(good, "198.18.5.1", 1234);
  EXPECT_EQ(dropped("bad_source_port"), 1u);
  // We speak RIPv2 only.
  Packet v1 = good;
  v1.version = 1;
  v1.entries[0].mask_length = 0;
  receive(v1);
  EXPECT_EQ(dropped("bad_version"), 1u);
  auto bytes = encode(good);
  bytes.push_back(0);
  run(PacketReceived{3, ip("198.18.5.1"), kPort, bytes});
  EXPECT_EQ(dropped("bad_length"), 1u);
  bytes = encode(good);
  bytes[23] = 17;
  run(PacketReceived{3, ip("198.18.5.1"), kPort, bytes});
  EXPECT_EQ(dropped("bad_metric"), 1u);
  // Authentication we did not ask for.
  Packet authenticated = good;
  authenticated.auth = text_auth("x");
  const auto actions = receive(authenticated);
  EXPECT_EQ(dropped("auth_unexpected"), 1u);
  ASSERT_FALSE(actions.empty());
  const auto* log = std::get_if<Log>(&actions[0]);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->level, config::LogLevel::warn);
  EXPECT_FALSE(log->rate_key.empty());
  // Our own packet is ignored quietly.
  EXPECT_TRUE(receive(good, "198.18.5.2").empty());
  EXPECT_EQ(dropped("own_packet"), 1u);
  EXPECT_EQ(speaker->interface_counters()[0].packets.accepted, 0u);
  EXPECT_TRUE(speaker->neighbors().empty());
  // Every packet is accepted or dropped for one reason.
  const auto& c = speaker->interface_counters()[0].packets;
  EXPECT_EQ(c.received, 7u);
  EXPECT_EQ(c.received, c.accepted + c.dropped_total());
}

TEST_F(RipSpeakerTest, EveryPacketIsAcceptedOrDroppedOnce) {
  start_with({kDns});
  const Packet good = response({rte(pfx("198.18.1.0/24"), 1)});
  receive(good);
  receive(whole_table_request());
  receive(good, "203.0.113.1");
  auto bytes = encode(good);
  bytes.resize(10);
  run(PacketReceived{3, ip("198.18.5.1"), kPort, bytes});
  // A packet on an interface that is not ours is not counted on any.
  run(PacketReceived{99, ip("198.18.5.1"), kPort, encode(good)});
  const auto& c = speaker->interface_counters()[0];
  EXPECT_EQ(c.packets.received, 4u);
  EXPECT_EQ(c.packets.accepted, 2u);
  EXPECT_EQ(c.packets.dropped_total(), 2u);
  EXPECT_EQ(c.updates_received, 1u);
}

TEST(RipReloadPlan, EverythingAppliesInPlace) {
  config::RipConfig old;
  old.interfaces = {"eth1", "eth2"};
  auto next = old;
  EXPECT_EQ(plan_reload(old, next).interfaces_added.size(), 0u);
  next.interfaces = {"eth2", "eth3"};
  next.metric = 2;
  next.update_interval = std::chrono::seconds(10);
  next.neighbors = {ip("198.18.5.9")};
  next.authentication = {config::AuthMode::text, 0, "pw"};
  const auto plan = plan_reload(old, next);
  EXPECT_EQ(plan.interfaces_added, std::vector<std::string>{"eth3"});
  EXPECT_EQ(plan.interfaces_removed, std::vector<std::string>{"eth1"});
  EXPECT_TRUE(plan.metrics_changed);
  EXPECT_TRUE(plan.update_interval_changed);
  EXPECT_TRUE(plan.neighbors_changed);
  EXPECT_TRUE(plan.authentication_changed);
  auto degraded = old;
  degraded.degraded_metric = 12;
  EXPECT_TRUE(plan_reload(old, degraded).metrics_changed);
  EXPECT_FALSE(plan_reload(old, degraded).update_interval_changed);
}

TEST_F(RipSpeakerTest, ReloadWithNewMetricsSendsATriggeredUpdate) {
  start_with({kDns, kNtp});
  announce(kNtp, t0, core::RouteAction::degrade);
  auto next = config;
  next.metric = 3;
  const auto actions = run(Reconfigure{next, {{"eth1", 3, ip("198.18.5.2"), 24}}}, t0 + 10s);
  // Only the route whose metric changed; the degraded one keeps 8.
  EXPECT_EQ(routes_to(sends(actions), kMulticast), (std::map<Prefix, std::uint32_t>{{kDns, 3}}));
  EXPECT_EQ(speaker->advertised(), (std::map<Prefix, std::uint32_t>{{kDns, 3}, {kNtp, 8}}));
  EXPECT_TRUE(arms(actions).empty());
}

TEST_F(RipSpeakerTest, ReloadAddsAndRemovesInterfaces) {
  start_with({kDns});
  receive(response({rte(pfx("198.18.1.0/24"), 1)}));
  auto next = config;
  next.interfaces = {"eth2"};
  const auto actions = run(Reconfigure{next, {{"eth2", 4, ip("198.18.6.2"), 24}}}, t0 + 1s);
  // eth1 hears metric 16 for everything, eth2 the full table.
  EXPECT_EQ(routes_to(sends(actions), kMulticast),
            (std::map<Prefix, std::uint32_t>{{kDns, kInfinity}}));
  EXPECT_EQ(routes_to(sends(actions), Destination{Multicast{4}}),
            (std::map<Prefix, std::uint32_t>{{kDns, 1}}));
  ASSERT_EQ(speaker->interfaces().size(), 1u);
  EXPECT_EQ(speaker->interfaces()[0].name, "eth2");
  EXPECT_TRUE(speaker->neighbors().empty());
  // Later updates go to eth2 only.
  const auto periodic = sends(run(TimerExpired{TimerId::update}, t0 + 40s));
  ASSERT_EQ(periodic.size(), 1u);
  EXPECT_EQ(periodic[0].to, (Destination{Multicast{4}}));
}

TEST_F(RipSpeakerTest, ReloadWithNewUpdateIntervalRearmsThePeriodicTimer) {
  start_with({kDns});
  auto next = config;
  next.update_interval = std::chrono::seconds(6);
  const auto timers = arms(run(Reconfigure{next, {{"eth1", 3, ip("198.18.5.2"), 24}}}, t0 + 1s));
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].timer, TimerId::update);
  EXPECT_GE(timers[0].at, t0 + 1s + 5s);
  EXPECT_LE(timers[0].at, t0 + 1s + 7s);
}

TEST_F(RipSpeakerTest, Md5AuthenticatedUpdatesAndSequenceNumbers) {
  config.authentication = {config::AuthMode::md5, 3, "secret"};
  make({.md5_sequence_start = 1000});
  announce(kDns);
  const auto sent = sends(run(Start{}));
  ASSERT_EQ(sent.size(), 1u);
  const Packet p = packet_of(sent[0]);
  const auto& md5 = std::get<Md5Auth>(p.auth);
  EXPECT_EQ(md5.key_id, 3);
  EXPECT_EQ(md5.sequence, 1000u);
  EXPECT_EQ(md5.auth_data_len, kMd5AuthDataLenCompat);
  EXPECT_EQ(verify_auth(p, sent[0].bytes, config.authentication), AuthError::none);
  const auto next = sends(run(TimerExpired{TimerId::update}, t0 + 30s));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(std::get<Md5Auth>(packet_of(next[0]).auth).sequence, 1001u);
}

TEST_F(RipSpeakerTest, Md5AuthenticationOfReceivedPackets) {
  config.authentication = {config::AuthMode::md5, 1, "secret"};
  make();
  run(Start{});
  auto with_seq = [](std::uint32_t seq, std::uint8_t key_id = 1) {
    Packet p = response({rte(pfx("198.18.1.0/24"), 1)});
    Md5Auth md5;
    md5.key_id = key_id;
    md5.sequence = seq;
    p.auth = md5;
    return p;
  };
  receive(with_seq(10), "198.18.5.1", kPort, "secret");
  EXPECT_EQ(speaker->interface_counters()[0].packets.accepted, 1u);
  receive(with_seq(11), "198.18.5.1", kPort, "wrong");
  EXPECT_EQ(dropped("auth_bad_digest"), 1u);
  receive(with_seq(11, 2), "198.18.5.1", kPort, "secret");
  EXPECT_EQ(dropped("auth_wrong_key_id"), 1u);
  receive(response({rte(pfx("198.18.1.0/24"), 1)}));
  EXPECT_EQ(dropped("auth_missing"), 1u);
  // A sequence number going backwards (a restarted peer, or a replay) is
  // accepted and counted.
  receive(with_seq(5), "198.18.5.1", kPort, "secret");
  EXPECT_EQ(speaker->interface_counters()[0].packets.accepted, 2u);
  const auto& n = speaker->neighbors().at(ip("198.18.5.1"));
  EXPECT_EQ(n.old_sequence, 1u);
  EXPECT_EQ(n.last_sequence, 5u);
}

TEST_F(RipSpeakerTest, TextAuthentication) {
  config.authentication = {config::AuthMode::text, 0, "secret"};
  make();
  announce(kDns);
  const auto sent = sends(run(Start{}));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(std::get<TextAuth>(packet_of(sent[0]).auth), text_auth("secret"));
  Packet p = response({rte(pfx("198.18.1.0/24"), 1)});
  p.auth = text_auth("secret");
  receive(p);
  EXPECT_EQ(speaker->interface_counters()[0].packets.accepted, 1u);
  p.auth = text_auth("guess");
  receive(p);
  EXPECT_EQ(dropped("auth_wrong_password"), 1u);
}

TEST_F(RipSpeakerTest, ManyRoutesAreSplitIntoPackets) {
  make();
  std::map<Prefix, std::uint32_t> all;
  for (std::uint32_t i = 0; i < 60; ++i) {
    const Prefix p{IpAddress::v4(0xC613E000 + i), 32};
    announce(p);
    all[p] = 1;
  }
  const auto sent = sends(run(Start{}));
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(packet_of(sent[0]).entries.size(), 25u);
  EXPECT_EQ(packet_of(sent[1]).entries.size(), 25u);
  EXPECT_EQ(packet_of(sent[2]).entries.size(), 10u);
  EXPECT_EQ(routes_to(sent, kMulticast), all);

  config.authentication = {config::AuthMode::md5, 1, "k"};
  make();
  for (const auto& [p, m] : all)
    announce(p);
  const auto md5 = sends(run(Start{}));
  ASSERT_EQ(md5.size(), 3u);
  EXPECT_EQ(packet_of(md5[0]).entries.size(), 23u);
  EXPECT_EQ(md5[0].bytes.size(), kMaxPacketSize);
  EXPECT_EQ(packet_of(md5[2]).entries.size(), 14u);
}

TEST_F(RipSpeakerTest, StopPoisonsEverythingTwiceThenDone) {
  start_with({kDns, kNtp});
  announce(kNtp, t0 + 1s, core::RouteAction::degrade);
  const auto first = run(Stop{}, t0 + 10s);
  EXPECT_EQ(routes_to(sends(first), kMulticast),
            (std::map<Prefix, std::uint32_t>{{kDns, 16}, {kNtp, 16}}));
  EXPECT_FALSE(has_stopped(first));
  const auto timers = arms(first);
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].timer, TimerId::stop_repeat);
  EXPECT_LE(timers[0].at, t0 + 10s + 500ms);
  // Nothing else goes out while shutting down.
  EXPECT_TRUE(run(TimerExpired{TimerId::update}, t0 + 10s + 50ms).empty());
  EXPECT_TRUE(sends(announce(kDns, t0 + 10s + 60ms)).empty());
  const auto second = run(TimerExpired{TimerId::stop_repeat}, timers[0].at);
  EXPECT_EQ(routes_to(sends(second), kMulticast),
            (std::map<Prefix, std::uint32_t>{{kDns, 16}, {kNtp, 16}}));
  EXPECT_TRUE(has_stopped(second));
  EXPECT_FALSE(speaker->running());
  EXPECT_EQ(speaker->advertised(), (std::map<Prefix, std::uint32_t>{{kDns, 16}, {kNtp, 16}}));
  EXPECT_TRUE(run(Stop{}, t0 + 11s).empty());
}

TEST_F(RipSpeakerTest, StopIncludesPoisonedRoutes) {
  start_with({kDns});
  announce(kDns, t0 + 1s, core::RouteAction::withdraw);
  EXPECT_EQ(routes_to(sends(run(Stop{}, t0 + 2s)), kMulticast),
            (std::map<Prefix, std::uint32_t>{{kDns, 16}}));
}

TEST_F(RipSpeakerTest, StopWithNothingAnnouncedIsDoneAtOnce) {
  start_with({});
  const auto actions = run(Stop{});
  EXPECT_TRUE(sends(actions).empty());
  EXPECT_TRUE(has_stopped(actions));
  make();
  EXPECT_TRUE(has_stopped(run(Stop{})));
}

TEST_F(RipSpeakerTest, PacketsBeforeStartAreIgnored) {
  make();
  EXPECT_TRUE(receive(whole_table_request()).empty());
  EXPECT_TRUE(run(TimerExpired{TimerId::update}).empty());
}

TEST(RipInterface, OnLink) {
  const InterfaceInfo i{"eth1", 3, ip("198.18.5.2"), 24};
  EXPECT_TRUE(i.on_link(ip("198.18.5.1")));
  EXPECT_TRUE(i.on_link(ip("198.18.5.254")));
  EXPECT_FALSE(i.on_link(ip("198.18.6.1")));
  EXPECT_FALSE(i.on_link(ip("2001:db8::1")));
}

}  // namespace
}  // namespace anycastd::rip
