// SPDX-License-Identifier: Apache-2.0
#include "ospf/reload.hpp"

#include <algorithm>

namespace anycastd::ospf {

namespace {

const config::OspfInterfaceConfig* find(const config::OspfConfig& config, const std::string& name) {
  const auto it = std::find_if(config.interfaces.begin(), config.interfaces.end(),
                               [&](const auto& i) { return i.name == name; });
  return it == config.interfaces.end() ? nullptr : &*it;
}

// Everything but the cost: what the neighbours check in our Hellos (RFC 2328
// §10.5: mask via the type, HelloInterval, RouterDeadInterval), what decides
// our part in the election (§9.4 priority, §9.3 the type) and what makes our
// packets acceptable (appendix D authentication).
bool transport_changed(const config::OspfInterfaceConfig& a, const config::OspfInterfaceConfig& b) {
  return a.type != b.type || a.hello_interval != b.hello_interval ||
         a.dead_interval != b.dead_interval || a.priority != b.priority ||
         a.authentication != b.authentication;
}

}  // namespace

ReloadPlan plan_reload(const config::OspfConfig& old, const config::OspfConfig& next) {
  ReloadPlan plan;
  plan.replace = old.area != next.area || old.area_type != next.area_type ||
                 old.announce_as != next.announce_as;
  for (const auto& iface : next.interfaces) {
    const auto* before = find(old, iface.name);
    if (!before) {
      plan.interfaces_added.push_back(iface.name);
    } else if (transport_changed(*before, iface)) {
      plan.interfaces_restarted.push_back(iface.name);
    } else if (before->cost != iface.cost) {
      plan.interfaces_cost_changed.push_back(iface.name);
    } else if (*before != iface) {
      plan.interfaces_retimed.push_back(iface.name);
    }
  }
  for (const auto& iface : old.interfaces) {
    if (!find(next, iface.name)) plan.interfaces_removed.push_back(iface.name);
  }
  plan.costs_changed =
      old.prefix_cost != next.prefix_cost || old.degraded_cost != next.degraded_cost;
  plan.lsdb_limit_changed = old.lsdb_limit != next.lsdb_limit;
  return plan;
}

}  // namespace anycastd::ospf
