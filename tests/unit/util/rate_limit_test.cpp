// SPDX-License-Identifier: Apache-2.0
#include "util/rate_limit.hpp"

#include <gtest/gtest.h>

namespace anycastd {
namespace {

using namespace std::chrono_literals;

TEST(LogRateLimiter, AllowsBurstThenSuppressesAndReports) {
  LogRateLimiter limiter(10s, 2);
  const LogRateLimiter::Clock::time_point t0{};
  EXPECT_TRUE(limiter.check("rip bad auth", t0).log);
  EXPECT_TRUE(limiter.check("rip bad auth", t0 + 1s).log);
  EXPECT_FALSE(limiter.check("rip bad auth", t0 + 2s).log);
  EXPECT_FALSE(limiter.check("rip bad auth", t0 + 3s).log);
  // Another key has its own budget.
  EXPECT_TRUE(limiter.check("rip bad version", t0 + 3s).log);
  const auto next = limiter.check("rip bad auth", t0 + 10s);
  EXPECT_TRUE(next.log);
  EXPECT_EQ(next.suppressed_before, 2u);
}

}  // namespace
}  // namespace anycastd
