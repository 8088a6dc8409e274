// SPDX-License-Identifier: Apache-2.0
#include "core/bus.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace anycastd::core {
namespace {

// A protocol speaker as the bus sees it: it records what it was told.
struct FakeSpeaker {
  struct Seen {
    std::string prefix;
    RouteAction action;
    std::string service;
    Cause cause;
    bool operator==(const Seen&) const = default;
  };
  std::vector<Seen> seen;
  void attach(AnnouncementBus& bus) {
    bus.subscribe([this](const RouteChange& c) {
      seen.push_back({c.prefix.to_string(), c.action, std::string(c.service), c.cause});
    });
  }
};

Prefix p(const char* text) {
  return *Prefix::parse(text);
}

TEST(AnnouncementBus, PublishesOnlyChanges) {
  AnnouncementBus bus;
  FakeSpeaker rip;
  rip.attach(bus);
  const std::vector<Prefix> dns = {p("198.19.224.2/32"), p("198.19.224.3/32")};

  bus.set("dns", dns, RouteAction::withdraw, Cause::health);  // nothing was announced
  EXPECT_TRUE(rip.seen.empty());

  bus.set("dns", dns, RouteAction::announce, Cause::health);
  ASSERT_EQ(rip.seen.size(), 2u);
  EXPECT_EQ(rip.seen[0],
            (FakeSpeaker::Seen{"198.19.224.2/32", RouteAction::announce, "dns", Cause::health}));
  EXPECT_EQ(bus.routes().size(), 2u);

  bus.set("dns", dns, RouteAction::announce, Cause::health);  // no change
  EXPECT_EQ(rip.seen.size(), 2u);

  bus.set("dns", dns, RouteAction::degrade, Cause::health);
  EXPECT_EQ(rip.seen.size(), 4u);
  EXPECT_EQ(bus.action_of(dns[0]), RouteAction::degrade);

  bus.set("dns", dns, RouteAction::withdraw, Cause::admin);
  ASSERT_EQ(rip.seen.size(), 6u);
  EXPECT_EQ(rip.seen.back().cause, Cause::admin);
  EXPECT_TRUE(bus.routes().empty());
  EXPECT_EQ(bus.action_of(dns[0]), RouteAction::withdraw);
}

TEST(AnnouncementBus, EverySubscriberHearsEveryChangeAndCanLeave) {
  AnnouncementBus bus;
  FakeSpeaker rip;
  FakeSpeaker bgp;
  rip.attach(bus);
  const auto bgp_id = bus.subscribe([&](const RouteChange& c) {
    bgp.seen.push_back({c.prefix.to_string(), c.action, std::string(c.service), c.cause});
  });
  bus.set("ntp", {p("198.19.224.5/32")}, RouteAction::announce, Cause::health);
  EXPECT_EQ(rip.seen.size(), 1u);
  EXPECT_EQ(bgp.seen.size(), 1u);

  bus.unsubscribe(bgp_id);
  bus.set("ntp", {p("198.19.224.5/32")}, RouteAction::withdraw, Cause::shutdown);
  EXPECT_EQ(rip.seen.size(), 2u);
  EXPECT_EQ(bgp.seen.size(), 1u);
}

TEST(AnnouncementBus, RoutesKnowTheirService) {
  AnnouncementBus bus;
  bus.set("dns", {p("198.19.224.2/32")}, RouteAction::announce, Cause::health);
  bus.set("ntp", {p("198.19.224.5/32")}, RouteAction::degrade, Cause::health);
  ASSERT_EQ(bus.routes().size(), 2u);
  EXPECT_EQ(bus.routes().at(p("198.19.224.2/32")).service, "dns");
  EXPECT_EQ(bus.routes().at(p("198.19.224.5/32")).action, RouteAction::degrade);
}

}  // namespace
}  // namespace anycastd::core
