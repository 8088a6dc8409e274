// SPDX-License-Identifier: Apache-2.0
// What a reload changes, decided before anything is touched (spec §2: a
// reload keeps what did not change). The daemon applies the plan; each
// protocol then plans its own sessions (Protocol::reconfigure).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "util/prefix.hpp"

namespace anycastd {

struct ReloadPlan {
  // Services by name, in the new config's order where they exist there.
  std::vector<std::string> services_kept;  // settings unchanged: checks keep running
  std::vector<std::string> services_added;
  std::vector<std::string> services_changed;  // checks restart; the route stays until they decide
  std::vector<std::string> services_removed;  // withdrawn
  // Prefixes a changed service no longer has: withdrawn now.
  std::vector<Prefix> prefixes_dropped;
  // Loopback addresses that no service has any more: removed.
  std::vector<Prefix> addresses_removed;
  bool loopback_changed = false;
  bool control_socket_changed = false;
  // Protocols by name ("rip", "ospf", "bgp"), in start-up order.
  std::vector<std::string_view> protocols_started;       // section added
  std::vector<std::string_view> protocols_stopped;       // section removed
  std::vector<std::string_view> protocols_reconfigured;  // section changed: reconfigured in place
  std::vector<std::string_view> protocols_restarted;     // the router ID they speak with changed
};

ReloadPlan plan_reload(const config::Config& old, const config::Config& next);

// Every prefix of every service of `config`.
std::vector<Prefix> all_prefixes(const config::Config& config);

}  // namespace anycastd
