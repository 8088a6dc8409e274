// SPDX-License-Identifier: Apache-2.0
// Per-service health: rise/fall hysteresis and the flap guard (spec §4), as a
// sans-IO state machine. Probe rounds and timer expiries go in; transitions
// come out. The caller owns the clock and the hold-down timer.
//
// A round's outcome is a Level: up (healthy), degraded (only checks with
// on_failure = "degrade" failed) or down. The state moves to a worse level
// after `fall` rounds in a row at that level or worse, and to a better one
// after `rise` rounds in a row at that level or better. The flap guard only
// ever holds back an improvement: a held-down service keeps the level it had.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace anycastd::core {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

enum class Health : std::uint8_t {
  init,       // no verdict yet: never announced
  up,         // `rise` consecutive passes
  degraded,   // announced with a worse metric: a degrade-only check fails
  down,       // `fall` consecutive failures
  held_down,  // flapping: kept at its worse level until the hold-down expires
};

// The outcome of one round, worst first.
enum class Level : std::uint8_t { down, degraded, up };

struct HealthTransition {
  Health from;
  Health to;
  std::string reason;
};

class HealthTracker {
 public:
  HealthTracker(std::uint32_t rise, std::uint32_t fall, config::FlapGuardConfig flap);

  // The outcome of one probe round (all checks of the service combined).
  std::optional<HealthTransition> on_round(Level level, std::string_view detail, TimePoint now);
  // The hold-down timer fired; stale calls (before hold_until()) do nothing.
  std::optional<HealthTransition> on_hold_expired(TimePoint now);

  Health state() const { return state_; }
  // The level the route follows: the state's, the held level while held
  // down, nullopt before the first verdict.
  std::optional<Level> level() const;
  // When the hold-down ends, while held down.
  std::optional<TimePoint> hold_until() const;
  // Rounds in a row at `level` or better / at `level` or worse.
  std::uint32_t rounds_at_least(Level level) const { return at_least_[index(level)]; }
  std::uint32_t rounds_at_most(Level level) const { return at_most_[index(level)]; }
  // Changes of the announced level (up, degraded, down) so far.
  std::uint64_t flaps() const { return flaps_; }
  // The next hold-down's length (doubles per hold-down, reset by a quiet window).
  Duration next_hold_down() const;

 private:
  static constexpr std::size_t kLevels = 3;
  static constexpr std::size_t index(Level level) { return static_cast<std::size_t>(level); }

  std::optional<HealthTransition> worsen(Level to, std::string_view detail, TimePoint now);
  std::optional<HealthTransition> improve(Level to, std::string_view detail, TimePoint now);
  std::optional<HealthTransition> change(Health to, std::string reason, TimePoint now);
  std::string reason(Level to, std::string_view detail) const;

  std::uint32_t rise_;
  std::uint32_t fall_;
  config::FlapGuardConfig flap_;
  Health state_ = Health::init;
  Level held_level_ = Level::down;  // while held_down
  std::uint32_t at_least_[kLevels] = {};
  std::uint32_t at_most_[kLevels] = {};
  std::uint64_t flaps_ = 0;
  std::deque<TimePoint> recent_changes_;  // level changes within the flap window
  std::uint32_t backoff_level_ = 0;
  std::optional<TimePoint> last_change_;
  TimePoint hold_until_{};
};

std::string_view to_string(Health health);
std::string_view to_string(Level level);
// The state a service at `level` is in.
Health health_of(Level level);

}  // namespace anycastd::core
