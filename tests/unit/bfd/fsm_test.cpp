// SPDX-License-Identifier: Apache-2.0
// The BFD session machine (RFC 5880 §6.2, §6.5, §6.8) on a fake clock.
#include "bfd/fsm.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <vector>

namespace anycastd::bfd {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t kOurs = 0x1111;
constexpr std::uint32_t kTheirs = 0x2222;
const TimePoint t0 = TimePoint{} + 1h;

std::vector<ControlPacket> sent(const std::vector<Action>& actions) {
  std::vector<ControlPacket> out;
  for (const auto& a : actions) {
    if (const auto* s = std::get_if<Send>(&a)) {
      const auto d = decode(s->bytes);
      EXPECT_TRUE(std::holds_alternative<ControlPacket>(d));
      if (const auto* p = std::get_if<ControlPacket>(&d)) out.push_back(*p);
    }
  }
  return out;
}

std::vector<StateChanged> changes(const std::vector<Action>& actions) {
  std::vector<StateChanged> out;
  for (const auto& a : actions) {
    if (const auto* c = std::get_if<StateChanged>(&a)) out.push_back(*c);
  }
  return out;
}

std::optional<TimePoint> armed(const std::vector<Action>& actions, TimerId id) {
  std::optional<TimePoint> at;
  for (const auto& a : actions) {
    if (const auto* t = std::get_if<ArmTimer>(&a); t && t->timer == id) at = t->at;
  }
  return at;
}

bool stopped(const std::vector<Action>& actions) {
  return std::any_of(actions.begin(), actions.end(),
                     [](const Action& a) { return std::holds_alternative<Stopped>(a); });
}

config::BfdConfig bfd_config(Duration tx = 300ms, Duration rx = 300ms, std::uint8_t mult = 3) {
  config::BfdConfig c;
  c.min_tx = tx;
  c.min_rx = rx;
  c.multiplier = mult;
  return c;
}

// What the peer sends: its state, our discriminator once it knows it.
ControlPacket peer(State state, std::uint32_t your = kOurs, std::uint32_t tx_us = 300'000,
                   std::uint32_t rx_us = 300'000) {
  ControlPacket p;
  p.state = state;
  p.my_discriminator = kTheirs;
  p.your_discriminator = your;
  p.detect_mult = 3;
  p.desired_min_tx_us = tx_us;
  p.required_min_rx_us = rx_us;
  return p;
}

PacketReceived packet(const ControlPacket& p, std::string_view key = {}) {
  return PacketReceived{encode(p, key), kTtl};
}

class BfdFsm : public ::testing::Test {
 protected:
  explicit BfdFsm(config::BfdConfig c = bfd_config())
      : fsm(std::move(c), {kOurs, 42, "bfd test"}) {}

  std::vector<Action> feed(const Event& e, TimePoint at) { return fsm.handle(e, at); }

  // Start and the three-way handshake to Up, the peer in Init first.
  std::vector<Action> bring_up() {
    feed(Start{}, t0);
    feed(packet(peer(State::down, 0)), t0 + 10ms);
    return feed(packet(peer(State::up)), t0 + 20ms);
  }

  Fsm fsm;
};

TEST_F(BfdFsm, ThreeWayHandshake) {
  auto a = feed(Start{}, t0);
  auto p = sent(a);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].state, State::down);
  EXPECT_EQ(p[0].my_discriminator, kOurs);
  EXPECT_EQ(p[0].your_discriminator, 0u);
  EXPECT_EQ(p[0].detect_mult, 3);
  EXPECT_EQ(p[0].desired_min_tx_us, 1'000'000u);  // §6.8.3: at least 1 s while not Up
  EXPECT_EQ(p[0].required_min_rx_us, 300'000u);

  // Peer Down -> we go Init and name its discriminator from now on.
  a = feed(packet(peer(State::down, 0)), t0 + 10ms);
  ASSERT_EQ(changes(a).size(), 1u);
  EXPECT_EQ(changes(a)[0].from, State::down);
  EXPECT_EQ(changes(a)[0].to, State::init);
  a = feed(TimerExpired{TimerId::transmit}, t0 + 1s);
  p = sent(a);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].state, State::init);
  EXPECT_EQ(p[0].your_discriminator, kTheirs);

  // Peer Up -> we go Up; the fast interval is announced with a Poll.
  a = feed(packet(peer(State::up)), t0 + 1100ms);
  ASSERT_EQ(changes(a).size(), 1u);
  EXPECT_EQ(changes(a)[0].to, State::up);
  EXPECT_EQ(fsm.state(), State::up);
  EXPECT_TRUE(fsm.status().up_since);
  const auto next = armed(a, TimerId::transmit);
  ASSERT_TRUE(next);
  EXPECT_LE(*next, t0 + 1100ms + 300ms);
  p = sent(feed(TimerExpired{TimerId::transmit}, *next));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].state, State::up);
  EXPECT_TRUE(p[0].poll);
  EXPECT_EQ(p[0].desired_min_tx_us, 300'000u);
}

