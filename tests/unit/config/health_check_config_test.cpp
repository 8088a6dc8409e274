// SPDX-License-Identifier: Apache-2.0
// The health-check keys of issue 14: http and file checks, DNS over TLS,
// expect_answer, soa_primary, NTP offset limits, per-check on_failure and
// the service's require.
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

const std::string kService =
    "[[service]]\nname = \"web\"\nprefixes = [\"198.19.224.2/32\"]\n";  // lines 1-3

// The service of `text`, which must parse.
ServiceConfig service(const std::string& text) {
  const auto result = parse(text, "test.toml");
  EXPECT_TRUE(result.config) << (result.errors.empty() ? "" : result.errors.front().to_string());
  if (!result.config) return {};
  return result.config->services.at(0);
}

TEST(HealthCheckConfig, HttpDefaults) {
  const auto s = service(kService + "[[service.check]]\ntype = \"http\"\n");
  const CheckConfig& c = s.checks.at(0);
  EXPECT_EQ(c.type, CheckType::http);
  EXPECT_EQ(c.port, 80);
  EXPECT_FALSE(c.tls);
  EXPECT_EQ(c.path, "/");
  EXPECT_EQ(c.expect_status, std::vector<std::uint16_t>{200});
  EXPECT_TRUE(c.expect_body.empty());
  EXPECT_TRUE(c.tls_verify);
  EXPECT_FALSE(c.cert_min_days);
  EXPECT_TRUE(c.reuse_connection);
  EXPECT_EQ(c.on_failure, OnFailure::withdraw);
  EXPECT_EQ(c.describe(), "http 198.19.224.2:80/");
  EXPECT_EQ(s.require, Require::all);
}

TEST(HealthCheckConfig, HttpsWithEverything) {
  const auto s = service(kService +
                         "require = \"any\"\n"
                         "[[service.check]]\ntype = \"http\"\ntls = true\npath = \"/health?x=1\"\n"
                         "host = \"www.test.home\"\nexpect_status = [200, 204]\n"
                         "expect_body = \"ok\"\ntls_verify = false\ncert_min_days = 14\n"
                         "reuse_connection = false\non_failure = \"degrade\"\n");
  const CheckConfig& c = s.checks.at(0);
  EXPECT_EQ(s.require, Require::any);
  EXPECT_EQ(c.port, 443);
  EXPECT_TRUE(c.tls);
  EXPECT_EQ(c.path, "/health?x=1");
  EXPECT_EQ(c.host, "www.test.home");
  EXPECT_EQ(c.expect_status, (std::vector<std::uint16_t>{200, 204}));
  EXPECT_EQ(c.expect_body, "ok");
  EXPECT_FALSE(c.tls_verify);
  EXPECT_EQ(c.cert_min_days, 14u);
  EXPECT_FALSE(c.reuse_connection);
  EXPECT_EQ(c.on_failure, OnFailure::degrade);
  EXPECT_EQ(c.describe(), "https 198.19.224.2:443/health?x=1");
}

TEST(HealthCheckConfig, ServiceOnFailureIsTheChecksDefault) {
  const auto s =
      service(kService +
              "on_failure = \"degrade\"\n"
              "[[service.check]]\ntype = \"tcp\"\nport = 80\n"
              "[[service.check]]\ntype = \"tcp\"\nport = 443\non_failure = \"withdraw\"\n");
  EXPECT_EQ(s.checks.at(0).on_failure, OnFailure::degrade);
  EXPECT_EQ(s.checks.at(1).on_failure, OnFailure::withdraw);
}

