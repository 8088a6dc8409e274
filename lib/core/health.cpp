// SPDX-License-Identifier: Apache-2.0
#include "core/health.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace anycastd::core {
namespace {

// The levels a round can move the state to, best first.
constexpr Level kImprovements[] = {Level::up, Level::degraded};
constexpr Level kLevelsWorstFirst[] = {Level::down, Level::degraded, Level::up};

}  // namespace

HealthTracker::HealthTracker(std::uint32_t rise, std::uint32_t fall, config::FlapGuardConfig flap)
    : rise_(std::max<std::uint32_t>(rise, 1)),
      fall_(std::max<std::uint32_t>(fall, 1)),
      flap_(flap) {}

std::optional<Level> HealthTracker::level() const {
  switch (state_) {
    case Health::init:
      return std::nullopt;
    case Health::up:
      return Level::up;
    case Health::degraded:
      return Level::degraded;
    case Health::down:
      return Level::down;
    case Health::held_down:
      return held_level_;
  }
  return std::nullopt;
}

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

std::optional<HealthTransition> HealthTracker::on_round(Level level, std::string_view detail,
                                                        TimePoint now) {
  for (const Level l : kLevelsWorstFirst) {
    at_least_[index(l)] = level >= l ? at_least_[index(l)] + 1 : 0;
    at_most_[index(l)] = level <= l ? at_most_[index(l)] + 1 : 0;
  }
  // A quiet window while up forgives earlier flapping.
  if (state_ == Health::up && last_change_ && now - *last_change_ >= flap_.window) {
    backoff_level_ = 0;
  }
  const std::optional<Level> current = this->level();
  // Worse first, and never held back: the worst level below the current one
  // that `fall` rounds in a row have reached. A service that has no verdict
  // yet only goes down this way.
  for (const Level l : kLevelsWorstFirst) {
    if (current ? l >= *current : l != Level::down) break;
    if (at_most_[index(l)] >= fall_) return worsen(l, detail, now);
  }
  if (state_ == Health::held_down) return std::nullopt;  // the hold-down timer decides
  // The best level above the current one that `rise` rounds in a row have reached.
  for (const Level l : kImprovements) {
    if (current && l <= *current) break;
    if (at_least_[index(l)] >= rise_) return improve(l, detail, now);
  }
  return std::nullopt;
}

std::optional<HealthTransition> HealthTracker::on_hold_expired(TimePoint now) {
  if (state_ != Health::held_down || now < hold_until_) return std::nullopt;
  // The flapping that caused the hold-down is paid for; what counts from now
  // on is new changes. The back-off level stays until a quiet window.
  recent_changes_.clear();
  for (const Level l : kImprovements) {
    if (l <= held_level_) break;
    if (at_least_[index(l)] >= rise_) {
      return change(health_of(l),
                    fmt::format("hold-down over, {} rounds {}", at_least_[index(l)], to_string(l)),
                    now);
    }
  }
  return change(health_of(held_level_),
                fmt::format("hold-down over, still {}", to_string(held_level_)), now);
}

std::string HealthTracker::reason(Level to, std::string_view detail) const {
  switch (to) {
    case Level::up:
      return fmt::format("{} passes: {}", at_least_[index(Level::up)], detail);
    case Level::degraded:
      return fmt::format("{} rounds degraded: {}", at_least_[index(Level::degraded)], detail);
    case Level::down:
      return fmt::format("{} failures: {}", at_most_[index(Level::down)], detail);
  }
  return std::string(detail);
}

std::optional<HealthTransition> HealthTracker::worsen(Level to, std::string_view detail,
                                                      TimePoint now) {
  if (to == Level::degraded) {
    return change(Health::degraded,
                  fmt::format("{} rounds degraded: {}", at_most_[index(Level::degraded)], detail),
                  now);
  }
  return change(health_of(to), reason(to, detail), now);
}

std::optional<HealthTransition> HealthTracker::improve(Level to, std::string_view detail,
                                                       TimePoint now) {
  if (const auto current = level()) {
    while (!recent_changes_.empty() && now - recent_changes_.front() > flap_.window) {
      recent_changes_.pop_front();
    }
    // Improving would be one more change inside the window.
    if (recent_changes_.size() + 1 > flap_.threshold) {
      const Duration hold = next_hold_down();
      hold_until_ = now + hold;
      held_level_ = *current;
      ++backoff_level_;
      return change(
          Health::held_down,
          fmt::format("flapping: {} changes within {}, held {} for {}", recent_changes_.size() + 1,
                      format_duration(flap_.window), to_string(*current), format_duration(hold)),
          now);
    }
  }
  return change(health_of(to), reason(to, detail), now);
}

std::optional<HealthTransition> HealthTracker::change(Health to, std::string reason,
                                                      TimePoint now) {
  const Health from = state_;
  if (from == to) return std::nullopt;
  const std::optional<Level> before = level();
  state_ = to;
  const std::optional<Level> after = level();
  if (before && after && *before != *after) {
    ++flaps_;
    recent_changes_.push_back(now);
  }
  last_change_ = now;
  return HealthTransition{from, to, std::move(reason)};
}

Health health_of(Level level) {
  switch (level) {
    case Level::up:
      return Health::up;
    case Level::degraded:
      return Health::degraded;
    case Level::down:
      return Health::down;
  }
  return Health::down;
}

std::string_view to_string(Health health) {
  switch (health) {
    case Health::init:
      return "init";
    case Health::up:
      return "up";
    case Health::degraded:
      return "degraded";
    case Health::down:
      return "down";
    case Health::held_down:
      return "held_down";
  }
  return "?";
}

std::string_view to_string(Level level) {
  switch (level) {
    case Level::up:
      return "up";
    case Level::degraded:
      return "degraded";
    case Level::down:
      return "down";
  }
  return "?";
}

}  // namespace anycastd::core
