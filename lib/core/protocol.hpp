// SPDX-License-Identifier: Apache-2.0
// What the daemon needs from a routing protocol (RIP, OSPF, BGP) or BFD: the
// session layer of one protocol, which binds its sans-IO machine
// (core/sans_io.hpp) to sockets and timers. A protocol subscribes to the
// AnnouncementBus itself when constructed.
#pragma once

#include <functional>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "config/config.hpp"
#include "core/stop_budget.hpp"

namespace anycastd::core {

class Protocol {
 public:
  virtual ~Protocol() = default;
  virtual std::string_view name() const = 0;
  // Opens sockets and starts talking. Runs before READY=1 so that a failure
  // stops the start-up: throws std::runtime_error saying what failed.
  virtual void start() = 0;
  // Reload (spec §2, BIRD's model): applies `next` in place, from the plan
  // its plan_reload(old, next) makes. Announcements, communities, metrics and
  // costs change on the wire; added neighbours or interfaces start, removed
  // ones stop; only sessions whose transport settings changed restart.
  // `next` has this protocol's section (the daemon starts and stops whole
  // protocols itself). Returns false when the change cannot be applied in
  // place at all; the daemon then replaces the protocol with a new one.
  virtual bool reconfigure(const config::Config& next) = 0;
  // Graceful stop (spec §2): withdraw every prefix on the wire, then call
  // `done` on the event loop, by budget.protocols_done() at the latest.
  virtual void stop(const StopBudget& budget, std::function<void()> done) = 0;
  // This protocol's part of `anycastctl status --json` (lib/control/PROTOCOL.md).
  virtual nlohmann::json status() const = 0;
};

}  // namespace anycastd::core
