// SPDX-License-Identifier: Apache-2.0
#include "config/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "parse_errors.hpp"

namespace anycastd::config {
namespace {

using namespace std::chrono_literals;
using ::testing::Contains;

using test::errors;
using test::parse_text;

const char* kMinimalService = R"(
[[service]]
name = "dns"
prefixes = ["198.19.224.2/32"]
  [[service.check]]
  type = "tcp"
  port = 53
)";

TEST(Config, MinimalServiceGetsDefaults) {
  const auto result = parse_text(kMinimalService);
  ASSERT_TRUE(result.config) << result.errors.front().to_string();
  const Config& c = *result.config;
  EXPECT_EQ(c.daemon.control_socket, "/run/anycastd/anycastd.sock");
  EXPECT_EQ(c.daemon.state_file, "/var/lib/anycastd/state.json");
  EXPECT_EQ(c.daemon.log_level, LogLevel::info);
  EXPECT_FALSE(c.daemon.router_id);
  EXPECT_EQ(c.loopback.interface, "lo");
  ASSERT_EQ(c.services.size(), 1u);
  const ServiceConfig& s = c.services[0];
  EXPECT_EQ(s.interval, 1s);
  EXPECT_EQ(s.timeout, 500ms);
  EXPECT_EQ(s.rise, 2u);
  EXPECT_EQ(s.fall, 2u);
  EXPECT_EQ(s.on_failure, OnFailure::withdraw);
  ASSERT_EQ(s.checks.size(), 1u);
  EXPECT_EQ(s.checks[0].target.to_string(), "198.19.224.2");  // first prefix
  EXPECT_EQ(s.checks[0].port, 53);
  // No protocol section: valid, with a warning.
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].message.find("no routing protocol"), std::string::npos);
}

TEST(Config, FullExampleParses) {
  const auto result = parse_text(R"(
[daemon]
router_id = "198.18.5.2"
control_socket = "/tmp/a.sock"
state_file = "/tmp/state.json"
log_level = "debug"

[loopback]
interface = "lo"

[[service]]
name = "dns"
prefixes = ["198.19.224.2/32", "198.19.224.3/32"]
interval = "2s"
timeout = "250ms"
rise = 3
fall = 1
on_failure = "degrade"
flap_threshold = 6
flap_window = "2m"
hold_down = "10s"
max_hold_down = "10m"

  [[service.check]]
  type = "dns"
  target = "198.19.224.2"
  port = 5353
  name = "test.home"
  qtype = "AAAA"
  transport = "tcp"
  expect_rcode = "NXDOMAIN"

  [[service.check]]
  type = "ntp"
  target = "127.0.0.1"
  max_stratum = 3

  [[service.check]]
  type = "exec"
  command = ["/usr/local/bin/check-dns", "--strict"]

[rip]
interfaces = ["eth1"]
neighbors = ["198.18.5.1"]
metric = 2
degraded_metric = 9
update_interval = "5s"
authentication = { mode = "md5", key_id = 1, key = "secret" }
)");
  ASSERT_TRUE(result.config) << result.errors.front().to_string();
  EXPECT_TRUE(result.warnings.empty());
  const Config& c = *result.config;
  EXPECT_EQ(c.daemon.router_id->to_string(), "198.18.5.2");
  EXPECT_EQ(c.daemon.log_level, LogLevel::debug);
  const ServiceConfig& s = c.services.at(0);
  EXPECT_EQ(s.prefixes.size(), 2u);
  EXPECT_EQ(s.interval, 2s);
  EXPECT_EQ(s.timeout, 250ms);
  EXPECT_EQ(s.on_failure, OnFailure::degrade);
  EXPECT_EQ(s.flap.threshold, 6u);
  EXPECT_EQ(s.flap.window, 2min);
  EXPECT_EQ(s.flap.max_hold_down, 10min);
  const CheckConfig& dns = s.checks.at(0);
  EXPECT_EQ(dns.type, CheckType::dns);
  EXPECT_EQ(dns.port, 5353);
  EXPECT_EQ(dns.qname, "test.home.");
  EXPECT_EQ(dns.qtype, 28);
  EXPECT_EQ(dns.transport, DnsTransport::tcp);
  EXPECT_EQ(dns.expect_rcode, 3);
  EXPECT_EQ(dns.describe(), "dns/tcp 198.19.224.2:5353 test.home. AAAA");
  EXPECT_EQ(s.checks.at(1).port, 123);
  EXPECT_EQ(s.checks.at(1).max_stratum, 3);
  EXPECT_EQ(s.checks.at(2).command.size(), 2u);
  ASSERT_TRUE(c.rip);
  EXPECT_EQ(c.rip->interfaces, std::vector<std::string>{"eth1"});
  EXPECT_EQ(c.rip->metric, 2);
  EXPECT_EQ(c.rip->update_interval, 5s);
  EXPECT_EQ(c.rip->authentication.mode, AuthMode::md5);
  EXPECT_EQ(c.rip->authentication.key, "secret");
}

