// SPDX-License-Identifier: Apache-2.0
// [ospf] (spec §3): defaults, both area spellings, and errors with positions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "config/config.hpp"
#include "parse_errors.hpp"

namespace anycastd::config {
namespace {

using test::errors;

using namespace std::chrono_literals;
using ::testing::Contains;

TEST(OspfConfig, Defaults) {
  const auto result = parse("[ospf]\n[[ospf.interface]]\nname = \"eth1\"\n", "test.toml");
  ASSERT_TRUE(result.config) << result.errors.front().to_string();
  ASSERT_TRUE(result.config->ospf);
  const OspfConfig& o = *result.config->ospf;
  EXPECT_EQ(o.area, 0u);
  EXPECT_EQ(o.prefix_cost, 1);
  EXPECT_EQ(o.degraded_cost, 1000);
  EXPECT_EQ(o.lsdb_limit, 100000u);
  EXPECT_EQ(o.area_type, OspfAreaType::normal);
  EXPECT_EQ(o.announce_as, OspfAnnounceAs::external);
  ASSERT_EQ(o.interfaces.size(), 1u);
  const auto& i = o.interfaces[0];
  EXPECT_EQ(i.type, OspfInterfaceType::broadcast);
  EXPECT_EQ(i.cost, 10);
  EXPECT_EQ(i.hello_interval, 10s);
  EXPECT_EQ(i.dead_interval, 40s);
  EXPECT_EQ(i.priority, 0);
  EXPECT_EQ(i.authentication.mode, AuthMode::none);
  EXPECT_EQ(i.retransmit_interval, 5s);
  EXPECT_EQ(i.transmit_delay, 1s);
  EXPECT_TRUE(result.config->has_protocol());
}

TEST(OspfConfig, EverySetting) {
  const auto result = parse(R"([ospf]
area = "0.0.0.7"
area_type = "nssa"
announce_as = "router-lsa"
prefix_cost = 5
degraded_cost = 500
lsdb_limit = 20000
  [[ospf.interface]]
  name = "eth1"
  type = "point-to-point"
  cost = 20
  hello_interval = "1s"
  dead_interval = "4s"
  priority = 3
  retransmit_interval = "2s"
  transmit_delay = "3s"
  authentication = { mode = "md5", key_id = 7, key = "secret" }
  [[ospf.interface]]
  name = "eth2"
  authentication = { mode = "text", key = "8chars!!" }
)",
                            "test.toml");
  ASSERT_TRUE(result.config) << result.errors.front().to_string();
  const OspfConfig& o = *result.config->ospf;
  EXPECT_EQ(o.area, 7u);
  EXPECT_EQ(o.area_type, OspfAreaType::nssa);
  EXPECT_EQ(o.announce_as, OspfAnnounceAs::router_lsa);
  EXPECT_EQ(o.prefix_cost, 5);
  EXPECT_EQ(o.degraded_cost, 500);
  EXPECT_EQ(o.lsdb_limit, 20000u);
  const auto& i = o.interfaces.at(0);
  EXPECT_EQ(i.type, OspfInterfaceType::point_to_point);
  EXPECT_EQ(i.cost, 20);
  EXPECT_EQ(i.hello_interval, 1s);
  EXPECT_EQ(i.dead_interval, 4s);
  EXPECT_EQ(i.priority, 3);
  EXPECT_EQ(i.retransmit_interval, 2s);
  EXPECT_EQ(i.transmit_delay, 3s);
  EXPECT_EQ(i.authentication, (AuthConfig{AuthMode::md5, 7, "secret"}));
  EXPECT_EQ(o.interfaces.at(1).authentication.mode, AuthMode::text);
}

TEST(OspfConfig, StubAreaCarriesPrefixesInTheRouterLsa) {
  const auto result = parse(
      "[ospf]\narea = \"0.0.0.1\"\narea_type = \"stub\"\n[[ospf.interface]]\nname = \"eth1\"\n",
      "test.toml");
  ASSERT_TRUE(result.config) << result.errors.front().to_string();
  EXPECT_EQ(result.config->ospf->area_type, OspfAreaType::stub);
  EXPECT_EQ(result.config->ospf->announce_as, OspfAnnounceAs::router_lsa);
}

TEST(OspfConfig, AreaTypesTheRfcsForbidAreRejectedWithPositions) {
  const std::string iface = "[[ospf.interface]]\nname = \"eth1\"\n";
  EXPECT_THAT(errors("[ospf]\narea_type = \"stub\"\n" + iface),
              Contains("test.toml:2:13: \"area_type\": the backbone (area 0.0.0.0) cannot be a "
                       "stub area"));
  EXPECT_THAT(errors("[ospf]\narea = 0\narea_type = \"nssa\"\n" + iface),
              Contains("test.toml:3:13: \"area_type\": the backbone (area 0.0.0.0) cannot be an "
                       "NSSA"));
  EXPECT_THAT(
      errors("[ospf]\narea = 1\narea_type = \"stub\"\nannounce_as = \"external\"\n" + iface),
      Contains("test.toml:4:15: \"announce_as\": \"external\" is not possible in a stub area "
               "(RFC 2328 §3.6: no AS-external-LSAs there); use \"router-lsa\" or area_type "
               "\"nssa\""));
  EXPECT_THAT(errors("[ospf]\narea = 1\narea_type = \"totally-stubby\"\n" + iface),
              Contains("test.toml:3:13: \"area_type\": \"totally-stubby\" is not \"normal\", "
                       "\"stub\" or \"nssa\""));
  EXPECT_THAT(errors("[ospf]\nannounce_as = \"summary\"\n" + iface),
              Contains("test.toml:2:15: \"announce_as\": \"summary\" is not \"external\" or "
                       "\"router-lsa\""));
  EXPECT_THAT(errors("[ospf]\n[[ospf.interface]]\nname = \"eth1\"\ntransmit_delay = \"0s\"\n"),
              Contains(::testing::HasSubstr("test.toml:4:18: \"transmit_delay\"")));
}

TEST(OspfConfig, IntegerArea) {
  const auto result =
      parse("[ospf]\narea = 258\n[[ospf.interface]]\nname = \"eth1\"\n", "test.toml");
  ASSERT_TRUE(result.config);
  EXPECT_EQ(result.config->ospf->area, 258u);
}

TEST(OspfConfig, ErrorsWithPositions) {
  const std::string iface = "[[ospf.interface]]\nname = \"eth1\"\n";
  EXPECT_THAT(errors("[ospf]\narea = \"backbone\"\n" + iface),
              Contains("test.toml:2:8: \"area\": \"backbone\" is not a dotted area ID like "
                       "\"0.0.0.0\""));
  EXPECT_THAT(errors("[ospf]\narea = true\n" + iface),
              Contains("test.toml:2:8: \"area\" must be a string like \"0.0.0.0\" or an integer, "
                       "not a boolean"));
  EXPECT_THAT(errors("[ospf]\nprefix_cost = 0\n" + iface),
              Contains("test.toml:2:15: \"prefix_cost\" is 0, must be between 1 and 65535"));
  EXPECT_THAT(errors("[ospf]\nspf = 1\n" + iface),
              Contains("test.toml:2:1: unknown key \"spf\" in [ospf] (known keys: area, area_type, "
                       "announce_as, prefix_cost, degraded_cost, lsdb_limit, interface)"));
  EXPECT_THAT(errors("[ospf]\n[[ospf.interface]]\nname = \"eth1\"\ntype = \"nbma\"\n"),
              Contains("test.toml:4:8: \"type\": \"nbma\" is not \"broadcast\" or "
                       "\"point-to-point\""));
  EXPECT_THAT(errors("[ospf]\n[[ospf.interface]]\nname = \"eth1\"\npriority = 256\n"),
              Contains("test.toml:4:12: \"priority\" is 256, must be between 0 and 255"));
  EXPECT_THAT(errors("[ospf]\n[[ospf.interface]]\nname = \"eth1\"\nhello_interval = \"1500ms\"\n"),
              Contains("test.toml:4:18: \"hello_interval\" must be whole seconds (OSPF carries "
                       "seconds)"));
  EXPECT_THAT(errors("[ospf]\n[[ospf.interface]]\nname = \"eth1\"\nhello_interval = \"10s\"\n"
                     "dead_interval = \"10s\"\n"),
              Contains("test.toml:5:17: \"dead_interval\" (10s) must be longer than "
                       "\"hello_interval\" (10s)"));
  EXPECT_THAT(errors("[ospf]\n" + iface + iface),
              Contains("test.toml:5:8: interface \"eth1\" is configured twice"));
  EXPECT_THAT(errors("[ospf]\n[[ospf.interface]]\ncost = 1\n"),
              Contains("test.toml:2:1: [[ospf.interface]] needs a \"name\""));
  EXPECT_THAT(errors("[ospf]\n[[ospf.interface]]\nname = \"eth1\"\nauthentication = { mode = "
                     "\"text\", key = \"123456789\" }\n"),
              Contains("test.toml:4:41: \"key\" must be 1 to 8 characters with mode \"text\" "
                       "(RFC 2328 §D.2)"));
  EXPECT_THAT(errors("[ospf]\n[[ospf.interface]]\nname = \"eth1\"\nauthentication = { mode = "
                     "\"sha\", key = \"x\" }\n"),
              Contains("test.toml:4:27: \"mode\": \"sha\" is not \"text\" or \"md5\""));
}

}  // namespace
}  // namespace anycastd::config
