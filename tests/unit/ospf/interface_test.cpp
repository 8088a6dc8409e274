// SPDX-License-Identifier: Apache-2.0
// The RFC 2328 §9 interface machine alone, on a fake clock: InterfaceUp by
// link type and priority, the Hello and wait timers, the DR election, Hello
// checks (§10.5), and InterfaceDown taking the neighbours with it.
#include "ospf/interface.hpp"

#include <gtest/gtest.h>

#include "harness.hpp"
#include "ospf/area.hpp"

namespace anycastd::ospf {
namespace {

using namespace std::chrono_literals;
using testing::FakeTimers;
using testing::sent;

constexpr std::uint32_t kUs = 0xc6120102;    // 198.18.1.2, also our address
constexpr std::uint32_t kPeer = 0xc6120109;  // 198.18.1.9, also its address
constexpr InterfaceId kId = 2;
const TimePoint t0 = TimePoint{} + 1000s;

class InterfaceMachineTest : public ::testing::Test {
 protected:
  void make(config::OspfInterfaceType type, std::uint8_t priority = 0) {
    config::OspfInterfaceConfig c;
    c.name = "eth1";
    c.type = type;
    c.priority = priority;
    area.interfaces.emplace_back(InterfaceInfo{"eth1", kId, kUs, 24, 1500}, c);
  }
  Interface& iface() { return area.interfaces.at(0); }

  std::vector<Action> run(InterfaceEvent event) {
    Out out(now);
    iface().handle(event, area, out);
    iface().settle(area, out);
    return timers.take(out);
  }
  std::vector<Action> hello_from(std::uint32_t router_id, const Hello& hello,
                                 std::optional<Refusal>* refusal = nullptr) {
    Out out(now);
    auto result = iface().receive_hello(router_id, router_id, hello, area, out);
    iface().settle(area, out);
    if (refusal) *refusal = std::move(result);
    return timers.take(out);
  }
  Hello hello(bool lists_us, std::uint8_t priority = 1, std::uint32_t dr = 0,
              std::uint32_t bdr = 0) const {
    return testing::neighbor_hello(
        iface_mask, priority, dr, bdr,
        lists_us ? std::vector<std::uint32_t>{kUs} : std::vector<std::uint32_t>{});
  }

