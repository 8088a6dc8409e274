#include "core/health.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace anycastd::core {

HealthTracker::HealthTracker(std::uint32_t rise, std::uint32_t fall, config::FlapGuardConfig flap)
    : rise_(std::max<std::uint32_t>(rise, 1)),
      fall_(std::max<std::uint32_t>(fall, 1)),
      flap_(flap) {}

std::optional<TimePoint> HealthTracker::hold_until() const {
  if (state_ != Health::held_down) return std::nullopt;
  return hold_until_;
}

Duration HealthTracker::next_hold_down() const {
  Duration d = flap_.hold_down;
  for (std::uint32_t i = 0; i < backoff_level_ && d < flap_.max_hold_down; ++i)
    d *= 2;
  return std::min(d, flap_.max_hold_down);
}

std::optional<HealthTransition> HealthTracker::on_round(bool passed, std::string_view detail,
                                                        TimePoint now) {
  if (passed) {
    ++passes_;
    failures_ = 0;
  } else {
    ++failures_;
    passes_ = 0;
  }
  // A quiet window while up forgives earlier flapping.
  if (state_ == Health::up && last_change_ && now - *last_change_ >= flap_.window) {
    backoff_level_ = 0;
  }
  switch (state_) {
    case Health::init:
    case Health::down:
      if (passes_ >= rise_) return become_up(fmt::format("{} passes: {}", passes_, detail), now);
      if (state_ == Health::init && failures_ >= fall_) {
        return change(Health::down, fmt::format("{} failures: {}", failures_, detail), now);
      }
      return std::nullopt;
    case Health::up:
      if (failures_ >= fall_) {
        return change(Health::down, fmt::format("{} failures: {}", failures_, detail), now);
      }
      return std::nullopt;
    case Health::held_down:
      return std::nullopt;  // the hold-down timer decides
  }
  return std::nullopt;
}

std::optional<HealthTransition> HealthTracker::on_hold_expired(TimePoint now) {
  if (state_ != Health::held_down || now < hold_until_) return std::nullopt;
  // The flapping that caused the hold-down is paid for; what counts from now
  // on is new changes. The back-off level stays until a quiet window.
  recent_changes_.clear();
  if (passes_ >= rise_) {
    return change(Health::up, fmt::format("hold-down over, {} passes", passes_), now);
  }
  return change(Health::down, "hold-down over, still failing", now);
}

std::optional<HealthTransition> HealthTracker::become_up(std::string reason, TimePoint now) {
  if (state_ == Health::down) {
    while (!recent_changes_.empty() && now - recent_changes_.front() > flap_.window) {
      recent_changes_.pop_front();
    }
    // Going up would be one more change inside the window.
    if (recent_changes_.size() + 1 > flap_.threshold) {
      const Duration hold = next_hold_down();
      hold_until_ = now + hold;
      ++backoff_level_;
      return change(Health::held_down,
                    fmt::format("flapping: {} changes within {}, held down for {}",
                                recent_changes_.size() + 1, format_duration(flap_.window),
                                format_duration(hold)),
                    now);
    }
  }
  return change(Health::up, std::move(reason), now);
}

std::optional<HealthTransition> HealthTracker::change(Health to, std::string reason,
                                                      TimePoint now) {
  const Health from = state_;
  if (from == to) return std::nullopt;
  state_ = to;
  const bool up_down = (from == Health::up && to == Health::down) ||
                       (from == Health::down && to == Health::up) ||
                       (from == Health::held_down && to == Health::up);
  if (up_down) {
    ++flaps_;
    recent_changes_.push_back(now);
  }
  last_change_ = now;
  return HealthTransition{from, to, std::move(reason)};
}

std::string_view to_string(Health health) {
  switch (health) {
    case Health::init:
      return "init";
    case Health::up:
      return "up";
    case Health::down:
      return "down";
    case Health::held_down:
      return "held_down";
  }
  return "?";
}

}  // namespace anycastd::core
