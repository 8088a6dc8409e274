// SPDX-License-Identifier: Apache-2.0
// RFC 2328 §13: receiving Link State Updates, flooding, acknowledging and
// retransmitting; §14: aging the database and removing MaxAge LSAs. Plain
// functions over the area: the database, every interface's neighbours and
// their retransmission lists.
#pragma once

#include <vector>

#include "ospf/area.hpp"
#include "ospf/machine.hpp"
#include "ospf/packet.hpp"

namespace anycastd::ospf {

// §13: an LS Update from `nbr` (in Exchange or later). Installs, floods and
// acknowledges what is new; counts each LSA it drops in area.lsa_dropped.
// Returns the LSAs of ours that came back newer than ours (§13 (5f)), for
// origination to answer (§13.4).
std::vector<LsaKey> receive_update(Area& area, Interface& iface, Neighbor& nbr,
                                   const LinkStateUpdate& lsu, Out& out);
// §13.7: an LS Acknowledgment from `nbr` (in Exchange or later).
void receive_ack(Interface& iface, Neighbor& nbr, const LinkStateAck& ack, Out& out);
// §13.3: floods the database's copy of `key` out of every interface, except
// back to the neighbour it came from. Returns whether it went back out of
// `from_iface` (for the acknowledgement rule of §13.5).
bool flood(Area& area, const LsaKey& key, const Interface* from_iface, const Neighbor* from_nbr,
           Out& out);
// §13 (5c): takes `key` off every neighbour's retransmission list.
void remove_from_retransmission_lists(Area& area, const LsaKey& key);
// §13.6: the retransmission timer of `nbr` fired.
void retransmit(Area& area, Interface& iface, Neighbor& nbr, Out& out);
// §14: floods the LSAs that reached MaxAge and removes those no neighbour
// still has to acknowledge. Returns the keys removed.
std::vector<LsaKey> age_database(Area& area, Out& out);

}  // namespace anycastd::ospf