TEST(HealthCheckConfig, HttpErrors) {
  const std::string base = kService + "[[service.check]]\ntype = \"http\"\n";  // check at 4-5
  EXPECT_THAT(errors(base + "cert_min_days = 7\n"),
              Contains("test.toml:6:17: \"cert_min_days\" needs tls = true"));
  EXPECT_THAT(errors(base + "ca_file = \"/etc/ssl/x.pem\"\n"),
              Contains("test.toml:6:11: \"ca_file\" needs tls = true"));
  EXPECT_THAT(errors(base + "path = \"health\"\n"),
              Contains("test.toml:6:8: \"path\": \"health\" must start with '/' and hold no spaces "
                       "or control characters (percent-encode them)"));
  EXPECT_THAT(errors(base + "path = \"/a b\"\n"),
              Contains("test.toml:6:8: \"path\": \"/a b\" must start with '/' and hold no spaces "
                       "or control characters (percent-encode them)"));
  EXPECT_THAT(errors(base + "expect_status = [200, 700]\n"),
              Contains("test.toml:6:23: \"expect_status\" holds HTTP status codes, 100 to 599"));
  EXPECT_THAT(errors(base + "expect_status = []\n"),
              Contains("test.toml:6:17: \"expect_status\" must be a non-empty array of HTTP status "
                       "codes"));
  EXPECT_THAT(errors(base + "host = \"www example\"\n"),
              Contains("test.toml:6:8: \"host\": \"www example\" is not a host name or an IP "
                       "address"));
  EXPECT_THAT(errors(base + "tls = true\nca_file = \"/nonexistent/ca.pem\"\n"),
              Contains("test.toml:7:11: \"ca_file\": cannot read /nonexistent/ca.pem: No such file "
                       "or directory"));
  EXPECT_THAT(errors(base + "tls = true\ncert_min_days = 0\n"),
              Contains("test.toml:7:17: \"cert_min_days\" is 0, must be between 1 and 3650"));
  EXPECT_THAT(errors(base + "on_failure = \"ignore\"\n"),
              Contains("test.toml:6:14: \"on_failure\": \"ignore\" is not \"withdraw\" or "
                       "\"degrade\""));
  EXPECT_THAT(errors(kService + "require = \"most\"\n"),
              Contains("test.toml:4:11: \"require\": \"most\" is not \"all\" or \"any\""));
}

TEST(HealthCheckConfig, FileCheck) {
  const auto s =
      service(kService + "[[service.check]]\ntype = \"file\"\npath = \"/etc/anycastd/drain\"\n");
  EXPECT_EQ(s.checks.at(0).type, CheckType::file);
  EXPECT_EQ(s.checks.at(0).path, "/etc/anycastd/drain");
  EXPECT_EQ(s.checks.at(0).describe(), "file /etc/anycastd/drain");
  const std::string base = kService + "[[service.check]]\ntype = \"file\"\n";
  EXPECT_THAT(errors(base), Contains("test.toml:4:1: file check needs a \"path\" (the maintenance "
                                     "file)"));
  EXPECT_THAT(errors(base + "path = \"drain\"\n"),
              Contains("test.toml:6:8: \"path\": \"drain\" must be an absolute path"));
  EXPECT_THAT(errors(base + "path = \"/x\"\nport = 1\n"),
              Contains("test.toml:7:1: unknown key \"port\" in file check (known keys: type, path, "
                       "on_failure)"));
}

TEST(HealthCheckConfig, DnsOverTls) {
  const auto s = service(kService +
                         "[[service.check]]\ntype = \"dns\"\nname = \"test.home.\"\n"
                         "transport = \"tls\"\nhost = \"dns.test.home\"\ncert_min_days = 30\n");
  const CheckConfig& c = s.checks.at(0);
  EXPECT_EQ(c.transport, DnsTransport::tls);
  EXPECT_TRUE(c.tls);
  EXPECT_EQ(c.port, 853);
  EXPECT_EQ(c.host, "dns.test.home");
  EXPECT_EQ(c.describe(), "dns/tls 198.19.224.2:853 test.home. A");
  EXPECT_TRUE(c.reuse_connection);
  const std::string base = kService + "[[service.check]]\ntype = \"dns\"\nname = \"x.\"\n";
  EXPECT_THAT(errors(base + "host = \"dns.test.home\"\n"),
              Contains("test.toml:7:8: \"host\" needs transport = \"tls\""));
  EXPECT_THAT(errors(base + "tls_verify = false\n"),
              Contains("test.toml:7:14: \"tls_verify\" needs transport = \"tls\""));
  EXPECT_THAT(errors(base + "reuse_connection = false\n"),
              Contains("test.toml:7:20: \"reuse_connection\" needs transport = \"tcp\" or "
                       "\"tls\""));
  EXPECT_FALSE(service(base + "transport = \"tcp\"\nreuse_connection = false\n")
                   .checks.at(0)
                   .reuse_connection);
  EXPECT_THAT(errors(base + "transport = \"https\"\n"),
              Contains("test.toml:7:13: \"transport\": \"https\" is not \"udp\", \"tcp\" or "
                       "\"tls\""));
}