  Area area{kUs, 0, 1000, AreaOptions{1, 5000}};
  std::uint32_t iface_mask = 0xffffff00;
  TimePoint now = t0;
  FakeTimers timers;
};

TEST_F(InterfaceMachineTest, PointToPointComesUpAndSendsHellosEveryHelloInterval) {
  make(config::OspfInterfaceType::point_to_point);
  auto out = run(InterfaceEvent::interface_up);
  EXPECT_EQ(iface().state, InterfaceState::point_to_point);
  auto hellos = sent(out, PacketType::hello);
  ASSERT_EQ(hellos.size(), 1u);
  EXPECT_EQ(std::get<Hello>(hellos[0].body).network_mask, 0u);
  EXPECT_EQ(timers.at(TimerId::of(TimerKind::hello, kId)), t0 + 10s);
  EXPECT_TRUE(area.router_lsa_stale);
  now += 10s;
  Out o(now);
  iface().hello_timer(area, o);
  out = timers.take(o);
  EXPECT_EQ(sent(out, PacketType::hello).size(), 1u);
  EXPECT_EQ(timers.at(TimerId::of(TimerKind::hello, kId)), t0 + 20s);
}

TEST_F(InterfaceMachineTest, BroadcastWithPriorityZeroIsDrOtherAtOnce) {
  make(config::OspfInterfaceType::broadcast, 0);
  run(InterfaceEvent::interface_up);
  EXPECT_EQ(iface().state, InterfaceState::dr_other);
  EXPECT_FALSE(timers.at(TimerId::of(TimerKind::wait, kId)));
}

TEST_F(InterfaceMachineTest, EligibleRouterWaitsThenBecomesDrAlone) {
  make(config::OspfInterfaceType::broadcast, 1);
  run(InterfaceEvent::interface_up);
  EXPECT_EQ(iface().state, InterfaceState::waiting);
  EXPECT_EQ(timers.at(TimerId::of(TimerKind::wait, kId)), t0 + 40s);
  now += 40s;
  const auto out = run(InterfaceEvent::wait_timer);
  EXPECT_EQ(iface().state, InterfaceState::dr);
  EXPECT_EQ(iface().designated_router, kUs);
  bool joined = false;
  for (const auto& a : out) {
    if (const auto* m = std::get_if<SetAllDRouters>(&a)) joined = m->member && m->interface == kId;
  }
  EXPECT_TRUE(joined);
}

TEST_F(InterfaceMachineTest, BackupSeenWhileWaitingElectsTheDeclaredDr) {
  make(config::OspfInterfaceType::broadcast, 1);
  run(InterfaceEvent::interface_up);
  // The neighbour declares itself DR with no BDR, and lists us: BackupSeen.
  hello_from(kPeer, hello(true, 1, kPeer, 0));
  EXPECT_EQ(iface().designated_router, kPeer);
  EXPECT_EQ(iface().backup_designated_router, kUs);
  EXPECT_EQ(iface().state, InterfaceState::backup);
  // Adjacent with the DR (§10.4).
  EXPECT_EQ(iface().neighbors.at(kPeer).state, NeighborState::ex_start);
}

TEST_F(InterfaceMachineTest, HelloCreatesTheNeighbourOneWayThenTwoWay) {
  make(config::OspfInterfaceType::point_to_point);
  run(InterfaceEvent::interface_up);
  iface_mask = 0;
  hello_from(kPeer, hello(false));
  ASSERT_EQ(iface().neighbors.size(), 1u);
  EXPECT_EQ(iface().neighbors.at(kPeer).state, NeighborState::init);
  hello_from(kPeer, hello(true));
  EXPECT_EQ(iface().neighbors.at(kPeer).state, NeighborState::ex_start);
  // Our next Hello lists it (§9.5).
  now += 10s;
  Out o(now);
  iface().hello_timer(area, o);
  const auto hellos = sent(timers.take(o), PacketType::hello);
  EXPECT_EQ(std::get<Hello>(hellos.at(0).body).neighbors, std::vector<std::uint32_t>{kPeer});
}

TEST_F(InterfaceMachineTest, MismatchedHellosAreRefusedAndMakeNoNeighbour) {
  make(config::OspfInterfaceType::broadcast);
  run(InterfaceEvent::interface_up);
  std::optional<Refusal> refusal;
  auto h = hello(true);
  h.network_mask = 0xffff0000;
  hello_from(kPeer, h, &refusal);
  EXPECT_EQ(refusal.value().reason, "netmask_mismatch");
  h = hello(true);
  h.hello_interval = 5;
  hello_from(kPeer, h, &refusal);
  EXPECT_EQ(refusal.value().reason, "interval_mismatch");
  h = hello(true);
  h.dead_interval = 30;
  hello_from(kPeer, h, &refusal);
  EXPECT_EQ(refusal.value().reason, "interval_mismatch");
  h = hello(true);
  h.options = 0;
  hello_from(kPeer, h, &refusal);
  EXPECT_EQ(refusal.value().reason, "options_mismatch");
  EXPECT_TRUE(iface().neighbors.empty());
  hello_from(kPeer, hello(true), &refusal);
  EXPECT_FALSE(refusal);
  EXPECT_EQ(iface().neighbors.size(), 1u);
}

TEST_F(InterfaceMachineTest, InterfaceDownKillsNeighboursAndStopsItsTimers) {
  make(config::OspfInterfaceType::broadcast, 1);
  run(InterfaceEvent::interface_up);
  hello_from(kPeer, hello(true, 1, kPeer, 0));
  ASSERT_EQ(iface().state, InterfaceState::backup);
  const auto out = run(InterfaceEvent::interface_down);
  EXPECT_EQ(iface().state, InterfaceState::down);
  EXPECT_TRUE(iface().neighbors.empty());
  EXPECT_EQ(iface().designated_router, 0u);
  EXPECT_FALSE(timers.at(TimerId::of(TimerKind::hello, kId)));
  EXPECT_FALSE(timers.at(TimerId::of(TimerKind::wait, kId)));
  EXPECT_FALSE(timers.at(TimerId::of(TimerKind::inactivity, kId, kPeer)));
  bool left = false;
  for (const auto& a : out) {
    if (const auto* m = std::get_if<SetAllDRouters>(&a)) left = !m->member;
  }
  EXPECT_TRUE(left);
}

TEST_F(InterfaceMachineTest, GoodbyeHelloListsNobody) {
  make(config::OspfInterfaceType::point_to_point);
  run(InterfaceEvent::interface_up);
  iface_mask = 0;
  hello_from(kPeer, hello(true));
  Out out(now);
  iface().send_goodbye(area, out);
  const auto hellos = sent(timers.take(out), PacketType::hello);
  ASSERT_EQ(hellos.size(), 1u);
  EXPECT_TRUE(std::get<Hello>(hellos[0].body).neighbors.empty());
}

}  // namespace
}  // namespace anycastd::ospf
