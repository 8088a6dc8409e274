// SPDX-License-Identifier: Apache-2.0
// [bfd] (spec §3): defaults, every setting, the opt-ins, and errors with positions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "config/config.hpp"
#include "parse_errors.hpp"

namespace anycastd::config {
namespace {

using test::errors;

using namespace std::chrono_literals;
using ::testing::ElementsAre;

std::string fmt_mode(std::string_view mode) {
  return "[bfd]\nauthentication = { mode = \"" + std::string(mode) + "\", key = \"secret\" }\n";
}

TEST(BfdConfig, DefaultsAndOptIns) {
  const auto result = parse(R"([bfd]
[rip]
interfaces = ["eth1"]
bfd = true
[ospf]
[[ospf.interface]]
name = "eth1"
bfd = true
[[ospf.interface]]
name = "eth2"
[bgp]
asn = 65101
[[bgp.neighbor]]
address = "198.18.0.1"
remote_asn = 65001
bfd = true
)",
                            "test.toml");
  ASSERT_TRUE(result.config) << result.errors.front().to_string();
  ASSERT_TRUE(result.config->bfd);
  const BfdConfig& b = *result.config->bfd;
  EXPECT_EQ(b.min_tx, 300ms);
  EXPECT_EQ(b.min_rx, 300ms);
  EXPECT_EQ(b.multiplier, 3);
  EXPECT_EQ(b.authentication.mode, BfdAuthMode::none);
  EXPECT_TRUE(result.config->rip->bfd);
  EXPECT_TRUE(result.config->ospf->interfaces[0].bfd);
  EXPECT_FALSE(result.config->ospf->interfaces[1].bfd);
  EXPECT_TRUE(result.config->bgp->neighbors[0].bfd);
}

TEST(BfdConfig, EverySetting) {
  const auto result = parse(R"([bfd]
min_tx = "100ms"
min_rx = "2s"
multiplier = 5
authentication = { mode = "meticulous-sha1", key_id = 7, key = "01234567890123456789" }
)",
                            "test.toml");
  ASSERT_TRUE(result.config) << result.errors.front().to_string();
  const BfdConfig& b = *result.config->bfd;
  EXPECT_EQ(b.min_tx, 100ms);
  EXPECT_EQ(b.min_rx, 2s);
  EXPECT_EQ(b.multiplier, 5);
  EXPECT_EQ(b.authentication.mode, BfdAuthMode::meticulous_sha1);
  EXPECT_EQ(b.authentication.key_id, 7);
  EXPECT_EQ(b.authentication.key, "01234567890123456789");
  for (const auto& [mode, want] :
       {std::pair{"sha1", BfdAuthMode::sha1}, std::pair{"password", BfdAuthMode::password}}) {
    const auto r = parse(fmt_mode(mode), "test.toml");
    ASSERT_TRUE(r.config) << mode;
    EXPECT_EQ(r.config->bfd->authentication.mode, want);
  }
}

TEST(BfdConfig, ErrorsWithPositions) {
  EXPECT_THAT(errors(R"([bfd]
min_tx = "5ms"
min_rx = "61s"
multiplier = 0
)"),
              ElementsAre("test.toml:2:10: \"min_tx\" is 5ms, must be between 10ms and 1m",
                          "test.toml:3:10: \"min_rx\" is 61s, must be between 10ms and 1m",
                          "test.toml:4:14: \"multiplier\" is 0, must be between 1 and 255"));
  EXPECT_THAT(errors("[bfd]\nauthentication = { mode = \"md5\", key = \"x\" }\n"),
              ElementsAre("test.toml:2:27: \"mode\": \"md5\" is not \"sha1\", "
                          "\"meticulous-sha1\" or \"password\""));
  EXPECT_THAT(
      errors("[bfd]\nauthentication = { mode = \"password\", key = \"01234567890123456\" }\n"),
      ElementsAre("test.toml:2:45: \"key\" must be 1 to 16 characters with mode \"password\""));
  EXPECT_THAT(
      errors("[bfd]\nauthentication = { mode = \"sha1\", key = \"012345678901234567890\" }\n"),
      ElementsAre("test.toml:2:41: \"key\" must be 1 to 20 characters with mode \"sha1\""));
  EXPECT_THAT(errors("[bfd]\nauthentication = { mode = \"sha1\" }\n"),
              ElementsAre("test.toml:2:18: [bfd] authentication needs a \"key\""));
  EXPECT_THAT(errors("[bfd]\nmin_interval = \"1s\"\n"), testing::SizeIs(1));
}

TEST(BfdConfig, OptInNeedsTheSection) {
  EXPECT_THAT(errors("[rip]\ninterfaces = [\"eth1\"]\nbfd = true\n"),
              ElementsAre("test.toml:3:7: \"bfd = true\" needs a [bfd] section"));
  EXPECT_THAT(errors("[ospf]\n[[ospf.interface]]\nname = \"eth1\"\nbfd = true\n"),
              ElementsAre("test.toml:4:7: \"bfd = true\" needs a [bfd] section"));
  EXPECT_THAT(errors("[bgp]\nasn = 1\n[[bgp.neighbor]]\naddress = \"198.18.0.1\"\n"
                     "remote_asn = 2\nbfd = true\n"),
              ElementsAre("test.toml:6:7: \"bfd = true\" needs a [bfd] section"));
  EXPECT_THAT(errors("[bfd]\n[bgp]\nasn = 1\n[[bgp.neighbor]]\naddress = \"2001:db8::1\"\n"
                     "remote_asn = 2\nbfd = true\n"),
              ElementsAre("test.toml:7:7: \"bfd\" is for IPv4 neighbours only (RFC 5881 over "
                          "IPv4)"));
  // bfd = false needs nothing.
  EXPECT_TRUE(parse("[rip]\ninterfaces = [\"eth1\"]\nbfd = false\n", "test.toml").config);
}

}  // namespace
}  // namespace anycastd::config
