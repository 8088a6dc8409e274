// RFC 2328 §10: the neighbour state machine (§10.3), Database Description
// exchange (§10.6, §10.8) and Link State Requests (§10.7, §10.9).
#include <fmt/format.h>

#include "ospf/speaker.hpp"

namespace anycastd::ospf {

void Speaker::neighbor_event(Interface& iface, Neighbor& nbr, NeighborEvent event, TimePoint now,
                             Out& out) {
  const auto dead = iface.config.dead_interval;
  // Events that act the same in every state (§10.3): KillNbr, LLDown and
  // InactivityTimer end the neighbour; HelloReceived restarts its timer.
  switch (event) {
    case NeighborEvent::kill_nbr:
    case NeighborEvent::ll_down:
    case NeighborEvent::inactivity_timer:
      if (event == NeighborEvent::inactivity_timer) {
        log(config::LogLevel::warn,
            fmt::format("{}: neighbor {} silent for {}s (RouterDeadInterval)", iface.info.name,
                        dotted(nbr.router_id),
                        std::chrono::duration_cast<std::chrono::seconds>(dead).count()),
            out);
      }
      enter_neighbor_state(iface, nbr, NeighborState::down, now, out);
      return;
    case NeighborEvent::hello_received:
    case NeighborEvent::two_way_received:
    case NeighborEvent::negotiation_done:
    case NeighborEvent::exchange_done:
    case NeighborEvent::bad_ls_req:
    case NeighborEvent::loading_done:
    case NeighborEvent::adj_ok:
    case NeighborEvent::seq_number_mismatch:
    case NeighborEvent::one_way:
      break;
  }
  switch (nbr.state) {
    case NeighborState::down:
      switch (event) {
        case NeighborEvent::hello_received:
          // "Transition to Init; start the Inactivity Timer."
          nbr.inactivity_deadline = now + dead;
          enter_neighbor_state(iface, nbr, NeighborState::init, now, out);
          return;
        case NeighborEvent::two_way_received:
        case NeighborEvent::negotiation_done:
        case NeighborEvent::exchange_done:
        case NeighborEvent::bad_ls_req:
        case NeighborEvent::loading_done:
        case NeighborEvent::adj_ok:
        case NeighborEvent::seq_number_mismatch:
        case NeighborEvent::one_way:
        case NeighborEvent::kill_nbr:
        case NeighborEvent::inactivity_timer:
        case NeighborEvent::ll_down:
          return;
      }
      return;
    case NeighborState::init:
      switch (event) {
        case NeighborEvent::hello_received:
          nbr.inactivity_deadline = now + dead;
          return;
        case NeighborEvent::two_way_received:
          // "Determine whether an adjacency should be established with the
          // neighbor (see Section 10.4)."
          enter_neighbor_state(
              iface, nbr,
              should_be_adjacent(iface, nbr) ? NeighborState::ex_start : NeighborState::two_way,
              now, out);
          return;
        case NeighborEvent::negotiation_done:
        case NeighborEvent::exchange_done:
        case NeighborEvent::bad_ls_req:
        case NeighborEvent::loading_done:
        case NeighborEvent::adj_ok:
        case NeighborEvent::seq_number_mismatch:
        case NeighborEvent::one_way:
        case NeighborEvent::kill_nbr:
        case NeighborEvent::inactivity_timer:
        case NeighborEvent::ll_down:
          return;
      }
      return;
    case NeighborState::two_way:
      switch (event) {
        case NeighborEvent::hello_received:
          nbr.inactivity_deadline = now + dead;
          return;
        case NeighborEvent::adj_ok:
          if (should_be_adjacent(iface, nbr)) {
            enter_neighbor_state(iface, nbr, NeighborState::ex_start, now, out);
          }
          return;
        case NeighborEvent::one_way:
          enter_neighbor_state(iface, nbr, NeighborState::init, now, out);
          return;
        case NeighborEvent::two_way_received:
        case NeighborEvent::negotiation_done:
        case NeighborEvent::exchange_done:
        case NeighborEvent::bad_ls_req:
        case NeighborEvent::loading_done:
        case NeighborEvent::seq_number_mismatch:
        case NeighborEvent::kill_nbr:
        case NeighborEvent::inactivity_timer:
        case NeighborEvent::ll_down:
          return;
      }
      return;
    case NeighborState::ex_start:
    case NeighborState::exchange:
    case NeighborState::loading:
    case NeighborState::full:
      switch (event) {
        case NeighborEvent::hello_received:
          nbr.inactivity_deadline = now + dead;
          return;
        case NeighborEvent::negotiation_done:
          if (nbr.state == NeighborState::ex_start) {
            enter_neighbor_state(iface, nbr, NeighborState::exchange, now, out);
          }
          return;
        case NeighborEvent::exchange_done:
          // "If the neighbor Link state request list is empty, the new state
          // is Full ... Otherwise, the new state is Loading."
          if (nbr.state == NeighborState::exchange) {
            enter_neighbor_state(
                iface, nbr, nbr.request_list.empty() ? NeighborState::full : NeighborState::loading,
                now, out);
          }
          return;
        case NeighborEvent::loading_done:
          if (nbr.state == NeighborState::loading) {
            enter_neighbor_state(iface, nbr, NeighborState::full, now, out);
          }
          return;
        case NeighborEvent::adj_ok:
          // "If an adjacency should no longer be formed, the new state is
          // 2-Way" and the lists are cleared.
          if (!should_be_adjacent(iface, nbr)) {
            enter_neighbor_state(iface, nbr, NeighborState::two_way, now, out);
          }
          return;
        case NeighborEvent::seq_number_mismatch:
        case NeighborEvent::bad_ls_req:
          // "The (possibly partially formed) adjacency is torn down, and then
          // an attempt is made at reestablishment": back to ExStart.
          if (nbr.state == NeighborState::ex_start) return;
          log(config::LogLevel::warn,
              fmt::format("{}: neighbor {}: {} in {}, restarting the exchange", iface.info.name,
                          dotted(nbr.router_id), to_string(event), to_string(nbr.state)),
              out);
          enter_neighbor_state(iface, nbr, NeighborState::ex_start, now, out);
          return;
        case NeighborEvent::one_way:
          enter_neighbor_state(iface, nbr, NeighborState::init, now, out);
          return;
        case NeighborEvent::two_way_received:
        case NeighborEvent::kill_nbr:
        case NeighborEvent::inactivity_timer:
        case NeighborEvent::ll_down:
          return;
      }
      return;
  }
}

void Speaker::clear_adjacency(Neighbor& nbr) {
  nbr.summary_list.clear();
  nbr.request_list.clear();
  nbr.requested.clear();
  nbr.retransmission_list.clear();
  nbr.last_received_dd.reset();
  nbr.last_sent_dd.reset();
  nbr.dd_retransmit_at.reset();
  nbr.lsr_retransmit_at.reset();
  nbr.lsu_retransmit_at.reset();
  nbr.dd_all_sent = false;
}

void Speaker::enter_neighbor_state(Interface& iface, Neighbor& nbr, NeighborState state,
                                   TimePoint now, Out& out) {
  const NeighborState old = nbr.state;
  if (old == state && state != NeighborState::ex_start) return;
  nbr.state = state;
  nbr.state_since = now;
  log(state == NeighborState::down || state < old ? config::LogLevel::warn : config::LogLevel::info,
      fmt::format("{}: neighbor {} ({}) {} -> {}", iface.info.name, dotted(nbr.router_id),
                  dotted(nbr.address), to_string(old), to_string(state)),
      out);
  switch (state) {
    case NeighborState::down:
    case NeighborState::init:
    case NeighborState::two_way:
      clear_adjacency(nbr);
      break;
    case NeighborState::ex_start:
      // §10.3 ExStart entry: "the router increments the DD sequence number in
      // the neighbor data structure ... declares itself master (sets the
      // master/slave bit to master), and starts sending Database Description
      // Packets, with the initialize (I), more (M) and master (MS) bits set.
      // ... This Database Description Packet should be otherwise empty."
      clear_adjacency(nbr);
      nbr.master = true;
      nbr.dd_sequence = nbr.dd_sequence == 0 ? dd_sequence_seed_++ : nbr.dd_sequence + 1;
      {
        DatabaseDescription dd;
        dd.interface_mtu = iface.info.mtu;
        dd.flags = kDdInit | kDdMore | kDdMaster;
        dd.sequence = nbr.dd_sequence;
        nbr.last_sent_dd = dd;
        resend_dd(iface, nbr, out);
        nbr.dd_retransmit_at = now + kRxmtInterval;
      }
      break;
    case NeighborState::exchange:
      // §10.3 NegotiationDone: "the router begins sending summaries of its
      // link state database ... the Database summary list"; MaxAge LSAs go on
      // the retransmission list instead.
      for (const auto& [key, entry] : lsdb_.entries()) {
        if (entry.age(now) >= kMaxAge) {
          nbr.retransmission_list[key] = entry.header;
        } else {
          nbr.summary_list.push_back(entry.header_at(now));
        }
      }
      if (!nbr.retransmission_list.empty()) nbr.lsu_retransmit_at = now + kRxmtInterval;
      break;
    case NeighborState::loading:
      nbr.dd_retransmit_at.reset();
      send_lsr(iface, nbr, now, out);
      break;
    case NeighborState::full:
      // The slave keeps its last DD to answer a retransmitted one (§10.8);
      // the master has nothing more to retransmit.
      nbr.dd_retransmit_at.reset();
      nbr.lsr_retransmit_at.reset();
      break;
  }
  // §9.2 NeighborChange: "Bidirectional communication has been established
  // ... or is no longer": the DR election runs again.
  const bool was_bidirectional = old >= NeighborState::two_way;
  const bool bidirectional = state >= NeighborState::two_way;
  if (was_bidirectional != bidirectional && iface.broadcast()) {
    interface_event(iface, InterfaceEvent::neighbor_change, now, out);
  }
  // §12.4: the router-LSA lists fully adjacent neighbours (and the DR's network-LSA, its routers).
  if ((old == NeighborState::full) != (state == NeighborState::full) && state_ == State::running) {
    update_network_lsa(iface, now, out);
    schedule_router_lsa(now, out);
  }
  if (state == NeighborState::down) iface.neighbors.erase(nbr.router_id);
}

void Speaker::resend_dd(Interface& iface, Neighbor& nbr, Out& out) {
  if (!nbr.last_sent_dd) return;
  send(iface, nbr.address, *nbr.last_sent_dd, out);
}

void Speaker::send_dd(Interface& iface, Neighbor& nbr, TimePoint now, Out& out) {
  // §10.8: as many LSA headers from the summary list as fit in one packet.
  DatabaseDescription dd;
  dd.interface_mtu = iface.info.mtu;
  dd.sequence = nbr.dd_sequence;
  const std::size_t room = (max_payload(iface) - 8) / kLsaHeaderSize;
  while (!nbr.summary_list.empty() && dd.headers.size() < room) {
    LsaHeader h = nbr.summary_list.front();
    nbr.summary_list.pop_front();
    // An LSA may have changed or gone since the list was made.
    const LsdbEntry* entry = lsdb_.find(LsaKey::of(h));
    if (!entry) continue;
    dd.headers.push_back(entry->header_at(now));
  }
  dd.flags = (nbr.summary_list.empty() ? 0 : kDdMore) | (nbr.master ? kDdMaster : 0);
  nbr.dd_all_sent = nbr.summary_list.empty();
  nbr.last_sent_dd = dd;
  send(iface, nbr.address, std::move(dd), out);
  nbr.dd_retransmit_at.reset();
  if (nbr.master) nbr.dd_retransmit_at = now + kRxmtInterval;
}

void Speaker::process_dd_headers(Neighbor& nbr, const DatabaseDescription& dd, TimePoint now) {
  // §10.6: "for each LSA listed, the LSA's LS type is checked for validity"
  // (every type is valid here: unknown ones are kept opaque), "then looks up
  // the LSA in its database ... If the LSA does not exist, or if the database
  // copy is less recent, the LSA is put on the Link state request list".
  for (const auto& h : dd.headers) {
    const LsaKey key = LsaKey::of(h);
    const LsdbEntry* entry = lsdb_.find(key);
    if (!entry || compare_instances(h, entry->header_at(now)) > 0) {
      nbr.request_list[key] = h;
    }
  }
}

void Speaker::receive_dd(Interface& iface, Neighbor& nbr, const DatabaseDescription& dd,
                         TimePoint now, Out& out) {
  // §10.6: "If the Interface MTU field ... indicates an IP datagram size that
  // is larger than the router can accept on the receiving interface without
  // fragmentation, the Database Description packet is rejected."
  if (dd.interface_mtu > iface.info.mtu) {
    drop(iface, "mtu_mismatch",
         fmt::format("DD from {} with MTU {}, ours {}", dotted(nbr.router_id), dd.interface_mtu,
                     iface.info.mtu),
         out);
    return;
  }
  const Neighbor::LastDd received{dd.sequence, dd.flags, dd.options};
  const bool duplicate = nbr.last_received_dd && *nbr.last_received_dd == received;
  const bool init = (dd.flags & kDdInit) != 0;
  const bool more = (dd.flags & kDdMore) != 0;
  const bool ms = (dd.flags & kDdMaster) != 0;
  switch (nbr.state) {
    case NeighborState::down:
    case NeighborState::two_way:
      // "Down: the packet should be rejected." "2-Way: the packet should be ignored."
      return;
    case NeighborState::init:
      // "Init: The neighbor state machine should be executed with the event
      // 2-WayReceived ... if the new state is ExStart, the processing of the
      // current packet should then continue in this new state."
      neighbor_event(iface, nbr, NeighborEvent::two_way_received, now, out);
      if (nbr.state != NeighborState::ex_start) return;
      [[fallthrough]];
    case NeighborState::ex_start:
      if (init && more && ms && dd.headers.empty() && nbr.router_id > router_id_) {
        // "the neighbor is the master and we are the slave: set the master/
        // slave bit to slave, and set the DD sequence number to that specified by the master".
        nbr.master = false;
        nbr.dd_sequence = dd.sequence;
        nbr.options = dd.options;
        nbr.last_received_dd = received;
        nbr.dd_retransmit_at.reset();
        neighbor_event(iface, nbr, NeighborEvent::negotiation_done, now, out);
        // The slave answers the master's first packet with its first summaries.
        send_dd(iface, nbr, now, out);
        return;
      }
      if (!init && !ms && dd.sequence == nbr.dd_sequence && nbr.router_id < router_id_) {
        // "the neighbor is the slave and we are the master ... the packet
        // should be accepted and further processed".
        nbr.master = true;
        nbr.options = dd.options;
        neighbor_event(iface, nbr, NeighborEvent::negotiation_done, now, out);
        break;  // processed as in Exchange below
      }
      if (init && more && ms && nbr.router_id < router_id_) {
        // The neighbour also claims master but loses on router ID: it will
        // become slave once it sees our initial DD, so repeat it now rather
        // than after RxmtInterval.
        resend_dd(iface, nbr, out);
      }
      return;
    case NeighborState::exchange:
      break;
    case NeighborState::loading:
    case NeighborState::full:
      // "the router should not receive any more DD packets, except duplicates":
      // the master discards them, the slave repeats its last DD.
      if (duplicate) {
        if (!nbr.master) resend_dd(iface, nbr, out);
        return;
      }
      neighbor_event(iface, nbr, NeighborEvent::seq_number_mismatch, now, out);
      return;
  }
  // Exchange (§10.6).
  if (duplicate) {
    // "Duplicate Database Description packets are discarded by the master,
    // and cause the slave to retransmit the last DD packet that it had sent."
    if (!nbr.master) resend_dd(iface, nbr, out);
    return;
  }
  if (ms == nbr.master || init || dd.options != nbr.options) {
    // "If the state of the MS-bit is inconsistent with the master/slave state
    // of the connection ... If the initialize(I) bit is set ... If the
    // packet's Options field indicates a different set of optional OSPF
    // capabilities than were previously received": SeqNumberMismatch.
    neighbor_event(iface, nbr, NeighborEvent::seq_number_mismatch, now, out);
    return;
  }
  if (nbr.master ? dd.sequence != nbr.dd_sequence : dd.sequence != nbr.dd_sequence + 1) {
    // "the master expects the packet's DD sequence number to equal its own,
    // the slave expects one more than that"; anything else is a mismatch.
    neighbor_event(iface, nbr, NeighborEvent::seq_number_mismatch, now, out);
    return;
  }
  nbr.last_received_dd = received;
  process_dd_headers(nbr, dd, now);
  if (nbr.master) {
    // §10.8 master: the packet acknowledges ours. "If the master has already
    // sent its last DD and the slave's M bit is clear: ExchangeDone";
    // otherwise the sequence number advances and the next DD goes out.
    nbr.dd_retransmit_at.reset();
    if (nbr.dd_all_sent && !more) {
      neighbor_event(iface, nbr, NeighborEvent::exchange_done, now, out);
      if (nbr.state == NeighborState::exchange || nbr.state == NeighborState::loading) {
        if (!nbr.request_list.empty() && nbr.requested.empty()) send_lsr(iface, nbr, now, out);
      }
      return;
    }
    ++nbr.dd_sequence;
    send_dd(iface, nbr, now, out);
  } else {
    // §10.8 slave: take the master's sequence number and answer with our
    // next summaries; when neither side has more, ExchangeDone.
    nbr.dd_sequence = dd.sequence;
    send_dd(iface, nbr, now, out);
    if (!more && nbr.dd_all_sent) {
      neighbor_event(iface, nbr, NeighborEvent::exchange_done, now, out);
      return;
    }
  }
  // §10.9: LS Requests may go out while the exchange is still in progress.
  if (nbr.state == NeighborState::exchange && !nbr.request_list.empty() && nbr.requested.empty()) {
    send_lsr(iface, nbr, now, out);
  }
}

void Speaker::send_lsr(Interface& iface, Neighbor& nbr, TimePoint now, Out& out) {
  nbr.lsr_retransmit_at.reset();
  if (nbr.request_list.empty()) return;
  LinkStateRequest lsr;
  const std::size_t room = max_payload(iface) / 12;
  nbr.requested.clear();
  for (const auto& [key, header] : nbr.request_list) {
    if (lsr.requests.size() >= room) break;
    lsr.requests.push_back(key);
    nbr.requested.insert(key);
  }
  send(iface, nbr.address, std::move(lsr), out);
  // §10.9: "the LS Request packet is retransmitted at intervals of RxmtInterval".
  nbr.lsr_retransmit_at = now + kRxmtInterval;
}

void Speaker::receive_lsr(Interface& iface, Neighbor& nbr, const LinkStateRequest& lsr,
                          TimePoint now, Out& out) {
  // §10.7: "Received Link State Request Packets specify a list of LSAs that
  // the neighbor wishes to receive ... in states Exchange, Loading, or Full."
  if (nbr.state < NeighborState::exchange) {
    ++iface.counters.dropped["lsr_in_wrong_state"];
    return;
  }
  std::vector<LsaKey> keys;
  for (const auto& key : lsr.requests) {
    if (!lsdb_.find(key)) {
      // "If an LSA cannot be found in the database, something has gone wrong
      // with the Database Exchange process, and neighbor event BadLSReq should be generated."
      log(config::LogLevel::warn,
          fmt::format("{}: neighbor {} requested {}-LSA {}/{} we do not have", iface.info.name,
                      dotted(nbr.router_id), lsa_type_name(key.type), dotted(key.ls_id),
                      dotted(key.advertising_router)),
          out);
      neighbor_event(iface, nbr, NeighborEvent::bad_ls_req, now, out);
      return;
    }
    keys.push_back(key);
  }
  // "All LSAs requested are sent in Link State Update packets ... directly to the neighbor."
  send_updates(iface, nbr.address, keys, now, out);
}

}  // namespace anycastd::ospf
