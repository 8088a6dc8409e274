// SPDX-License-Identifier: Apache-2.0
#include "probe/soa_freshness.hpp"

#include <gtest/gtest.h>

namespace anycastd::probe {
namespace {

using namespace std::chrono_literals;
using Clock = SoaFreshness::Clock;

TEST(SerialLag, PlainDifference) {
  EXPECT_EQ(serial_lag(2024010101, 2024010101), 0u);
  EXPECT_EQ(serial_lag(2024010101, 2024010104), 3u);
  EXPECT_EQ(serial_lag(2024010104, 2024010101), 0u);  // this node is ahead
}

// RFC 1982 §3.1/§3.2 with SERIAL_BITS = 32: the serial wraps at 2^32 and a
// serial is "greater" while less than 2^31 ahead.
TEST(SerialLag, AcrossTheWrap) {
  EXPECT_EQ(serial_lag(4294967295u, 0), 1u);
  EXPECT_EQ(serial_lag(4294967290u, 5), 11u);
  EXPECT_EQ(serial_lag(5, 4294967290u), 0u);           // 4294967290 + 11 = 5: local is ahead
  EXPECT_EQ(serial_lag(0, 2147483647u), 2147483647u);  // the largest defined lag
  EXPECT_EQ(serial_lag(0, 2147483649u), 0u);           // past half the space: behind us
}

TEST(SerialLag, HalfTheSpaceApartIsUndefined) {
  EXPECT_FALSE(serial_lag(0, 2147483648u));
  EXPECT_FALSE(serial_lag(2147483648u, 0));
  EXPECT_FALSE(serial_lag(100, 2147483748u));
}

struct FreshnessTest : ::testing::Test {
  Clock::time_point t0{};
  SoaFreshness fresh{0, 5min, t0};
};

TEST_F(FreshnessTest, EqualSerialsPass) {
  const auto v = fresh.judge(7, 7u, "", t0 + 1s);
  EXPECT_EQ(v.verdict, Verdict::pass);
  EXPECT_EQ(v.detail, "serial 7, primary 7");
}

TEST_F(FreshnessTest, BehindThePrimaryFails) {
  const auto v = fresh.judge(7, 8u, "", t0 + 1s);
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "serial 7 is 1 behind the primary's 8 (max_serial_lag 0)");
}

TEST(Freshness, MaxSerialLagAllowsSomeLag) {
  SoaFreshness fresh(2, 5min, Clock::time_point{});
  EXPECT_EQ(fresh.judge(4294967295u, 1u, "", Clock::time_point{} + 1s).verdict, Verdict::pass);
  EXPECT_EQ(fresh.judge(4294967295u, 2u, "", Clock::time_point{} + 2s).verdict, Verdict::fail);
}

TEST_F(FreshnessTest, AnUnreachablePrimaryIsForgivenForItsGrace) {
  ASSERT_EQ(fresh.judge(7, 7u, "", t0 + 1s).verdict, Verdict::pass);
  // Unreachable: still compared with the serial it last gave.
  auto v = fresh.judge(7, std::nullopt, "timeout after 500ms", t0 + 61s);
  EXPECT_EQ(v.verdict, Verdict::pass);
  EXPECT_EQ(v.detail,
            "serial 7, primary 7 (last seen), primary unreachable for 60s (timeout after 500ms)");
  v = fresh.judge(7, std::nullopt, "timeout after 500ms", t0 + 301s);
  EXPECT_EQ(v.verdict, Verdict::pass);  // exactly the grace
  v = fresh.judge(7, std::nullopt, "timeout after 500ms", t0 + 302s);
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail,
            "serial 7, primary unreachable for 301s (primary_grace 5m): timeout after 500ms");
  // Back: the grace starts over.
  EXPECT_EQ(fresh.judge(7, 7u, "", t0 + 303s).verdict, Verdict::pass);
  EXPECT_EQ(fresh.judge(7, std::nullopt, "x", t0 + 304s).verdict, Verdict::pass);
}

TEST_F(FreshnessTest, APrimaryNeverReachedCountsFromTheStart) {
  auto v = fresh.judge(7, std::nullopt, "receive: connection refused", t0 + 10s);
  EXPECT_EQ(v.verdict, Verdict::pass);
  EXPECT_EQ(v.detail,
            "serial 7, primary unreachable for 10s (receive: connection refused), no primary "
            "serial yet");
  EXPECT_EQ(fresh.judge(7, std::nullopt, "x", t0 + 5min + 1s).verdict, Verdict::fail);
}

TEST_F(FreshnessTest, StaleAgainstTheLastKnownSerialFailsWithinTheGrace) {
  ASSERT_EQ(fresh.judge(7, 9u, "", t0 + 1s).verdict, Verdict::fail);
  EXPECT_EQ(fresh.judge(7, std::nullopt, "timeout", t0 + 2s).verdict, Verdict::fail);
}

TEST_F(FreshnessTest, UndefinedComparisonFails) {
  const auto v = fresh.judge(0, 2147483648u, "", t0 + 1s);
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "serial 0 and the primary's 2147483648 are 2^31 apart (RFC 1982: undefined)");
}

}  // namespace
}  // namespace anycastd::probe
