// SPDX-License-Identifier: Apache-2.0
// AddressManager and highest_ipv4_address against the real kernel, inside a
// private network namespace that the test process unshares once (needs root;
// skipped otherwise). Only loopback and 198.18.0.0/15, 198.19.224.0/24 are used.
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include "kernel/address_manager.hpp"

namespace anycastd::kernel {
namespace {

using ::testing::HasSubstr;

Prefix prefix(const char* text) {
  return *Prefix::parse(text);
}

bool contains(const std::vector<Prefix>& prefixes, const Prefix& p) {
  return std::find(prefixes.begin(), prefixes.end(), p) != prefixes.end();
}

int sh(const std::string& command) {
  return std::system((command + " 2>/dev/null").c_str());
}

// Unshares the network namespace once per process; the reason when that is impossible.
const std::string& namespace_problem() {
  static const std::string problem = [] {
    if (unshare(CLONE_NEWNET) != 0)
      return std::string("cannot create a network namespace: ") + std::strerror(errno);
    if (sh("ip link set lo up") != 0) return std::string("cannot bring lo up with ip(8)");
    return std::string();
  }();
  return problem;
}

// Runs the loop until `done` holds, failing after a deadline.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  return true;
}

class AddressManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!namespace_problem().empty()) GTEST_SKIP() << namespace_problem();
  }
  void TearDown() override {
    sh("ip addr flush dev lo to 198.19.224.0/24");
    sh("ip link del anyc-v0");
  }

  boost::asio::io_context io;
  const Prefix first = prefix("198.19.224.2/32");
  const Prefix second = prefix("198.19.224.3/32");
};

TEST_F(AddressManagerTest, EnsureAddsHostRoutes) {
  AddressManager manager(io, "lo");
  EXPECT_TRUE(manager.ensure({first, second}).empty());
  const auto present = manager.present();
  EXPECT_TRUE(contains(present, first));
  EXPECT_TRUE(contains(present, second));
  EXPECT_TRUE(contains(present, prefix("127.0.0.1/8")));
}

TEST_F(AddressManagerTest, EnsureIsIdempotent) {
  AddressManager manager(io, "lo");
  EXPECT_TRUE(manager.ensure({first}).empty());
  EXPECT_TRUE(manager.ensure({first, first}).empty());
  const auto present = manager.present();
  EXPECT_EQ(std::count(present.begin(), present.end(), first), 1);
}

TEST_F(AddressManagerTest, EnsureReportsEachBadPrefixAndAddsTheRest) {
  AddressManager manager(io, "lo");
  const auto errors = manager.ensure({prefix("198.19.224.0/24"), second});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("198.19.224.0/24: not a host route"));
  EXPECT_TRUE(contains(manager.present(), second));
}

TEST_F(AddressManagerTest, MonitorPutsBackAnAddressDeletedBySomeoneElse) {
  AddressManager manager(io, "lo");
  ASSERT_TRUE(manager.ensure({first, second}).empty());
  manager.start_monitor();
  ASSERT_EQ(sh("ip addr del 198.19.224.2/32 dev lo"), 0);
  EXPECT_TRUE(run_until(io, [&] { return manager.readded_count() == 1; }));
  EXPECT_TRUE(contains(manager.present(), first));

  ASSERT_EQ(sh("ip addr del 198.19.224.2/32 dev lo"), 0);
  EXPECT_TRUE(run_until(io, [&] { return manager.readded_count() == 2; }));
  EXPECT_TRUE(contains(manager.present(), first));
}

TEST_F(AddressManagerTest, MonitorPutsBackAnAddressDeletedBeforeItStarted) {
  AddressManager manager(io, "lo");
  ASSERT_TRUE(manager.ensure({first}).empty());
  ASSERT_EQ(sh("ip addr del 198.19.224.2/32 dev lo"), 0);
  manager.start_monitor();
  EXPECT_EQ(manager.readded_count(), 1u);
  EXPECT_TRUE(contains(manager.present(), first));
}

TEST_F(AddressManagerTest, RemoveDeletesAndTheMonitorLeavesItAlone) {
  AddressManager manager(io, "lo");
  ASSERT_TRUE(manager.ensure({first, second}).empty());
  manager.start_monitor();
  manager.remove({first});
  EXPECT_FALSE(contains(manager.present(), first));
  // Removing an address that is already gone is fine.
  manager.remove({first});
  // Netlink notifications arrive in order: once the monitor has put `second`
  // back, it has seen (and ignored) the deletion of `first`.
  ASSERT_EQ(sh("ip addr del 198.19.224.3/32 dev lo"), 0);
  EXPECT_TRUE(run_until(io, [&] { return manager.readded_count() == 1; }));
  const auto present = manager.present();
  EXPECT_FALSE(contains(present, first));
  EXPECT_TRUE(contains(present, second));
}

TEST_F(AddressManagerTest, DestroyingTheManagerLeavesAddressesInPlace) {
  {
    AddressManager manager(io, "lo");
    ASSERT_TRUE(manager.ensure({first}).empty());
    manager.start_monitor();
  }
  io.restart();
  io.poll();
  AddressManager other(io, "lo");
  EXPECT_TRUE(contains(other.present(), first));
}

TEST_F(AddressManagerTest, MissingInterfaceIsCreatedOrAClearError) {
  try {
    AddressManager manager(io, "anyc-missing0");
    // The dummy module is available on this host: the interface was created.
    EXPECT_TRUE(manager.ensure({first}).empty());
    EXPECT_TRUE(contains(manager.present(), first));
    sh("ip link del anyc-missing0");
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("loopback interface anyc-missing0 does not exist"));
    EXPECT_THAT(e.what(), HasSubstr("dummy"));
  }
}

TEST_F(AddressManagerTest, InvalidInterfaceNameIsAClearError) {
  try {
    AddressManager manager(io, "a-name-much-too-long-for-linux");
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("not a valid interface name"));
  }
}

TEST_F(AddressManagerTest, HighestIpv4AddressSkipsLoopbackAndExcluded) {
  AddressManager manager(io, "lo");
  ASSERT_TRUE(manager.ensure({first}).empty());
  EXPECT_EQ(highest_ipv4_address(), std::nullopt);

  ASSERT_EQ(sh("ip link add anyc-v0 type veth peer name anyc-v1"), 0);
  ASSERT_EQ(sh("ip addr add 198.18.5.2/24 dev anyc-v0"), 0);
  ASSERT_EQ(sh("ip addr add 198.18.7.9/24 dev anyc-v1"), 0);
  EXPECT_EQ(highest_ipv4_address(), IpAddress::parse("198.18.7.9"));
  const std::vector<Prefix> anycast{prefix("198.18.7.9/32")};
  EXPECT_EQ(highest_ipv4_address(anycast), IpAddress::parse("198.18.5.2"));
}

}  // namespace
}  // namespace anycastd::kernel
