// SPDX-License-Identifier: Apache-2.0
// plan_reload(old, next), case by case: what a new [ospf] section restarts,
// changes in place, adds, removes, or cannot keep at all.
#include "ospf/reload.hpp"

#include <gtest/gtest.h>

namespace anycastd::ospf {
namespace {

using namespace std::chrono_literals;
using Names = std::vector<std::string>;

config::OspfConfig base() {
  config::OspfConfig c;
  config::OspfInterfaceConfig eth1;
  eth1.name = "eth1";
  config::OspfInterfaceConfig eth2 = eth1;
  eth2.name = "eth2";
  c.interfaces = {eth1, eth2};
  return c;
}

bool nothing(const ReloadPlan& p) {
  return !p.replace && p.interfaces_added.empty() && p.interfaces_removed.empty() &&
         p.interfaces_restarted.empty() && p.interfaces_cost_changed.empty() &&
         p.interfaces_retimed.empty() && !p.costs_changed && !p.lsdb_limit_changed &&
         !p.reoriginate();
}

TEST(OspfPlanReload, SameSettingsChangeNothing) {
  EXPECT_TRUE(nothing(plan_reload(base(), base())));
}

TEST(OspfPlanReload, InterfacesAddedAndRemovedByName) {
  auto next = base();
  next.interfaces[1].name = "eth3";
  const auto plan = plan_reload(base(), next);
  EXPECT_EQ(plan.interfaces_added, Names{"eth3"});
  EXPECT_EQ(plan.interfaces_removed, Names{"eth2"});
  EXPECT_TRUE(plan.interfaces_restarted.empty());
  EXPECT_FALSE(plan.replace);
}

TEST(OspfPlanReload, ReorderedInterfacesChangeNothing) {
  auto next = base();
  std::swap(next.interfaces[0], next.interfaces[1]);
  EXPECT_TRUE(nothing(plan_reload(base(), next)));
}

TEST(OspfPlanReload, WhatNeighboursCheckRestartsThatInterfaceOnly) {
  const std::vector<std::function<void(config::OspfInterfaceConfig&)>> changes = {
      [](auto& i) { i.type = config::OspfInterfaceType::point_to_point; },
      [](auto& i) { i.hello_interval = 5s; },
      [](auto& i) { i.dead_interval = 20s; },
      [](auto& i) { i.priority = 1; },
      [](auto& i) {
        i.authentication = {config::AuthMode::md5, 1, "secret"};
      },
      [](auto& i) {
        i.authentication = {config::AuthMode::text, 0, "pass"};
      },
  };
  for (std::size_t n = 0; n < changes.size(); ++n) {
    auto next = base();
    changes[n](next.interfaces[1]);
    const auto plan = plan_reload(base(), next);
    EXPECT_EQ(plan.interfaces_restarted, Names{"eth2"}) << "change " << n;
    EXPECT_TRUE(plan.interfaces_added.empty() && plan.interfaces_removed.empty());
    EXPECT_FALSE(plan.replace);
  }
  // A new key for the same mode is a new authentication too.
  auto with_key = base();
  with_key.interfaces[0].authentication = {config::AuthMode::md5, 1, "one"};
  auto new_key = with_key;
  new_key.interfaces[0].authentication.key = "two";
  EXPECT_EQ(plan_reload(with_key, new_key).interfaces_restarted, Names{"eth1"});
}

TEST(OspfPlanReload, CostsChangeInPlace) {
  auto next = base();
  next.interfaces[0].cost = 20;
  auto plan = plan_reload(base(), next);
  EXPECT_EQ(plan.interfaces_cost_changed, Names{"eth1"});
  EXPECT_TRUE(plan.interfaces_restarted.empty());
  EXPECT_TRUE(plan.reoriginate());

  next = base();
  next.prefix_cost = 7;
  plan = plan_reload(base(), next);
  EXPECT_TRUE(plan.costs_changed);
  EXPECT_TRUE(plan.reoriginate());
  EXPECT_TRUE(plan.interfaces_restarted.empty() && plan.interfaces_cost_changed.empty());

  next = base();
  next.degraded_cost = 2000;
  EXPECT_TRUE(plan_reload(base(), next).costs_changed);
}

TEST(OspfPlanReload, LsdbLimitInPlace) {
  auto next = base();
  next.lsdb_limit = 500;
  const auto plan = plan_reload(base(), next);
  EXPECT_TRUE(plan.lsdb_limit_changed);
  EXPECT_FALSE(plan.reoriginate());
  EXPECT_TRUE(plan.interfaces_restarted.empty());
}

TEST(OspfPlanReload, NewAreaKeepsNothing) {
  auto next = base();
  next.area = 1;
  EXPECT_TRUE(plan_reload(base(), next).replace);
}

TEST(OspfPlanReload, NewAreaTypeOrAnnounceAsKeepsNothing) {
  auto next = base();
  next.area = 1;
  auto stub = next;
  stub.area_type = config::OspfAreaType::nssa;
  EXPECT_TRUE(plan_reload(next, stub).replace);
  auto router = base();
  router.announce_as = config::OspfAnnounceAs::router_lsa;
  EXPECT_TRUE(plan_reload(base(), router).replace);
}

TEST(OspfPlanReload, OurOwnTimersChangeInPlace) {
  auto next = base();
  next.interfaces[0].retransmit_interval = 2s;
  next.interfaces[1].transmit_delay = 3s;
  const auto plan = plan_reload(base(), next);
  EXPECT_EQ(plan.interfaces_retimed, (Names{"eth1", "eth2"}));
  EXPECT_TRUE(plan.interfaces_restarted.empty());
  EXPECT_FALSE(plan.reoriginate());
}

}  // namespace
}  // namespace anycastd::ospf
