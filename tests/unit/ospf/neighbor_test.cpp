// SPDX-License-Identifier: Apache-2.0
// The RFC 2328 §10 neighbour machine alone, on a fake clock: one neighbour
// on a point-to-point interface (or a broadcast one), driven by its events
// and packets, with the timers it arms and cancels and what it reports.
#include "ospf/neighbor.hpp"

#include <gtest/gtest.h>

#include "harness.hpp"
#include "ospf/area.hpp"
#include "ospf/interface.hpp"

namespace anycastd::ospf {
namespace {

using namespace std::chrono_literals;
using testing::FakeTimers;
using testing::sent;

constexpr std::uint32_t kUs = 0xc6120102;       // 198.18.1.2
constexpr std::uint32_t kHigh = 0xc6120109;     // a higher router ID: it is master
constexpr std::uint32_t kLow = 0xc6120101;      // a lower one: we are master
constexpr std::uint32_t kAddress = 0xc6120109;  // the neighbour's interface address
const TimePoint t0 = TimePoint{} + 1000s;
constexpr auto kRxmt = 5s;  // the config's default RxmtInterval

class NeighborMachineTest : public ::testing::Test {
 protected:
  void make(std::uint32_t router_id,
            config::OspfInterfaceType type = config::OspfInterfaceType::point_to_point) {
    config::OspfInterfaceConfig c;
    c.name = "eth1";
    c.type = type;
    area.interfaces.emplace_back(InterfaceInfo{"eth1", 2, kUs, 24, 1500}, c);
    iface().state = type == config::OspfInterfaceType::point_to_point
                        ? InterfaceState::point_to_point
                        : InterfaceState::dr_other;
    nbr.emplace(router_id, kAddress, now);
  }
  Interface& iface() { return area.interfaces.at(0); }

  std::vector<Action> run(NeighborEvent event) {
    Out out(now);
    nbr->handle(event, iface(), area, out);
    return timers.take(out);
  }
  std::vector<Action> dd(const DatabaseDescription& packet,
                         std::optional<Refusal>* refusal = nullptr) {
    Out out(now);
    auto result = nbr->receive_dd(packet, iface(), area, out);
    if (refusal) *refusal = std::move(result);
    return timers.take(out);
  }
  TimerId timer(TimerKind kind) const { return TimerId::of(kind, 2, nbr->router_id); }
  // Runs one of the neighbour's own handlers, as a timer or flooding would.
  template <typename Handler>
  std::vector<Action> call(Handler handler) {
    Out out(now);
    ((*nbr).*handler)(iface(), area, out);
    return timers.take(out);
  }

  // Hello, then 2-Way: ExStart on a point-to-point link.
  void to_ex_start() {
    run(NeighborEvent::hello_received);
    run(NeighborEvent::two_way_received);
    ASSERT_EQ(nbr->state, NeighborState::ex_start);
  }
  // With a lower router ID: we are master, and the slave has nothing new.
  void to_full_as_master() {
    to_ex_start();
    DatabaseDescription slave;
    slave.sequence = nbr->dd_sequence;
    dd(slave);
    slave.sequence = nbr->dd_sequence;
    dd(slave);
    ASSERT_EQ(nbr->state, NeighborState::full);
  }

  // An LSA of the neighbour's that we do not have.
  LsaHeader their_lsa() const {
    return LsaHeader{
        0, kOptionE, 1, nbr->router_id, nbr->router_id, kInitialSequenceNumber + 3, 0x1234, 36};
  }

