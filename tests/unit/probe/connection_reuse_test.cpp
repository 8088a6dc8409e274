// SPDX-License-Identifier: Apache-2.0
#include "probe/connection_reuse.hpp"

#include <gtest/gtest.h>

namespace anycastd::probe {
namespace {

using namespace std::chrono_literals;

TEST(ConnectionReuse, OnlyAnIdleConnectionYoungerThanTheMaximumAgeIsReused) {
  EXPECT_TRUE(may_reuse(PeerState::idle, 0s));
  EXPECT_TRUE(may_reuse(PeerState::idle, kMaxConnectionAge - 1ms));
  EXPECT_FALSE(may_reuse(PeerState::idle, kMaxConnectionAge));
  EXPECT_FALSE(may_reuse(PeerState::closed, 1s));
  EXPECT_FALSE(may_reuse(PeerState::unexpected_data, 1s));
}

TEST(ConnectionReuse, OnlyAKeptConnectionThatFailedBeforeTheAnswerRetries) {
  EXPECT_TRUE(retry_on_new_connection(true, false));
  // Part of an answer came: the server was there and broke off.
  EXPECT_FALSE(retry_on_new_connection(true, true));
  // A new connection's error is the verdict.
  EXPECT_FALSE(retry_on_new_connection(false, false));
  EXPECT_FALSE(retry_on_new_connection(false, true));
}

TEST(ConnectionReuse, AFailingAnswerKeepsTheConnection) {
  EXPECT_TRUE(keep_after({}));
  EXPECT_TRUE(keep_after({.verdict = Verdict::fail}));
}

TEST(ConnectionReuse, AnythingOutOfStepClosesIt) {
  EXPECT_FALSE(keep_after({.server_keeps_open = false}));
  EXPECT_FALSE(keep_after({.leftover_bytes = true}));
  EXPECT_FALSE(keep_after({.verdict = Verdict::unrelated}));
}

TEST(ConnectionReuse, AFailedCertificateClosesItForAFreshHandshake) {
  EXPECT_FALSE(keep_after({.certificate_failed = true}));
}

}  // namespace
}  // namespace anycastd::probe
