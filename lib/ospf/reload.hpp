// SPDX-License-Identifier: Apache-2.0
// What a reload changes in OSPF (spec §2, BIRD's model): decided from the
// old and new [ospf] sections before anything is touched, applied by
// Instance (Reconfigure) and OspfSession::reconfigure.
//
//   area, area_type, announce_as        -> nothing can be kept: a new instance
//   interface added / removed           -> it starts / says goodbye and stops
//   type, hello_interval, dead_interval,
//   priority, authentication            -> that interface's adjacencies restart
//   cost, prefix_cost, degraded_cost    -> new LSAs; no adjacency resets
//   retransmit_interval, transmit_delay -> in place, from the next packet on
//   lsdb_limit                          -> the database's bound, in place
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace anycastd::ospf {

struct ReloadPlan {
  // The area ID is in every packet and every LSA is the area's, the area
  // type in every Hello and DD, and announce_as decides which LSAs we
  // originate: a change of any keeps nothing (Protocol::reconfigure returns false).
  bool replace = false;
  // Interfaces by name, in the new config's order where they exist there.
  std::vector<std::string> interfaces_added;
  std::vector<std::string> interfaces_removed;
  // Settings the neighbours must agree on (RFC 2328 §10.5) or that decide
  // who we are on the link: InterfaceDown, then InterfaceUp with the new ones.
  std::vector<std::string> interfaces_restarted;
  // Only the cost changed: the router-LSA says so.
  std::vector<std::string> interfaces_cost_changed;
  // Only our own timers changed: taken in place.
  std::vector<std::string> interfaces_retimed;
  bool costs_changed = false;  // prefix_cost or degraded_cost
  bool lsdb_limit_changed = false;

  // Whether our router-LSA must be built again.
  bool reoriginate() const { return costs_changed || !interfaces_cost_changed.empty(); }
};

ReloadPlan plan_reload(const config::OspfConfig& old, const config::OspfConfig& next);

}  // namespace anycastd::ospf
