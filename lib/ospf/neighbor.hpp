// SPDX-License-Identifier: Apache-2.0
// RFC 2328 §10: one neighbour on one of our interfaces and its state
// machine (§10.3), the Database Description exchange (§10.6, §10.8) and
// Link State Requests (§10.7, §10.9).
//
// The machine is driven by its interface (Hellos, the DR election, the
// interface going down), by the instance (DD and LS Request packets, its
// timers) and by flooding (BadLSReq, LoadingDone). What its transitions mean
// to the rest of the router it reports, never runs: NeighborChange to its
// interface (§9.2), and a router-LSA and network-LSA that may have changed
// (§12.4). A neighbour that reaches Down is removed by its interface.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include "ospf/lsa.hpp"
#include "ospf/machine.hpp"
#include "ospf/packet.hpp"

namespace anycastd::ospf {

class Area;
class Interface;

// RFC 2328 §10.1 (Attempt is for NBMA networks, which we do not run).
enum class NeighborState : std::uint8_t { down, init, two_way, ex_start, exchange, loading, full };
// RFC 2328 §10.2.
enum class NeighborEvent : std::uint8_t {
  hello_received,
  two_way_received,
  negotiation_done,
  exchange_done,
  bad_ls_req,
  loading_done,
  adj_ok,
  seq_number_mismatch,
  one_way,
  kill_nbr,
  inactivity_timer,
  ll_down,
};

class Neighbor {
 public:
  Neighbor(std::uint32_t router_id, std::uint32_t address, TimePoint now);

  // §10.3: runs `event` through the state machine.
  void handle(NeighborEvent event, Interface& iface, Area& area, Out& out);
  // §10.6: a Database Description packet from the neighbour.
  std::optional<Refusal> receive_dd(const DatabaseDescription& dd, Interface& iface, Area& area,
                                    Out& out);
  // §10.7: a Link State Request; the neighbour is in Exchange or later.
  void receive_lsr(const LinkStateRequest& lsr, Interface& iface, Area& area, Out& out);
  // §10.9: after an LS Update, the next LS Request once the one in flight
  // is answered; LoadingDone when nothing is left to request.
  void continue_requests(Interface& iface, Area& area, Out& out);
  // §10.8: the DD retransmission timer fired.
  void dd_retransmit_timer(Interface& iface, Area& area, Out& out);
  // §10.9: the LS Request retransmission timer fired.
  void lsr_retransmit_timer(Interface& iface, Area& area, Out& out);
  // §13.3 (1d): `key` waits on the retransmission list for an
  // acknowledgement; the retransmission timer runs while the list is not empty.
  void add_to_retransmission_list(const LsaKey& key, const LsaHeader& header,
                                  const Interface& iface, Out& out);
  // The retransmission list goes out again no later than `at` (§13 (5a):
  // the neighbour may have discarded an instance that came too soon).
  void retransmit_by(TimePoint at, const Interface& iface, Out& out);

  bool bidirectional() const { return state >= NeighborState::two_way; }
  TimerId timer(TimerKind kind, const Interface& iface) const;

  std::uint32_t router_id = 0;
  std::uint32_t address = 0;
  std::uint8_t priority = 0;
  std::uint32_t designated_router = 0;  // as the neighbour declares, addresses
  std::uint32_t backup_designated_router = 0;
  std::uint8_t options = 0;
  NeighborState state = NeighborState::down;
  TimePoint state_since;
  TimePoint inactivity_deadline;  // when the inactivity timer fires

  // §10.8 Database Description exchange.
  bool master = false;  // we are the master
  std::uint32_t dd_sequence = 0;
  struct LastDd {
    std::uint32_t sequence = 0;
    std::uint8_t flags = 0;
    std::uint8_t options = 0;
    bool operator==(const LastDd&) const = default;
  };
  std::optional<LastDd> last_received_dd;
  std::optional<DatabaseDescription> last_sent_dd;
  bool dd_all_sent = false;  // our last DD had M clear
  std::deque<LsaHeader> summary_list;

  // §10.9 LS Requests, §13.6 retransmission.
  std::map<LsaKey, LsaHeader> request_list;
  std::set<LsaKey> requested;  // in the LS Request packet in flight
  std::map<LsaKey, LsaHeader> retransmission_list;
  std::optional<TimePoint> lsu_retransmit_at;  // the retransmission timer, while armed

  std::optional<std::uint32_t> crypto_sequence;  // RFC 2328 §D.4.3

 private:
  void enter_state(NeighborState next, Interface& iface, Area& area, Out& out);
  void clear_adjacency(const Interface& iface, Out& out);
  void send_dd(Interface& iface, Area& area, Out& out);
  void resend_dd(Interface& iface, Area& area, Out& out);
  void process_dd_headers(const DatabaseDescription& dd, const Area& area, TimePoint now);
  void send_lsr(Interface& iface, Area& area, Out& out);
};

std::string_view to_string(NeighborState state);
std::string_view to_string(NeighborEvent event);

}  // namespace anycastd::ospf