TEST(Config, SyntaxErrorHasPosition) {
  EXPECT_THAT(
      errors("[daemon]\nlog_level = \n"),
      Contains("test.toml:2:13: Error while parsing key-value pair: expected value, saw '\\n'"));
}

TEST(Config, UnknownKeyHasPosition) {
  EXPECT_THAT(
      errors("[daemon]\nlog_levle = \"info\"\n"),
      Contains("test.toml:2:1: unknown key \"log_levle\" in [daemon] (known keys: router_id, "
               "control_socket, state_file, log_level)"));
  EXPECT_THAT(
      errors("[deamon]\n"),
      Contains("test.toml:1:2: unknown key \"deamon\" in the top level (known keys: daemon, "
               "loopback, metrics, service, rip, ospf, bgp, bfd)"));
}

TEST(Config, WrongTypeHasPosition) {
  EXPECT_THAT(errors("[daemon]\nlog_level = 3\n"),
              Contains("test.toml:2:13: \"log_level\" must be a string, not an integer"));
  EXPECT_THAT(errors("[[service]]\nname = \"dns\"\nrise = \"2\"\n"),
              Contains("test.toml:3:8: \"rise\" must be an integer, not a string"));
}

TEST(Config, DurationsNeedUnits) {
  const std::string base = "[[service]]\nname = \"dns\"\nprefixes = [\"198.19.224.2/32\"]\n";
  EXPECT_THAT(errors(base + "interval = 1\n"),
              Contains("test.toml:4:12: \"interval\" must be a duration string with a unit such as "
                       "\"500ms\", \"2s\" or \"1m\", not an integer"));
  EXPECT_THAT(
      errors(base + "interval = \"1 second\"\n"),
      Contains("test.toml:4:12: \"interval\": \"1 second\" is not a duration (use a whole number "
               "and a unit: ms, s, m, h, e.g. \"500ms\")"));
}

TEST(Config, OutOfRangeValues) {
  const std::string base = "[[service]]\nname = \"dns\"\nprefixes = [\"198.19.224.2/32\"]\n";
  EXPECT_THAT(errors(base + "rise = 0\n"),
              Contains("test.toml:4:8: \"rise\" is 0, must be between 1 and 100"));
  EXPECT_THAT(errors(base + "interval = \"10ms\"\n"),
              Contains("test.toml:4:12: \"interval\" is 10ms, must be between 100ms and 1h"));
  EXPECT_THAT(errors(base + "interval = \"1s\"\ntimeout = \"2s\"\n"),
              Contains("test.toml:5:11: \"timeout\" (2s) must not exceed \"interval\" (1s)"));
  EXPECT_THAT(errors("[rip]\ninterfaces = [\"eth1\"]\nmetric = 16\n"),
              Contains("test.toml:3:10: \"metric\" is 16, must be between 1 and 15"));
}

TEST(Config, DuplicateServiceNames) {
  const std::string text = std::string(kMinimalService) +
                           "[[service]]\nname = \"dns\"\nprefixes = [\"198.19.224.3/32\"]\n"
                           "  [[service.check]]\n  type = \"tcp\"\n  port = 53\n";
  EXPECT_THAT(errors(text),
              Contains("test.toml:9:8: duplicate service name \"dns\" (first defined at line 2)"));
}

