// SPDX-License-Identifier: Apache-2.0
// RFC 2328 §10: the neighbour state machine (§10.3), Database Description
// exchange (§10.6, §10.8) and Link State Requests (§10.7, §10.9).
#include "ospf/neighbor.hpp"

#include <fmt/format.h>

#include "ospf/area.hpp"
#include "ospf/interface.hpp"

namespace anycastd::ospf {

Neighbor::Neighbor(std::uint32_t router_id, std::uint32_t address, TimePoint now)
    : router_id(router_id), address(address), state_since(now) {}

TimerId Neighbor::timer(TimerKind kind, const Interface& iface) const {
  return TimerId::of(kind, iface.id(), router_id);
}

void Neighbor::handle(NeighborEvent event, Interface& iface, Area& area, Out& out) {
  const auto dead = iface.config.dead_interval;
  // §10.3, by event: each case acts in the states the RFC lists for it; in
  // any other state the event changes nothing.
  switch (event) {
    case NeighborEvent::kill_nbr:
    case NeighborEvent::ll_down:
    case NeighborEvent::inactivity_timer:
      // Any state: the neighbour ends.
      if (event == NeighborEvent::inactivity_timer) {
        out.log(config::LogLevel::warn,
                fmt::format("ospf: {}: neighbor {} silent for {}s (RouterDeadInterval)",
                            iface.info.name, dotted(router_id),
                            std::chrono::duration_cast<std::chrono::seconds>(dead).count()));
      }
      enter_state(NeighborState::down, iface, area, out);
      return;
    case NeighborEvent::hello_received:
      // Down: "Transition to Init; start the Inactivity Timer." Other
      // states: "Restart the Inactivity Timer."
      inactivity_deadline = out.now + dead;
      out.arm(timer(TimerKind::inactivity, iface), inactivity_deadline);
      if (state == NeighborState::down) enter_state(NeighborState::init, iface, area, out);
      return;
    case NeighborEvent::two_way_received:
      // Init: "Determine whether an adjacency should be established with the
      // neighbor (see Section 10.4)."
      if (state == NeighborState::init) {
        enter_state(
            iface.should_be_adjacent(*this) ? NeighborState::ex_start : NeighborState::two_way,
            iface, area, out);
      }
      return;
    case NeighborEvent::negotiation_done:
      if (state == NeighborState::ex_start) enter_state(NeighborState::exchange, iface, area, out);
      return;
    case NeighborEvent::exchange_done:
      // Exchange: "If the neighbor Link state request list is empty, the new
      // state is Full ... Otherwise, the new state is Loading."
      if (state == NeighborState::exchange) {
        enter_state(request_list.empty() ? NeighborState::full : NeighborState::loading, iface,
                    area, out);
      }
      return;
    case NeighborEvent::loading_done:
      if (state == NeighborState::loading) enter_state(NeighborState::full, iface, area, out);
      return;
    case NeighborEvent::adj_ok:
      // 2-Way: an adjacency forms if it should. ExStart or later: "If an
      // adjacency should no longer be formed, the new state is 2-Way" and the
      // lists are cleared.
      if (state == NeighborState::two_way && iface.should_be_adjacent(*this)) {
        enter_state(NeighborState::ex_start, iface, area, out);
      } else if (state >= NeighborState::ex_start && !iface.should_be_adjacent(*this)) {
        enter_state(NeighborState::two_way, iface, area, out);
      }
      return;
    case NeighborEvent::seq_number_mismatch:
    case NeighborEvent::bad_ls_req:
      // Exchange or later: "The (possibly partially formed) adjacency is torn
      // down, and then an attempt is made at reestablishment": back to ExStart.
      if (state < NeighborState::exchange) return;
      out.log(config::LogLevel::warn,
              fmt::format("ospf: {}: neighbor {}: {} in {}, restarting the exchange",
                          iface.info.name, dotted(router_id), to_string(event), to_string(state)));
      enter_state(NeighborState::ex_start, iface, area, out);
      return;
    case NeighborEvent::one_way:
      // 2-Way or later: back to Init.
      if (state >= NeighborState::two_way) enter_state(NeighborState::init, iface, area, out);
      return;
  }
}

void Neighbor::clear_adjacency(const Interface& iface, Out& out) {
  summary_list.clear();
  request_list.clear();
  requested.clear();
  retransmission_list.clear();
  last_received_dd.reset();
  last_sent_dd.reset();
  dd_all_sent = false;
  lsu_retransmit_at.reset();
  out.cancel(timer(TimerKind::dd_retransmit, iface));
  out.cancel(timer(TimerKind::lsr_retransmit, iface));
  out.cancel(timer(TimerKind::lsu_retransmit, iface));
}

void Neighbor::enter_state(NeighborState next, Interface& iface, Area& area, Out& out) {
  const NeighborState old = state;
  if (old == next && next != NeighborState::ex_start) return;
  state = next;
  state_since = out.now;
  out.log(
      next == NeighborState::down || next < old ? config::LogLevel::warn : config::LogLevel::info,
      fmt::format("ospf: {}: neighbor {} ({}) {} -> {}", iface.info.name, dotted(router_id),
                  dotted(address), to_string(old), to_string(next)));
  switch (next) {
    case NeighborState::down:
      clear_adjacency(iface, out);
      out.cancel(timer(TimerKind::inactivity, iface));
      break;
    case NeighborState::init:
    case NeighborState::two_way:
      clear_adjacency(iface, out);
      break;
    case NeighborState::ex_start: {
      // §10.3 ExStart entry: "the router increments the DD sequence number in
      // the neighbor data structure ... declares itself master (sets the
      // master/slave bit to master), and starts sending Database Description
      // Packets, with the initialize (I), more (M) and master (MS) bits set.
      // ... This Database Description Packet should be otherwise empty."
      clear_adjacency(iface, out);
      master = true;
      dd_sequence = dd_sequence == 0 ? area.next_dd_sequence() : dd_sequence + 1;
      DatabaseDescription dd;
      dd.interface_mtu = iface.info.mtu;
      dd.options = area.options();
      dd.flags = kDdInit | kDdMore | kDdMaster;
      dd.sequence = dd_sequence;
      last_sent_dd = dd;
      resend_dd(iface, area, out);
      out.arm(timer(TimerKind::dd_retransmit, iface), out.now + iface.config.retransmit_interval);
      break;
    }
    case NeighborState::exchange:
      // §10.3 NegotiationDone: "the router begins sending summaries of its
      // link state database ... the Database summary list"; MaxAge LSAs go on
      // the retransmission list instead.
      for (const auto& [key, entry] : area.lsdb.entries()) {
        if (entry.age(out.now) >= kMaxAge) {
          add_to_retransmission_list(key, entry.header, iface, out);
        } else {
          summary_list.push_back(entry.header_at(out.now));
        }
      }
      break;
    case NeighborState::loading:
      out.cancel(timer(TimerKind::dd_retransmit, iface));
      send_lsr(iface, area, out);
      break;
    case NeighborState::full:
      // The slave keeps its last DD to answer a retransmitted one (§10.8);
      // the master has nothing more to retransmit.
      out.cancel(timer(TimerKind::dd_retransmit, iface));
      out.cancel(timer(TimerKind::lsr_retransmit, iface));
      break;
  }
  // §9.2 NeighborChange: "Bidirectional communication has been established
  // ... or is no longer": the interface runs the DR election again.
  const bool was_bidirectional = old >= NeighborState::two_way;
  if (was_bidirectional != bidirectional() && iface.broadcast()) iface.neighbor_change = true;
  // §12.4: the router-LSA lists fully adjacent neighbours (and the DR's network-LSA, its routers).
  if ((old == NeighborState::full) != (next == NeighborState::full)) {
    iface.network_lsa_stale = true;
    area.router_lsa_stale = true;
  }
}

void Neighbor::add_to_retransmission_list(const LsaKey& key, const LsaHeader& header,
                                          const Interface& iface, Out& out) {
  retransmission_list[key] = header;
  if (lsu_retransmit_at) return;
  retransmit_by(out.now + iface.config.retransmit_interval, iface, out);
}

void Neighbor::retransmit_by(TimePoint at, const Interface& iface, Out& out) {
  if (lsu_retransmit_at && *lsu_retransmit_at <= at) return;
  lsu_retransmit_at = at;
  out.arm(timer(TimerKind::lsu_retransmit, iface), at);
}

void Neighbor::dd_retransmit_timer(Interface& iface, Area& area, Out& out) {
  // RFC 2328 §10.8: the master (or ExStart) retransmits its last DD every RxmtInterval.
  resend_dd(iface, area, out);
  out.arm(timer(TimerKind::dd_retransmit, iface), out.now + iface.config.retransmit_interval);
}

void Neighbor::lsr_retransmit_timer(Interface& iface, Area& area, Out& out) {
  requested.clear();
  send_lsr(iface, area, out);
}

void Neighbor::resend_dd(Interface& iface, Area& area, Out& out) {
  if (!last_sent_dd) return;
  iface.send(address, *last_sent_dd, area, out);
}

void Neighbor::send_dd(Interface& iface, Area& area, Out& out) {
  // §10.8: as many LSA headers from the summary list as fit in one packet.
  DatabaseDescription dd;
  dd.interface_mtu = iface.info.mtu;
  dd.options = area.options();
  dd.sequence = dd_sequence;
  const std::size_t room = (iface.max_payload() - 8) / kLsaHeaderSize;
  while (!summary_list.empty() && dd.headers.size() < room) {
    LsaHeader h = summary_list.front();
    summary_list.pop_front();
    // An LSA may have changed or gone since the list was made.
    const LsdbEntry* entry = area.lsdb.find(LsaKey::of(h));
    if (!entry) continue;
    dd.headers.push_back(entry->header_at(out.now));
  }
  dd.flags = (summary_list.empty() ? 0 : kDdMore) | (master ? kDdMaster : 0);
  dd_all_sent = summary_list.empty();
  last_sent_dd = dd;
  iface.send(address, std::move(dd), area, out);
  if (master) {
    out.arm(timer(TimerKind::dd_retransmit, iface), out.now + iface.config.retransmit_interval);
  } else {
    out.cancel(timer(TimerKind::dd_retransmit, iface));
  }
}

void Neighbor::process_dd_headers(const DatabaseDescription& dd, const Area& area, TimePoint now) {
  // §10.6: "for each LSA listed, the LSA's LS type is checked for validity"
  // (every type is valid here: unknown ones are kept opaque), "then looks up
  // the LSA in its database ... If the LSA does not exist, or if the database
  // copy is less recent, the LSA is put on the Link state request list".
  for (const auto& h : dd.headers) {
    const LsaKey key = LsaKey::of(h);
    const LsdbEntry* entry = area.lsdb.find(key);
    if (!entry || compare_instances(h, entry->header_at(now)) > 0) request_list[key] = h;
  }
}

std::optional<Refusal> Neighbor::receive_dd(const DatabaseDescription& dd, Interface& iface,
                                            Area& area, Out& out) {
  // §10.6: "If the Interface MTU field ... indicates an IP datagram size that
  // is larger than the router can accept on the receiving interface without
  // fragmentation, the Database Description packet is rejected."
  if (dd.interface_mtu > iface.info.mtu) {
    return Refusal{"mtu_mismatch", fmt::format("DD from {} with MTU {}, ours {}", dotted(router_id),
                                               dd.interface_mtu, iface.info.mtu)};
  }
  const LastDd received{dd.sequence, dd.flags, dd.options};
  const bool duplicate = last_received_dd && *last_received_dd == received;
  const bool init = (dd.flags & kDdInit) != 0;
  const bool more = (dd.flags & kDdMore) != 0;
  const bool ms = (dd.flags & kDdMaster) != 0;
  switch (state) {
    case NeighborState::down:
    case NeighborState::two_way:
      // "Down: the packet should be rejected." "2-Way: the packet should be ignored."
      return Refusal{"not_adjacent",
                     fmt::format("DD from {} in state {}", dotted(router_id), to_string(state))};
    case NeighborState::init:
      // "Init: The neighbor state machine should be executed with the event
      // 2-WayReceived ... if the new state is ExStart, the processing of the
      // current packet should then continue in this new state."
      handle(NeighborEvent::two_way_received, iface, area, out);
      if (state != NeighborState::ex_start) return std::nullopt;
      [[fallthrough]];
    case NeighborState::ex_start:
      if (init && more && ms && dd.headers.empty() && router_id > area.router_id) {
        // "the neighbor is the master and we are the slave: set the master/
        // slave bit to slave, and set the DD sequence number to that specified by the master".
        master = false;
        dd_sequence = dd.sequence;
        options = dd.options;
        last_received_dd = received;
        out.cancel(timer(TimerKind::dd_retransmit, iface));
        handle(NeighborEvent::negotiation_done, iface, area, out);
        // The slave answers the master's first packet with its first summaries.
        send_dd(iface, area, out);
        return std::nullopt;
      }
      if (!init && !ms && dd.sequence == dd_sequence && router_id < area.router_id) {
        // "the neighbor is the slave and we are the master ... the packet
        // should be accepted and further processed".
        master = true;
        options = dd.options;
        handle(NeighborEvent::negotiation_done, iface, area, out);
        break;  // processed as in Exchange below
      }
      if (init && more && ms && router_id < area.router_id) {
        // The neighbour also claims master but loses on router ID: it will
        // become slave once it sees our initial DD, so repeat it now rather
        // than after RxmtInterval.
        resend_dd(iface, area, out);
      }
      return std::nullopt;
    case NeighborState::exchange:
      break;
    case NeighborState::loading:
    case NeighborState::full:
      // "the router should not receive any more DD packets, except duplicates":
      // the master discards them, the slave repeats its last DD.
      if (duplicate) {
        if (!master) resend_dd(iface, area, out);
        return std::nullopt;
      }
      handle(NeighborEvent::seq_number_mismatch, iface, area, out);
      return std::nullopt;
  }
  // Exchange (§10.6).
  if (duplicate) {
    // "Duplicate Database Description packets are discarded by the master,
    // and cause the slave to retransmit the last DD packet that it had sent."
    if (!master) resend_dd(iface, area, out);
    return std::nullopt;
  }
  if (ms == master || init || dd.options != options) {
    // "If the state of the MS-bit is inconsistent with the master/slave state
    // of the connection ... If the initialize(I) bit is set ... If the
    // packet's Options field indicates a different set of optional OSPF
    // capabilities than were previously received": SeqNumberMismatch.
    handle(NeighborEvent::seq_number_mismatch, iface, area, out);
    return std::nullopt;
  }
  if (master ? dd.sequence != dd_sequence : dd.sequence != dd_sequence + 1) {
    // "the master expects the packet's DD sequence number to equal its own,
    // the slave expects one more than that"; anything else is a mismatch.
    handle(NeighborEvent::seq_number_mismatch, iface, area, out);
    return std::nullopt;
  }
  last_received_dd = received;
  process_dd_headers(dd, area, out.now);
  if (master) {
    // §10.8 master: the packet acknowledges ours. "If the master has already
    // sent its last DD and the slave's M bit is clear: ExchangeDone";
    // otherwise the sequence number advances and the next DD goes out.
    out.cancel(timer(TimerKind::dd_retransmit, iface));
    if (dd_all_sent && !more) {
      handle(NeighborEvent::exchange_done, iface, area, out);
      if (state == NeighborState::exchange || state == NeighborState::loading) {
        if (!request_list.empty() && requested.empty()) send_lsr(iface, area, out);
      }
      return std::nullopt;
    }
    ++dd_sequence;
    send_dd(iface, area, out);
  } else {
    // §10.8 slave: take the master's sequence number and answer with our
    // next summaries; when neither side has more, ExchangeDone.
    dd_sequence = dd.sequence;
    send_dd(iface, area, out);
    if (!more && dd_all_sent) {
      handle(NeighborEvent::exchange_done, iface, area, out);
      return std::nullopt;
    }
  }
  // §10.9: LS Requests may go out while the exchange is still in progress.
  if (state == NeighborState::exchange && !request_list.empty() && requested.empty()) {
    send_lsr(iface, area, out);
  }
  return std::nullopt;
}

void Neighbor::send_lsr(Interface& iface, Area& area, Out& out) {
  if (request_list.empty()) {
    out.cancel(timer(TimerKind::lsr_retransmit, iface));
    return;
  }
  LinkStateRequest lsr;
  const std::size_t room = iface.max_payload() / 12;
  requested.clear();
  for (const auto& [key, header] : request_list) {
    if (lsr.requests.size() >= room) break;
    lsr.requests.push_back(key);
    requested.insert(key);
  }
  iface.send(address, std::move(lsr), area, out);
  // §10.9: "the LS Request packet is retransmitted at intervals of RxmtInterval".
  out.arm(timer(TimerKind::lsr_retransmit, iface), out.now + iface.config.retransmit_interval);
}

void Neighbor::continue_requests(Interface& iface, Area& area, Out& out) {
  // §10.9: when the requests in flight are answered, the next LS Request
  // goes out; with the list empty, Loading is done.
  for (const auto& key : requested) {
    if (request_list.count(key)) return;
  }
  requested.clear();
  if (!request_list.empty()) {
    send_lsr(iface, area, out);
    return;
  }
  out.cancel(timer(TimerKind::lsr_retransmit, iface));
  if (state == NeighborState::loading) handle(NeighborEvent::loading_done, iface, area, out);
}

void Neighbor::receive_lsr(const LinkStateRequest& lsr, Interface& iface, Area& area, Out& out) {
  // §10.7: "Received Link State Request Packets specify a list of LSAs that
  // the neighbor wishes to receive" (the instance passes them on in
  // Exchange, Loading or Full).
  std::vector<LsaKey> keys;
  for (const auto& key : lsr.requests) {
    if (!area.lsdb.find(key)) {
      // "If an LSA cannot be found in the database, something has gone wrong
      // with the Database Exchange process, and neighbor event BadLSReq should be generated."
      out.log(config::LogLevel::warn,
              fmt::format("ospf: {}: neighbor {} requested {}-LSA {}/{} we do not have",
                          iface.info.name, dotted(router_id), lsa_type_name(key.type),
                          dotted(key.ls_id), dotted(key.advertising_router)));
      handle(NeighborEvent::bad_ls_req, iface, area, out);
      return;
    }
    keys.push_back(key);
  }
  // "All LSAs requested are sent in Link State Update packets ... directly to the neighbor."
  for (auto& lsu : area.updates(keys, iface, out.now))
    iface.send(address, std::move(lsu), area, out);
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
