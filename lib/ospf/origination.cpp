// RFC 2328 §12.4: originating our router-LSA (and a network-LSA while we are
// DR), §12.1.6 sequence numbers, §13.4 receiving our own LSAs, §14.1 flushing.
#include <algorithm>

#include <fmt/format.h>

#include "ospf/speaker.hpp"

namespace anycastd::ospf {

namespace {

std::uint32_t prefix_mask(std::uint8_t length) {
  return length == 0 ? 0 : ~std::uint32_t{0} << (32 - std::min<std::uint8_t>(length, 32));
}

RouterLink link(RouterLinkType type, std::uint32_t id, std::uint32_t data, std::uint16_t metric) {
  return RouterLink{id, data, static_cast<std::uint8_t>(type), metric, {}};
}

}  // namespace

RouterLsa Speaker::build_router_lsa() const {
  // §12.4.1: "Router-LSAs ... describe the state of the router's interfaces to the area."
  RouterLsa lsa;
  for (const auto& iface : interfaces_) {
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
  // The anycast prefixes: one stub link each, a /32 at prefix_cost (§12.4.1.4
  // host routes: "Link ID the host's IP address, Link Data 0xFFFFFFFF").
  for (const auto& [prefix, cost] : prefixes_) {
    lsa.links.push_back(
        link(RouterLinkType::stub, prefix.address.v4_value(), prefix_mask(prefix.length), cost));
  }
  return lsa;
}

void Speaker::schedule_router_lsa(TimePoint now, Out& out) {
  if (state_ != State::running) return;
  if (originated_body_ && build_router_lsa() == *originated_body_) {
    router_lsa_pending_at_.reset();
    return;
  }
  // §12.4: "any two instances of the same LSA may not be originated within
  // the period MinLSInterval": the first change after a quiet period goes out
  // at once, one that follows it too closely waits for the end of the interval.
  if (!last_router_lsa_ || now >= *last_router_lsa_ + kMinLsInterval) {
    router_lsa_pending_at_.reset();
    originate_router_lsa(now, out);
  } else if (!router_lsa_pending_at_) {
    router_lsa_pending_at_ = *last_router_lsa_ + kMinLsInterval;
  }
}

void Speaker::originate_router_lsa(TimePoint now, Out& out) {
  if (state_ != State::running) return;
  RouterLsa body = build_router_lsa();
  const LsaKey key{static_cast<std::uint8_t>(LsaType::router), router_id_, router_id_};
  if (originated_body_ && body == *originated_body_ && lsdb_.find(key)) return;
  if (sequence_wrap_pending_) return;
  if (router_lsa_sequence_ == kMaxSequenceNumber) {
    // §12.1.6: "the current instance of the LSA must first be flushed from
    // the routing domain ... As soon as this flood has been acknowledged by
    // all adjacent neighbors, a new instance can be originated with sequence
    // number of InitialSequenceNumber."
    sequence_wrap_pending_ = true;
    flush_own(key, now, out);
    return;
  }
  Lsa lsa;
  lsa.header.options = kOptionE;
  lsa.header.type = static_cast<std::uint8_t>(LsaType::router);
  lsa.header.ls_id = router_id_;
  lsa.header.advertising_router = router_id_;
  lsa.header.sequence = ++router_lsa_sequence_;
  const std::size_t links = body.links.size();
  lsa.body = body;
  originated_body_ = std::move(body);
  last_router_lsa_ = now;
  out.push_back(Log{config::LogLevel::debug,
                    fmt::format("ospf: originating router-LSA seq 0x{:08x} with {} link(s)",
                                static_cast<std::uint32_t>(lsa.header.sequence), links),
                    {}});
  install_own(std::move(lsa), now, out);
}

void Speaker::update_network_lsa(Interface& iface, TimePoint now, Out& out) {
  // §12.4.2: "A network-LSA is generated for every transit broadcast or NBMA
  // network ... The network-LSA is originated by the network's Designated
  // Router" — and only while it is fully adjacent to at least one router.
  const std::size_t index = static_cast<std::size_t>(&iface - interfaces_.data());
  const LsaKey key{static_cast<std::uint8_t>(LsaType::network), iface.info.address, router_id_};
  NetworkLsa body;
  body.mask = iface.info.mask();
  body.attached_routers.push_back(router_id_);
  for (const auto& [id, nbr] : iface.neighbors) {
    if (nbr.state == NeighborState::full) body.attached_routers.push_back(id);
  }
  const bool wanted = state_ == State::running && iface.broadcast() &&
                      iface.state == InterfaceState::dr && body.attached_routers.size() > 1;
  const LsdbEntry* current = lsdb_.find(key);
  if (!wanted) {
    // §12.4.2: when we stop being DR, our old network-LSA is flushed (§14.1).
    if (current && current->age(now) < kMaxAge) flush_own(key, now, out);
    return;
  }
  if (current && current->age(now) < kMaxAge) {
    const auto decoded = decode_lsa(current->bytes);
    if (const auto* lsa = std::get_if<Lsa>(&decoded); lsa && lsa->body == LsaBody{body}) return;
  }
  auto [it, inserted] = network_lsa_sequence_.try_emplace(index, kInitialSequenceNumber - 1);
  if (current) it->second = std::max(it->second, current->header.sequence);
  Lsa lsa;
  lsa.header.options = kOptionE;
  lsa.header.type = static_cast<std::uint8_t>(LsaType::network);
  lsa.header.ls_id = iface.info.address;
  lsa.header.advertising_router = router_id_;
  lsa.header.sequence = ++it->second;
  lsa.body = std::move(body);
  install_own(std::move(lsa), now, out);
}

void Speaker::install_own(Lsa lsa, TimePoint now, Out& out) {
  auto bytes = encode_lsa(lsa);
  const LsaHeader header = std::get<LsaHeader>(decode_lsa_header(bytes));
  const LsaKey key = LsaKey::of(header);
  remove_from_retransmission_lists(key);
  max_age_.erase(key);
  lsdb_.install(header, std::move(bytes), now, true);
  flood(*lsdb_.find(key), nullptr, nullptr, now, out);
}

void Speaker::flush_own(const LsaKey& key, TimePoint now, Out& out) {
  // §14.1 premature aging: "setting the LSA's LS age to MaxAge and then reflooding".
  const LsdbEntry* current = lsdb_.find(key);
  if (!current) return;
  LsaHeader header = current->header;
  header.age = kMaxAge;
  std::vector<std::uint8_t> bytes = current->bytes;
  set_lsa_age(bytes, kMaxAge);
  out.push_back(Log{config::LogLevel::info,
                    fmt::format("ospf: flushing {}-LSA {} seq 0x{:08x}", lsa_type_name(key.type),
                                dotted(key.ls_id), static_cast<std::uint32_t>(header.sequence)),
                    {}});
  remove_from_retransmission_lists(key);
  lsdb_.install(header, std::move(bytes), now, true);
  max_age_.insert(key);
  flood(*lsdb_.find(key), nullptr, nullptr, now, out);
}

void Speaker::self_originated_received(const LsdbEntry& received, TimePoint now, Out& out) {
  const LsaKey key = LsaKey::of(received.header);
  const LsaKey own{static_cast<std::uint8_t>(LsaType::router), router_id_, router_id_};
  if (key == own && state_ == State::running) {
    // §13.4: "the router must then advance the LSA's LS sequence number one
    // past the received LS sequence number, and originate a new instance".
    out.push_back(Log{config::LogLevel::info,
                      fmt::format("ospf: our router-LSA came back with seq 0x{:08x} (from a "
                                  "previous run?); originating past it",
                                  static_cast<std::uint32_t>(received.header.sequence)),
                      {}});
    router_lsa_sequence_ = std::max(router_lsa_sequence_, received.header.sequence);
    originated_body_.reset();
    originate_router_lsa(now, out);
    return;
  }
  if (key.type == static_cast<std::uint8_t>(LsaType::network) && state_ == State::running) {
    for (auto& iface : interfaces_) {
      if (iface.info.address != key.ls_id || iface.state != InterfaceState::dr) continue;
      const std::size_t index = static_cast<std::size_t>(&iface - interfaces_.data());
      network_lsa_sequence_[index] =
          std::max(network_lsa_sequence_[index], received.header.sequence);
      // Re-originate past the received copy.
      const auto entry = lsdb_.find(key);
      if (entry) lsdb_.remove(key);
      update_network_lsa(iface, now, out);
      return;
    }
  }
  // "If the received LSA is not one the router wants to originate ... the LSA
  // should be flushed from the routing domain" (§13.4, via premature aging).
  if (received.header.age < kMaxAge) flush_own(key, now, out);
}

}  // namespace anycastd::ospf