TEST(HealthCheckConfig, ExpectAnswer) {
  const auto s = service(kService +
                         "[[service.check]]\ntype = \"dns\"\nname = \"x.\"\nqtype = \"AAAA\"\n"
                         "expect_answer = [\"2001:db8::1\", \"2001:db8::2\"]\n");
  EXPECT_EQ(s.checks.at(0).expect_answer, (std::vector<std::string>{"2001:db8::1", "2001:db8::2"}));
  const std::string base = kService + "[[service.check]]\ntype = \"dns\"\nname = \"x.\"\n";
  EXPECT_THAT(errors(base + "expect_answer = [\"198.18.100.300\"]\n"),
              Contains("test.toml:7:18: \"198.18.100.300\" is not A data"));
  EXPECT_THAT(errors(base + "qtype = \"MX\"\nexpect_answer = [\"10 mx.\"]\n"),
              Contains("test.toml:8:17: \"expect_answer\" needs qtype A, AAAA, TXT, CNAME or NS, "
                       "not MX"));
  EXPECT_THAT(errors(base + "expect_answer = []\n"),
              Contains("test.toml:7:17: \"expect_answer\" must not be empty"));
  EXPECT_THAT(errors(base + "qtype = \"CNAME\"\nexpect_answer = [\"bad..name\"]\n"),
              Contains("test.toml:8:18: \"bad..name\" is not CNAME data"));
}

TEST(HealthCheckConfig, SoaPrimary) {
  const auto s = service(kService +
                         "[[service.check]]\ntype = \"dns\"\nname = \"home.\"\nqtype = \"SOA\"\n"
                         "soa_primary = \"198.18.9.1\"\n"
                         "[[service.check]]\ntype = \"dns\"\nname = \"home.\"\nqtype = \"SOA\"\n"
                         "soa_primary = \"[2001:db8::9]:5353\"\nmax_serial_lag = 2\n"
                         "primary_grace = \"10m\"\n");
  const CheckConfig& a = s.checks.at(0);
  EXPECT_EQ(a.soa_primary->to_string(), "198.18.9.1");
  EXPECT_EQ(a.soa_primary_port, 53);
  EXPECT_EQ(a.max_serial_lag, 0u);
  EXPECT_EQ(a.primary_grace, 5min);
  EXPECT_EQ(a.describe(), "dns 198.19.224.2:53 home. SOA vs primary 198.18.9.1:53");
  const CheckConfig& b = s.checks.at(1);
  EXPECT_EQ(b.soa_primary->to_string(), "2001:db8::9");
  EXPECT_EQ(b.soa_primary_port, 5353);
  EXPECT_EQ(b.max_serial_lag, 2u);
  EXPECT_EQ(b.primary_grace, 10min);

  const std::string base = kService + "[[service.check]]\ntype = \"dns\"\nname = \"home.\"\n";
  EXPECT_THAT(errors(base + "soa_primary = \"198.18.9.1\"\n"),
              Contains("test.toml:7:15: \"soa_primary\" needs qtype = \"SOA\", not A"));
  EXPECT_THAT(errors(base + "qtype = \"SOA\"\nsoa_primary = \"2001:db8::9:5353x\"\n"),
              Contains("test.toml:8:15: \"soa_primary\": \"2001:db8::9:5353x\" is not an address, "
                       "address:port or [IPv6]:port"));
  EXPECT_THAT(errors(base + "qtype = \"SOA\"\nmax_serial_lag = 1\n"),
              Contains("test.toml:8:18: \"max_serial_lag\" needs \"soa_primary\""));
}

TEST(HealthCheckConfig, NtpLimits) {
  const auto s = service(kService +
                         "[[service.check]]\ntype = \"ntp\"\nmax_offset = \"100ms\"\n"
                         "max_root_distance = \"2s\"\n"
                         "[[service.check]]\ntype = \"ntp\"\n");
  EXPECT_EQ(s.checks.at(0).max_offset, 100ms);
  EXPECT_EQ(s.checks.at(0).max_root_distance, 2s);
  EXPECT_FALSE(s.checks.at(1).max_offset);
  EXPECT_EQ(s.checks.at(1).max_root_distance, 1500ms);
  EXPECT_THAT(errors(kService + "[[service.check]]\ntype = \"ntp\"\nmax_offset = \"0ms\"\n"),
              Contains("test.toml:6:14: \"max_offset\" is 0ms, must be between 1ms and 1h"));
}

}  // namespace
}  // namespace anycastd::config
