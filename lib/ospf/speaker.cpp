#include "ospf/speaker.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace anycastd::ospf {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

void earliest(std::optional<TimePoint>& best, const std::optional<TimePoint>& t) {
  if (t && (!best || *t < *best)) best = t;
}

}  // namespace

std::uint32_t InterfaceInfo::mask() const {
  return prefix_length == 0 ? 0
                            : ~std::uint32_t{0} << (32 - std::min<std::uint8_t>(prefix_length, 32));
}

bool InterfaceInfo::on_link(std::uint32_t other) const {
  return (address & mask()) == (other & mask());
}

Speaker::Speaker(config::OspfConfig config, std::uint32_t router_id,
                 std::vector<InterfaceInfo> interfaces, SpeakerOptions options)
    : config_(std::move(config)),
      router_id_(router_id),
      options_(options),
      lsdb_(config_.lsdb_limit),
      md5_sequence_(options.md5_sequence_start),
      dd_sequence_seed_(options.dd_sequence_start) {
  for (std::size_t i = 0; i < interfaces.size(); ++i) {
    Interface iface;
    iface.info = std::move(interfaces[i]);
    for (const auto& c : config_.interfaces) {
      if (c.name == iface.info.name) iface.config = c;
    }
    interfaces_.push_back(std::move(iface));
  }
}

std::vector<Action> Speaker::handle(const Event& event, TimePoint now) {
  Out out;
  std::visit(Overloaded{
                 [&](const Start&) { on_start(now, out); },
                 [&](const Wakeup&) { on_wakeup(now, out); },
                 [&](const RouteChanged& e) { on_route_changed(e, now, out); },
                 [&](const PacketReceived& e) { on_packet(e, now, out); },
                 [&](const Shutdown&) { on_shutdown(now, out); },
             },
             event);
  if (state_ == State::shutting_down && !shutdown_flush_at_) {
    // The flushed router-LSA is acknowledged by every neighbour: nothing left to wait for.
    const LsaKey own{static_cast<std::uint8_t>(LsaType::router), router_id_, router_id_};
    bool pending = false;
    for (const auto& iface : interfaces_) {
      for (const auto& [id, nbr] : iface.neighbors)
        pending = pending || nbr.retransmission_list.count(own) > 0;
    }
    if (!pending) finish_shutdown(now, out);
  }
  if (state_ == State::running || state_ == State::shutting_down) {
    if (const auto at = next_deadline()) out.push_back(ArmTimer{*at});
  }
  return out;
}

void Speaker::log(config::LogLevel level, std::string text, Out& out) {
  out.push_back(Log{level, "ospf: " + std::move(text), {}});
}

void Speaker::on_start(TimePoint now, Out& out) {
  if (state_ != State::idle) return;
  state_ = State::running;
  std::string where;
  for (const auto& i : interfaces_) {
    where +=
        fmt::format("{}{} ({}/{}, {})", where.empty() ? "" : ", ", i.info.name,
                    dotted(i.info.address), i.info.prefix_length, config::to_string(i.config.type));
  }
  log(config::LogLevel::info,
      fmt::format("router-id {}, area {}, on {}; {} prefix(es) to announce", dotted(router_id_),
                  dotted(config_.area), where, prefixes_.size()),
      out);
  for (auto& iface : interfaces_)
    interface_event(iface, InterfaceEvent::interface_up, now, out);
  aging_at_ = now + kAgingTick;
  originate_router_lsa(now, out);
}

