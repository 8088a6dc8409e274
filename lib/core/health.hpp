// Per-service health: rise/fall hysteresis and the flap guard (spec §4), as a
// sans-IO state machine. Probe rounds and timer expiries go in; transitions
// come out. The caller owns the clock and the hold-down timer.
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
  down,       // `fall` consecutive failures
  held_down,  // flapping: kept down until the hold-down expires
};

struct HealthTransition {
  Health from;
  Health to;
  std::string reason;
};

class HealthTracker {
 public:
  HealthTracker(std::uint32_t rise, std::uint32_t fall, config::FlapGuardConfig flap);

  // The outcome of one probe round (all checks of the service).
  std::optional<HealthTransition> on_round(bool passed, std::string_view detail, TimePoint now);
  // The hold-down timer fired; stale calls (before hold_until()) do nothing.
  std::optional<HealthTransition> on_hold_expired(TimePoint now);

  Health state() const { return state_; }
  // When the hold-down ends, while held down.
  std::optional<TimePoint> hold_until() const;
  std::uint32_t consecutive_passes() const { return passes_; }
  std::uint32_t consecutive_failures() const { return failures_; }
  // State changes between up and down so far.
  std::uint64_t flaps() const { return flaps_; }
  // The next hold-down's length (doubles per hold-down, reset by a quiet window).
  Duration next_hold_down() const;

 private:
  std::optional<HealthTransition> change(Health to, std::string reason, TimePoint now);
  std::optional<HealthTransition> become_up(std::string reason, TimePoint now);

  std::uint32_t rise_;
  std::uint32_t fall_;
  config::FlapGuardConfig flap_;
  Health state_ = Health::init;
  std::uint32_t passes_ = 0;
  std::uint32_t failures_ = 0;
  std::uint64_t flaps_ = 0;
  std::deque<TimePoint> recent_changes_;  // up<->down changes within the flap window
  std::uint32_t backoff_level_ = 0;
  std::optional<TimePoint> last_change_;
  TimePoint hold_until_{};
};

std::string_view to_string(Health health);

}  // namespace anycastd::core
