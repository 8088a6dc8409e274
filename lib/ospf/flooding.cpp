// SPDX-License-Identifier: Apache-2.0
#include "ospf/flooding.hpp"

#include <fmt/format.h>

namespace anycastd::ospf {

namespace {

void drop_lsa(Area& area, const Interface& iface, const Neighbor& nbr, std::string_view reason,
              const std::string& detail, Out& out) {
  if (const auto it = area.lsa_dropped.find(reason); it != area.lsa_dropped.end()) {
    ++it->second;
  } else {
    area.lsa_dropped.emplace(std::string(reason), 1);
  }
  out.log(config::LogLevel::warn,
          fmt::format("ospf: {}: dropped an LSA from {}: {}: {}", iface.info.name,
                      dotted(nbr.router_id), reason, detail),
          fmt::format("ospf:lsa:{}", reason));
}

}  // namespace

std::vector<LsaKey> receive_update(Area& area, Interface& iface, Neighbor& nbr,
                                   const LinkStateUpdate& lsu, Out& out) {
  const TimePoint now = out.now;
  std::vector<LsaKey> self_originated;
  LinkStateAck delayed;  // §13.5: bundled by the interface, sent to its flooding address
  LinkStateAck direct;   // §13.5: sent straight back to the neighbour
  for (const auto& bytes : lsu.lsas) {
    // (1) "Validate the LSA's LS checksum"; a bad LSA is discarded alone.
    if (const auto failure = check_lsa(bytes)) {
      drop_lsa(area, iface, nbr, to_string(failure->error), failure->message, out);
      continue;
    }
    const auto decoded = decode_lsa_header(bytes);
    const auto* received = std::get_if<LsaHeader>(&decoded);
    if (!received) continue;  // check_lsa() has read this header already
    const LsaHeader& header = *received;
    const LsaKey key = LsaKey::of(header);
    // (3) "if this is an AS-external-LSA (LS type = 5), and the area has been
    // configured as a stub area, discard the LSA"; likewise type 5 in an
    // NSSA and type 7 outside one (RFC 3101).
    if (!area.carries(header.type)) {
      drop_lsa(area, iface, nbr, "wrong_area_type",
               fmt::format("{}-LSA {} in a {} area", lsa_type_name(key.type), dotted(key.ls_id),
                           config::to_string(area.type)),
               out);
      continue;
    }
    const LsdbEntry* current = area.lsdb.find(key);
    // (4) "if the LSA's LS age is equal to MaxAge, and there is currently no
    // instance of the LSA in the router's link state database, and none of
    // router's neighbors are in states Exchange or Loading": acknowledge and discard.
    if (header.age >= kMaxAge && !current && !area.exchange_in_progress()) {
      direct.headers.push_back(header);
      continue;
    }
    // (5) No database copy, or the received LSA is more recent.
    if (!current || compare_instances(header, current->header_at(now)) > 0) {
      // (a) "If there is already a database copy, and if the database copy
      // was received via flooding and installed less than MinLSArrival
      // seconds ago, discard the new LSA (without acknowledging it)".
      if (current && !current->self_originated && now - current->installed < kMinLsArrival) {
        drop_lsa(
            area, iface, nbr, "min_ls_arrival",
            fmt::format("{}-LSA {} from {} within MinLSArrival of the last",
                        lsa_type_name(key.type), dotted(key.ls_id), dotted(key.advertising_router)),
            out);
        continue;
      }
      // (c) "Remove the current database copy from all neighbors' Link state
      // retransmission lists." (d) "Install the new LSA in the link state database."
      remove_from_retransmission_lists(area, key);
      if (area.lsdb.install(header, bytes, now) == InstallResult::full) {
        // The database is at its configured bound: the LSA is acknowledged
        // (so the neighbour stops sending it) but not kept or flooded.
        drop_lsa(area, iface, nbr, "lsdb_full",
                 fmt::format("link-state database full ({} LSAs, lsdb_limit)", area.lsdb.size()),
                 out);
        nbr.request_list.erase(key);
        delayed.headers.push_back(header);
        continue;
      }
      if (header.age >= kMaxAge) {
        area.max_age.insert(key);
      } else {
        area.max_age.erase(key);
      }
      if (auto it = nbr.request_list.find(key);
          it != nbr.request_list.end() && compare_instances(header, it->second) >= 0) {
        nbr.request_list.erase(it);
      }
      // (b) "Immediately flood the new LSA out some subset of the router's interfaces".
      const bool flooded_back = flood(area, key, &iface, &nbr, out);
      // (e) "Possibly acknowledge the receipt of the LSA by sending a Link
      // State Acknowledgment packet back out the receiving interface" (Table
      // 19: none when it was flooded back out of that interface).
      if (!flooded_back) delayed.headers.push_back(header);
      // (f) "If this new LSA indicates that it was originated by the
      // receiving router itself, the router must take special action" (§13.4).
      if (area.self_originated(key)) self_originated.push_back(key);
      continue;
    }
    // (6) "Else, if there is an instance of the LSA on the sending neighbor's
    // Link state request list, an error has occurred in the Database Exchange
    // process ... restart the Database Exchange process by generating the
    // neighbor event BadLSReq".
    if (nbr.request_list.count(key)) {
      nbr.handle(NeighborEvent::bad_ls_req, iface, area, out);
      return self_originated;
    }
    // (7) "Else, if the received LSA is the same instance as the database copy".
    if (compare_instances(header, current->header_at(now)) == 0) {
      // (a) "If the LSA is listed in the Link state retransmission list for
      // the receiving adjacency, ... treat it as an implied acknowledgment".
      if (nbr.retransmission_list.erase(key) > 0) {
        if (iface.state == InterfaceState::backup && nbr.address == iface.designated_router) {
          delayed.headers.push_back(header);
        }
      } else {
        // (b) otherwise "send a direct acknowledgment" (Table 19).
        direct.headers.push_back(header);
      }
      continue;
    }
    // (8) "Else, the database copy is more recent. If the database copy has
    // LS age equal to MaxAge and LS sequence number equal to
    // MaxSequenceNumber, simply discard the received LSA without
    // acknowledging it. Otherwise ... send the database copy back".
    if (current->age(now) >= kMaxAge && current->header.sequence == kMaxSequenceNumber) continue;
    for (auto& update : area.updates({key}, iface, now))
      iface.send(nbr.address, std::move(update), area, out);
  }
  if (!direct.headers.empty()) iface.send(nbr.address, std::move(direct), area, out);
  iface.delay_ack(delayed.headers, area, out);
  nbr.continue_requests(iface, area, out);
  return self_originated;
}

bool flood(Area& area, const LsaKey& key, const Interface* from_iface, const Neighbor* from_nbr,
           Out& out) {
  const LsdbEntry* entry = area.lsdb.find(key);
  if (!entry) return false;
  bool flooded_back = false;
  for (auto& iface : area.interfaces) {
    if (iface.state == InterfaceState::down) continue;
    // §13.3 (1): "Each of the neighbors attached to this interface are
    // examined, to determine whether they must receive the new LSA."
    bool added = false;
    for (auto& [id, nbr] : iface.neighbors) {
      // (a) "If the neighbor is in a lesser state than Exchange, it does not
      // participate in flooding".
      if (nbr.state < NeighborState::exchange) continue;
      // (b) "Else, if the adjacency is not yet full (Exchange or Loading),
      // examine the Link state request list associated with this adjacency."
      if (nbr.state != NeighborState::full) {
        if (auto it = nbr.request_list.find(key); it != nbr.request_list.end()) {
          const int cmp = compare_instances(entry->header, it->second);
          if (cmp < 0) continue;
          nbr.request_list.erase(it);
          if (cmp == 0) continue;
        }
      }
      // (c) "If the new LSA was received from this neighbor, examine the next neighbor."
      if (&nbr == from_nbr) continue;
      // (d) "add the new LSA to the Link state retransmission list for the adjacency."
      nbr.add_to_retransmission_list(key, entry->header, iface, out);
      added = true;
    }
    // (2) "If in the previous step, the LSA was NOT added to any of the Link
    // state retransmission lists, there is no need to flood the LSA out the interface."
    if (!added) continue;
    if (&iface == from_iface) {
      // (3) "If the new LSA was received on this interface, and it was
      // received from either the Designated Router or the Backup Designated
      // Router, chances are that all the neighbors have received the LSA already."
      if (from_nbr && (from_nbr->address == iface.designated_router ||
                       from_nbr->address == iface.backup_designated_router)) {
        continue;
      }
      // (4) "If the new LSA was received on this interface, and the interface
      // state is Backup ..., examine the next interface."
      if (iface.state == InterfaceState::backup) continue;
      flooded_back = true;
    }
    // (5) "the LSA must now be flooded out the interface".
    LinkStateUpdate lsu;
    lsu.lsas.push_back(entry->bytes_for_flooding(out.now, iface.transmit_delay()));
    iface.send(iface.flood_destination(), std::move(lsu), area, out);
  }
  return flooded_back;
}

void remove_from_retransmission_lists(Area& area, const LsaKey& key) {
  for (auto& iface : area.interfaces) {
    for (auto& [id, nbr] : iface.neighbors)
      nbr.retransmission_list.erase(key);
  }
}

void retransmit(Area& area, Interface& iface, Neighbor& nbr, Out& out) {
  // §13.6: "If an acknowledgment is not received within RxmtInterval seconds,
  // the LSA is retransmitted ... directly to the neighbor."
  nbr.lsu_retransmit_at.reset();
  std::vector<LsaKey> keys;
  std::size_t size = 0;
  const std::size_t room = iface.max_payload() - 4;
  for (auto it = nbr.retransmission_list.begin(); it != nbr.retransmission_list.end();) {
    const LsdbEntry* entry = area.lsdb.find(it->first);
    if (!entry) {
      it = nbr.retransmission_list.erase(it);
      continue;
    }
    if (!keys.empty() && size + entry->bytes.size() > room) break;
    size += entry->bytes.size();
    keys.push_back(it->first);
    ++it;
  }
  if (keys.empty()) return;
  for (auto& lsu : area.updates(keys, iface, out.now))
    iface.send(nbr.address, std::move(lsu), area, out);
  nbr.retransmit_by(out.now + iface.config.retransmit_interval, iface, out);
}

void receive_ack(Interface& iface, Neighbor& nbr, const LinkStateAck& ack, Out& out) {
  for (const auto& h : ack.headers) {
    // §13.7: "Does the LSA acknowledged have an instance on the Link state
    // retransmission list for the neighbor? ... If the acknowledgment is for
    // the same instance that is contained on the list, remove the item".
    auto it = nbr.retransmission_list.find(LsaKey::of(h));
    if (it != nbr.retransmission_list.end() && compare_instances(h, it->second) == 0) {
      nbr.retransmission_list.erase(it);
    }
  }
  if (nbr.retransmission_list.empty() && nbr.lsu_retransmit_at) {
    nbr.lsu_retransmit_at.reset();
    out.cancel(nbr.timer(TimerKind::lsu_retransmit, iface));
  }
}

std::vector<LsaKey> age_database(Area& area, Out& out) {
  // §14: "When an LSA's LS age field reaches MaxAge, it is reflooded" and then
  // removed "as soon as (a) it is no longer contained on any neighbor Link
  // state retransmission lists and (b) none of the router's neighbors are in
  // states Exchange or Loading".
  for (const auto& key : area.lsdb.at_max_age(out.now)) {
    if (!area.max_age.insert(key).second) continue;
    flood(area, key, nullptr, nullptr, out);
  }
  std::vector<LsaKey> removed;
  if (area.max_age.empty() || area.exchange_in_progress()) return removed;
  for (auto it = area.max_age.begin(); it != area.max_age.end();) {
    bool listed = false;
    for (const auto& iface : area.interfaces) {
      for (const auto& [id, nbr] : iface.neighbors)
        listed = listed || nbr.retransmission_list.count(*it) > 0;
    }
    if (listed) {
      ++it;
      continue;
    }
    area.lsdb.remove(*it);
    removed.push_back(*it);
    it = area.max_age.erase(it);
  }
  return removed;
}

}  // namespace anycastd::ospf
