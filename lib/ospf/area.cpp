// SPDX-License-Identifier: Apache-2.0
#include "ospf/area.hpp"

#include <algorithm>

namespace anycastd::ospf {

std::uint32_t InterfaceInfo::mask() const {
  return prefix_length == 0 ? 0
                            : ~std::uint32_t{0} << (32 - std::min<std::uint8_t>(prefix_length, 32));
}

bool InterfaceInfo::on_link(std::uint32_t other) const {
  return (address & mask()) == (other & mask());
}

Area::Area(std::uint32_t router_id, std::uint32_t area_id, std::size_t lsdb_limit,
           AreaOptions options)
    : router_id(router_id),
      id(area_id),
      lsdb(lsdb_limit),
      md5_sequence_(options.md5_sequence_start),
      dd_sequence_(options.dd_sequence_start) {}

std::vector<std::uint8_t> Area::encode(Body body, const config::AuthConfig& auth) {
  Packet p;
  p.router_id = router_id;
  p.area_id = id;
  p.body = std::move(body);
  Authenticator authenticator{auth, 0};
  // RFC 2328 §D.4.3: the cryptographic sequence number never decreases; ours
  // rises with every packet.
  if (auth.mode == config::AuthMode::md5) authenticator.sequence = md5_sequence_++;
  return ospf::encode(p, authenticator);
}

std::vector<LinkStateUpdate> Area::updates(const std::vector<LsaKey>& keys, const Interface& iface,
                                           TimePoint now) const {
  const std::size_t room = iface.max_payload() - 4;
  std::vector<LinkStateUpdate> out;
  LinkStateUpdate lsu;
  std::size_t size = 0;
  for (const auto& key : keys) {
    const LsdbEntry* entry = lsdb.find(key);
    if (!entry) continue;
    if (!lsu.lsas.empty() && size + entry->bytes.size() > room) {
      out.push_back(std::move(lsu));
      lsu = {};
      size = 0;
    }
    size += entry->bytes.size();
    lsu.lsas.push_back(entry->bytes_for_flooding(now, iface.transmit_delay()));
  }
  if (!lsu.lsas.empty()) out.push_back(std::move(lsu));
  return out;
}

Interface* Area::find_interface(InterfaceId interface) {
  const auto it = std::find_if(interfaces.begin(), interfaces.end(),
                               [&](const Interface& i) { return i.id() == interface; });
  return it == interfaces.end() ? nullptr : &*it;
}

const Interface* Area::find_interface(InterfaceId interface) const {
  const auto it = std::find_if(interfaces.begin(), interfaces.end(),
                               [&](const Interface& i) { return i.id() == interface; });
  return it == interfaces.end() ? nullptr : &*it;
}

bool Area::exchange_in_progress() const {
  for (const auto& iface : interfaces) {
    for (const auto& [id, nbr] : iface.neighbors) {
      if (nbr.state == NeighborState::exchange || nbr.state == NeighborState::loading) return true;
    }
  }
  return false;
}

bool Area::self_originated(const LsaKey& key) const {
  if (key.advertising_router == router_id) return true;
  return key.type == static_cast<std::uint8_t>(LsaType::network) &&
         std::any_of(interfaces.begin(), interfaces.end(),
                     [&](const Interface& i) { return i.info.address == key.ls_id; });
}

LsaKey Area::own_router_lsa() const {
  return {static_cast<std::uint8_t>(LsaType::router), router_id, router_id};
}

std::uint8_t Area::options() const {
  switch (type) {
    case config::OspfAreaType::normal:
      return kOptionE;
    case config::OspfAreaType::stub:
      return 0;
    case config::OspfAreaType::nssa:
      return kOptionNP;
  }
  return kOptionE;
}

bool Area::carries(std::uint8_t lsa_type) const {
  switch (static_cast<LsaType>(lsa_type)) {
    case LsaType::as_external:
      return type == config::OspfAreaType::normal;
    case LsaType::nssa_external:
      return type == config::OspfAreaType::nssa;
    case LsaType::router:
    case LsaType::network:
    case LsaType::summary_network:
    case LsaType::summary_asbr:
      return true;
  }
  return true;
}

}  // namespace anycastd::ospf