  Area area{kUs, 0, 1000, AreaOptions{1, 5000}};
  std::optional<Neighbor> nbr;
  TimePoint now = t0;
  FakeTimers timers;
};

TEST_F(NeighborMachineTest, HelloReceivedGoesInitAndRestartsTheInactivityTimer) {
  make(kHigh);
  run(NeighborEvent::hello_received);
  EXPECT_EQ(nbr->state, NeighborState::init);
  EXPECT_EQ(timers.at(timer(TimerKind::inactivity)), t0 + 40s);
  now += 10s;
  run(NeighborEvent::hello_received);
  EXPECT_EQ(timers.at(timer(TimerKind::inactivity)), t0 + 50s);
  EXPECT_EQ(nbr->inactivity_deadline, t0 + 50s);
}

TEST_F(NeighborMachineTest, TwoWayOnPointToPointStartsTheExchangeAsMaster) {
  make(kHigh);
  run(NeighborEvent::hello_received);
  auto out = run(NeighborEvent::two_way_received);
  EXPECT_EQ(nbr->state, NeighborState::ex_start);
  // §10.8: I|M|MS, empty, the area's first DD sequence number; retransmitted every RxmtInterval.
  const auto dds = sent(out, PacketType::db_description);
  ASSERT_EQ(dds.size(), 1u);
  const auto& first = std::get<DatabaseDescription>(dds[0].body);
  EXPECT_EQ(first.flags, kDdInit | kDdMore | kDdMaster);
  EXPECT_EQ(first.sequence, 5000u);
  EXPECT_TRUE(first.headers.empty());
  EXPECT_EQ(timers.at(timer(TimerKind::dd_retransmit)), t0 + kRxmt);
  now += kRxmt;
  out = call(&Neighbor::dd_retransmit_timer);
  ASSERT_EQ(sent(out, PacketType::db_description).size(), 1u);
  EXPECT_EQ(std::get<DatabaseDescription>(sent(out)[0].body).sequence, 5000u);
  EXPECT_EQ(timers.at(timer(TimerKind::dd_retransmit)), now + kRxmt);
  // Bidirectional on a point-to-point link: no election to run.
  EXPECT_FALSE(iface().neighbor_change);
}

TEST_F(NeighborMachineTest, TwoWayOnBroadcastWithoutDrStaysTwoWayAndReportsNeighborChange) {
  make(kHigh, config::OspfInterfaceType::broadcast);
  run(NeighborEvent::hello_received);
  auto out = run(NeighborEvent::two_way_received);
  EXPECT_EQ(nbr->state, NeighborState::two_way);
  EXPECT_TRUE(sent(out).empty());
  EXPECT_TRUE(iface().neighbor_change);
  // It becomes DR: AdjOK? now says adjacent.
  iface().designated_router = kAddress;
  run(NeighborEvent::adj_ok);
  EXPECT_EQ(nbr->state, NeighborState::ex_start);
}

TEST_F(NeighborMachineTest, SlaveExchangeSummarisesOurDatabaseAndRequestsWhatIsNewer) {
  make(kHigh);
  // One LSA of ours in the database, to be summarised.
  const Lsa ours{{0, kOptionE, 1, kUs, kUs, kInitialSequenceNumber, 0, 0}, RouterLsa{}};
  const auto bytes = encode_lsa(ours);
  area.lsdb.install(std::get<LsaHeader>(decode_lsa_header(bytes)), bytes, now, true);
  to_ex_start();
  DatabaseDescription init;
  init.flags = kDdInit | kDdMore | kDdMaster;
  init.sequence = 7000;
  auto out = dd(init);
  EXPECT_EQ(nbr->state, NeighborState::exchange);
  EXPECT_FALSE(nbr->master);
  EXPECT_FALSE(timers.at(timer(TimerKind::dd_retransmit)));
  auto reply = std::get<DatabaseDescription>(sent(out, PacketType::db_description).at(0).body);
  EXPECT_EQ(reply.sequence, 7000u);
  EXPECT_EQ(reply.flags, 0);  // slave, nothing more
  ASSERT_EQ(reply.headers.size(), 1u);
  EXPECT_EQ(reply.headers[0].advertising_router, kUs);
  // The master's last DD lists an LSA we lack: Loading, and an LS Request.
  DatabaseDescription last;
  last.flags = kDdMaster;
  last.sequence = 7001;
  last.headers = {their_lsa()};
  out = dd(last);
  EXPECT_EQ(nbr->state, NeighborState::loading);
  const auto lsrs = sent(out, PacketType::ls_request);
  ASSERT_EQ(lsrs.size(), 1u);
  EXPECT_EQ(std::get<LinkStateRequest>(lsrs[0].body).requests,
            (std::vector<LsaKey>{LsaKey::of(their_lsa())}));
  EXPECT_EQ(timers.at(timer(TimerKind::lsr_retransmit)), now + kRxmt);
  // Unanswered: the request goes again.
  now += kRxmt;
  out = call(&Neighbor::lsr_retransmit_timer);
  EXPECT_EQ(sent(out, PacketType::ls_request).size(), 1u);
  // Answered (flooding takes it off the list): Loading is done.
  nbr->request_list.clear();
  out = call(&Neighbor::continue_requests);
  EXPECT_EQ(nbr->state, NeighborState::full);
  EXPECT_FALSE(timers.at(timer(TimerKind::lsr_retransmit)));
  // Full changes what we originate (§12.4).
  EXPECT_TRUE(area.router_lsa_stale);
  EXPECT_TRUE(iface().network_lsa_stale);
}

TEST_F(NeighborMachineTest, MasterExchangeEndsFullWhenNothingIsNewer) {
  make(kLow);
  to_ex_start();
  DatabaseDescription slave;
  slave.sequence = nbr->dd_sequence;
  auto out = dd(slave);
  EXPECT_EQ(nbr->state, NeighborState::exchange);
  EXPECT_TRUE(nbr->master);
  const auto next = std::get<DatabaseDescription>(sent(out).at(0).body);
  EXPECT_EQ(next.sequence, 5001u);
  EXPECT_EQ(next.flags, kDdMaster);
  EXPECT_TRUE(timers.at(timer(TimerKind::dd_retransmit)));
  slave.sequence = 5001;
  dd(slave);
  EXPECT_EQ(nbr->state, NeighborState::full);
  EXPECT_FALSE(timers.at(timer(TimerKind::dd_retransmit)));
}

TEST_F(NeighborMachineTest, SequenceNumberMismatchRestartsWithTheNextDdSequence) {
  make(kHigh);
  to_ex_start();
  DatabaseDescription init;
  init.flags = kDdInit | kDdMore | kDdMaster;
  init.sequence = 7000;
  dd(init);
  DatabaseDescription wrong;
  wrong.flags = kDdMaster | kDdMore;
  wrong.sequence = 7005;  // the slave expects 7001
  auto out = dd(wrong);
  EXPECT_EQ(nbr->state, NeighborState::ex_start);
  const auto restart = std::get<DatabaseDescription>(sent(out).at(0).body);
  EXPECT_EQ(restart.flags, kDdInit | kDdMore | kDdMaster);
  EXPECT_EQ(restart.sequence, 7001u);  // §10.3: incremented from the last one
}

TEST_F(NeighborMachineTest, RefusesDdWithLargerMtuOrOutsideAnAdjacency) {
  make(kHigh, config::OspfInterfaceType::broadcast);
  run(NeighborEvent::hello_received);
  run(NeighborEvent::two_way_received);
  ASSERT_EQ(nbr->state, NeighborState::two_way);
  std::optional<Refusal> refusal;
  DatabaseDescription big;
  big.interface_mtu = 9000;
  dd(big, &refusal);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->reason, "mtu_mismatch");
  dd(DatabaseDescription{}, &refusal);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->reason, "not_adjacent");
  EXPECT_EQ(nbr->state, NeighborState::two_way);
}

