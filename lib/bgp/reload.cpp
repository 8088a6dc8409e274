// SPDX-License-Identifier: Apache-2.0
#include "bgp/reload.hpp"

#include <algorithm>

namespace anycastd::bgp {

namespace {

const config::BgpNeighborConfig* find(const config::BgpConfig& config, const IpAddress& address) {
  const auto it = std::find_if(config.neighbors.begin(), config.neighbors.end(),
                               [&](const auto& n) { return n.address == address; });
  return it == config.neighbors.end() ? nullptr : &*it;
}

// What the TCP connection or the OPEN carries: a change needs a new session
// (RFC 4271 §4.2 My AS and Hold Time; RFC 2385 the key; RFC 5082 the TTL).
bool transport_changed(const config::BgpNeighborConfig& a, const config::BgpNeighborConfig& b) {
  return a.remote_asn != b.remote_asn || a.hold_time != b.hold_time || a.password != b.password ||
         a.ttl_security != b.ttl_security || a.local_address != b.local_address || a.port != b.port;
}

}  // namespace

ReloadPlan plan_reload(const config::BgpConfig& old, const config::BgpConfig& next) {
  ReloadPlan plan;
  const bool asn_changed = old.asn != next.asn;
  const bool degraded_changed =
      old.degraded_med != next.degraded_med || old.degraded_prepend != next.degraded_prepend;
  for (const auto& neighbor : next.neighbors) {
    const auto* before = find(old, neighbor.address);
    if (!before) {
      plan.added.push_back(neighbor.address);
    } else if (asn_changed || transport_changed(*before, neighbor)) {
      plan.restarted.push_back(neighbor.address);
    } else if (degraded_changed || before->communities != neighbor.communities) {
      plan.resent.push_back(neighbor.address);
    } else {
      plan.kept.push_back(neighbor.address);
    }
  }
  for (const auto& neighbor : old.neighbors) {
    if (!find(next, neighbor.address)) plan.removed.push_back(neighbor.address);
  }
  return plan;
}

}  // namespace anycastd::bgp