void Speaker::on_wakeup(TimePoint now, Out& out) {
  if (state_ != State::running && state_ != State::shutting_down) return;
  for (auto& iface : interfaces_) {
    if (iface.hello_at && *iface.hello_at <= now) {
      send_hello(iface, true, now, out);
      iface.hello_at = now + iface.config.hello_interval;
    }
    if (iface.wait_at && *iface.wait_at <= now) {
      iface.wait_at.reset();
      interface_event(iface, InterfaceEvent::wait_timer, now, out);
    }
    std::vector<std::uint32_t> ids;
    for (const auto& [id, nbr] : iface.neighbors)
      ids.push_back(id);
    for (const auto id : ids) {
      auto it = iface.neighbors.find(id);
      if (it == iface.neighbors.end()) continue;
      Neighbor& nbr = it->second;
      if (nbr.inactivity_deadline <= now) {
        neighbor_event(iface, nbr, NeighborEvent::inactivity_timer, now, out);
        continue;
      }
      if (nbr.dd_retransmit_at && *nbr.dd_retransmit_at <= now) {
        // RFC 2328 §10.8: the master (or ExStart) retransmits its last DD every RxmtInterval.
        resend_dd(iface, nbr, out);
        nbr.dd_retransmit_at = now + kRxmtInterval;
      }
      if (nbr.lsr_retransmit_at && *nbr.lsr_retransmit_at <= now) {
        nbr.requested.clear();
        send_lsr(iface, nbr, now, out);
      }
      if (nbr.lsu_retransmit_at && *nbr.lsu_retransmit_at <= now) retransmit(iface, nbr, now, out);
    }
  }
  if (state_ == State::running) {
    if (router_lsa_pending_at_ && *router_lsa_pending_at_ <= now) {
      router_lsa_pending_at_.reset();
      originate_router_lsa(now, out);
    } else if (last_router_lsa_ && *last_router_lsa_ + kLsRefresh <= now) {
      // RFC 2328 §12.4: "Its LS age field reaches the value LSRefreshTime":
      // a new instance, even if nothing changed.
      originate_router_lsa(now, out);
    }
  }
  if (aging_at_ && *aging_at_ <= now) {
    age_database(now, out);
    aging_at_ = now + kAgingTick;
  }
  if (state_ == State::shutting_down) {
    if (shutdown_flush_at_ && *shutdown_flush_at_ <= now) {
      shutdown_flush_at_.reset();
      flush_own({static_cast<std::uint8_t>(LsaType::router), router_id_, router_id_}, now, out);
    }
    if (shutdown_deadline_ && *shutdown_deadline_ <= now) finish_shutdown(now, out);
  }
}

std::optional<TimePoint> Speaker::next_deadline() const {
  std::optional<TimePoint> best;
  for (const auto& iface : interfaces_) {
    earliest(best, iface.hello_at);
    earliest(best, iface.wait_at);
    for (const auto& [id, nbr] : iface.neighbors) {
      earliest(best, nbr.inactivity_deadline);
      earliest(best, nbr.dd_retransmit_at);
      earliest(best, nbr.lsr_retransmit_at);
      earliest(best, nbr.lsu_retransmit_at);
    }
  }
  if (state_ == State::running) {
    earliest(best, router_lsa_pending_at_);
    if (last_router_lsa_) earliest(best, *last_router_lsa_ + kLsRefresh);
  }
  earliest(best, aging_at_);
  earliest(best, shutdown_flush_at_);
  earliest(best, shutdown_deadline_);
  return best;
}

std::uint16_t Speaker::cost_of(core::RouteAction action) const {
  switch (action) {
    case core::RouteAction::announce:
      return config_.prefix_cost;
    case core::RouteAction::degrade:
      return config_.degraded_cost;
    case core::RouteAction::withdraw:
      return 0;
  }
  return 0;
}

void Speaker::on_route_changed(const RouteChanged& change, TimePoint now, Out& out) {
  // OSPFv2 carries IPv4 only.
  if (!change.prefix.address.is_v4()) return;
  if (state_ != State::idle && state_ != State::running) return;
  if (change.action == core::RouteAction::withdraw) {
    if (prefixes_.erase(change.prefix) == 0) return;
  } else {
    const std::uint16_t cost = cost_of(change.action);
    auto [it, inserted] = prefixes_.emplace(change.prefix, cost);
    if (!inserted && it->second == cost) return;
    it->second = cost;
  }
  if (state_ == State::running) {
    log(config::LogLevel::info,
        fmt::format("{} {} in the router-LSA", change.prefix.to_string(),
                    change.action == core::RouteAction::withdraw
                        ? std::string("removed")
                        : fmt::format("at cost {}", prefixes_[change.prefix])),
        out);
    schedule_router_lsa(now, out);
  }
}

