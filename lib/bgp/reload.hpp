// SPDX-License-Identifier: Apache-2.0
// What a reload changes in BGP (spec §2, BIRD's model): decided per
// neighbour, by address, from the old and new [bgp] sections before
// anything is touched; applied by BgpSession::reconfigure.
//
//   neighbour added / removed                  -> it starts / Cease, Peer De-configured
//   asn, remote_asn, password, ttl_security,
//   hold_time, local_address, port             -> that session restarts (transport)
//   communities, degraded_med, degraded_prepend -> UPDATEs re-sent; the session stays
//   passive, graceful_shutdown, drain_time     -> kept; used from now on
#pragma once

#include <vector>

#include "config/bgp_config.hpp"
#include "util/prefix.hpp"

namespace anycastd::bgp {

struct ReloadPlan {
  // Neighbours by address, in the new config's order where they exist there.
  std::vector<IpAddress> added;
  std::vector<IpAddress> removed;
  std::vector<IpAddress> restarted;  // a transport setting changed
  std::vector<IpAddress> resent;     // what we announce looks different now
  std::vector<IpAddress> kept;       // nothing on the wire changes
};

ReloadPlan plan_reload(const config::BgpConfig& old, const config::BgpConfig& next);

}  // namespace anycastd::bgp
