// SPDX-License-Identifier: Apache-2.0
// The one vocabulary of the protocol machines (RIP, OSPF, BGP, BFD): what a
// machine takes, what it gives back, and how it keeps time. A reader who
// knows one machine finds the same names in the others.
//
//   session (Asio) --Event--> Machine::handle(event, now) --Actions--> session
//
// * A machine is a plain value with one entry point:
//       std::vector<Action> handle(const Event& event, TimePoint now);
//   It dispatches the Event variant with std::visit over one handler per
//   alternative and no catch-all (util/overloaded.hpp), so an event that no
//   state handles does not compile.
// * Inside, each handler takes `Out& out` (an Output<Action>): the step's
//   time, out.now, and the actions the step produces. Nothing of a step is
//   kept in members between calls.
// * Timers: a machine names its timers with a TimerId type of its own. It
//   asks for ArmTimer{id, at} (arming an armed timer moves it) and
//   CancelTimer{id}; the session answers TimerExpired{id}, and never for a
//   timer that was re-armed or cancelled since (session/timers.hpp).
// * Every machine takes Start, Stop (graceful: the withdrawals go on the
//   wire, then the machine emits Stopped) and, where it has settings that can
//   change in place, Reconfigure.
// * Log lines are Log actions; a repeatable one (a dropped packet) carries a
//   rate_key, by which the session rate-limits it (session/log.hpp). Dropped
//   input is counted by reason (core/drops.hpp).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"

namespace anycastd::core {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// ---- events every machine takes ----
struct Start {};
// Graceful stop: withdraw on the wire, then emit Stopped. `drain_until` ends
// any drain (BGP RFC 8326); `deadline` is when the session gives up waiting
// (core/stop_budget.hpp).
struct Stop {
  TimePoint drain_until;
  TimePoint deadline;
};
template <typename TimerId>
struct TimerExpired {
  TimerId timer;
};

// ---- actions every machine gives ----
template <typename TimerId>
struct ArmTimer {
  TimerId timer;
  TimePoint at;
};
template <typename TimerId>
struct CancelTimer {
  TimerId timer;
};
struct Log {
  config::LogLevel level = config::LogLevel::info;
  std::string text;
  std::string rate_key;  // non-empty: a repeatable line, rate-limited by this key
};
struct Stopped {};

// One step's time and the actions it produces.
template <typename Action>
class Output {
 public:
  explicit Output(TimePoint step_time) : now(step_time) {}

  const TimePoint now;

  void push(Action action) { actions_.push_back(std::move(action)); }
  template <typename TimerId>
  void arm(TimerId timer, TimePoint at) {
    push(ArmTimer<TimerId>{timer, at});
  }
  template <typename TimerId>
  void cancel(TimerId timer) {
    push(CancelTimer<TimerId>{timer});
  }
  void log(config::LogLevel level, std::string text, std::string rate_key = {}) {
    push(Log{level, std::move(text), std::move(rate_key)});
  }

  const std::vector<Action>& actions() const { return actions_; }
  std::vector<Action> take() { return std::move(actions_); }

 private:
  std::vector<Action> actions_;
};

}  // namespace anycastd::core
