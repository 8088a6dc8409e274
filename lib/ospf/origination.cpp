// SPDX-License-Identifier: Apache-2.0
// RFC 2328 §12.4: originating our router-LSA, one AS-external (or NSSA)
// LSA per announced prefix, and a network-LSA while we are DR; §12.1.6
// sequence numbers, §13.4 receiving our own LSAs, §14.1 flushing.
#include "ospf/origination.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "ospf/flooding.hpp"

namespace anycastd::ospf {

namespace {

std::uint32_t prefix_mask(std::uint8_t length) {
  return length == 0 ? 0 : ~std::uint32_t{0} << (32 - std::min<std::uint8_t>(length, 32));
}

RouterLink link(RouterLinkType type, std::uint32_t id, std::uint32_t data, std::uint16_t metric) {
  return RouterLink{id, data, static_cast<std::uint8_t>(type), metric, {}};
}

}  // namespace

Origination::Origination(std::uint16_t prefix_cost, std::uint16_t degraded_cost,
                         config::OspfAnnounceAs announce_as)
    : prefix_cost_(prefix_cost), degraded_cost_(degraded_cost), announce_as_(announce_as) {}

bool Origination::set_route(const Prefix& prefix, core::RouteAction action) {
  if (!prefix.address.is_v4()) return false;
  if (action == core::RouteAction::withdraw) return routes_.erase(prefix) > 0;
  auto [it, inserted] = routes_.emplace(prefix, action);
  if (!inserted && it->second == action) return false;
  it->second = action;
  return true;
}

bool Origination::set_costs(std::uint16_t prefix_cost, std::uint16_t degraded_cost) {
  if (prefix_cost == prefix_cost_ && degraded_cost == degraded_cost_) return false;
  prefix_cost_ = prefix_cost;
  degraded_cost_ = degraded_cost;
  return true;
}

std::uint16_t Origination::cost_of(core::RouteAction action) const {
  switch (action) {
    case core::RouteAction::announce:
      return prefix_cost_;
    case core::RouteAction::degrade:
      return degraded_cost_;
    case core::RouteAction::withdraw:
      return 0;
  }
  return 0;
}

std::map<Prefix, std::uint16_t> Origination::announced() const {
  std::map<Prefix, std::uint16_t> out;
  for (const auto& [prefix, action] : routes_)
    out.emplace(prefix, cost_of(action));
  return out;
}

void Origination::start(Area& area, Out& out) {
  active_ = true;
  originate_router_lsa(area, false, out);
  update_externals(area, out);
}

void Origination::stop(Out& out) {
  active_ = false;
  router_lsa_held_ = false;
  out.cancel(TimerId::of(TimerKind::router_lsa));
  out.cancel(TimerId::of(TimerKind::external_lsa));
}

RouterLsa Origination::build_router_lsa(const Area& area) const {
  // §12.4.1: "Router-LSAs ... describe the state of the router's interfaces to the area."
  RouterLsa lsa;
  if (announce_as_ == config::OspfAnnounceAs::external) lsa.flags = kRouterFlagE;
  for (const auto& iface : area.interfaces) {
    const auto& info = iface.info;
    const std::uint16_t cost = iface.config.cost;
    const RouterLink stub =
        link(RouterLinkType::stub, info.address & info.mask(), info.mask(), cost);
    switch (iface.state) {
      case InterfaceState::down:
        break;
      case InterfaceState::point_to_point:
        // §12.4.1.1: "If the neighboring router is fully adjacent, add a
        // Type 1 link (point-to-point)"; plus the subnet as a stub (option 1).
        for (const auto& [id, nbr] : iface.neighbors) {
          if (nbr.state == NeighborState::full) {
            lsa.links.push_back(link(RouterLinkType::point_to_point, id, info.address, cost));
          }
        }
        lsa.links.push_back(stub);
        break;
      case InterfaceState::waiting:
        // §12.4.1.2: "If the state of the interface is Waiting, add a Type 3 link (stub network)".
        lsa.links.push_back(stub);
        break;
      case InterfaceState::dr_other:
      case InterfaceState::backup:
      case InterfaceState::dr: {
        // "if the router is fully adjacent to the DR, or if the router itself
        // is DR and is fully adjacent to at least one other router, add a
        // single Type 2 link (transit network)"; otherwise a stub.
        bool transit = false;
        for (const auto& [id, nbr] : iface.neighbors) {
          if (nbr.state != NeighborState::full) continue;
          if (iface.state == InterfaceState::dr || nbr.address == iface.designated_router) {
            transit = true;
          }
        }
        lsa.links.push_back(
            transit ? link(RouterLinkType::transit, iface.designated_router, info.address, cost)
                    : stub);
        break;
      }
    }
  }
  // announce_as = "router-lsa": the anycast prefixes are one stub link each,
  // a /32 at prefix_cost (§12.4.1.4 host routes: "Link ID the host's IP
  // address, Link Data 0xFFFFFFFF").
  if (announce_as_ != config::OspfAnnounceAs::router_lsa) return lsa;
  for (const auto& [prefix, action] : routes_) {
    lsa.links.push_back(link(RouterLinkType::stub, prefix.address.v4_value(),
                             prefix_mask(prefix.length), cost_of(action)));
  }
  return lsa;
}

void Origination::update_router_lsa(Area& area, Out& out) {
  if (!active_) return;
  if (!router_lsa_flushed_ && originated_body_ && build_router_lsa(area) == *originated_body_) {
    // What was held back is undone: the timer goes back to the refresh.
    if (std::exchange(router_lsa_held_, false)) arm_refresh(out);
    return;
  }
  // §12.4: "any two instances of the same LSA may not be originated within
  // the period MinLSInterval": the first change after a quiet period goes out
  // at once, one that follows it too closely waits for the end of the interval.
  if (!last_router_lsa_ || out.now >= *last_router_lsa_ + kMinLsInterval) {
    router_lsa_held_ = false;
    originate_router_lsa(area, false, out);
  } else {
    if (!std::exchange(router_lsa_held_, true)) {
      out.arm(TimerId::of(TimerKind::router_lsa), *last_router_lsa_ + kMinLsInterval);
    }
    // The held change withdraws the last prefix the router-LSA announces:
    // premature aging is no new instance (§14.1), so MinLSInterval does not
    // hold a flush, and the next instance follows when it allows.
    if (router_lsa_announces_ && routes_.empty() && !router_lsa_flushed_) {
      router_lsa_flushed_ = true;
      flush(area, area.own_router_lsa(), out);
    }
  }
}

void Origination::router_lsa_timer(Area& area, Out& out) {
  if (!active_) return;
  // RFC 2328 §12.4: "Its LS age field reaches the value LSRefreshTime": a
  // new instance, even if nothing changed.
  const bool refresh = !std::exchange(router_lsa_held_, false);
  originate_router_lsa(area, refresh, out);
}

void Origination::arm_refresh(Out& out) {
  if (last_router_lsa_) out.arm(TimerId::of(TimerKind::router_lsa), *last_router_lsa_ + kLsRefresh);
}

void Origination::originate_router_lsa(Area& area, bool refresh, Out& out) {
  if (!active_ || sequence_wrap_pending_) return;
  RouterLsa body = build_router_lsa(area);
  const LsaKey key = area.own_router_lsa();
  if (!refresh && !router_lsa_flushed_ && originated_body_ && body == *originated_body_ &&
      area.lsdb.find(key)) {
    arm_refresh(out);
    return;
  }
  if (router_lsa_sequence_ == kMaxSequenceNumber) {
    // §12.1.6: "the current instance of the LSA must first be flushed from
    // the routing domain ... As soon as this flood has been acknowledged by
    // all adjacent neighbors, a new instance can be originated with sequence
    // number of InitialSequenceNumber."
    sequence_wrap_pending_ = true;
    out.cancel(TimerId::of(TimerKind::router_lsa));
    flush(area, key, out);
    return;
  }
  Lsa lsa;
  lsa.header.options = area.options() & kOptionE;
  lsa.header.type = static_cast<std::uint8_t>(LsaType::router);
  lsa.header.ls_id = area.router_id;
  lsa.header.advertising_router = area.router_id;
  lsa.header.sequence = ++router_lsa_sequence_;
  const std::size_t links = body.links.size();
  lsa.body = body;
  originated_body_ = std::move(body);
  last_router_lsa_ = out.now;
  router_lsa_flushed_ = false;
  router_lsa_announces_ = announce_as_ == config::OspfAnnounceAs::router_lsa && !routes_.empty();
  out.log(config::LogLevel::debug,
          fmt::format("ospf: originating router-LSA seq 0x{:08x} with {} link(s)",
                      static_cast<std::uint32_t>(lsa.header.sequence), links));
  install(area, std::move(lsa), out);
  arm_refresh(out);
}

void Origination::update_network_lsa(Area& area, Interface& iface, Out& out) {
  // §12.4.2: "A network-LSA is generated for every transit broadcast or NBMA
  // network ... The network-LSA is originated by the network's Designated
  // Router" — and only while it is fully adjacent to at least one router.
  const TimePoint now = out.now;
  const LsaKey key{static_cast<std::uint8_t>(LsaType::network), iface.info.address, area.router_id};
  NetworkLsa body;
  body.mask = iface.info.mask();
  body.attached_routers.push_back(area.router_id);
  for (const auto& [id, nbr] : iface.neighbors) {
    if (nbr.state == NeighborState::full) body.attached_routers.push_back(id);
  }
  const bool wanted = active_ && iface.broadcast() && iface.state == InterfaceState::dr &&
                      body.attached_routers.size() > 1;
  const LsdbEntry* current = area.lsdb.find(key);
  if (!wanted) {
    // §12.4.2: when we stop being DR, our old network-LSA is flushed (§14.1).
    if (current && current->age(now) < kMaxAge) flush(area, key, out);
    return;
  }
  if (current && current->age(now) < kMaxAge) {
    const auto decoded = decode_lsa(current->bytes);
    if (const auto* lsa = std::get_if<Lsa>(&decoded); lsa && lsa->body == LsaBody{body}) return;
  }
  auto [it, inserted] = network_lsa_sequence_.try_emplace(iface.id(), kInitialSequenceNumber - 1);
  if (current) it->second = std::max(it->second, current->header.sequence);
  Lsa lsa;
  lsa.header.options = area.options() & kOptionE;
  lsa.header.type = static_cast<std::uint8_t>(LsaType::network);
  lsa.header.ls_id = iface.info.address;
  lsa.header.advertising_router = area.router_id;
  lsa.header.sequence = ++it->second;
  lsa.body = std::move(body);
  install(area, std::move(lsa), out);
}

void Origination::install(Area& area, Lsa lsa, Out& out) {
  auto bytes = encode_lsa(lsa);
  lsa.header.length = static_cast<std::uint16_t>(bytes.size());
  lsa.header.checksum = lsa_checksum(bytes);
  const LsaKey key = LsaKey::of(lsa.header);
  remove_from_retransmission_lists(area, key);
  area.max_age.erase(key);
  area.lsdb.install(lsa.header, std::move(bytes), out.now, true);
  flood(area, key, nullptr, nullptr, out);
  resend_after_min_ls_arrival(area, key, out);
}

void Origination::resend_after_min_ls_arrival(Area& area, const LsaKey& key, Out& out) {
  // §13 (5a): a neighbour discards, without acknowledging it, an instance
  // that comes "less than MinLSArrival seconds" after the one it installed.
  // Ours is not held back for that: it goes now, and again as soon as the
  // neighbour takes it, rather than after RxmtInterval. The previous
  // instance may be gone from our database (a flush, acknowledged).
  const auto [it, first] = last_flooded_.try_emplace(key, out.now);
  const TimePoint previous = std::exchange(it->second, out.now);
  const TimePoint taken = previous + kMinLsArrival;
  if (first || out.now >= taken) return;
  for (auto& iface : area.interfaces) {
    for (auto& [id, nbr] : iface.neighbors) {
      if (nbr.retransmission_list.count(key)) {
        nbr.retransmit_by(taken + kMinLsArrivalSlack, iface, out);
      }
    }
  }
}

void Origination::flush(Area& area, const LsaKey& key, Out& out) {
  // §14.1 premature aging: "setting the LSA's LS age to MaxAge and then reflooding".
  const LsdbEntry* current = area.lsdb.find(key);
  if (!current) return;
  LsaHeader header = current->header;
  header.age = kMaxAge;
  std::vector<std::uint8_t> bytes = current->bytes;
  set_lsa_age(bytes, kMaxAge);
  out.log(config::LogLevel::info,
          fmt::format("ospf: flushing {}-LSA {} seq 0x{:08x}", lsa_type_name(key.type),
                      dotted(key.ls_id), static_cast<std::uint32_t>(header.sequence)));
  remove_from_retransmission_lists(area, key);
  area.lsdb.install(header, std::move(bytes), out.now, true);
  area.max_age.insert(key);
  flood(area, key, nullptr, nullptr, out);
  resend_after_min_ls_arrival(area, key, out);
}

void Origination::flush_all(Area& area, Out& out) {
  std::vector<LsaKey> ours;
  for (const auto& [key, entry] : area.lsdb.entries()) {
    if (entry.self_originated && entry.age(out.now) < kMaxAge) ours.push_back(key);
  }
  for (const auto& key : ours)
    flush(area, key, out);
}

void Origination::self_originated_received(Area& area, const LsaKey& key, Out& out) {
  const LsdbEntry* received = area.lsdb.find(key);
  if (!received) return;
  const LsaHeader header = received->header;
  if (key == area.own_router_lsa() && active_) {
    // §13.4: "the router must then advance the LSA's LS sequence number one
    // past the received LS sequence number, and originate a new instance".
    out.log(config::LogLevel::info,
            fmt::format("ospf: our router-LSA came back with seq 0x{:08x} (from a previous "
                        "run?); originating past it",
                        static_cast<std::uint32_t>(header.sequence)));
    router_lsa_sequence_ = std::max(router_lsa_sequence_, header.sequence);
    originated_body_.reset();
    originate_router_lsa(area, false, out);
    return;
  }
  if (key.type == external_type(area) && active_) {
    for (auto& [prefix, external] : externals_) {
      if (external.ls_id != key.ls_id || !routes_.count(prefix)) continue;
      // §13.4 as above; not held by MinLSInterval: the neighbours hold a copy
      // that is not what we say, and MinLSArrival paces us already.
      external.sequence = std::max(external.sequence, header.sequence);
      external.body.reset();
      external.originated.reset();
      update_externals(area, out);
      return;
    }
  }
  if (key.type == static_cast<std::uint8_t>(LsaType::network) && active_) {
    for (auto& iface : area.interfaces) {
      if (iface.info.address != key.ls_id || iface.state != InterfaceState::dr) continue;
      auto [it, inserted] =
          network_lsa_sequence_.try_emplace(iface.id(), kInitialSequenceNumber - 1);
      it->second = std::max(it->second, header.sequence);
      // Re-originate past the received copy.
      area.lsdb.remove(key);
      update_network_lsa(area, iface, out);
      return;
    }
  }
  // "If the received LSA is not one the router wants to originate ... the LSA
  // should be flushed from the routing domain" (§13.4, via premature aging).
  if (header.age < kMaxAge) flush(area, key, out);
}

void Origination::removed(Area& area, const LsaKey& key, Out& out) {
  if (key != area.own_router_lsa() || !sequence_wrap_pending_ || !active_) return;
  // §12.1.6: the instance at MaxSequenceNumber is gone; start again.
  sequence_wrap_pending_ = false;
  router_lsa_sequence_ = kInitialSequenceNumber - 1;
  originated_body_.reset();
  originate_router_lsa(area, false, out);
}

std::uint8_t Origination::external_type(const Area& area) const {
  // RFC 3101: in an NSSA, external routes are imported as type-7 LSAs.
  return static_cast<std::uint8_t>(area.type == config::OspfAreaType::nssa ? LsaType::nssa_external
                                                                           : LsaType::as_external);
}

Origination::External& Origination::external_of(const Prefix& prefix, Out& out) {
  if (const auto it = externals_.find(prefix); it != externals_.end()) return it->second;
  // RFC 2328 appendix E: the LS ID is the network's address; when another of
  // our prefixes has it already (same address, another length), the one
  // added later takes the address with its host bits set.
  const std::uint32_t mask = prefix_mask(prefix.length);
  const std::uint32_t network = prefix.address.v4_value() & mask;
  const auto taken = [&](std::uint32_t id) {
    return std::any_of(externals_.begin(), externals_.end(),
                       [&](const auto& entry) { return entry.second.ls_id == id; });
  };
  External external;
  if (!taken(network)) {
    external.ls_id = network;
  } else if (!taken(network | ~mask)) {
    external.ls_id = network | ~mask;
  } else {
    out.log(config::LogLevel::warn,
            fmt::format("ospf: {} cannot be announced: its LS IDs {} and {} are taken by other "
                        "prefixes (RFC 2328 appendix E)",
                        prefix.to_string(), dotted(network), dotted(network | ~mask)));
  }
  return externals_.emplace(prefix, external).first->second;
}

ExternalLsa Origination::build_external(const Area& area, const Prefix& prefix,
                                        core::RouteAction action) const {
  // §12.4.4 / appendix A.4.5: a type 1 metric (E bit clear), so routers add
  // their distance to us as they do for a stub link; no forwarding address
  // in a type-5 LSA (traffic comes to us, the ASBR). RFC 3101: a type-7 LSA
  // to be translated (P bit) carries one of our interface addresses.
  ExternalMetric metric;
  metric.metric = cost_of(action);
  if (external_type(area) == static_cast<std::uint8_t>(LsaType::nssa_external)) {
    for (const auto& iface : area.interfaces) {
      if (iface.state == InterfaceState::down) continue;
      metric.forwarding_address = iface.info.address;
      break;
    }
  }
  return ExternalLsa{prefix_mask(prefix.length), {metric}};
}

void Origination::update_externals(Area& area, Out& out) {
  if (!active_ || announce_as_ != config::OspfAnnounceAs::external) return;
  for (const auto& [prefix, action] : routes_)
    external_of(prefix, out);
  std::optional<TimePoint> next;
  const auto soonest = [&](TimePoint t) {
    if (!next || t < *next) next = t;
  };
  for (auto& [prefix, external] : externals_) {
    if (!external.ls_id) continue;
    const LsaKey key{external_type(area), *external.ls_id, area.router_id};
    const LsdbEntry* current = area.lsdb.find(key);
    const bool live = current && current->age(out.now) < kMaxAge;
    const auto route = routes_.find(prefix);
    if (route == routes_.end()) {
      // §14.1: "the router can flush its AS-external-LSA from the routing
      // domain via premature aging": at once, the flush being no new instance.
      if (live) flush(area, key, out);
      continue;
    }
    ExternalLsa body = build_external(area, prefix, route->second);
    if (live && external.originated && external.body == body &&
        out.now < *external.originated + kLsRefresh) {
      soonest(*external.originated + kLsRefresh);
      continue;
    }
    // §12.4: "any two instances of the same LSA may not be originated within
    // the period MinLSInterval".
    if (external.originated && out.now < *external.originated + kMinLsInterval) {
      soonest(*external.originated + kMinLsInterval);
      continue;
    }
    originate_external(area, key, external, std::move(body), out);
    soonest(out.now + kLsRefresh);
  }
  if (next) {
    out.arm(TimerId::of(TimerKind::external_lsa), *next);
  } else {
    out.cancel(TimerId::of(TimerKind::external_lsa));
  }
}

void Origination::originate_external(Area& area, const LsaKey& key, External& external,
                                     ExternalLsa body, Out& out) {
  if (const LsdbEntry* current = area.lsdb.find(key)) {
    external.sequence = std::max(external.sequence, current->header.sequence);
  }
  Lsa lsa;
  const bool nssa = key.type == static_cast<std::uint8_t>(LsaType::nssa_external);
  lsa.header.options = nssa ? kOptionNP : kOptionE;
  lsa.header.type = key.type;
  lsa.header.ls_id = key.ls_id;
  lsa.header.advertising_router = key.advertising_router;
  lsa.header.sequence = ++external.sequence;
  lsa.body = body;
  external.body = std::move(body);
  external.originated = out.now;
  out.log(config::LogLevel::debug,
          fmt::format("ospf: originating {}-LSA {} seq 0x{:08x} metric {}", lsa_type_name(key.type),
                      dotted(key.ls_id), static_cast<std::uint32_t>(lsa.header.sequence),
                      external.body->metrics.front().metric));
  install(area, std::move(lsa), out);
}

std::vector<Announcement> Origination::announcements(const Area& area) const {
  std::vector<Announcement> out;
  for (const auto& [prefix, action] : routes_) {
    Announcement a{prefix, cost_of(action), 0, 0, std::nullopt};
    LsaKey key;
    if (announce_as_ == config::OspfAnnounceAs::router_lsa) {
      key = area.own_router_lsa();
    } else if (const auto it = externals_.find(prefix);
               it != externals_.end() && it->second.ls_id) {
      key = {external_type(area), *it->second.ls_id, area.router_id};
    }
    if (key.type) {
      a.lsa_type = key.type;
      a.ls_id = key.ls_id;
      const LsdbEntry* entry = area.lsdb.find(key);
      if (entry && entry->header.age < kMaxAge) a.sequence = entry->header.sequence;
    }
    out.push_back(a);
  }
  return out;
}

}  // namespace anycastd::ospf
