// RFC 2328 §9: the interface state machine, the DR/BDR election (§9.4) and
// the Hello protocol (§9.5 sending, §10.5 receiving).
#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "ospf/speaker.hpp"

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

void Speaker::interface_event(Interface& iface, InterfaceEvent event, TimePoint now, Out& out) {
  switch (iface.state) {
    case InterfaceState::down:
      switch (event) {
        case InterfaceEvent::interface_up:
          // RFC 2328 §9.3 InterfaceUp: point-to-point goes straight to
          // Point-to-point; a router that cannot become DR to DR Other; else Waiting.
          if (!iface.broadcast()) {
            enter_interface_state(iface, InterfaceState::point_to_point, now, out);
          } else if (iface.config.priority == 0) {
            enter_interface_state(iface, InterfaceState::dr_other, now, out);
          } else {
            enter_interface_state(iface, InterfaceState::waiting, now, out);
          }
          return;
        case InterfaceEvent::wait_timer:
        case InterfaceEvent::backup_seen:
        case InterfaceEvent::neighbor_change:
        case InterfaceEvent::interface_down:
          return;
      }
      return;
    case InterfaceState::waiting:
      switch (event) {
        case InterfaceEvent::backup_seen:
        case InterfaceEvent::wait_timer:
          // "Calculate the attached network's BDR and DR".
          elect_designated_routers(iface, now, out);
          return;
        case InterfaceEvent::interface_down:
          enter_interface_state(iface, InterfaceState::down, now, out);
          return;
        case InterfaceEvent::interface_up:
        case InterfaceEvent::neighbor_change:
          return;
      }
      return;
    case InterfaceState::point_to_point:
      switch (event) {
        case InterfaceEvent::interface_down:
          enter_interface_state(iface, InterfaceState::down, now, out);
          return;
        case InterfaceEvent::interface_up:
        case InterfaceEvent::wait_timer:
        case InterfaceEvent::backup_seen:
        case InterfaceEvent::neighbor_change:
          return;
      }
      return;
    case InterfaceState::dr_other:
    case InterfaceState::backup:
    case InterfaceState::dr:
      switch (event) {
        case InterfaceEvent::neighbor_change:
          elect_designated_routers(iface, now, out);
          return;
        case InterfaceEvent::interface_down:
          enter_interface_state(iface, InterfaceState::down, now, out);
          return;
        case InterfaceEvent::interface_up:
        case InterfaceEvent::wait_timer:
        case InterfaceEvent::backup_seen:
          return;
      }
      return;
  }
}

void Speaker::enter_interface_state(Interface& iface, InterfaceState state, TimePoint now,
                                    Out& out) {
  const InterfaceState old = iface.state;
  if (old == state) return;
  iface.state = state;
  log(config::LogLevel::info,
      fmt::format("{}: interface {} -> {}", iface.info.name, to_string(old), to_string(state)),
      out);
  const std::size_t index = static_cast<std::size_t>(&iface - interfaces_.data());
  const bool designated = state == InterfaceState::dr || state == InterfaceState::backup;
  if (designated != iface.all_drouters) {
    iface.all_drouters = designated;
    out.push_back(SetAllDRouters{index, designated});
  }
  switch (state) {
    case InterfaceState::down: {
      // §9.3 InterfaceDown: "All interface variables are reset ... the
      // neighbor connections associated with the interface are destroyed (KillNbr)".
      iface.hello_at.reset();
      iface.wait_at.reset();
      std::vector<std::uint32_t> ids;
      for (const auto& [id, nbr] : iface.neighbors)
        ids.push_back(id);
      for (const auto id : ids) {
        auto it = iface.neighbors.find(id);
        if (it != iface.neighbors.end()) {
          neighbor_event(iface, it->second, NeighborEvent::kill_nbr, now, out);
        }
      }
      iface.designated_router = 0;
      iface.backup_designated_router = 0;
      break;
    }
    case InterfaceState::waiting:
      // §9.3: "start the wait timer"; its length is RouterDeadInterval.
      iface.wait_at = now + iface.config.dead_interval;
      [[fallthrough]];
    case InterfaceState::point_to_point:
    case InterfaceState::dr_other:
      if (old == InterfaceState::down) {
        // §9.5: "start the interval Hello Timer, enabling the periodic sending of Hello packets".
        send_hello(iface, true, now, out);
        iface.hello_at = now + iface.config.hello_interval;
      }
      break;
    case InterfaceState::backup:
    case InterfaceState::dr:
      break;
  }
  if (state_ == State::running) {
    update_network_lsa(iface, now, out);
    schedule_router_lsa(now, out);
  }
}