void Speaker::drop(Interface& iface, std::string_view reason, const std::string& detail, Out& out) {
  ++iface.counters.dropped[std::string(reason)];
  out.push_back(
      Log{config::LogLevel::warn,
          fmt::format("ospf: {}: dropped packet: {}: {}", iface.info.name, reason, detail),
          fmt::format("ospf:{}:{}", iface.info.name, reason)});
}

void Speaker::on_packet(const PacketReceived& received, TimePoint now, Out& out) {
  if (state_ != State::running && state_ != State::shutting_down) return;
  if (received.interface >= interfaces_.size()) return;
  Interface& iface = interfaces_[received.interface];
  if (iface.state == InterfaceState::down) return;
  const std::string from = "from " + dotted(received.source);
  if (received.source == iface.info.address) {
    // Our own multicast, looped back.
    ++iface.counters.dropped["own_packet"];
    return;
  }
  const auto decoded = decode(received.bytes);
  if (const auto* failure = std::get_if<DecodeFailure>(&decoded)) {
    drop(iface, to_string(failure->error), from + ": " + failure->message, out);
    return;
  }
  const auto& packet = std::get<Packet>(decoded);
  // RFC 2328 §8.2: "The Area ID found in the OSPF header must be verified":
  // it must be the area of the receiving interface.
  if (packet.area_id != config_.area) {
    drop(iface, "wrong_area", fmt::format("{}: area {}", from, dotted(packet.area_id)), out);
    return;
  }
  // "Packets whose IP destination is AllDRouters should only be accepted if
  // the state of the receiving interface is DR or Backup."
  if (received.destination == kAllDRouters && iface.state != InterfaceState::dr &&
      iface.state != InterfaceState::backup) {
    ++iface.counters.dropped["not_dr"];
    return;
  }
  // "the packet's IP source address is required to be on the same network as
  // the receiving interface" (not checked on point-to-point links).
  if (iface.broadcast() && !iface.info.on_link(received.source)) {
    drop(iface, "non_neighbor", from + " is not on " + iface.info.name + "'s subnet", out);
    return;
  }
  if (packet.router_id == router_id_) {
    drop(iface, "duplicate_router_id", from + " uses our router ID", out);
    return;
  }
  Neighbor* nbr = nullptr;
  if (auto it = iface.neighbors.find(packet.router_id); it != iface.neighbors.end()) {
    nbr = &it->second;
  }
  // RFC 2328 §8.2: "the packet must be authenticated", appendix D.
  const auto auth = verify_auth(packet, received.bytes, iface.config.authentication,
                                nbr ? nbr->crypto_sequence : std::nullopt);
  if (auth != AuthError::none) {
    drop(iface, to_string(auth), fmt::format("{} ({})", from, to_string(packet.type())), out);
    return;
  }
  ++iface.counters.received;
  if (packet.type() == PacketType::hello) {
    receive_hello(iface, received.source, packet, now, out);
  } else if (!nbr) {
    ++iface.counters.dropped["unknown_neighbor"];
    return;
  }
  auto it = iface.neighbors.find(packet.router_id);
  if (it == iface.neighbors.end()) return;
  nbr = &it->second;
  if (packet.auth_type == AuthType::cryptographic) nbr->crypto_sequence = packet.crypto().sequence;
  std::visit(Overloaded{
                 [&](const Hello&) {},
                 [&](const DatabaseDescription& dd) { receive_dd(iface, *nbr, dd, now, out); },
                 [&](const LinkStateRequest& lsr) { receive_lsr(iface, *nbr, lsr, now, out); },
                 [&](const LinkStateUpdate& lsu) { receive_lsu(iface, *nbr, lsu, now, out); },
                 [&](const LinkStateAck& ack) { receive_ack(iface, *nbr, ack, now, out); },
             },
             packet.body);
}