TEST(Config, PrefixesMustBeHostRoutes) {
  EXPECT_THAT(
      errors("[[service]]\nname = \"dns\"\nprefixes = [\"198.19.224.0/24\"]\n"
             "[[service.check]]\ntype = \"tcp\"\nport = 53\n"),
      Contains("test.toml:3:13: \"198.19.224.0/24\" is not a host route: anycast prefixes must be "
               "/32 (IPv4) or /128 (IPv6)"));
  EXPECT_THAT(errors("[[service]]\nname = \"dns\"\nprefixes = [\"198.19.224.300\"]\n"
                     "[[service.check]]\ntype = \"tcp\"\nport = 53\n"),
              Contains("test.toml:3:13: \"198.19.224.300\" is not an IP prefix"));
}

TEST(Config, APrefixBelongsToOneService) {
  const std::string text = std::string(kMinimalService) +
                           "[[service]]\nname = \"dns2\"\nprefixes = [\"198.19.224.2/32\"]\n"
                           "  [[service.check]]\n  type = \"tcp\"\n  port = 53\n";
  EXPECT_THAT(
      errors(text),
      Contains("test.toml:10:12: prefix 198.19.224.2/32 is already announced by service \"dns\""));
}

TEST(Config, CheckErrors) {
  const std::string base =
      "[[service]]\nname = \"dns\"\nprefixes = [\"198.19.224.2/32\"]\n"
      "[[service.check]]\n";
  EXPECT_THAT(
      errors(base + "type = \"icmp\"\n"),
      Contains("test.toml:5:8: check type \"icmp\" is not one of dns, tcp, ntp, exec, http, file"));
  EXPECT_THAT(errors(base + "type = \"tcp\"\n"),
              Contains("test.toml:4:1: tcp check needs a \"port\""));
  EXPECT_THAT(errors(base + "type = \"tcp\"\nport = 70000\n"),
              Contains("test.toml:6:8: \"port\" is 70000, must be between 1 and 65535"));
  EXPECT_THAT(errors(base + "type = \"tcp\"\nport = 53\nqtype = \"A\"\n"),
              Contains("test.toml:7:1: unknown key \"qtype\" in tcp check (known keys: type, "
                       "target, port, on_failure)"));
  EXPECT_THAT(errors(base + "type = \"dns\"\nname = \"x.\"\nqtype = \"BOGUS\"\n"),
              Contains("test.toml:7:9: \"qtype\": \"BOGUS\" is not a DNS record type"));
  EXPECT_THAT(
      errors(base + "type = \"dns\"\nname = \"x.\"\nexpect_rcode = \"FINE\"\n"),
      Contains("test.toml:7:16: \"expect_rcode\": \"FINE\" is not a DNS rcode (NOERROR, NXDOMAIN, "
               "...)"));
  EXPECT_THAT(
      errors(base + "type = \"exec\"\ncommand = [\"check-dns\"]\n"),
      Contains("test.toml:6:12: \"command\": \"check-dns\" must be an absolute path (no shell, no "
               "PATH search)"));
  EXPECT_THAT(errors(base + "type = \"ntp\"\nmax_stratum = 16\n"),
              Contains("test.toml:6:15: \"max_stratum\" is 16, must be between 1 and 15"));
  EXPECT_THAT(errors("[[service]]\nname = \"dns\"\nprefixes = [\"198.19.224.2/32\"]\n"),
              Contains("test.toml:1:1: service \"dns\" needs at least one [[service.check]]"));
}

TEST(Config, UnbuiltProtocolsAreErrors) {
  // [ospf] is built: its own errors, not "not supported" (ospf_config_test.cpp).
  EXPECT_THAT(errors("[ospf]\narea = \"0.0.0.0\"\n"),
              Contains("test.toml:1:1: [ospf] needs at least one [[ospf.interface]]"));
  // [bgp] is built: its own errors, not "not supported" (bgp_config_test.cpp).
  EXPECT_THAT(errors("[bgp]\nasn = 65101\n"),
              Contains("test.toml:1:1: [bgp] needs at least one [[bgp.neighbor]]"));
}

