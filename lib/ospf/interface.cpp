// SPDX-License-Identifier: Apache-2.0
// RFC 2328 §9: the interface state machine, the DR/BDR election (§9.4) and
// the Hello protocol (§9.5 sending, §10.5 receiving).
#include "ospf/interface.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "ospf/area.hpp"

namespace anycastd::ospf {

namespace {

std::uint16_t seconds(Duration d) {
  return static_cast<std::uint16_t>(std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

struct Candidate {
  std::uint32_t router_id = 0;
  std::uint32_t address = 0;
  std::uint8_t priority = 0;
  std::uint32_t dr = 0;  // as declared
  std::uint32_t bdr = 0;
};

// RFC 2328 §9.4 steps 2 and 3 for one set of declarations; returns (DR, BDR) addresses.
std::pair<std::uint32_t, std::uint32_t> elect(const std::vector<Candidate>& candidates) {
  const auto better = [](const Candidate* a, const Candidate& b) {
    return !a || std::tie(b.priority, b.router_id) > std::tie(a->priority, a->router_id);
  };
  // Step 2: "the BDR is the router having the highest priority among those
  // not declaring themselves DR; routers declaring themselves BDR are preferred".
  const Candidate* bdr = nullptr;
  bool bdr_declared = false;
  for (const auto& c : candidates) {
    if (c.dr == c.address) continue;
    const bool declares = c.bdr == c.address;
    if (declares && !bdr_declared) {
      bdr = &c;
      bdr_declared = true;
    } else if (declares == bdr_declared && better(bdr, c)) {
      bdr = &c;
    }
  }
  // Step 3: "If one or more of the routers have declared themselves DR, the
  // one having highest priority is declared to be DR ... If no routers have
  // declared themselves DR, assign the DR the same value as the BDR."
  const Candidate* dr = nullptr;
  for (const auto& c : candidates) {
    if (c.dr == c.address && better(dr, c)) dr = &c;
  }
  const std::uint32_t bdr_address = bdr ? bdr->address : 0;
  return {dr ? dr->address : bdr_address, bdr_address};
}

}  // namespace

Interface::Interface(InterfaceInfo info, config::OspfInterfaceConfig config)
    : info(std::move(info)), config(std::move(config)) {}

void Interface::handle(InterfaceEvent event, Area& area, Out& out) {
  // RFC 2328 §9.3, by event: each case acts in the states the RFC lists for
  // it; in any other state the event changes nothing.
  switch (event) {
    case InterfaceEvent::interface_up:
      // Down: point-to-point goes straight to Point-to-point; a router that
      // cannot become DR to DR Other; else Waiting.
      if (state != InterfaceState::down) return;
      if (!broadcast()) {
        enter_state(InterfaceState::point_to_point, area, out);
      } else if (config.priority == 0) {
        enter_state(InterfaceState::dr_other, area, out);
      } else {
        enter_state(InterfaceState::waiting, area, out);
      }
      return;
    case InterfaceEvent::wait_timer:
    case InterfaceEvent::backup_seen:
      // Waiting: "Calculate the attached network's BDR and DR".
      if (state == InterfaceState::waiting) elect_designated_routers(area, out);
      return;
    case InterfaceEvent::neighbor_change:
      // DR Other, Backup or DR: "Recalculate the attached network's BDR and DR".
      if (state == InterfaceState::dr_other || state == InterfaceState::backup ||
          state == InterfaceState::dr) {
        elect_designated_routers(area, out);
      }
      return;
    case InterfaceEvent::interface_down:
      // Any state (enter_state ignores Down -> Down).
      enter_state(InterfaceState::down, area, out);
      return;
  }
}

void Interface::enter_state(InterfaceState next, Area& area, Out& out) {
  const InterfaceState old = state;
  if (old == next) return;
  state = next;
  out.log(config::LogLevel::info,
          fmt::format("ospf: {}: interface {} -> {}", info.name, to_string(old), to_string(next)));
  const bool designated = next == InterfaceState::dr || next == InterfaceState::backup;
  if (designated != all_drouters) {
    all_drouters = designated;
    out.push(SetAllDRouters{id(), designated});
  }
  switch (next) {
    case InterfaceState::down:
      // §9.3 InterfaceDown: "All interface variables are reset ... the
      // neighbor connections associated with the interface are destroyed (KillNbr)".
      out.cancel(TimerId::of(TimerKind::hello, id()));
      out.cancel(TimerId::of(TimerKind::wait, id()));
      out.cancel(TimerId::of(TimerKind::delayed_ack, id()));
      delayed_ack.headers.clear();
      for (auto& [router_id, nbr] : neighbors)
        nbr.handle(NeighborEvent::kill_nbr, *this, area, out);
      designated_router = 0;
      backup_designated_router = 0;
      neighbor_change = false;
      break;
    case InterfaceState::waiting:
      // §9.3: "start the wait timer"; its length is RouterDeadInterval.
      out.arm(TimerId::of(TimerKind::wait, id()), out.now + config.dead_interval);
      [[fallthrough]];
    case InterfaceState::point_to_point:
    case InterfaceState::dr_other:
      if (old == InterfaceState::down) {
        // §9.5: "start the interval Hello Timer, enabling the periodic sending of Hello packets".
        send_hello(true, area, out);
        out.arm(TimerId::of(TimerKind::hello, id()), out.now + config.hello_interval);
      }
      break;
    case InterfaceState::backup:
    case InterfaceState::dr:
      break;
  }
  network_lsa_stale = true;
  area.router_lsa_stale = true;
}

void Interface::elect_designated_routers(Area& area, Out& out) {
  // §9.4 step 1: the eligible routers are the neighbours in 2-Way or better
  // with non-zero priority, and ourselves if our priority is not zero.
  std::vector<Candidate> candidates;
  const std::size_t self = config.priority > 0 ? 0 : std::string::npos;
  if (config.priority > 0) {
    candidates.push_back({area.router_id, info.address, config.priority, designated_router,
                          backup_designated_router});
  }
  for (const auto& [id, nbr] : neighbors) {
    if (nbr.state < NeighborState::two_way || nbr.priority == 0) continue;
    candidates.push_back(
        {id, nbr.address, nbr.priority, nbr.designated_router, nbr.backup_designated_router});
  }
  const std::uint32_t me = info.address;
  const std::uint32_t old_dr = designated_router;
  const std::uint32_t old_bdr = backup_designated_router;
  auto [dr, bdr] = elect(candidates);
  // Step 4: "If Router X is now newly the DR or newly the BDR, or is now no
  // longer the DR or no longer the BDR, repeat steps 2 and 3".
  if (self != std::string::npos &&
      ((dr == me) != (old_dr == me) || (bdr == me) != (old_bdr == me))) {
    candidates[self].dr = dr;
    candidates[self].bdr = bdr;
    std::tie(dr, bdr) = elect(candidates);
  }
  designated_router = dr;
  backup_designated_router = bdr;
  if (dr != old_dr || bdr != old_bdr) {
    out.log(config::LogLevel::info,
            fmt::format("ospf: {}: DR {}, BDR {}", info.name, dotted(dr), dotted(bdr)));
  }
  // Step 5: the interface state follows from the result.
  InterfaceState next = InterfaceState::dr_other;
  if (dr == me) {
    next = InterfaceState::dr;
  } else if (bdr == me) {
    next = InterfaceState::backup;
  }
  enter_state(next, area, out);
  // Step 7: "if the above calculations have caused the identity of either the
  // DR or BDR to change, the set of adjacencies ... will need to be modified":
  // AdjOK? for every neighbour in 2-Way or better.
  if (dr != old_dr || bdr != old_bdr) {
    for (auto& [id, nbr] : neighbors) {
      if (nbr.bidirectional()) nbr.handle(NeighborEvent::adj_ok, *this, area, out);
    }
    network_lsa_stale = true;
    area.router_lsa_stale = true;
  }
}

void Interface::hello_timer(Area& area, Out& out) {
  send_hello(true, area, out);
  out.arm(TimerId::of(TimerKind::hello, id()), out.now + config.hello_interval);
}

void Interface::send_goodbye(Area& area, Out& out) {
  if (state != InterfaceState::down) send_hello(false, area, out);
}

void Interface::send_hello(bool with_neighbors, Area& area, Out& out) {
  Hello h;
  // §A.3.2: "Network mask ... on point-to-point networks ... set to 0.0.0.0"
  // is what BIRD and FRR send and accept; we send the mask on broadcast links.
  h.network_mask = broadcast() ? info.mask() : 0;
  h.hello_interval = seconds(config.hello_interval);
  h.options = area.options();
  h.priority = config.priority;
  h.dead_interval = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(config.dead_interval).count());
  h.designated_router = designated_router;
  h.backup_designated_router = backup_designated_router;
  if (with_neighbors) {
    // §9.5: "the list of all routers from which Hello Packets have been seen
    // recently": neighbours in state Init or greater.
    for (const auto& [id, nbr] : neighbors) {
      if (nbr.state >= NeighborState::init) h.neighbors.push_back(id);
    }
  }
  send(kAllSpfRouters, std::move(h), area, out);
}

std::optional<Refusal> Interface::receive_hello(std::uint32_t router_id, std::uint32_t source,
                                                const Hello& hello, Area& area, Out& out) {
  const std::string who = fmt::format("Hello from {} ({})", dotted(router_id), dotted(source));
  // RFC 2328 §10.5: "the Network Mask, HelloInterval, and RouterDeadInterval
  // fields in the received Hello packet must be checked against the values
  // configured for the receiving interface. Any mismatch causes processing to
  // stop and the packet to be dropped" (the mask only on broadcast networks).
  if (broadcast() && hello.network_mask != info.mask()) {
    return Refusal{
        "netmask_mismatch",
        fmt::format("{}: mask {}, ours {}", who, dotted(hello.network_mask), dotted(info.mask()))};
  }
  if (hello.hello_interval != seconds(config.hello_interval)) {
    return Refusal{"interval_mismatch",
                   fmt::format("{}: HelloInterval {}s, ours {}s", who, hello.hello_interval,
                               seconds(config.hello_interval))};
  }
  const auto dead = std::chrono::duration_cast<std::chrono::seconds>(config.dead_interval);
  if (hello.dead_interval != static_cast<std::uint32_t>(dead.count())) {
    return Refusal{"interval_mismatch", fmt::format("{}: RouterDeadInterval {}s, ours {}s", who,
                                                    hello.dead_interval, dead.count())};
  }
  // "The setting of the E-bit found in the Hello Packet's Options field must
  // match this area's ExternalRoutingCapability"; in an NSSA the N-bit must
  // match as well (RFC 3101 §2.1), so every router agrees on the area's type.
  const std::uint8_t mask = kOptionE | kOptionNP;
  if ((hello.options & mask) != (area.options() & mask)) {
    const auto area_of = [](std::uint8_t options) {
      if (options & kOptionNP) return "an NSSA";
      return (options & kOptionE) ? "a normal area" : "a stub area";
    };
    return Refusal{"options_mismatch",
                   fmt::format("{}: options 0x{:02x} ({}), ours 0x{:02x} ({})", who, hello.options,
                               area_of(hello.options), area.options(), area_of(area.options()))};
  }
  auto [it, created] = neighbors.try_emplace(router_id, router_id, source, out.now);
  Neighbor& nbr = it->second;
  nbr.address = source;
  nbr.options = hello.options;
  const std::uint8_t old_priority = nbr.priority;
  const std::uint32_t old_dr = nbr.designated_router;
  const std::uint32_t old_bdr = nbr.backup_designated_router;
  nbr.priority = hello.priority;
  nbr.designated_router = hello.designated_router;
  nbr.backup_designated_router = hello.backup_designated_router;
  nbr.handle(NeighborEvent::hello_received, *this, area, out);
  const bool lists_us = std::find(hello.neighbors.begin(), hello.neighbors.end(), area.router_id) !=
                        hello.neighbors.end();
  if (!lists_us) {
    // "If the router itself does not appear in this list, then the neighbor
    // state machine should be executed with the event 1-WayReceived ...
    // and the processing of the Hello Packet stops."
    nbr.handle(NeighborEvent::one_way, *this, area, out);
    run_neighbor_change(area, out);
    return std::nullopt;
  }
  nbr.handle(NeighborEvent::two_way_received, *this, area, out);
  run_neighbor_change(area, out);
  if (!broadcast()) return std::nullopt;
  const bool declares_dr = hello.designated_router == source;
  const bool declares_bdr = hello.backup_designated_router == source;
  const bool declared_dr = old_dr == source;
  const bool declared_bdr = old_bdr == source;
  bool neighbor_changed = !created && old_priority != hello.priority;
  bool backup_seen = false;
  // "If the neighbor is both declaring itself to be DR and the BDR field is
  // 0.0.0.0, and the receiving interface is in state Waiting, BackupSeen";
  // likewise for a neighbour declaring itself BDR. Otherwise a change in what
  // it declares is a NeighborChange.
  if (state == InterfaceState::waiting &&
      ((declares_dr && hello.backup_designated_router == 0) || declares_bdr)) {
    backup_seen = true;
  } else if (declares_dr != declared_dr || declares_bdr != declared_bdr) {
    neighbor_changed = true;
  }
  if (backup_seen) handle(InterfaceEvent::backup_seen, area, out);
  if (neighbor_changed) handle(InterfaceEvent::neighbor_change, area, out);
  return std::nullopt;
}

void Interface::run_neighbor_change(Area& area, Out& out) {
  // §9.2 NeighborChange, reported by a neighbour whose bidirectional state
  // changed (§10.3); handling it may report another (AdjOK?).
  while (std::exchange(neighbor_change, false))
    handle(InterfaceEvent::neighbor_change, area, out);
}

void Interface::settle(Area& area, Out& out) {
  run_neighbor_change(area, out);
  std::erase_if(neighbors,
                [](const auto& entry) { return entry.second.state == NeighborState::down; });
}

bool Interface::should_be_adjacent(const Neighbor& nbr) const {
  // RFC 2328 §10.4: on point-to-point networks always; on broadcast networks
  // when either we or the neighbour is DR or BDR.
  if (!broadcast()) return true;
  return state == InterfaceState::dr || state == InterfaceState::backup ||
         nbr.address == designated_router || nbr.address == backup_designated_router;
}

std::uint32_t Interface::flood_destination() const {
  // RFC 2328 §13.3: "If the interface state is DR or Backup, send to
  // AllSPFRouters; otherwise to AllDRouters" on broadcast networks.
  if (!broadcast()) return kAllSpfRouters;
  return state == InterfaceState::dr || state == InterfaceState::backup ? kAllSpfRouters
                                                                        : kAllDRouters;
}

std::size_t Interface::max_payload() const {
  // IP header 20 bytes, OSPF header 24, MD5 digest 16.
  const std::size_t overhead =
      20 + kHeaderSize + (config.authentication.mode == config::AuthMode::md5 ? kMd5DigestSize : 0);
  return info.mtu > overhead + 64 ? info.mtu - overhead : 64;
}

void Interface::delay_ack(const std::vector<LsaHeader>& headers, Area& area, Out& out) {
  if (headers.empty()) return;
  const bool armed = !delayed_ack.headers.empty();
  delayed_ack.headers.insert(delayed_ack.headers.end(), headers.begin(), headers.end());
  const std::size_t room = (max_payload() - 4) / kLsaHeaderSize;
  if (delayed_ack.headers.size() >= room) {
    send_delayed_ack(area, out);
    return;
  }
  // "The fixed interval between a router's delayed transmissions must be
  // short (less than RxmtInterval) or needless retransmissions will ensue."
  if (!armed) {
    const Duration delay = std::min<Duration>(kAckDelay, config.retransmit_interval / 2);
    out.arm(TimerId::of(TimerKind::delayed_ack, id()), out.now + delay);
  }
}

void Interface::send_delayed_ack(Area& area, Out& out) {
  out.cancel(TimerId::of(TimerKind::delayed_ack, id()));
  const std::size_t room = (max_payload() - 4) / kLsaHeaderSize;
  auto& pending = delayed_ack.headers;
  for (std::size_t first = 0; first < pending.size(); first += room) {
    LinkStateAck ack;
    const std::size_t last = std::min(pending.size(), first + room);
    ack.headers.assign(pending.begin() + static_cast<std::ptrdiff_t>(first),
                       pending.begin() + static_cast<std::ptrdiff_t>(last));
    send(flood_destination(), std::move(ack), area, out);
  }
  pending.clear();
}

std::uint16_t Interface::transmit_delay() const {
  return seconds(config.transmit_delay);
}

void Interface::send(std::uint32_t to, Body body, Area& area, Out& out) {
  ++counters.sent;
  out.push(Send{id(), to, area.encode(std::move(body), config.authentication)});
}

Neighbor* Interface::find_neighbor(std::uint32_t router_id) {
  const auto it = neighbors.find(router_id);
  return it == neighbors.end() ? nullptr : &it->second;
}

std::string_view to_string(InterfaceState state) {
  switch (state) {
    case InterfaceState::down:
      return "Down";
    case InterfaceState::waiting:
      return "Waiting";
    case InterfaceState::point_to_point:
      return "Point-to-point";
    case InterfaceState::dr_other:
      return "DROther";
    case InterfaceState::backup:
      return "Backup";
    case InterfaceState::dr:
      return "DR";
  }
  return "unknown";
}

}  // namespace anycastd::ospf