TEST_F(NeighborMachineTest, BadLsRequestRestartsTheExchange) {
  make(kLow);
  to_full_as_master();
  Out out(now);
  nbr->receive_lsr(LinkStateRequest{{LsaKey::of(their_lsa())}}, iface(), area, out);
  timers.take(out);
  EXPECT_EQ(nbr->state, NeighborState::ex_start);
  EXPECT_TRUE(area.router_lsa_stale);
}

TEST_F(NeighborMachineTest, InactivityTimerEndsTheNeighbourAndCancelsItsTimers) {
  make(kHigh);
  to_ex_start();
  Out o(now);
  nbr->add_to_retransmission_list(LsaKey::of(their_lsa()), their_lsa(), iface(), o);
  timers.take(o);
  ASSERT_TRUE(timers.at(timer(TimerKind::lsu_retransmit)));
  now += 40s;
  run(NeighborEvent::inactivity_timer);
  EXPECT_EQ(nbr->state, NeighborState::down);
  EXPECT_TRUE(nbr->retransmission_list.empty());
  for (const auto kind : {TimerKind::inactivity, TimerKind::dd_retransmit,
                          TimerKind::lsr_retransmit, TimerKind::lsu_retransmit}) {
    EXPECT_FALSE(timers.at(timer(kind)));
  }
}

TEST_F(NeighborMachineTest, OneWayFromFullGoesInitAndKillNbrDown) {
  make(kLow);
  to_full_as_master();
  area.router_lsa_stale = false;
  run(NeighborEvent::one_way);
  EXPECT_EQ(nbr->state, NeighborState::init);
  EXPECT_TRUE(area.router_lsa_stale);
  run(NeighborEvent::kill_nbr);
  EXPECT_EQ(nbr->state, NeighborState::down);
}

}  // namespace
}  // namespace anycastd::ospf
