// SPDX-License-Identifier: Apache-2.0
// [bgp] parsing (spec §3): defaults, ranges, communities, duplicates.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "parse_errors.hpp"

namespace anycastd::config {
namespace {

using ::testing::Contains;

using test::errors;
using test::parse_text;

const std::string kNeighbor = "[bgp]\nasn = 65101\n[[bgp.neighbor]]\naddress = \"198.18.5.1\"\n";

TEST(BgpConfig, Defaults) {
  const auto r = parse_text(kNeighbor + "remote_asn = 65001\n");
  ASSERT_TRUE(r.config) << r.errors.front().to_string();
  const BgpConfig& b = *r.config->bgp;
  EXPECT_EQ(b.asn, 65101u);
  EXPECT_EQ(b.degraded_med, 1000u);
  EXPECT_EQ(b.degraded_prepend, 3);
  ASSERT_EQ(b.neighbors.size(), 1u);
  const auto& n = b.neighbors[0];
  EXPECT_EQ(n.address, IpAddress::parse("198.18.5.1"));
  EXPECT_EQ(n.remote_asn, 65001u);
  EXPECT_EQ(n.hold_time, std::chrono::seconds(90));
  EXPECT_FALSE(n.passive);
  EXPECT_TRUE(n.password.empty());
  EXPECT_FALSE(n.ttl_security);
  EXPECT_FALSE(n.graceful_shutdown);
  EXPECT_EQ(n.drain_time, std::chrono::seconds(5));
  EXPECT_EQ(n.port, 179);
  EXPECT_TRUE(r.config->has_protocol());
}

TEST(BgpConfig, EverySetting) {
  const auto r = parse_text(
      "[bgp]\nasn = 4200000001\nrouter_id = \"198.18.5.2\"\ndegraded_med = 500\n"
      "degraded_prepend = 0\n"
      "[[bgp.neighbor]]\naddress = \"2001:db8::1\"\nremote_asn = 4294967295\n"
      "hold_time = \"0s\"\npassive = true\npassword = \"secret\"\nttl_security = true\n"
      "communities = [\"65001:100\", \"no-export\", \"graceful-shutdown\"]\n"
      "graceful_shutdown = true\ndrain_time = \"0s\"\nlocal_address = \"2001:db8::2\"\n"
      "port = 1179\n");
  ASSERT_TRUE(r.config) << r.errors.front().to_string();
  const BgpConfig& b = *r.config->bgp;
  EXPECT_EQ(b.asn, 4200000001u);
  EXPECT_EQ(b.router_id, IpAddress::parse("198.18.5.2"));
  EXPECT_EQ(b.degraded_prepend, 0);
  const auto& n = b.neighbors[0];
  EXPECT_EQ(n.remote_asn, 4294967295u);
  EXPECT_EQ(n.hold_time, std::chrono::seconds(0));
  EXPECT_TRUE(n.passive && n.ttl_security && n.graceful_shutdown);
  EXPECT_EQ(n.communities, (std::vector<std::uint32_t>{0xfde90064, 0xffffff01, 0xffff0000}));
  EXPECT_EQ(n.local_address, IpAddress::parse("2001:db8::2"));
  EXPECT_EQ(n.port, 1179);
}

TEST(BgpConfig, Errors) {
  EXPECT_THAT(errors("[bgp]\nasn = 0\n[[bgp.neighbor]]\naddress = \"198.18.5.1\"\n"
                     "remote_asn = 1\n"),
              Contains("test.toml:2:7: \"asn\" is 0, must be between 1 and 4294967295"));
  EXPECT_THAT(errors(kNeighbor + "remote_asn = 1\nhold_time = \"2s\"\n"),
              Contains("test.toml:6:13: \"hold_time\": \"2s\" must be 0 or whole seconds from 3s "
                       "to 65535s"));
  EXPECT_THAT(errors(kNeighbor + "remote_asn = 1\nhold_time = \"3500ms\"\n"),
              Contains(::testing::HasSubstr("must be 0 or whole seconds")));
  EXPECT_THAT(errors(kNeighbor + "remote_asn = 1\ncommunities = [\"65536:1\"]\n"),
              Contains(::testing::HasSubstr("test.toml:6:16: community \"65536:1\" is not")));
  EXPECT_THAT(errors(kNeighbor + "remote_asn = 1\npassword = \"" + std::string(81, 'x') + "\"\n"),
              Contains("test.toml:6:12: \"password\" must be 1 to 80 characters (TCP-MD5)"));
  EXPECT_THAT(errors(kNeighbor + "remote_asn = 1\nbogus = 1\n"),
              Contains(::testing::HasSubstr("test.toml:6:1:")));
  EXPECT_THAT(errors(kNeighbor + "remote_asn = \"x\"\n"),
              Contains(::testing::HasSubstr("\"remote_asn\" must be an integer")));
  EXPECT_THAT(errors("[bgp]\nasn = 1\n[[bgp.neighbor]]\nremote_asn = 1\n"),
              Contains("test.toml:3:1: [[bgp.neighbor]] needs an \"address\""));
  EXPECT_THAT(errors("[bgp]\nasn = 1\ndegraded_prepend = 11\n[[bgp.neighbor]]\n"
                     "address = \"198.18.5.1\"\nremote_asn = 1\n"),
              Contains(::testing::HasSubstr("\"degraded_prepend\" is 11")));
  EXPECT_THAT(errors(kNeighbor + "remote_asn = 1\nlocal_address = \"2001:db8::1\"\n"),
              Contains(::testing::HasSubstr("same family")));
}

TEST(BgpConfig, DuplicateNeighbor) {
  EXPECT_THAT(errors(kNeighbor + "remote_asn = 1\n[[bgp.neighbor]]\naddress = \"198.18.5.1\"\n"
                                 "remote_asn = 2\n"),
              Contains("test.toml:7:11: neighbor 198.18.5.1 is already configured at line 3"));
}

TEST(BgpConfig, Communities) {
  EXPECT_EQ(parse_community("65001:100"), 0xfde90064u);
  EXPECT_EQ(parse_community("graceful-shutdown"), 0xffff0000u);
  EXPECT_FALSE(parse_community("65001"));
  EXPECT_FALSE(parse_community("1:2:3"));
  EXPECT_FALSE(parse_community(":1"));
  EXPECT_EQ(format_community(0xfde90064), "65001:100");
}

}  // namespace
}  // namespace anycastd::config
