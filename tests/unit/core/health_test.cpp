// SPDX-License-Identifier: Apache-2.0
#include "core/health.hpp"

#include <gtest/gtest.h>

namespace anycastd::core {
namespace {

using namespace std::chrono_literals;

config::FlapGuardConfig flap_guard(std::uint32_t threshold = 4) {
  config::FlapGuardConfig f;
  f.threshold = threshold;
  f.window = 60s;
  f.hold_down = 5s;
  f.max_hold_down = 20s;
  return f;
}

// Drives a tracker with a fake clock that advances one second per round.
struct Driver {
  HealthTracker tracker;
  TimePoint now{};
  std::vector<HealthTransition> transitions;

  explicit Driver(std::uint32_t rise = 2, std::uint32_t fall = 2,
                  config::FlapGuardConfig flap = flap_guard())
      : tracker(rise, fall, flap) {}

  void rounds(int n, Level level, std::string_view detail = "degraded check") {
    for (int i = 0; i < n; ++i) {
      now += 1s;
      if (auto t = tracker.on_round(level, detail, now)) transitions.push_back(*t);
    }
  }

  void rounds(int n, bool passed) {
    for (int i = 0; i < n; ++i) {
      now += 1s;
      if (auto t =
              tracker.on_round(passed ? Level::up : Level::down, passed ? "ok" : "timeout", now)) {
        transitions.push_back(*t);
      }
    }
  }
};

TEST(HealthTracker, NeedsRisePassesBeforeUp) {
  Driver d(3, 2);
  EXPECT_EQ(d.tracker.state(), Health::init);
  d.rounds(2, true);
  EXPECT_EQ(d.tracker.state(), Health::init);
  d.rounds(1, true);
  EXPECT_EQ(d.tracker.state(), Health::up);
  ASSERT_EQ(d.transitions.size(), 1u);
  EXPECT_EQ(d.transitions[0].from, Health::init);
  EXPECT_EQ(d.transitions[0].reason, "3 passes: ok");
}

TEST(HealthTracker, InitGoesDownAfterFallFailures) {
  Driver d(2, 3);
  d.rounds(2, false);
  EXPECT_EQ(d.tracker.state(), Health::init);
  d.rounds(1, false);
  EXPECT_EQ(d.tracker.state(), Health::down);
}

TEST(HealthTracker, FallFailuresTakeItDownAndAPassResetsTheCount) {
  Driver d(2, 3);
  d.rounds(2, true);
  d.rounds(2, false);
  d.rounds(1, true);  // interrupts the failure streak
  d.rounds(2, false);
  EXPECT_EQ(d.tracker.state(), Health::up);
  d.rounds(1, false);
  EXPECT_EQ(d.tracker.state(), Health::down);
  EXPECT_EQ(d.transitions.back().reason, "3 failures: timeout");
}

TEST(HealthTracker, RecoveryNeedsRisePasses) {
  Driver d(2, 1);
  d.rounds(2, true);
  d.rounds(1, false);
  EXPECT_EQ(d.tracker.state(), Health::down);
  d.rounds(1, true);
  EXPECT_EQ(d.tracker.state(), Health::down);
  d.rounds(1, true);
  EXPECT_EQ(d.tracker.state(), Health::up);
  EXPECT_EQ(d.tracker.flaps(), 2u);
}

TEST(HealthTracker, FlappingIsHeldDownWithExponentialBackoff) {
  Driver d(1, 1, flap_guard(3));
  d.rounds(1, true);   // init -> up (not a flap)
  d.rounds(1, false);  // 1
  d.rounds(1, true);   // 2
  d.rounds(1, false);  // 3
  ASSERT_EQ(d.tracker.state(), Health::down);
  d.rounds(1, true);  // would be the 4th change within the window
  ASSERT_EQ(d.tracker.state(), Health::held_down);
  EXPECT_EQ(d.transitions.back().reason, "flapping: 4 changes within 1m, held down for 5s");
  const auto until = d.tracker.hold_until();
  ASSERT_TRUE(until);
  EXPECT_EQ(*until - d.now, 5s);

  // Passing probes do not end a hold-down; only its timer does.
  d.rounds(3, true);
  EXPECT_EQ(d.tracker.state(), Health::held_down);
  EXPECT_FALSE(d.tracker.on_hold_expired(*until - 1ms));  // stale timer
  const auto up = d.tracker.on_hold_expired(*until);
  ASSERT_TRUE(up);
  EXPECT_EQ(up->to, Health::up);

  // Flapping again soon after doubles the hold-down.
  d.rounds(1, false);
  d.rounds(1, true);
  d.rounds(1, false);
  d.rounds(1, true);
  ASSERT_EQ(d.tracker.state(), Health::held_down);
  EXPECT_EQ(*d.tracker.hold_until() - d.now, 10s);
}

TEST(HealthTracker, HoldDownEndsDownWhenStillFailing) {
  Driver d(1, 1, flap_guard(1));
  d.rounds(1, true);
  d.rounds(1, false);
  d.rounds(1, true);
  ASSERT_EQ(d.tracker.state(), Health::held_down);
  d.rounds(1, false);
  const auto t = d.tracker.on_hold_expired(*d.tracker.hold_until());
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, Health::down);
}

TEST(HealthTracker, BackoffIsCappedAndResetByAQuietWindow) {
  Driver d(1, 1, flap_guard(1));
  d.rounds(1, true);
  for (int i = 0; i < 4; ++i) {
    d.rounds(1, false);
    d.rounds(1, true);
    ASSERT_EQ(d.tracker.state(), Health::held_down);
    d.now = *d.tracker.hold_until();
    ASSERT_TRUE(d.tracker.on_hold_expired(d.now));
  }
  EXPECT_EQ(d.tracker.next_hold_down(), 20s);  // 5, 10, 20, 20: capped
  d.rounds(61, true);                          // a quiet minute while up
  EXPECT_EQ(d.tracker.next_hold_down(), 5s);
}

TEST(HealthTracker, SlowChangesAreNotFlapping) {
  Driver d(1, 1, flap_guard(2));
  d.rounds(1, true);
  for (int i = 0; i < 5; ++i) {
    d.rounds(1, false);
    d.rounds(70, true);
    EXPECT_EQ(d.tracker.state(), Health::up);
  }
}

TEST(HealthTracker, DegradedRoundsDegradeAfterFall) {
  Driver d(2, 2);
  d.rounds(2, true);
  d.rounds(1, Level::degraded);
  EXPECT_EQ(d.tracker.state(), Health::up);
  d.rounds(1, Level::degraded, "cert expires in 3d");
  EXPECT_EQ(d.tracker.state(), Health::degraded);
  EXPECT_EQ(d.tracker.level(), Level::degraded);
  EXPECT_EQ(d.transitions.back().reason, "2 rounds degraded: cert expires in 3d");
  // Worse again: down after `fall` down rounds.
  d.rounds(1, false);
  EXPECT_EQ(d.tracker.state(), Health::degraded);
  d.rounds(1, false);
  EXPECT_EQ(d.tracker.state(), Health::down);
  EXPECT_EQ(d.transitions.back().reason, "2 failures: timeout");
}

TEST(HealthTracker, MixedBadRoundsGoToTheBestLevelTheyAllReach) {
  Driver d(2, 2);
  d.rounds(2, true);
  d.rounds(1, false);
  d.rounds(1, Level::degraded);  // two rounds at degraded or worse, one at down
  EXPECT_EQ(d.tracker.state(), Health::degraded);
}

TEST(HealthTracker, RecoveryStepsThroughDegraded) {
  Driver d(2, 1, flap_guard(10));
  d.rounds(2, true);
  d.rounds(1, false);
  ASSERT_EQ(d.tracker.state(), Health::down);
  d.rounds(2, Level::degraded);
  EXPECT_EQ(d.tracker.state(), Health::degraded);
  EXPECT_EQ(d.transitions.back().reason, "2 rounds degraded: degraded check");
  d.rounds(1, true);
  EXPECT_EQ(d.tracker.state(), Health::degraded);
  d.rounds(1, true);
  EXPECT_EQ(d.tracker.state(), Health::up);
  // Up counts as "at least degraded": a down then up-only rounds go straight up.
  d.rounds(1, false);
  d.rounds(1, Level::degraded);
  d.rounds(1, true);
  EXPECT_EQ(d.tracker.state(), Health::degraded);
}

TEST(HealthTracker, InitCanStartDegraded) {
  Driver d(2, 2);
  EXPECT_FALSE(d.tracker.level());
  d.rounds(2, Level::degraded);
  EXPECT_EQ(d.tracker.state(), Health::degraded);
  EXPECT_EQ(d.transitions.back().from, Health::init);
  EXPECT_EQ(d.tracker.flaps(), 0u);
}

TEST(HealthTracker, FlappingToDegradedIsHeldDegradedAndStillWithdrawnOnFailure) {
  Driver d(1, 1, flap_guard(2));
  d.rounds(1, true);
  d.rounds(1, Level::degraded);  // change 1
  d.rounds(1, true);             // change 2
  d.rounds(1, Level::degraded);  // change 3: getting worse is never held back
  ASSERT_EQ(d.tracker.state(), Health::degraded);
  d.rounds(1, true);  // would be change 4
  ASSERT_EQ(d.tracker.state(), Health::held_down);
  EXPECT_EQ(d.tracker.level(), Level::degraded);
  EXPECT_EQ(d.transitions.back().reason, "flapping: 4 changes within 1m, held degraded for 5s");
  // Held degraded, the service fails for real: down at once.
  d.rounds(1, false);
  EXPECT_EQ(d.tracker.state(), Health::down);
  EXPECT_EQ(d.tracker.level(), Level::down);
}

TEST(HealthTracker, HoldDownEndsAtTheLevelTheRoundsReached) {
  Driver d(1, 1, flap_guard(1));
  d.rounds(1, true);
  d.rounds(1, false);
  d.rounds(1, Level::degraded);
  ASSERT_EQ(d.tracker.state(), Health::held_down);
  const auto t = d.tracker.on_hold_expired(*d.tracker.hold_until());
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, Health::degraded);
  EXPECT_EQ(t->reason, "hold-down over, 1 rounds degraded");
}

}  // namespace
}  // namespace anycastd::core
