// SPDX-License-Identifier: Apache-2.0
// The announcement bus: the core decides, per prefix, whether it is announced,
// degraded or withdrawn; protocol speakers subscribe and put that on the wire.
// A speaker never looks at probes, and the core never looks at a protocol.
//
//   ServiceMonitor --set()--> AnnouncementBus --RouteChange--> RIP / BGP / OSPF speakers
//                                   |
//                                routes() (full table, for periodic updates)
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/prefix.hpp"

namespace anycastd::core {

enum class RouteAction : std::uint8_t { announce, degrade, withdraw };

// Why a route changed; BGP drains (RFC 8326) on admin and shutdown withdrawals.
enum class Cause : std::uint8_t { health, admin, config, shutdown };

struct RouteChange {
  Prefix prefix;
  RouteAction action = RouteAction::withdraw;
  std::string_view service;
  Cause cause = Cause::health;
};

struct RouteEntry {
  RouteAction action = RouteAction::announce;  // announce or degrade; withdrawn routes are absent
  std::string service;
};

class AnnouncementBus {
 public:
  using Handler = std::function<void(const RouteChange&)>;
  using SubscriptionId = std::uint64_t;

  // Handlers run synchronously, in subscription order, inside set().
  SubscriptionId subscribe(Handler handler);
  void unsubscribe(SubscriptionId id);

  // Sets the desired state of a service's prefixes and publishes one
  // RouteChange per prefix whose action differs from before.
  void set(std::string_view service, const std::vector<Prefix>& prefixes, RouteAction action,
           Cause cause);

  // Routes currently announced or degraded (withdrawn ones are absent).
  const std::map<Prefix, RouteEntry>& routes() const { return routes_; }
  RouteAction action_of(const Prefix& prefix) const;

 private:
  std::map<Prefix, RouteEntry> routes_;
  std::vector<std::pair<SubscriptionId, Handler>> handlers_;
  SubscriptionId next_id_ = 1;
};

std::string_view to_string(RouteAction action);
std::string_view to_string(Cause cause);

}  // namespace anycastd::core
