// SPDX-License-Identifier: Apache-2.0
// RFC 2328 §9: one of our interfaces, its state machine (§9.3), the DR/BDR
// election (§9.4) and the Hello protocol (§9.5 sending, §10.5 receiving).
// It owns its neighbours (neighbor.hpp): it creates them from Hellos, runs
// their machines for what it sees (HelloReceived, 1-Way, 2-Way, AdjOK?,
// KillNbr), runs NeighborChange when they report one, and removes those that
// went Down.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "config/config.hpp"
#include "core/drops.hpp"
#include "ospf/machine.hpp"
#include "ospf/neighbor.hpp"
#include "ospf/packet.hpp"

namespace anycastd::ospf {

class Area;

// RFC 2328 §9.1 (Loopback is not used: we never run OSPF on a loopback).
enum class InterfaceState : std::uint8_t { down, waiting, point_to_point, dr_other, backup, dr };
// RFC 2328 §9.2.
enum class InterfaceEvent : std::uint8_t {
  interface_up,
  wait_timer,
  backup_seen,
  neighbor_change,
  interface_down,
};

struct InterfaceCounters {
  std::uint64_t sent = 0;
  core::PacketCounters packets;  // received = accepted + dropped by reason
};

class Interface {
 public:
  Interface(InterfaceInfo info, config::OspfInterfaceConfig config);

  InterfaceId id() const { return info.index; }
  bool broadcast() const { return config.type == config::OspfInterfaceType::broadcast; }

  // §9.3: runs `event` through the state machine.
  void handle(InterfaceEvent event, Area& area, Out& out);
  // §9.5: the Hello timer fired.
  void hello_timer(Area& area, Out& out);
  // §10.5: a Hello from `router_id` at `source`. Refused when its parameters
  // do not match ours; otherwise the neighbour is created or refreshed.
  std::optional<Refusal> receive_hello(std::uint32_t router_id, std::uint32_t source,
                                       const Hello& hello, Area& area, Out& out);
  // A Hello that lists nobody: each neighbour sees 1-WayReceived (§10.5) and
  // drops the adjacency now rather than after RouterDeadInterval.
  void send_goodbye(Area& area, Out& out);
  // Runs NeighborChange if a neighbour reported one, and removes the
  // neighbours that went Down.
  void settle(Area& area, Out& out);

  // §10.4: whether an adjacency with `nbr` should be formed.
  bool should_be_adjacent(const Neighbor& nbr) const;
  // §13.3: where floods and delayed acknowledgements go.
  std::uint32_t flood_destination() const;
  // The largest OSPF body that fits in one IP packet on this link.
  std::size_t max_payload() const;
  // §13.3 InfTransDelay in seconds, added to the age of each LSA sent.
  std::uint16_t transmit_delay() const;
  // §13.5: acknowledges `headers` with a delayed acknowledgement, bundled
  // with others to the flooding address; it goes out within kAckDelay (or at
  // once when a packet is full).
  void delay_ack(const std::vector<LsaHeader>& headers, Area& area, Out& out);
  // The delayed_ack timer fired: what waits goes out.
  void send_delayed_ack(Area& area, Out& out);
  // Sends `body` to `to` with this interface's authentication.
  void send(std::uint32_t to, Body body, Area& area, Out& out);
  Neighbor* find_neighbor(std::uint32_t router_id);

  InterfaceInfo info;
  config::OspfInterfaceConfig config;
  InterfaceState state = InterfaceState::down;
  std::uint32_t designated_router = 0;  // addresses, 0 = none
  std::uint32_t backup_designated_router = 0;
  std::map<std::uint32_t, Neighbor> neighbors;  // by router ID
  bool all_drouters = false;
  bool neighbor_change = false;    // §9.2 NeighborChange reported by a neighbour, not yet run
  bool network_lsa_stale = false;  // §12.4.2: what our network-LSA for the link says may change
  InterfaceCounters counters;
  LinkStateAck delayed_ack;  // §13.5: waiting for the delayed_ack timer

 private:
  void enter_state(InterfaceState next, Area& area, Out& out);
  void elect_designated_routers(Area& area, Out& out);
  void send_hello(bool with_neighbors, Area& area, Out& out);
  void run_neighbor_change(Area& area, Out& out);
};

std::string_view to_string(InterfaceState state);

}  // namespace anycastd::ospf