void Speaker::on_shutdown(TimePoint now, Out& out) {
  if (state_ == State::shutting_down || state_ == State::stopped) return;
  if (state_ == State::idle) {
    state_ = State::stopped;
    out.push_back(Done{});
    return;
  }
  state_ = State::shutting_down;
  router_lsa_pending_at_.reset();
  shutdown_deadline_ = now + kShutdownBudget;
  bool adjacent = false;
  for (const auto& iface : interfaces_) {
    for (const auto& [id, nbr] : iface.neighbors)
      adjacent = adjacent || nbr.state >= NeighborState::exchange;
  }
  if (!adjacent) {
    finish_shutdown(now, out);
    return;
  }
  // RFC 2328 §14.1: our router-LSA is flushed by setting its age to MaxAge
  // and flooding it, which takes every prefix with it. A neighbour discards an
  // instance that arrives within MinLSArrival of the previous one (§13 (5a)),
  // so a flush right after a change waits for that much.
  TimePoint at = now;
  if (last_router_lsa_) {
    at = std::max(now, *last_router_lsa_ + kMinLsArrival + std::chrono::milliseconds(50));
  }
  shutdown_flush_at_ = at;
  log(config::LogLevel::info,
      fmt::format("shutting down: flushing our router-LSA ({} prefix(es))", prefixes_.size()), out);
  if (at <= now) {
    shutdown_flush_at_.reset();
    flush_own({static_cast<std::uint8_t>(LsaType::router), router_id_, router_id_}, now, out);
  }
}

void Speaker::finish_shutdown(TimePoint now, Out& out) {
  if (state_ == State::stopped) return;
  // A last Hello listing nobody makes each neighbour see 1-WayReceived
  // (§10.5) and drop the adjacency now rather than after RouterDeadInterval.
  for (auto& iface : interfaces_) {
    if (iface.state != InterfaceState::down) send_hello(iface, false, now, out);
    interface_event(iface, InterfaceEvent::interface_down, now, out);
  }
  state_ = State::stopped;
  shutdown_flush_at_.reset();
  shutdown_deadline_.reset();
  aging_at_.reset();
  log(config::LogLevel::info, "stopped", out);
  out.push_back(Done{});
}

std::size_t Speaker::max_payload(const Interface& iface) const {
  // IP header 20 bytes, OSPF header 24, MD5 digest 16.
  const std::size_t overhead =
      20 + kHeaderSize +
      (iface.config.authentication.mode == config::AuthMode::md5 ? kMd5DigestSize : 0);
  return iface.info.mtu > overhead + 64 ? iface.info.mtu - overhead : 64;
}

void Speaker::send(Interface& iface, std::uint32_t to, Body body, Out& out) {
  Packet p;
  p.router_id = router_id_;
  p.area_id = config_.area;
  p.body = std::move(body);
  Authenticator auth{iface.config.authentication, 0};
  // RFC 2328 §D.4.3: the cryptographic sequence number never decreases; ours
  // rises with every packet.
  if (auth.config.mode == config::AuthMode::md5) auth.sequence = md5_sequence_++;
  ++iface.counters.sent;
  const std::size_t index = static_cast<std::size_t>(&iface - interfaces_.data());
  out.push_back(Send{index, to, encode(p, auth)});
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

std::string_view to_string(NeighborState state) {
  switch (state) {
    case NeighborState::down:
      return "Down";
    case NeighborState::init:
      return "Init";
    case NeighborState::two_way:
      return "2-Way";
    case NeighborState::ex_start:
      return "ExStart";
    case NeighborState::exchange:
      return "Exchange";
    case NeighborState::loading:
      return "Loading";
    case NeighborState::full:
      return "Full";
  }
  return "unknown";
}

std::string_view to_string(NeighborEvent event) {
  switch (event) {
    case NeighborEvent::hello_received:
      return "HelloReceived";
    case NeighborEvent::two_way_received:
      return "2-WayReceived";
    case NeighborEvent::negotiation_done:
      return "NegotiationDone";
    case NeighborEvent::exchange_done:
      return "ExchangeDone";
    case NeighborEvent::bad_ls_req:
      return "BadLSReq";
    case NeighborEvent::loading_done:
      return "LoadingDone";
    case NeighborEvent::adj_ok:
      return "AdjOK?";
    case NeighborEvent::seq_number_mismatch:
      return "SeqNumberMismatch";
    case NeighborEvent::one_way:
      return "1-WayReceived";
    case NeighborEvent::kill_nbr:
      return "KillNbr";
    case NeighborEvent::inactivity_timer:
      return "InactivityTimer";
    case NeighborEvent::ll_down:
      return "LLDown";
  }
  return "unknown";
}

}  // namespace anycastd::ospf
