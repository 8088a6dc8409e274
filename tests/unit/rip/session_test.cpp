// SPDX-License-Identifier: Apache-2.0
// RipSession without a network: the error path and the status before start.
// Its sockets are exercised against FRR ripd in network namespaces.
#include "rip/session.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace anycastd::rip {
namespace {

TEST(RipSession, MissingInterfaceIsAClearError) {
  boost::asio::io_context io;
  core::AnnouncementBus bus;
  config::RipConfig config;
  config.interfaces = {"no-such-if0"};
  RipSession session(io, config, bus);
  EXPECT_EQ(session.name(), "rip");
  try {
    session.start();
    FAIL() << "start() should throw";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("no-such-if0"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("does not exist"));
  }
}

TEST(RipSession, StatusAndStopBeforeStart) {
  boost::asio::io_context io;
  core::AnnouncementBus bus;
  config::RipConfig config;
  config.interfaces = {"eth1"};
  RipSession session(io, config, bus);
  bus.set("dns", {*Prefix::parse("198.19.224.2/32")}, core::RouteAction::announce,
          core::Cause::health);
  const auto status = session.status();
  EXPECT_EQ(status["running"], false);
  EXPECT_TRUE(status["interfaces"].empty());
  EXPECT_TRUE(status["announced"].empty());
  bool done = false;
  session.stop(core::StopBudget{core::StopBudget::Clock::now()}, [&] { done = true; });
  io.run();
  EXPECT_TRUE(done);
}

}  // namespace
}  // namespace anycastd::rip