void Speaker::elect_designated_routers(Interface& iface, TimePoint now, Out& out) {
  // §9.4 step 1: the eligible routers are the neighbours in 2-Way or better
  // with non-zero priority, and ourselves if our priority is not zero.
  std::vector<Candidate> candidates;
  const std::size_t self = iface.config.priority > 0 ? 0 : std::string::npos;
  if (iface.config.priority > 0) {
    candidates.push_back({router_id_, iface.info.address, iface.config.priority,
                          iface.designated_router, iface.backup_designated_router});
  }
  for (const auto& [id, nbr] : iface.neighbors) {
    if (nbr.state < NeighborState::two_way || nbr.priority == 0) continue;
    candidates.push_back(
        {id, nbr.address, nbr.priority, nbr.designated_router, nbr.backup_designated_router});
  }
  const std::uint32_t me = iface.info.address;
  const std::uint32_t old_dr = iface.designated_router;
  const std::uint32_t old_bdr = iface.backup_designated_router;
  auto [dr, bdr] = elect(candidates);
  // Step 4: "If Router X is now newly the DR or newly the BDR, or is now no
  // longer the DR or no longer the BDR, repeat steps 2 and 3".
  if (self != std::string::npos &&
      ((dr == me) != (old_dr == me) || (bdr == me) != (old_bdr == me))) {
    candidates[self].dr = dr;
    candidates[self].bdr = bdr;
    std::tie(dr, bdr) = elect(candidates);
  }
  iface.designated_router = dr;
  iface.backup_designated_router = bdr;
  if (dr != old_dr || bdr != old_bdr) {
    log(config::LogLevel::info,
        fmt::format("{}: DR {}, BDR {}", iface.info.name, dotted(dr), dotted(bdr)), out);
  }
  // Step 5: the interface state follows from the result.
  InterfaceState state = InterfaceState::dr_other;
  if (dr == me) {
    state = InterfaceState::dr;
  } else if (bdr == me) {
    state = InterfaceState::backup;
  }
  enter_interface_state(iface, state, now, out);
  // Step 7: "if the above calculations have caused the identity of either the
  // DR or BDR to change, the set of adjacencies ... will need to be modified":
  // AdjOK? for every neighbour in 2-Way or better.
  if (dr != old_dr || bdr != old_bdr) {
    std::vector<std::uint32_t> ids;
    for (const auto& [id, nbr] : iface.neighbors)
      ids.push_back(id);
    for (const auto id : ids) {
      auto it = iface.neighbors.find(id);
      if (it != iface.neighbors.end() && it->second.state >= NeighborState::two_way) {
        neighbor_event(iface, it->second, NeighborEvent::adj_ok, now, out);
      }
    }
    if (state_ == State::running) {
      update_network_lsa(iface, now, out);
      schedule_router_lsa(now, out);
    }
  }
}

void Speaker::send_hello(Interface& iface, bool with_neighbors, TimePoint, Out& out) {
  Hello h;
  // §A.3.2: "Network mask ... on point-to-point networks ... set to 0.0.0.0"
  // is what BIRD and FRR send and accept; we send the mask on broadcast links.
  h.network_mask = iface.broadcast() ? iface.info.mask() : 0;
  h.hello_interval = seconds(iface.config.hello_interval);
  h.options = kOptionE;
  h.priority = iface.config.priority;
  h.dead_interval = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(iface.config.dead_interval).count());
  h.designated_router = iface.designated_router;
  h.backup_designated_router = iface.backup_designated_router;
  if (with_neighbors) {
    // §9.5: "the list of all routers from which Hello Packets have been seen
    // recently": neighbours in state Init or greater.
    for (const auto& [id, nbr] : iface.neighbors) {
      if (nbr.state >= NeighborState::init) h.neighbors.push_back(id);
    }
  }
  send(iface, kAllSpfRouters, std::move(h), out);
}

