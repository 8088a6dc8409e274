// The parsed /etc/anycastd.toml (spec §3). Every value is validated and
// defaulted by the parser, so the rest of the daemon uses these as they are.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/auth.hpp"
#include "config/bgp_config.hpp"
#include "config/ospf_config.hpp"
#include "util/duration.hpp"
#include "util/prefix.hpp"

namespace anycastd::config {

enum class LogLevel : std::uint8_t { trace, debug, info, warn, error };
enum class CheckType : std::uint8_t { dns, tcp, ntp, exec };
enum class DnsTransport : std::uint8_t { udp, tcp };
enum class OnFailure : std::uint8_t { withdraw, degrade };

struct CheckConfig {
  CheckType type = CheckType::tcp;
  IpAddress target;        // dns/tcp/ntp; defaults to the first prefix's address
  std::uint16_t port = 0;  // dns 53, ntp 123; required for tcp
  // dns
  std::string qname;             // absolute name, e.g. "test.home."
  std::string qtype_name = "A";  // as written, for messages and status
  std::uint16_t qtype = 1;       // RR type code (RFC 1035 §3.2.2)
  DnsTransport transport = DnsTransport::udp;
  std::string expect_rcode_name = "NOERROR";
  std::uint8_t expect_rcode = 0;  // RFC 1035 §4.1.1 RCODE
  // ntp
  std::uint8_t max_stratum = 15;
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
  OnFailure on_failure = OnFailure::withdraw;
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

// [rip] — RIPv2, RFC 2453.
struct RipConfig {
  std::vector<std::string> interfaces;
  std::vector<IpAddress> neighbors;
  std::uint8_t metric = 1;
  std::uint8_t degraded_metric = 8;
  Duration update_interval = std::chrono::seconds(30);
  AuthConfig authentication;
  bool operator==(const RipConfig&) const = default;
};

struct Config {
  std::string path;
  DaemonConfig daemon;
  LoopbackConfig loopback;
  std::vector<ServiceConfig> services;
  std::optional<RipConfig> rip;
  std::optional<BgpConfig> bgp;
  std::optional<OspfConfig> ospf;

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

}  // namespace anycastd::config