TEST_F(BfdFsm, PeerInitBringsDownStraightUp) {
  feed(Start{}, t0);
  const auto a = feed(packet(peer(State::init)), t0 + 10ms);
  ASSERT_EQ(changes(a).size(), 1u);
  EXPECT_EQ(changes(a)[0].from, State::down);
  EXPECT_EQ(changes(a)[0].to, State::up);
}

TEST_F(BfdFsm, UpFromDownNeedsThePeerToSeeUs) {
  feed(Start{}, t0);
  // A peer still Up from an earlier session does not bring us Up.
  const auto a = feed(packet(peer(State::up)), t0 + 10ms);
  EXPECT_TRUE(changes(a).empty());
  EXPECT_EQ(fsm.state(), State::down);
}

TEST_F(BfdFsm, PollFinalOnTimerChange) {
  bring_up();
  // The Poll that announced the fast interval ends with the peer's Final.
  auto f = peer(State::up);
  f.final = true;
  feed(packet(f), t0 + 100ms);
  auto p = sent(feed(TimerExpired{TimerId::transmit}, t0 + 300ms));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_FALSE(p[0].poll);

  // A longer TX interval: the old one stays in use until the Final (§6.8.3).
  auto a = feed(Reconfigure{bfd_config(2s, 300ms)}, t0 + 400ms);
  a = feed(TimerExpired{TimerId::transmit}, t0 + 600ms);
  p = sent(a);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(p[0].poll);
  EXPECT_EQ(p[0].desired_min_tx_us, 2'000'000u);
  EXPECT_LE(*armed(a, TimerId::transmit), t0 + 600ms + 300ms);
  feed(packet(f), t0 + 700ms);
  EXPECT_EQ(fsm.status().tx_interval, 2s);
  a = feed(TimerExpired{TimerId::transmit}, t0 + 900ms);
  EXPECT_FALSE(sent(a)[0].poll);
  EXPECT_GE(*armed(a, TimerId::transmit), t0 + 900ms + 1500ms);

  // A shorter RX interval: the detection time keeps the old one until the Final.
  feed(Reconfigure{bfd_config(2s, 100ms)}, t0 + 1s);
  a = feed(packet(peer(State::up, kOurs, 100'000)), t0 + 1100ms);
  EXPECT_EQ(*armed(a, TimerId::detection), t0 + 1100ms + 900ms);
  auto f100 = peer(State::up, kOurs, 100'000);
  f100.final = true;
  a = feed(packet(f100), t0 + 1200ms);
  EXPECT_EQ(*armed(a, TimerId::detection), t0 + 1200ms + 300ms);
}

TEST_F(BfdFsm, AnswersPollWithFinalAtOnce) {
  bring_up();
  auto poll = peer(State::up, kOurs, 500'000);
  poll.poll = true;
  const auto p = sent(feed(packet(poll), t0 + 100ms));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(p[0].final);
  EXPECT_FALSE(p[0].poll);  // §6.5: never both
  EXPECT_EQ(fsm.status().rx_interval, 500ms);
}

TEST_F(BfdFsm, DetectionTimeExpiry) {
  auto a = bring_up();
  // Detection time: their Detect Mult (3) x max(our RX, their TX) = 900 ms.
  EXPECT_EQ(*armed(a, TimerId::detection), t0 + 20ms + 900ms);
  EXPECT_EQ(fsm.status().detection_time, 900ms);
  a = feed(packet(peer(State::up)), t0 + 300ms);
  EXPECT_EQ(*armed(a, TimerId::detection), t0 + 1200ms);
  a = feed(TimerExpired{TimerId::detection}, t0 + 1200ms);
  ASSERT_EQ(changes(a).size(), 1u);
  EXPECT_EQ(changes(a)[0].from, State::up);
  EXPECT_EQ(changes(a)[0].to, State::down);
  EXPECT_EQ(changes(a)[0].diag, Diag::control_detection_time_expired);
  EXPECT_FALSE(changes(a)[0].peer_admin_down);
  EXPECT_EQ(fsm.status().up_to_down, 1u);
  // The state changes by the state entered (anycastd_bfd_state_transitions_total).
  EXPECT_EQ(fsm.status().transitions_to[static_cast<std::size_t>(State::up)], 1u);
  EXPECT_EQ(fsm.status().transitions_to[static_cast<std::size_t>(State::down)], 1u);
  EXPECT_FALSE(fsm.status().up_since);
  const auto p = sent(feed(TimerExpired{TimerId::transmit}, t0 + 1300ms));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].state, State::down);
  EXPECT_EQ(p[0].diag, Diag::control_detection_time_expired);
  EXPECT_EQ(p[0].your_discriminator, 0u);  // §6.8.1: reset with the Detection Time
  EXPECT_EQ(p[0].desired_min_tx_us, 1'000'000u);
}

TEST_F(BfdFsm, AdminDownFromThePeerIsNoFailure) {
  bring_up();
  auto down = peer(State::admin_down);
  down.diag = Diag::administratively_down;
  const auto a = feed(packet(down), t0 + 100ms);
  ASSERT_EQ(changes(a).size(), 1u);
  EXPECT_EQ(changes(a)[0].to, State::down);
  EXPECT_EQ(changes(a)[0].diag, Diag::neighbor_signaled_session_down);
  EXPECT_TRUE(changes(a)[0].peer_admin_down);
  EXPECT_EQ(fsm.status().remote_diag, Diag::administratively_down);
}

TEST_F(BfdFsm, StopSendsAdminDownThenStops) {
  bring_up();
  auto a = feed(Stop{t0 + 1s, t0 + 2s}, t0 + 100ms);
  ASSERT_EQ(changes(a).size(), 1u);
  EXPECT_EQ(changes(a)[0].to, State::admin_down);
  auto p = sent(a);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].state, State::admin_down);
  EXPECT_EQ(p[0].diag, Diag::administratively_down);
  EXPECT_FALSE(stopped(a));
  // Packets from the peer change nothing now (§6.8.6).
  EXPECT_TRUE(changes(feed(packet(peer(State::down)), t0 + 120ms)).empty());
  std::size_t sends = p.size();
  TimePoint at = *armed(a, TimerId::stop_repeat);
  for (int i = 0; i < 5 && !stopped(a); ++i) {
    a = feed(TimerExpired{TimerId::stop_repeat}, at);
    sends += sent(a).size();
    if (const auto next = armed(a, TimerId::stop_repeat)) at = *next;
  }
  EXPECT_TRUE(stopped(a));
  EXPECT_EQ(sends, kAdminDownSends);
}

TEST_F(BfdFsm, PeerRestartWithNewDiscriminator) {
  bring_up();
  // The peer restarted: Down, our discriminator forgotten, a new one of its own.
  auto restarted = peer(State::down, 0);
  restarted.my_discriminator = 0x3333;
  auto a = feed(packet(restarted), t0 + 100ms);
  ASSERT_EQ(changes(a).size(), 1u);
  EXPECT_EQ(changes(a)[0].to, State::down);
  EXPECT_EQ(changes(a)[0].diag, Diag::neighbor_signaled_session_down);
  EXPECT_FALSE(changes(a)[0].peer_admin_down);
  const auto p = sent(feed(TimerExpired{TimerId::transmit}, t0 + 1s));
  EXPECT_EQ(p[0].your_discriminator, 0x3333u);
  restarted.state = State::init;
  restarted.your_discriminator = kOurs;
  a = feed(packet(restarted), t0 + 1100ms);
  ASSERT_EQ(changes(a).size(), 1u);
  EXPECT_EQ(changes(a)[0].to, State::up);
  EXPECT_EQ(fsm.status().up_to_down, 1u);
}

TEST(BfdFsmTiming, SlowTransmitWhileDown) {
  Fsm fsm(bfd_config(10ms, 10ms), {kOurs, 1, "bfd"});
  auto a = fsm.handle(Start{}, t0);
  TimePoint now = t0;
  for (int i = 0; i < 20; ++i) {
    const auto next = armed(a, TimerId::transmit);
    ASSERT_TRUE(next);
    EXPECT_GE(*next - now, 750ms);
    EXPECT_LE(*next - now, 1s);
    now = *next;
    a = fsm.handle(TimerExpired{TimerId::transmit}, now);
    EXPECT_EQ(sent(a).at(0).desired_min_tx_us, 1'000'000u);
  }
}

// §6.8.7: each interval 75..100 % of the negotiated one (75..90 % with Detect Mult 1).
TEST(BfdFsmTiming, JitterBounds) {
  for (const std::uint8_t mult : {3, 1}) {
    Fsm fsm(bfd_config(100ms, 100ms, mult), {kOurs, 7, "bfd"});
    fsm.handle(Start{}, t0);
    fsm.handle(packet(peer(State::init, kOurs, 100'000, 100'000)), t0);
    ASSERT_EQ(fsm.state(), State::up);
    TimePoint now = t0;
    auto a = fsm.handle(TimerExpired{TimerId::transmit}, now);
    std::chrono::microseconds lowest = 1h, highest{0};
    for (int i = 0; i < 2000; ++i) {
      const auto next = armed(a, TimerId::transmit);
      ASSERT_TRUE(next);
      const auto gap = std::chrono::duration_cast<std::chrono::microseconds>(*next - now);
      lowest = std::min(lowest, gap);
      highest = std::max(highest, gap);
      now = *next;
      a = fsm.handle(TimerExpired{TimerId::transmit}, now);
    }
    EXPECT_GE(lowest, 75ms) << int(mult);
    EXPECT_LE(highest, mult == 1 ? 90ms : 100ms) << int(mult);
    // Jittered, not fixed: the draws spread over most of the range.
    EXPECT_LT(lowest, 77ms) << int(mult);
    EXPECT_GT(highest, mult == 1 ? 88ms : 98ms) << int(mult);
  }
}

TEST_F(BfdFsm, DropsAndCountsBadPackets) {
  feed(Start{}, t0);
  auto ttl254 = packet(peer(State::down, 0));
  ttl254.ttl = 254;
  EXPECT_TRUE(changes(feed(ttl254, t0 + 10ms)).empty());
  EXPECT_TRUE(changes(feed(packet(peer(State::init, 0x9999)), t0 + 20ms)).empty());
  EXPECT_TRUE(changes(feed(PacketReceived{{1, 2, 3}, kTtl}, t0 + 30ms)).empty());
  auto with_auth = peer(State::down, 0);
  with_auth.auth = PasswordAuth{1, "x"};
  EXPECT_TRUE(changes(feed(packet(with_auth), t0 + 40ms)).empty());
  const auto& c = fsm.packets();
  EXPECT_EQ(c.received, 4u);
  EXPECT_EQ(c.accepted, 0u);
  EXPECT_EQ(c.dropped.at("bad_ttl"), 1u);
  EXPECT_EQ(c.dropped.at("unknown_discriminator"), 1u);
  EXPECT_EQ(c.dropped.at("truncated"), 1u);
  EXPECT_EQ(c.dropped.at("auth_unexpected"), 1u);
  EXPECT_EQ(fsm.state(), State::down);
}

config::BfdConfig sha1_config(config::BfdAuthMode mode, std::string key) {
  auto c = bfd_config();
  c.authentication = {mode, 2, std::move(key)};
  return c;
}

ControlPacket signed_peer(State state, std::uint32_t your, std::uint32_t sequence,
                          AuthType type = AuthType::keyed_sha1) {
  auto p = peer(state, your);
  p.auth = DigestAuth{type, 2, sequence, std::vector<std::uint8_t>(kSha1KeySize)};
  return p;
}

TEST(BfdFsmAuth, Sha1ComesUpWithTheRightKeyOnly) {
  Fsm fsm(sha1_config(config::BfdAuthMode::sha1, "secret"), {kOurs, 3, "bfd"});
  auto a = fsm.handle(Start{}, t0);
  const auto our_packet = std::get<ControlPacket>(decode(std::get<Send>(a.at(0)).bytes));
  ASSERT_TRUE(our_packet.auth);
  EXPECT_EQ(std::get<DigestAuth>(*our_packet.auth).type, AuthType::keyed_sha1);
  EXPECT_TRUE(sha1_digest_valid(std::get<Send>(a.at(0)).bytes, "secret"));

  // A wrong key never comes Up.
  for (std::uint32_t seq = 10; seq < 20; ++seq) {
    fsm.handle(packet(signed_peer(State::init, kOurs, seq), "wrong"), t0 + seq * 1ms);
  }
  EXPECT_EQ(fsm.state(), State::down);
  EXPECT_EQ(fsm.packets().dropped.at("auth_bad_digest"), 10u);
  // Unauthenticated, or with a password, neither.
  fsm.handle(packet(peer(State::init)), t0 + 30ms);
  EXPECT_EQ(fsm.packets().dropped.at("auth_missing"), 1u);
  auto password = peer(State::init);
  password.auth = PasswordAuth{2, "secret"};
  fsm.handle(packet(password), t0 + 31ms);
  EXPECT_EQ(fsm.packets().dropped.at("auth_wrong_type"), 1u);
  auto other_id = signed_peer(State::init, kOurs, 30);
  std::get<DigestAuth>(*other_id.auth).key_id = 3;
  fsm.handle(packet(other_id, "secret"), t0 + 32ms);
  EXPECT_EQ(fsm.packets().dropped.at("auth_wrong_key_id"), 1u);
  // The right key does.
  fsm.handle(packet(signed_peer(State::init, kOurs, 30), "secret"), t0 + 40ms);
  EXPECT_EQ(fsm.state(), State::up);
  // Keyed SHA1: the same sequence number again is fine, one far ahead is not.
  fsm.handle(packet(signed_peer(State::up, kOurs, 30), "secret"), t0 + 50ms);
  fsm.handle(packet(signed_peer(State::up, kOurs, 30 + 10), "secret"), t0 + 60ms);
  EXPECT_EQ(fsm.packets().dropped.at("auth_sequence"), 1u);
  EXPECT_EQ(fsm.packets().accepted, 2u);
}

TEST(BfdFsmAuth, MeticulousSha1RejectsARepeatedSequence) {
  Fsm fsm(sha1_config(config::BfdAuthMode::meticulous_sha1, "k"), {kOurs, 3, "bfd"});
  auto a = fsm.handle(Start{}, t0);
  std::uint32_t first = 0;
  for (int i = 0; i < 3; ++i) {
    const auto p = std::get<ControlPacket>(decode(std::get<Send>(a.at(0)).bytes));
    const auto seq = std::get<DigestAuth>(*p.auth).sequence;
    if (i == 0) first = seq;
    EXPECT_EQ(seq, first + static_cast<std::uint32_t>(i));  // every packet increments
    a = fsm.handle(TimerExpired{TimerId::transmit}, t0 + (i + 1) * 1s);
  }
  const auto type = AuthType::meticulous_keyed_sha1;
  fsm.handle(packet(signed_peer(State::down, 0, 0xfffffffe, type), "k"), t0 + 4s);
  EXPECT_EQ(fsm.state(), State::init);
  fsm.handle(packet(signed_peer(State::init, kOurs, 0xfffffffe, type), "k"), t0 + 4100ms);
  EXPECT_EQ(fsm.packets().dropped.at("auth_sequence"), 1u);
  EXPECT_EQ(fsm.state(), State::init);
  // The sequence wraps around 2^32.
  fsm.handle(packet(signed_peer(State::init, kOurs, 1, type), "k"), t0 + 4200ms);
  EXPECT_EQ(fsm.state(), State::up);
}

}  // namespace
}  // namespace anycastd::bfd