void Speaker::receive_hello(Interface& iface, std::uint32_t source, const Packet& packet,
                            TimePoint now, Out& out) {
  const auto& hello = std::get<Hello>(packet.body);
  const std::string who =
      fmt::format("Hello from {} ({})", dotted(packet.router_id), dotted(source));
  // RFC 2328 §10.5: "the Network Mask, HelloInterval, and RouterDeadInterval
  // fields in the received Hello packet must be checked against the values
  // configured for the receiving interface. Any mismatch causes processing to
  // stop and the packet to be dropped" (the mask only on broadcast networks).
  if (iface.broadcast() && hello.network_mask != iface.info.mask()) {
    drop(iface, "mismatched_netmask",
         fmt::format("{}: mask {}, ours {}", who, dotted(hello.network_mask),
                     dotted(iface.info.mask())),
         out);
    return;
  }
  if (hello.hello_interval != seconds(iface.config.hello_interval)) {
    drop(iface, "mismatched_hello_interval",
         fmt::format("{}: HelloInterval {}s, ours {}s", who, hello.hello_interval,
                     seconds(iface.config.hello_interval)),
         out);
    return;
  }
  const auto dead = std::chrono::duration_cast<std::chrono::seconds>(iface.config.dead_interval);
  if (hello.dead_interval != static_cast<std::uint32_t>(dead.count())) {
    drop(
        iface, "mismatched_dead_interval",
        fmt::format("{}: RouterDeadInterval {}s, ours {}s", who, hello.dead_interval, dead.count()),
        out);
    return;
  }
  // "The setting of the E-bit found in the Hello Packet's Options field must
  // match this area's ExternalRoutingCapability."
  if ((hello.options & kOptionE) == 0) {
    drop(iface, "mismatched_options", who + ": E-bit clear (stub area?)", out);
    return;
  }
  auto [it, created] = iface.neighbors.try_emplace(packet.router_id);
  Neighbor& nbr = it->second;
  if (created) {
    nbr.router_id = packet.router_id;
    nbr.state_since = now;
  }
  nbr.address = source;
  nbr.options = hello.options;
  const std::uint8_t old_priority = nbr.priority;
  const std::uint32_t old_dr = nbr.designated_router;
  const std::uint32_t old_bdr = nbr.backup_designated_router;
  nbr.priority = hello.priority;
  nbr.designated_router = hello.designated_router;
  nbr.backup_designated_router = hello.backup_designated_router;
  neighbor_event(iface, nbr, NeighborEvent::hello_received, now, out);
  const bool lists_us = std::find(hello.neighbors.begin(), hello.neighbors.end(), router_id_) !=
                        hello.neighbors.end();
  if (!lists_us) {
    // "If the router itself does not appear in this list, then the neighbor
    // state machine should be executed with the event 1-WayReceived ...
    // and the processing of the Hello Packet stops."
    neighbor_event(iface, nbr, NeighborEvent::one_way, now, out);
    return;
  }
  neighbor_event(iface, nbr, NeighborEvent::two_way_received, now, out);
  if (!iface.broadcast()) return;
  const bool declares_dr = hello.designated_router == source;
  const bool declares_bdr = hello.backup_designated_router == source;
  const bool declared_dr = old_dr == source;
  const bool declared_bdr = old_bdr == source;
  bool neighbor_change = !created && old_priority != hello.priority;
  bool backup_seen = false;
  // "If the neighbor is both declaring itself to be DR and the BDR field is
  // 0.0.0.0, and the receiving interface is in state Waiting, BackupSeen";
  // likewise for a neighbour declaring itself BDR. Otherwise a change in what
  // it declares is a NeighborChange.
  if (iface.state == InterfaceState::waiting &&
      ((declares_dr && hello.backup_designated_router == 0) || declares_bdr)) {
    backup_seen = true;
  } else if (declares_dr != declared_dr || declares_bdr != declared_bdr) {
    neighbor_change = true;
  }
  if (backup_seen) interface_event(iface, InterfaceEvent::backup_seen, now, out);
  if (neighbor_change) interface_event(iface, InterfaceEvent::neighbor_change, now, out);
}

bool Speaker::should_be_adjacent(const Interface& iface, const Neighbor& nbr) const {
  // RFC 2328 §10.4: on point-to-point networks always; on broadcast networks
  // when either we or the neighbour is DR or BDR.
  if (!iface.broadcast()) return true;
  return iface.state == InterfaceState::dr || iface.state == InterfaceState::backup ||
         nbr.address == iface.designated_router || nbr.address == iface.backup_designated_router;
}

std::uint32_t Speaker::flood_destination(const Interface& iface) const {
  // RFC 2328 §13.3: "If the interface state is DR or Backup, send to
  // AllSPFRouters; otherwise to AllDRouters" on broadcast networks.
  if (!iface.broadcast()) return kAllSpfRouters;
  return iface.state == InterfaceState::dr || iface.state == InterfaceState::backup ? kAllSpfRouters
                                                                                    : kAllDRouters;
}

}  // namespace anycastd::ospf
