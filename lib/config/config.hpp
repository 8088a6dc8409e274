// SPDX-License-Identifier: Apache-2.0
// The parsed /etc/anycastd.toml (spec §3). Every value is validated and
// defaulted by the parser, so the rest of the daemon uses these as they are.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/auth.hpp"
#include "config/bfd_config.hpp"
#include "config/bgp_config.hpp"
#include "config/ospf_config.hpp"
#include "util/duration.hpp"
#include "util/prefix.hpp"

namespace anycastd::config {

enum class LogLevel : std::uint8_t { trace, debug, info, warn, error };
enum class CheckType : std::uint8_t { dns, tcp, ntp, exec, http, file };
enum class DnsTransport : std::uint8_t { udp, tcp, tls };
enum class OnFailure : std::uint8_t { withdraw, degrade };
// How a service's checks combine: every check must pass, or one is enough.
enum class Require : std::uint8_t { all, any };

// The default port of each check type that has one.
inline constexpr std::uint16_t kDnsPort = 53;
inline constexpr std::uint16_t kDnsOverTlsPort = 853;  // RFC 7858 §3.1
inline constexpr std::uint16_t kNtpPort = 123;
inline constexpr std::uint16_t kHttpPort = 80;
inline constexpr std::uint16_t kHttpsPort = 443;

struct CheckConfig {
  CheckType type = CheckType::tcp;
  // What this check's failure does to the service; the service's
  // `on_failure` unless the check sets its own.
  OnFailure on_failure = OnFailure::withdraw;
  IpAddress target;        // dns/tcp/ntp/http; defaults to the first prefix's address
  std::uint16_t port = 0;  // dns 53 (853 over TLS), ntp 123, http 80/443; required for tcp
  // TLS: http with `tls`, dns with transport "tls"
  bool tls = false;
  std::string host;  // http Host header; the SNI and the name verified (IP target when empty)
  bool tls_verify = true;
  std::string ca_file;                         // empty: the system's trust store
  std::optional<std::uint32_t> cert_min_days;  // fail when the certificate expires sooner
  // http and DNS over TCP/TLS: keep the connection open for the next probe
  bool reuse_connection = true;
  // dns
  std::string qname;             // absolute name, e.g. "test.home."
  std::string qtype_name = "A";  // as written, for messages and status
  std::uint16_t qtype = 1;       // RR type code (RFC 1035 §3.2.2)
  DnsTransport transport = DnsTransport::udp;
  std::string expect_rcode_name = "NOERROR";
  std::uint8_t expect_rcode = 0;  // RFC 1035 §4.1.1 RCODE
  // Every one of these RDATA (presentation format) must be in the answer.
  std::vector<std::string> expect_answer;
  std::optional<IpAddress> soa_primary;  // qtype SOA: compare the serial with this server's
  std::uint16_t soa_primary_port = kDnsPort;
  std::uint32_t max_serial_lag = 0;
  Duration primary_grace = std::chrono::minutes(5);
  // ntp
  std::uint8_t max_stratum = 15;
  std::optional<Duration> max_offset;  // RFC 5905 §8 offset from the local clock
  Duration max_root_distance = std::chrono::milliseconds(1500);
  // http: the request path; file: the maintenance file
  std::string path;
  std::vector<std::uint16_t> expect_status{200};
  std::string expect_body;  // a substring of the body's first 64 KiB
  // exec: argv, run without a shell
  std::vector<std::string> command;

  // One line that names the check in logs and status, e.g. "dns 198.19.224.2:53 test.home. A".
  std::string describe() const;
  bool operator==(const CheckConfig&) const = default;
};

// Flap guard (spec §4): more than `threshold` state changes within `window`
// hold the service down for `hold_down`, doubling on each repeat up to
// `max_hold_down`; a quiet `window` resets the back-off.
struct FlapGuardConfig {
  std::uint32_t threshold = 4;
  Duration window = std::chrono::seconds(60);
  Duration hold_down = std::chrono::seconds(5);
  Duration max_hold_down = std::chrono::minutes(5);
  bool operator==(const FlapGuardConfig&) const = default;
};

struct ServiceConfig {
  std::string name;
  std::vector<Prefix> prefixes;  // host routes only
  Duration interval = std::chrono::seconds(1);
  Duration timeout = std::chrono::milliseconds(500);
  std::uint32_t rise = 2;
  std::uint32_t fall = 2;
  OnFailure on_failure = OnFailure::withdraw;  // the default of the checks' on_failure
  Require require = Require::all;
  FlapGuardConfig flap;
  std::vector<CheckConfig> checks;
  bool operator==(const ServiceConfig&) const = default;
};

struct DaemonConfig {
  std::optional<IpAddress> router_id;  // unset: highest non-loopback IPv4 of the host
  std::string control_socket = "/run/anycastd/anycastd.sock";
  std::string state_file = "/var/lib/anycastd/state.json";
  LogLevel log_level = LogLevel::info;
  bool operator==(const DaemonConfig&) const = default;
};

struct LoopbackConfig {
  std::string interface = "lo";
  bool operator==(const LoopbackConfig&) const = default;
};

// [metrics] — the Prometheus endpoint; absent: off.
inline constexpr std::uint16_t kMetricsPort = 9273;
struct MetricsConfig {
  IpAddress address;
  std::uint16_t port = kMetricsPort;
  std::string path = "/metrics";
  bool operator==(const MetricsConfig&) const = default;
};

// [rip] — RIPv2, RFC 2453.
struct RipConfig {
  std::vector<std::string> interfaces;
  std::vector<IpAddress> neighbors;
  std::uint8_t metric = 1;
  std::uint8_t degraded_metric = 8;
  Duration update_interval = std::chrono::seconds(30);
  AuthConfig authentication;
  bool bfd = false;  // a BFD session to each router heard or configured
  bool operator==(const RipConfig&) const = default;
};

struct Config {
  std::string path;
  DaemonConfig daemon;
  LoopbackConfig loopback;
  std::optional<MetricsConfig> metrics;
  std::vector<ServiceConfig> services;
  std::optional<RipConfig> rip;
  std::optional<BgpConfig> bgp;
  std::optional<OspfConfig> ospf;
  std::optional<BfdConfig> bfd;

  const ServiceConfig* find_service(std::string_view name) const;
  bool has_protocol() const { return rip.has_value() || ospf.has_value() || bgp.has_value(); }
};

struct Diagnostic {
  std::string file;
  std::uint32_t line = 0;  // 1-based; 0 when the problem has no position
  std::uint32_t column = 0;
  std::string message;
  // "FILE:LINE:COL: message"
  std::string to_string() const;
};

struct LoadResult {
  std::optional<Config> config;  // set only when `errors` is empty
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;
};

// Parses and validates a whole config; collects every error it can find.
LoadResult parse(std::string_view text, const std::string& path);
LoadResult load(const std::string& path);

std::string_view to_string(LogLevel level);
std::string_view to_string(CheckType type);
std::string_view to_string(OnFailure on_failure);
std::string_view to_string(Require require);

}  // namespace anycastd::config
