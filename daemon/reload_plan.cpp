// SPDX-License-Identifier: Apache-2.0
#include "daemon/reload_plan.hpp"

#include <algorithm>

#include "daemon/protocols.hpp"

namespace anycastd {

namespace {

bool contains(const std::vector<Prefix>& prefixes, const Prefix& p) {
  return std::find(prefixes.begin(), prefixes.end(), p) != prefixes.end();
}

// The router ID a protocol speaks with: [bgp] router_id overrides [daemon].
std::optional<IpAddress> router_id_of(std::string_view protocol, const config::Config& c) {
  if (protocol == "bgp" && c.bgp && c.bgp->router_id) return c.bgp->router_id;
  return c.daemon.router_id;
}

}  // namespace

std::vector<Prefix> all_prefixes(const config::Config& config) {
  std::vector<Prefix> prefixes;
  for (const auto& s : config.services)
    prefixes.insert(prefixes.end(), s.prefixes.begin(), s.prefixes.end());
  return prefixes;
}

ReloadPlan plan_reload(const config::Config& old, const config::Config& next) {
  ReloadPlan plan;
  for (const auto& service : next.services) {
    const auto* before = old.find_service(service.name);
    if (!before) {
      plan.services_added.push_back(service.name);
    } else if (*before == service) {
      plan.services_kept.push_back(service.name);
    } else {
      plan.services_changed.push_back(service.name);
      for (const auto& p : before->prefixes) {
        if (!contains(service.prefixes, p)) plan.prefixes_dropped.push_back(p);
      }
    }
  }
  for (const auto& service : old.services) {
    if (!next.find_service(service.name)) plan.services_removed.push_back(service.name);
  }
  const auto wanted = all_prefixes(next);
  for (const auto& p : all_prefixes(old)) {
    if (!contains(wanted, p)) plan.addresses_removed.push_back(p);
  }
  plan.loopback_changed = old.loopback != next.loopback;
  plan.control_socket_changed = old.daemon.control_socket != next.daemon.control_socket;

  for (const auto protocol : protocols()) {
    const bool before = configured(protocol, old);
    const bool after = configured(protocol, next);
    if (!before && after) {
      plan.protocols_started.push_back(protocol);
    } else if (before && !after) {
      plan.protocols_stopped.push_back(protocol);
    } else if (before && after) {
      if (router_id_of(protocol, old) != router_id_of(protocol, next)) {
        plan.protocols_restarted.push_back(protocol);
      } else if (section_changed(protocol, old, next)) {
        plan.protocols_reconfigured.push_back(protocol);
      }
    }
  }
  return plan;
}

}  // namespace anycastd
