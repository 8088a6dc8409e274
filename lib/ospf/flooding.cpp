// RFC 2328 §13: receiving Link State Updates, flooding, acknowledging and
// retransmitting; §14: aging the database and removing MaxAge LSAs.
#include <fmt/format.h>

#include "ospf/speaker.hpp"

namespace anycastd::ospf {

bool Speaker::exchange_in_progress() const {
  for (const auto& iface : interfaces_) {
    for (const auto& [id, nbr] : iface.neighbors) {
      if (nbr.state == NeighborState::exchange || nbr.state == NeighborState::loading) return true;
    }
  }
  return false;
}

void Speaker::receive_lsu(Interface& iface, Neighbor& nbr, const LinkStateUpdate& lsu,
                          TimePoint now, Out& out) {
  // §13: "If the neighbor is in a lesser state than Exchange, the packet
  // should be dropped without further processing."
  if (nbr.state < NeighborState::exchange) {
    ++iface.counters.dropped["lsu_in_wrong_state"];
    return;
  }
  LinkStateAck delayed;  // §13.5: sent to the interface's flooding address
  LinkStateAck direct;   // §13.5: sent straight back to the neighbour
  for (const auto& bytes : lsu.lsas) {
    // (1) "Validate the LSA's LS checksum"; a bad LSA is discarded alone.
    if (const auto failure = check_lsa(bytes)) {
      const std::string reason(to_string(failure->error));
      ++lsa_drops_[reason];
      out.push_back(Log{config::LogLevel::warn,
                        fmt::format("ospf: {}: discarded an LSA from {}: {}", iface.info.name,
                                    dotted(nbr.router_id), failure->message),
                        "ospf:lsa:" + reason});
      continue;
    }
    const LsaHeader header = std::get<LsaHeader>(decode_lsa_header(bytes));
    const LsaKey key = LsaKey::of(header);
    const LsdbEntry* current = lsdb_.find(key);
    // (4) "if the LSA's LS age is equal to MaxAge, and there is currently no
    // instance of the LSA in the router's link state database, and none of
    // router's neighbors are in states Exchange or Loading": acknowledge and discard.
    if (header.age >= kMaxAge && !current && !exchange_in_progress()) {
      direct.headers.push_back(header);
      continue;
    }
    // (5) No database copy, or the received LSA is more recent.
    if (!current || compare_instances(header, current->header_at(now)) > 0) {
      // (a) "If there is already a database copy, and if the database copy
      // was received via flooding and installed less than MinLSArrival
      // seconds ago, discard the new LSA (without acknowledging it)".
      if (current && !current->self_originated && now - current->installed < kMinLsArrival) {
        ++lsa_drops_["min_ls_arrival"];
        continue;
      }
      // (c) "Remove the current database copy from all neighbors' Link state
      // retransmission lists." (d) "Install the new LSA in the link state database."
      remove_from_retransmission_lists(key);
      if (lsdb_.install(header, bytes, now) == InstallResult::full) {
        // The database is at its configured bound: the LSA is acknowledged
        // (so the neighbour stops sending it) but not kept or flooded.
        ++lsa_drops_["lsdb_full"];
        out.push_back(Log{config::LogLevel::warn,
                          fmt::format("ospf: link-state database full ({} LSAs, lsdb_limit); "
                                      "discarding new LSAs",
                                      lsdb_.size()),
                          "ospf:lsdb_full"});
        nbr.request_list.erase(key);
        delayed.headers.push_back(header);
        continue;
      }
      if (header.age >= kMaxAge) {
        max_age_.insert(key);
      } else {
        max_age_.erase(key);
      }
      if (auto it = nbr.request_list.find(key);
          it != nbr.request_list.end() && compare_instances(header, it->second) >= 0) {
        nbr.request_list.erase(it);
      }
      // (b) "Immediately flood the new LSA out some subset of the router's interfaces".
      const bool flooded_back = flood(*lsdb_.find(key), &iface, &nbr, now, out);
      // (e) "Possibly acknowledge the receipt of the LSA by sending a Link
      // State Acknowledgment packet back out the receiving interface" (Table
      // 19: none when it was flooded back out of that interface).
      if (!flooded_back) delayed.headers.push_back(header);
      // (f) "If this new LSA indicates that it was originated by the
      // receiving router itself, the router must take special action" (§13.4).
      const bool self =
          header.advertising_router == router_id_ ||
          (header.type == static_cast<std::uint8_t>(LsaType::network) &&
           std::any_of(interfaces_.begin(), interfaces_.end(),
                       [&](const Interface& i) { return i.info.address == header.ls_id; }));
      if (self) self_originated_received(*lsdb_.find(key), now, out);
      continue;
    }
    // (6) "Else, if there is an instance of the LSA on the sending neighbor's
    // Link state request list, an error has occurred in the Database Exchange
    // process ... restart the Database Exchange process by generating the
    // neighbor event BadLSReq".
    if (nbr.request_list.count(key)) {
      neighbor_event(iface, nbr, NeighborEvent::bad_ls_req, now, out);
      return;
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
    send_updates(iface, nbr.address, {key}, now, out);
  }
  if (!direct.headers.empty()) send(iface, nbr.address, std::move(direct), out);
  if (!delayed.headers.empty()) send(iface, flood_destination(iface), std::move(delayed), out);
  // §10.9: when the requests in flight are answered, the next LS Request
  // goes out; with the list empty, Loading is done.
  bool answered = true;
  for (const auto& key : nbr.requested)
    answered = answered && !nbr.request_list.count(key);
  if (!answered) return;
  nbr.requested.clear();
  if (!nbr.request_list.empty()) {
    send_lsr(iface, nbr, now, out);
  } else {
    nbr.lsr_retransmit_at.reset();
    if (nbr.state == NeighborState::loading) {
      neighbor_event(iface, nbr, NeighborEvent::loading_done, now, out);
    }
  }
}

bool Speaker::flood(const LsdbEntry& entry, const Interface* from_iface, const Neighbor* from_nbr,
                    TimePoint now, Out& out) {
  const LsaKey key = LsaKey::of(entry.header);
  bool flooded_back = false;
  for (auto& iface : interfaces_) {
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
          const int cmp = compare_instances(entry.header, it->second);
          if (cmp < 0) continue;
          nbr.request_list.erase(it);
          if (cmp == 0) continue;
        }
      }
      // (c) "If the new LSA was received from this neighbor, examine the next neighbor."
      if (&nbr == from_nbr) continue;
      // (d) "add the new LSA to the Link state retransmission list for the adjacency."
      nbr.retransmission_list[key] = entry.header;
      if (!nbr.lsu_retransmit_at) nbr.lsu_retransmit_at = now + kRxmtInterval;
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
    lsu.lsas.push_back(entry.bytes_for_flooding(now, kInfTransDelay));
    send(iface, flood_destination(iface), std::move(lsu), out);
  }
  return flooded_back;
}

