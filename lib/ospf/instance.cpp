// SPDX-License-Identifier: Apache-2.0
#include "ospf/instance.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "ospf/flooding.hpp"
#include "ospf/reload.hpp"
#include "util/overloaded.hpp"

namespace anycastd::ospf {

Instance::Instance(config::OspfConfig config, std::uint32_t router_id,
                   std::vector<InterfaceInfo> interfaces, AreaOptions options)
    : config_(std::move(config)),
      area_(router_id, config_.area, config_.lsdb_limit, options),
      origination_(config_.prefix_cost, config_.degraded_cost, config_.announce_as) {
  area_.type = config_.area_type;
  for (auto& info : interfaces) {
    const auto it = std::find_if(config_.interfaces.begin(), config_.interfaces.end(),
                                 [&](const auto& c) { return c.name == info.name; });
    if (it != config_.interfaces.end()) area_.interfaces.emplace_back(std::move(info), *it);
  }
}

std::vector<Action> Instance::handle(const Event& event, TimePoint now) {
  Out out(now);
  std::visit(Overloaded{
                 [&](const Start&) { start(out); },
                 [&](const Stop& e) { stop(e, out); },
                 [&](const TimerExpired& e) { timer_expired(e.timer, out); },
                 [&](const RouteChanged& e) { route_changed(e, out); },
                 [&](const PacketReceived& e) { packet_received(e, out); },
                 [&](const Reconfigure& e) { reconfigure(e, out); },
                 [&](const NeighborDown& e) { neighbor_down(e, out); },
             },
             event);
  settle(out);
  return out.take();
}

void Instance::start(Out& out) {
  if (state_ != State::idle) return;
  state_ = State::running;
  std::string where;
  for (const auto& i : area_.interfaces) {
    where +=
        fmt::format("{}{} ({}/{}, {})", where.empty() ? "" : ", ", i.info.name,
                    dotted(i.info.address), i.info.prefix_length, config::to_string(i.config.type));
  }
  out.log(
      config::LogLevel::info,
      fmt::format("ospf: router-id {}, area {} ({}), on {}; {} prefix(es) to announce as {}",
                  dotted(area_.router_id), dotted(area_.id), config::to_string(area_.type), where,
                  origination_.announced().size(), config::to_string(origination_.announce_as())));
  for (auto& iface : area_.interfaces)
    iface.handle(InterfaceEvent::interface_up, area_, out);
  out.arm(TimerId::of(TimerKind::aging), out.now + kAgingTick);
  origination_.start(area_, out);
}

void Instance::stop(const Stop& stop, Out& out) {
  switch (state_) {
    case State::idle:
      state_ = State::stopped;
      out.push(Stopped{});
      return;
    case State::running:
      break;
    case State::stopping:
    case State::stopped:
      return;
  }
  state_ = State::stopping;
  origination_.stop(out);
  out.arm(TimerId::of(TimerKind::stop_deadline), stop.deadline);
  bool adjacent = false;
  for (const auto& iface : area_.interfaces) {
    for (const auto& [id, nbr] : iface.neighbors)
      adjacent = adjacent || nbr.state >= NeighborState::exchange;
  }
  if (!adjacent) {
    finish_stop(out);
    return;
  }
  // RFC 2328 §14.1: our LSAs are flushed by setting their age to MaxAge and
  // flooding them, at once; one that a neighbour may discard for MinLSArrival
  // (§13 (5a)) goes again as soon as it would be taken.
  out.log(config::LogLevel::info,
          fmt::format("ospf: stopping: flushing our router-LSA and {} prefix(es)",
                      origination_.announced().size()));
  origination_.flush_all(area_, out);
}

void Instance::finish_stop(Out& out) {
  // A last Hello listing nobody makes each neighbour see 1-WayReceived
  // (§10.5) and drop the adjacency now rather than after RouterDeadInterval.
  for (auto& iface : area_.interfaces) {
    iface.send_goodbye(area_, out);
    iface.handle(InterfaceEvent::interface_down, area_, out);
    iface.settle(area_, out);
  }
  state_ = State::stopped;
  out.cancel(TimerId::of(TimerKind::stop_deadline));
  out.cancel(TimerId::of(TimerKind::aging));
  out.log(config::LogLevel::info, "ospf: stopped");
  out.push(Stopped{});
}

void Instance::timer_expired(const TimerId& timer, Out& out) {
  if (state_ != State::running && state_ != State::stopping) return;
  switch (timer.kind) {
    case TimerKind::hello:
      if (auto* iface = area_.find_interface(timer.interface)) iface->hello_timer(area_, out);
      return;
    case TimerKind::wait:
      if (auto* iface = area_.find_interface(timer.interface)) {
        iface->handle(InterfaceEvent::wait_timer, area_, out);
      }
      return;
    case TimerKind::inactivity:
    case TimerKind::dd_retransmit:
    case TimerKind::lsr_retransmit:
    case TimerKind::lsu_retransmit:
      neighbor_timer(timer, out);
      return;
    case TimerKind::aging:
      age_database(out);
      out.arm(TimerId::of(TimerKind::aging), out.now + kAgingTick);
      return;
    case TimerKind::delayed_ack:
      if (auto* iface = area_.find_interface(timer.interface)) iface->send_delayed_ack(area_, out);
      return;
    case TimerKind::router_lsa:
      origination_.router_lsa_timer(area_, out);
      return;
    case TimerKind::external_lsa:
      origination_.update_externals(area_, out);
      return;
    case TimerKind::stop_deadline:
      if (state_ == State::stopping) finish_stop(out);
      return;
  }
}

void Instance::neighbor_timer(const TimerId& timer, Out& out) {
  Interface* iface = area_.find_interface(timer.interface);
  Neighbor* nbr = iface ? iface->find_neighbor(timer.neighbor) : nullptr;
  if (!nbr) return;
  switch (timer.kind) {
    case TimerKind::inactivity:
      nbr->handle(NeighborEvent::inactivity_timer, *iface, area_, out);
      return;
    case TimerKind::dd_retransmit:
      nbr->dd_retransmit_timer(*iface, area_, out);
      return;
    case TimerKind::lsr_retransmit:
      nbr->lsr_retransmit_timer(*iface, area_, out);
      return;
    case TimerKind::lsu_retransmit:
      retransmit(area_, *iface, *nbr, out);
      return;
    case TimerKind::hello:
    case TimerKind::wait:
    case TimerKind::delayed_ack:
    case TimerKind::aging:
    case TimerKind::router_lsa:
    case TimerKind::external_lsa:
    case TimerKind::stop_deadline:
      return;
  }
}

void Instance::age_database(Out& out) {
  for (const auto& key : ospf::age_database(area_, out))
    origination_.removed(area_, key, out);
}

void Instance::route_changed(const RouteChanged& change, Out& out) {
  if (state_ != State::idle && state_ != State::running) return;
  if (!origination_.set_route(change.prefix, change.action)) return;
  if (state_ != State::running) return;
  const auto announced = origination_.announced();
  const auto it = announced.find(change.prefix);
  const bool external = origination_.announce_as() == config::OspfAnnounceAs::external;
  out.log(config::LogLevel::info,
          fmt::format("ospf: {} {} {}", change.prefix.to_string(),
                      it == announced.end() ? std::string("removed from")
                                            : fmt::format("at cost {} in", it->second),
                      external ? "its own LSA" : "the router-LSA"));
  (external ? area_.externals_stale : area_.router_lsa_stale) = true;
}

void Instance::packet_received(const PacketReceived& received, Out& out) {
  if (state_ != State::running && state_ != State::stopping) return;
  Interface* iface = area_.find_interface(received.interface);
  if (!iface || iface->state == InterfaceState::down) return;
  // Each packet is counted once: received, then accepted or dropped for one reason.
  ++counters_.received;
  ++iface->counters.packets.received;
  if (const auto refusal = receive(*iface, received, out)) {
    counters_.add_dropped(refusal->reason);
    iface->counters.packets.add_dropped(refusal->reason);
    out.push(core::drop_log("ospf: " + iface->info.name, refusal->reason, refusal->detail));
    return;
  }
  ++counters_.accepted;
  ++iface->counters.packets.accepted;
}

std::optional<Refusal> Instance::receive(Interface& iface, const PacketReceived& received,
                                         Out& out) {
  const std::string from = "from " + dotted(received.source);
  if (received.source == iface.info.address) {
    return Refusal{"own_packet", from + ": our own packet, looped back"};
  }
  const auto decoded = decode(received.bytes);
  if (const auto* failure = std::get_if<DecodeFailure>(&decoded)) {
    return Refusal{to_string(failure->error), from + ": " + failure->message};
  }
  const auto& packet = std::get<Packet>(decoded);
  // RFC 2328 §8.2: "The Area ID found in the OSPF header must be verified":
  // it must be the area of the receiving interface.
  if (packet.area_id != area_.id) {
    return Refusal{"wrong_area", fmt::format("{}: area {}", from, dotted(packet.area_id))};
  }
  // "Packets whose IP destination is AllDRouters should only be accepted if
  // the state of the receiving interface is DR or Backup."
  if (received.destination == kAllDRouters && iface.state != InterfaceState::dr &&
      iface.state != InterfaceState::backup) {
    return Refusal{"not_dr", from + ": to AllDRouters, and we are neither DR nor BDR"};
  }
  // "the packet's IP source address is required to be on the same network as
  // the receiving interface" (not checked on point-to-point links).
  if (iface.broadcast() && !iface.info.on_link(received.source)) {
    return Refusal{"not_on_link", from + " is not on " + iface.info.name + "'s subnet"};
  }
  if (packet.router_id == area_.router_id) {
    return Refusal{"own_router_id", from + " uses our router ID"};
  }
  Neighbor* nbr = iface.find_neighbor(packet.router_id);
  // RFC 2328 §8.2: "the packet must be authenticated", appendix D.
  const auto auth = verify_auth(packet, received.bytes, iface.config.authentication,
                                nbr ? nbr->crypto_sequence : std::nullopt);
  if (auth != AuthError::none) {
    return Refusal{drop_reason(auth),
                   fmt::format("{} ({}): {}", from, to_string(packet.type()), to_string(auth))};
  }
  if (const auto* hello = std::get_if<Hello>(&packet.body)) {
    if (auto refusal = iface.receive_hello(packet.router_id, received.source, *hello, area_, out)) {
      return refusal;
    }
    nbr = iface.find_neighbor(packet.router_id);
  } else if (!nbr) {
    return Refusal{"unknown_neighbor",
                   fmt::format("{} ({}) from router {}, not a neighbor", from,
                               to_string(packet.type()), dotted(packet.router_id))};
  } else if (auto refusal = dispatch(iface, *nbr, packet, out)) {
    return refusal;
  }
  if (nbr && packet.auth_type == AuthType::cryptographic) {
    nbr->crypto_sequence = packet.crypto().sequence;
  }
  return std::nullopt;
}

std::optional<Refusal> Instance::dispatch(Interface& iface, Neighbor& nbr, const Packet& packet,
                                          Out& out) {
  const auto not_adjacent = [&]() -> std::optional<Refusal> {
    // §10.7, §13, §13.7: LS Requests, Updates and Acknowledgments count only
    // from a neighbour in Exchange or later.
    if (nbr.state >= NeighborState::exchange) return std::nullopt;
    return Refusal{"not_adjacent", fmt::format("{} from {} in state {}", to_string(packet.type()),
                                               dotted(nbr.router_id), to_string(nbr.state))};
  };
  return std::visit(
      Overloaded{
          [&](const Hello&) -> std::optional<Refusal> { return std::nullopt; },
          [&](const DatabaseDescription& dd) { return nbr.receive_dd(dd, iface, area_, out); },
          [&](const LinkStateRequest& lsr) {
            auto refusal = not_adjacent();
            if (!refusal) nbr.receive_lsr(lsr, iface, area_, out);
            return refusal;
          },
          [&](const LinkStateUpdate& lsu) {
            auto refusal = not_adjacent();
            if (refusal) return refusal;
            for (const auto& key : receive_update(area_, iface, nbr, lsu, out))
              origination_.self_originated_received(area_, key, out);
            return refusal;
          },
          [&](const LinkStateAck& ack) {
            auto refusal = not_adjacent();
            if (!refusal) receive_ack(iface, nbr, ack, out);
            return refusal;
          },
      },
      packet.body);
}

void Instance::neighbor_down(const NeighborDown& down, Out& out) {
  if (state_ != State::running && state_ != State::stopping) return;
  for (auto& iface : area_.interfaces) {
    for (auto& [id, nbr] : iface.neighbors) {
      if (nbr.address != down.address || nbr.state == NeighborState::down) continue;
      out.log(config::LogLevel::warn,
              fmt::format("ospf: {}: neighbor {} ({}) reported down", iface.info.name, dotted(id),
                          dotted(nbr.address)));
      nbr.handle(NeighborEvent::kill_nbr, iface, area_, out);
    }
  }
}

void Instance::reconfigure(const Reconfigure& next, Out& out) {
  const ReloadPlan plan = plan_reload(config_, next.config);
  if (plan.replace) return;
  const bool running = state_ == State::running;
  const auto config_of = [&](const std::string& name) {
    return *std::find_if(next.config.interfaces.begin(), next.config.interfaces.end(),
                         [&](const auto& c) { return c.name == name; });
  };
  for (const auto& name : plan.interfaces_removed)
    remove_interface(name, out);
  for (const auto& name : plan.interfaces_restarted) {
    Interface* iface = nullptr;
    for (auto& i : area_.interfaces) {
      if (i.info.name == name) iface = &i;
    }
    if (!iface) continue;
    out.log(config::LogLevel::info,
            fmt::format("ospf: {}: settings changed, restarting its adjacencies", name));
    if (running) {
      iface->send_goodbye(area_, out);
      iface->handle(InterfaceEvent::interface_down, area_, out);
    }
    iface->config = config_of(name);
    if (running) iface->handle(InterfaceEvent::interface_up, area_, out);
  }
  for (const auto& name : plan.interfaces_cost_changed) {
    for (auto& iface : area_.interfaces) {
      if (iface.info.name == name) iface.config = config_of(name);
    }
    area_.router_lsa_stale = true;
  }
  for (const auto& info : next.added) {
    if (std::find(plan.interfaces_added.begin(), plan.interfaces_added.end(), info.name) ==
        plan.interfaces_added.end()) {
      continue;
    }
    out.log(config::LogLevel::info, fmt::format("ospf: {}: added", info.name));
    auto& iface = area_.interfaces.emplace_back(info, config_of(info.name));
    if (running) iface.handle(InterfaceEvent::interface_up, area_, out);
  }
  // The config's order, which is the router-LSA's order of links.
  std::stable_sort(area_.interfaces.begin(), area_.interfaces.end(),
                   [&](const Interface& a, const Interface& b) {
                     const auto position = [&](const Interface& i) {
                       return std::find_if(next.config.interfaces.begin(),
                                           next.config.interfaces.end(),
                                           [&](const auto& c) { return c.name == i.info.name; }) -
                              next.config.interfaces.begin();
                     };
                     return position(a) < position(b);
                   });
  for (const auto& name : plan.interfaces_retimed) {
    for (auto& iface : area_.interfaces) {
      if (iface.info.name == name) iface.config = config_of(name);
    }
  }
  if (plan.costs_changed &&
      origination_.set_costs(next.config.prefix_cost, next.config.degraded_cost)) {
    area_.router_lsa_stale = true;
    area_.externals_stale = true;
  }
  if (plan.lsdb_limit_changed) area_.lsdb.set_limit(next.config.lsdb_limit);
  config_ = next.config;
}

void Instance::remove_interface(const std::string& name, Out& out) {
  const auto it = std::find_if(area_.interfaces.begin(), area_.interfaces.end(),
                               [&](const Interface& i) { return i.info.name == name; });
  if (it == area_.interfaces.end()) return;
  out.log(config::LogLevel::info, fmt::format("ospf: {}: removed", name));
  it->send_goodbye(area_, out);
  it->handle(InterfaceEvent::interface_down, area_, out);
  // Our network-LSA for the link, if we were its DR, goes with it (§12.4.2).
  if (state_ == State::running) origination_.update_network_lsa(area_, *it, out);
  area_.interfaces.erase(it);
  area_.router_lsa_stale = true;
}

void Instance::settle(Out& out) {
  for (auto& iface : area_.interfaces)
    iface.settle(area_, out);
  // What the units reported changed in what we originate (§12.4).
  for (auto& iface : area_.interfaces) {
    if (std::exchange(iface.network_lsa_stale, false) && state_ == State::running) {
      origination_.update_network_lsa(area_, iface, out);
    }
  }
  // An interface's state changes an NSSA LSA's forwarding address too.
  const bool interfaces_changed = area_.router_lsa_stale;
  if (std::exchange(area_.router_lsa_stale, false) && state_ == State::running) {
    origination_.update_router_lsa(area_, out);
  }
  if ((std::exchange(area_.externals_stale, false) || interfaces_changed) &&
      state_ == State::running) {
    origination_.update_externals(area_, out);
  }
  if (state_ == State::stopping) {
    // Every flushed LSA of ours is acknowledged by every neighbour: nothing left to wait for.
    bool pending = false;
    for (const auto& iface : area_.interfaces) {
      for (const auto& [id, nbr] : iface.neighbors) {
        for (const auto& [key, header] : nbr.retransmission_list)
          pending = pending || key.advertising_router == area_.router_id;
      }
    }
    if (!pending) finish_stop(out);
  }
}

}  // namespace anycastd::ospf
