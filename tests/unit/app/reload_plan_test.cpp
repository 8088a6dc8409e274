// SPDX-License-Identifier: Apache-2.0
// plan_reload: what a reload keeps, adds, restarts and removes, decided
// before anything is touched.
#include "daemon/reload_plan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace anycastd {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

config::Config parse(const std::string& text) {
  auto result = config::parse(text, "test.toml");
  EXPECT_TRUE(result.config) << (result.errors.empty() ? "" : result.errors.front().to_string());
  return result.config.value_or(config::Config{});
}

std::string service(const std::string& name, const std::string& prefixes,
                    const std::string& extra = "") {
  return "[[service]]\nname = \"" + name + "\"\nprefixes = [" + prefixes + "]\n" + extra +
         "  [[service.check]]\n  type = \"tcp\"\n  port = 53\n";
}

const std::string kDns = service("dns", R"("198.19.224.2/32")");
const std::string kNtp = service("ntp", R"("198.19.224.3/32")");
const std::string kRip = "[rip]\ninterfaces = [\"eth1\"]\n";
const std::string kBgp =
    "[bgp]\nasn = 65101\n[[bgp.neighbor]]\naddress = \"198.18.5.1\"\nremote_asn = 65001\n";

TEST(ReloadPlan, NothingChangedKeepsEverything) {
  const auto c = parse(kDns + kNtp + kRip);
  const auto plan = plan_reload(c, c);
  EXPECT_THAT(plan.services_kept, ElementsAre("dns", "ntp"));
  EXPECT_THAT(plan.services_added, IsEmpty());
  EXPECT_THAT(plan.services_changed, IsEmpty());
  EXPECT_THAT(plan.services_removed, IsEmpty());
  EXPECT_THAT(plan.addresses_removed, IsEmpty());
  EXPECT_THAT(plan.protocols_reconfigured, IsEmpty());
  EXPECT_THAT(plan.protocols_started, IsEmpty());
  EXPECT_FALSE(plan.loopback_changed);
  EXPECT_FALSE(plan.control_socket_changed);
}

TEST(ReloadPlan, AddedServiceTouchesNoProtocol) {
  const auto plan = plan_reload(parse(kDns + kBgp), parse(kDns + kNtp + kBgp));
  EXPECT_THAT(plan.services_kept, ElementsAre("dns"));
  EXPECT_THAT(plan.services_added, ElementsAre("ntp"));
  EXPECT_THAT(plan.protocols_reconfigured, IsEmpty());
  EXPECT_THAT(plan.protocols_restarted, IsEmpty());
}

TEST(ReloadPlan, RemovedServiceLosesItsAddresses) {
  const auto plan = plan_reload(parse(kDns + kNtp), parse(kDns));
  EXPECT_THAT(plan.services_removed, ElementsAre("ntp"));
  EXPECT_THAT(plan.addresses_removed, ElementsAre(*Prefix::parse("198.19.224.3/32")));
}

TEST(ReloadPlan, ChangedServiceDropsOnlyThePrefixesItLost) {
  const auto before = parse(service("dns", R"("198.19.224.2/32", "198.19.224.4/32")"));
  const auto after = parse(service("dns", R"("198.19.224.2/32")", "rise = 3\n"));
  const auto plan = plan_reload(before, after);
  EXPECT_THAT(plan.services_changed, ElementsAre("dns"));
  EXPECT_THAT(plan.prefixes_dropped, ElementsAre(*Prefix::parse("198.19.224.4/32")));
  EXPECT_THAT(plan.addresses_removed, ElementsAre(*Prefix::parse("198.19.224.4/32")));
}

TEST(ReloadPlan, PrefixMovedBetweenServicesKeepsItsAddress) {
  const auto before =
      parse(service("a", R"("198.19.224.2/32")") + service("b", R"("198.19.224.3/32")"));
  const auto after =
      parse(service("a", R"("198.19.224.3/32")") + service("b", R"("198.19.224.2/32")"));
  const auto plan = plan_reload(before, after);
  EXPECT_THAT(plan.services_changed, ElementsAre("a", "b"));
  EXPECT_THAT(plan.addresses_removed, IsEmpty());
}

TEST(ReloadPlan, ProtocolSectionsComeGoAndChange) {
  const auto plan = plan_reload(parse(kDns + kRip), parse(kDns + kBgp));
  EXPECT_THAT(plan.protocols_stopped, ElementsAre("rip"));
  EXPECT_THAT(plan.protocols_started, ElementsAre("bgp"));

  const auto changed =
      plan_reload(parse(kDns + kBgp), parse(kDns + kBgp + "communities = [\"65001:100\"]\n"));
  EXPECT_THAT(changed.protocols_reconfigured, ElementsAre("bgp"));
  EXPECT_THAT(changed.protocols_restarted, IsEmpty());
}

TEST(ReloadPlan, RouterIdChangeRestartsTheProtocolsThatSpeakIt) {
  const auto before = parse("[daemon]\nrouter_id = \"198.18.5.2\"\n" + kDns + kRip + kBgp);
  const auto after = parse("[daemon]\nrouter_id = \"198.18.5.3\"\n" + kDns + kRip + kBgp);
  const auto plan = plan_reload(before, after);
  EXPECT_THAT(plan.protocols_restarted, ElementsAre("rip", "bgp"));
  // [bgp] router_id pins BGP's identifier whatever [daemon] says.
  const auto pinned = plan_reload(
      parse("[daemon]\nrouter_id = \"198.18.5.2\"\n" + kDns +
            "[bgp]\nasn = 65101\nrouter_id = \"198.18.9.9\"\n[[bgp.neighbor]]\naddress = "
            "\"198.18.5.1\"\nremote_asn = 65001\n"),
      parse("[daemon]\nrouter_id = \"198.18.5.3\"\n" + kDns +
            "[bgp]\nasn = 65101\nrouter_id = \"198.18.9.9\"\n[[bgp.neighbor]]\naddress = "
            "\"198.18.5.1\"\nremote_asn = 65001\n"));
  EXPECT_THAT(pinned.protocols_restarted, IsEmpty());
}

TEST(ReloadPlan, LoopbackAndControlSocket) {
  const auto plan = plan_reload(
      parse(kDns), parse("[loopback]\ninterface = \"anycast0\"\n[daemon]\ncontrol_socket = "
                         "\"/run/x.sock\"\n" +
                         kDns));
  EXPECT_TRUE(plan.loopback_changed);
  EXPECT_TRUE(plan.control_socket_changed);
}

}  // namespace
}  // namespace anycastd
