// SPDX-License-Identifier: Apache-2.0
// bgp::plan_reload case by case: which neighbours a reload keeps, re-sends
// to, restarts, adds and removes.
#include "bgp/reload.hpp"

#include <gtest/gtest.h>

namespace anycastd::bgp {
namespace {

using namespace std::chrono_literals;

const IpAddress kA = *IpAddress::parse("198.18.1.1");
const IpAddress kB = *IpAddress::parse("198.18.2.1");
const IpAddress kC = *IpAddress::parse("198.18.3.1");

config::BgpConfig two_neighbors() {
  config::BgpConfig c;
  c.asn = 65101;
  for (const auto& address : {kA, kB}) {
    config::BgpNeighborConfig n;
    n.address = address;
    n.remote_asn = 65001;
    n.communities = {0xfe4d0064};
    c.neighbors.push_back(n);
  }
  return c;
}

using Addresses = std::vector<IpAddress>;

TEST(BgpReloadPlan, NothingChanged) {
  const auto plan = plan_reload(two_neighbors(), two_neighbors());
  EXPECT_EQ(plan.kept, (Addresses{kA, kB}));
  EXPECT_TRUE(plan.added.empty() && plan.removed.empty() && plan.restarted.empty() &&
              plan.resent.empty());
}

TEST(BgpReloadPlan, CommunitiesAreResentToThatNeighbourOnly) {
  auto next = two_neighbors();
  next.neighbors[0].communities.push_back(0xfe4d00c8);
  const auto plan = plan_reload(two_neighbors(), next);
  EXPECT_EQ(plan.resent, Addresses{kA});
  EXPECT_EQ(plan.kept, Addresses{kB});
  EXPECT_TRUE(plan.restarted.empty());
}

TEST(BgpReloadPlan, DegradedMedAndPrependAreResentToAll) {
  for (auto change : {+[](config::BgpConfig& c) { c.degraded_med = 50; },
                      +[](config::BgpConfig& c) { c.degraded_prepend = 1; }}) {
    auto next = two_neighbors();
    change(next);
    const auto plan = plan_reload(two_neighbors(), next);
    EXPECT_EQ(plan.resent, (Addresses{kA, kB}));
    EXPECT_TRUE(plan.restarted.empty());
  }
}

TEST(BgpReloadPlan, SettingsUsedFromNowOnKeepTheSession) {
  auto next = two_neighbors();
  next.neighbors[0].passive = true;
  next.neighbors[0].graceful_shutdown = true;
  next.neighbors[0].drain_time = 1s;
  const auto plan = plan_reload(two_neighbors(), next);
  EXPECT_EQ(plan.kept, (Addresses{kA, kB}));
}

TEST(BgpReloadPlan, EachTransportSettingRestartsOnlyItsNeighbour) {
  using Change = void (*)(config::BgpNeighborConfig&);
  const std::vector<Change> changes = {
      [](config::BgpNeighborConfig& n) { n.remote_asn = 65002; },
      [](config::BgpNeighborConfig& n) { n.password = "s3cret"; },
      [](config::BgpNeighborConfig& n) { n.ttl_security = true; },
      [](config::BgpNeighborConfig& n) { n.hold_time = 30s; },
      [](config::BgpNeighborConfig& n) { n.local_address = *IpAddress::parse("198.18.2.2"); },
      [](config::BgpNeighborConfig& n) { n.port = 1179; },
  };
  for (std::size_t i = 0; i < changes.size(); ++i) {
    SCOPED_TRACE(i);
    auto next = two_neighbors();
    changes[i](next.neighbors[1]);
    next.neighbors[1].communities.push_back(0xfe4d00c8);  // a restart covers this too
    const auto plan = plan_reload(two_neighbors(), next);
    EXPECT_EQ(plan.restarted, Addresses{kB});
    EXPECT_EQ(plan.kept, Addresses{kA});
    EXPECT_TRUE(plan.resent.empty());
  }
}

TEST(BgpReloadPlan, OurAsRestartsEverySession) {
  auto next = two_neighbors();
  next.asn = 65102;
  EXPECT_EQ(plan_reload(two_neighbors(), next).restarted, (Addresses{kA, kB}));
}

TEST(BgpReloadPlan, NeighboursAddedAndRemovedByAddress) {
  auto next = two_neighbors();
  next.neighbors[0].address = kC;  // A goes, C comes
  const auto plan = plan_reload(two_neighbors(), next);
  EXPECT_EQ(plan.added, Addresses{kC});
  EXPECT_EQ(plan.removed, Addresses{kA});
  EXPECT_EQ(plan.kept, Addresses{kB});
}

}  // namespace
}  // namespace anycastd::bgp