TEST(Config, RipAuthentication) {
  EXPECT_THAT(errors("[rip]\ninterfaces = [\"eth1\"]\nauthentication = { mode = \"sha\", "
                     "key = \"x\" }\n"),
              Contains("test.toml:3:27: \"mode\": \"sha\" is not \"text\" or \"md5\""));
  EXPECT_THAT(errors("[rip]\ninterfaces = [\"eth1\"]\nauthentication = { mode = \"md5\", "
                     "key = \"01234567890123456\" }\n"),
              Contains("test.toml:3:40: \"key\" must be 1 to 16 characters"));
  EXPECT_THAT(errors("[rip]\nmetric = 1\n"),
              Contains("test.toml:1:1: [rip] needs \"interfaces\" or \"neighbors\" to talk to"));
}

TEST(Config, ReportsEveryError) {
  const auto result = parse_text("[daemon]\nlog_level = \"loud\"\nrouter_id = \"x\"\nfoo = 1\n");
  EXPECT_EQ(result.errors.size(), 3u);
  EXPECT_FALSE(result.config);
}

TEST(Config, MissingFileIsAnError) {
  const auto result = load("/nonexistent/anycastd.toml");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].to_string(),
            "/nonexistent/anycastd.toml: cannot read: No such file or directory");
}

TEST(Config, ShippedExamplesAreValid) {
  for (const char* name : {"/conf/anycastd.toml", "/conf/examples/xenial-lab.toml"}) {
    const std::string path = std::string(ANYCASTD_SOURCE_DIR) + name;
    ASSERT_TRUE(std::ifstream(path)) << path;
    const auto result = load(path);
    EXPECT_TRUE(result.config) << path << ": " << result.errors.front().to_string();
  }
}

// [metrics]: off when absent; listen as address:port, IPv6 in brackets.
LoadResult with_metrics(const std::string& section) {
  return parse(section + kMinimalService, "test.toml");
}

TEST(MetricsConfig, AbsentIsOff) {
  const auto result = parse(kMinimalService, "test.toml");
  ASSERT_TRUE(result.config);
  EXPECT_FALSE(result.config->metrics);
}

TEST(MetricsConfig, ListenAndPath) {
  auto result = with_metrics("[metrics]\nlisten = \"127.0.0.1:9273\"\n");
  ASSERT_TRUE(result.config);
  ASSERT_TRUE(result.config->metrics);
  EXPECT_EQ(result.config->metrics->address.to_string(), "127.0.0.1");
  EXPECT_EQ(result.config->metrics->port, 9273);
  EXPECT_EQ(result.config->metrics->path, "/metrics");

  result = with_metrics("[metrics]\nlisten = \"[::1]:9100\"\npath = \"/m\"\n");
  ASSERT_TRUE(result.config);
  EXPECT_EQ(result.config->metrics->address.to_string(), "::1");
  EXPECT_EQ(result.config->metrics->port, 9100);
  EXPECT_EQ(result.config->metrics->path, "/m");
}

TEST(MetricsConfig, ErrorsHavePositions) {
  auto errors = [](const std::string& section) {
    std::vector<std::string> out;
    for (const auto& e : with_metrics(section).errors)
      out.push_back(e.to_string());
    return out;
  };
  EXPECT_THAT(errors("[metrics]\npath = \"/metrics\"\n"),
              ::testing::Contains(::testing::HasSubstr(
                  "test.toml:1:1: [metrics] needs \"listen\", e.g. listen = \"127.0.0.1:9273\"")));
  EXPECT_THAT(errors("[metrics]\nlisten = \"::1:9273\"\n"),
              ::testing::ElementsAre("test.toml:2:10: \"listen\": \"::1:9273\" is not address:port "
                                     "(\"[::1]:9273\" for IPv6)"));
  EXPECT_THAT(errors("[metrics]\nlisten = \"127.0.0.1:9273\"\npath = \"metrics\"\n"),
              ::testing::ElementsAre("test.toml:3:8: \"path\": \"metrics\" must start with / and "
                                     "hold no spaces, ? or #"));
}

}  // namespace
}  // namespace anycastd::config
