// SPDX-License-Identifier: Apache-2.0
#include "core/bus.hpp"

#include <algorithm>

namespace anycastd::core {

AnnouncementBus::SubscriptionId AnnouncementBus::subscribe(Handler handler) {
  const auto id = next_id_++;
  handlers_.emplace_back(id, std::move(handler));
  return id;
}

void AnnouncementBus::unsubscribe(SubscriptionId id) {
  std::erase_if(handlers_, [id](const auto& h) { return h.first == id; });
}

RouteAction AnnouncementBus::action_of(const Prefix& prefix) const {
  const auto it = routes_.find(prefix);
  return it == routes_.end() ? RouteAction::withdraw : it->second.action;
}

void AnnouncementBus::set(std::string_view service, const std::vector<Prefix>& prefixes,
                          RouteAction action, Cause cause) {
  for (const auto& prefix : prefixes) {
    if (action_of(prefix) == action) continue;
    if (action == RouteAction::withdraw) {
      routes_.erase(prefix);
    } else {
      routes_[prefix] = RouteEntry{action, std::string(service)};
    }
    const RouteChange change{prefix, action, service, cause};
    // Copy: a handler may subscribe or unsubscribe while being called.
    const auto handlers = handlers_;
    for (const auto& [id, handler] : handlers)
      handler(change);
  }
}

std::string_view to_string(RouteAction action) {
  switch (action) {
    case RouteAction::announce:
      return "announce";
    case RouteAction::degrade:
      return "degrade";
    case RouteAction::withdraw:
      return "withdraw";
  }
  return "?";
}

std::string_view to_string(Cause cause) {
  switch (cause) {
    case Cause::health:
      return "health";
    case Cause::admin:
      return "admin";
    case Cause::config:
      return "config";
    case Cause::shutdown:
      return "shutdown";
  }
  return "?";
}

}  // namespace anycastd::core