void Speaker::remove_from_retransmission_lists(const LsaKey& key) {
  for (auto& iface : interfaces_) {
    for (auto& [id, nbr] : iface.neighbors)
      nbr.retransmission_list.erase(key);
  }
}

void Speaker::send_updates(Interface& iface, std::uint32_t to, const std::vector<LsaKey>& keys,
                           TimePoint now, Out& out) {
  const std::size_t room = max_payload(iface) - 4;
  LinkStateUpdate lsu;
  std::size_t size = 0;
  for (const auto& key : keys) {
    const LsdbEntry* entry = lsdb_.find(key);
    if (!entry) continue;
    if (!lsu.lsas.empty() && size + entry->bytes.size() > room) {
      send(iface, to, std::move(lsu), out);
      lsu = {};
      size = 0;
    }
    size += entry->bytes.size();
    lsu.lsas.push_back(entry->bytes_for_flooding(now, kInfTransDelay));
  }
  if (!lsu.lsas.empty()) send(iface, to, std::move(lsu), out);
}

void Speaker::retransmit(Interface& iface, Neighbor& nbr, TimePoint now, Out& out) {
  // §13.6: "If an acknowledgment is not received within RxmtInterval seconds,
  // the LSA is retransmitted ... directly to the neighbor."
  nbr.lsu_retransmit_at.reset();
  std::vector<LsaKey> keys;
  std::size_t size = 0;
  const std::size_t room = max_payload(iface) - 4;
  for (auto it = nbr.retransmission_list.begin(); it != nbr.retransmission_list.end();) {
    const LsdbEntry* entry = lsdb_.find(it->first);
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
  send_updates(iface, nbr.address, keys, now, out);
  nbr.lsu_retransmit_at = now + kRxmtInterval;
}

void Speaker::receive_ack(Interface& iface, Neighbor& nbr, const LinkStateAck& ack, TimePoint,
                          Out&) {
  // §13.7: "If the neighbor is in a lesser state than Exchange, the Link
  // State Acknowledgment packet is discarded."
  if (nbr.state < NeighborState::exchange) {
    ++iface.counters.dropped["ack_in_wrong_state"];
    return;
  }
  for (const auto& h : ack.headers) {
    // "Does the LSA acknowledged have an instance on the Link state
    // retransmission list for the neighbor? ... If the acknowledgment is for
    // the same instance that is contained on the list, remove the item".
    auto it = nbr.retransmission_list.find(LsaKey::of(h));
    if (it != nbr.retransmission_list.end() && compare_instances(h, it->second) == 0) {
      nbr.retransmission_list.erase(it);
    }
  }
  if (nbr.retransmission_list.empty()) nbr.lsu_retransmit_at.reset();
}

void Speaker::age_database(TimePoint now, Out& out) {
  // §14: "When an LSA's LS age field reaches MaxAge, it is reflooded" and then
  // removed "as soon as (a) it is no longer contained on any neighbor Link
  // state retransmission lists and (b) none of the router's neighbors are in
  // states Exchange or Loading".
  for (const auto& key : lsdb_.at_max_age(now)) {
    if (!max_age_.insert(key).second) continue;
    flood(*lsdb_.find(key), nullptr, nullptr, now, out);
  }
  if (max_age_.empty() || exchange_in_progress()) return;
  for (auto it = max_age_.begin(); it != max_age_.end();) {
    bool listed = false;
    for (const auto& iface : interfaces_) {
      for (const auto& [id, nbr] : iface.neighbors)
        listed = listed || nbr.retransmission_list.count(*it) > 0;
    }
    if (listed) {
      ++it;
      continue;
    }
    const LsaKey key = *it;
    it = max_age_.erase(it);
    lsdb_.remove(key);
    const LsaKey own{static_cast<std::uint8_t>(LsaType::router), router_id_, router_id_};
    if (key == own && sequence_wrap_pending_ && state_ == State::running) {
      // §12.1.6: the instance at MaxSequenceNumber is gone; start again.
      sequence_wrap_pending_ = false;
      router_lsa_sequence_ = kInitialSequenceNumber - 1;
      originated_body_.reset();
      originate_router_lsa(now, out);
    }
  }
}

}  // namespace anycastd::ospf
