// SPDX-License-Identifier: Apache-2.0
// Config parsing and validation (spec §3). The parser walks the toml++ tree,
// checks every key against what its table allows, and records each problem
// with the position toml++ gives the offending node, so one run of --check
// reports them all.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "config/config.hpp"
#include "config/dns_names.hpp"
#include "config/protocols.hpp"
#include "config/reader.hpp"
#include "config/toml_guard.hpp"

namespace anycastd::config {
namespace {

constexpr std::size_t kMaxInterfaceName = 15;  // IFNAMSIZ - 1
constexpr std::size_t kMaxServiceName = 64;
constexpr std::size_t kHttpBodyLimit = 64 * 1024;  // the part of a body expect_body searches

// "198.18.9.1", "198.18.9.1:5353", "2001:db8::1", "[2001:db8::1]:5353".
std::optional<std::pair<IpAddress, std::uint16_t>> parse_endpoint(std::string_view text,
                                                                  std::uint16_t default_port) {
  if (auto address = IpAddress::parse(text)) return std::pair{*address, default_port};
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return std::nullopt;  // an IPv6 address with a port needs its brackets
  }
  const auto address = IpAddress::parse(host);
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (!address || ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    return std::nullopt;
  }
  return std::pair{*address, static_cast<std::uint16_t>(port)};
}

// A DNS name (letters, digits, '-', '.') or an IP address: a Host header and
// an SNI name must not carry anything else.
bool valid_host(std::string_view host) {
  if (IpAddress::parse(host)) return true;
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-') return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
  });
}

class Parser : public Reader {
 public:
  using Reader::Reader;
  LoadResult run(std::string_view text);

 private:
  void parse_daemon(const toml::table& t, DaemonConfig& out);
  // `bfd = true` on a protocol needs the [bfd] section that sets the timers.
  void require_bfd_section(const toml::table& root) {
    auto check = [&](const toml::node* table) {
      const toml::node* bfd = table && table->is_table() ? table->as_table()->get("bfd") : nullptr;
      if (bfd && bfd->value_or(false)) {
        error(bfd->source(), "\"bfd = true\" needs a [bfd] section");
      }
    };
    check(root.get("rip"));
    for (const char* list : {"ospf.interface", "bgp.neighbor"}) {
      const toml::node* items = root.at_path(list).node();
      if (!items || !items->is_array()) continue;
      for (const toml::node& item : *items->as_array())
        check(&item);
    }
  }

  void parse_loopback(const toml::table& t, LoopbackConfig& out);
  void parse_metrics(const toml::table& t, MetricsConfig& out);
  void parse_services(const toml::node& node, std::vector<ServiceConfig>& out);
  void parse_service(const toml::table& t, ServiceConfig& out);
  void parse_check(const toml::table& t, const ServiceConfig& service, CheckConfig& out);
  void parse_dns_check(const toml::table& t, CheckConfig& out);
  void parse_http_check(const toml::table& t, CheckConfig& out);
  void parse_tls(const toml::table& t, std::string_view needs, CheckConfig& out);
  void read_on_failure(const toml::table& t, OnFailure& out);
};

void Parser::parse_daemon(const toml::table& t, DaemonConfig& out) {
  check_keys(t, "daemon");
  IpAddress router_id;
  if (read_address(t, "router_id", router_id)) {
    if (!router_id.is_v4()) {
      error(t.get("router_id")->source(), "\"router_id\" must be an IPv4 address");
    } else {
      out.router_id = router_id;
    }
  }
  for (auto [key, field] : {std::pair{"control_socket", &out.control_socket},
                            std::pair{"state_file", &out.state_file}}) {
    std::string path;
    if (!read_string(t, key, path)) continue;
    if (path.empty() || path.front() != '/') {
      error(t.get(key)->source(), fmt::format("\"{}\" must be an absolute path", key));
      continue;
    }
    *field = path;
  }
  std::string level;
  if (read_string(t, "log_level", level)) {
    static const std::map<std::string, LogLevel> levels = {{"trace", LogLevel::trace},
                                                           {"debug", LogLevel::debug},
                                                           {"info", LogLevel::info},
                                                           {"warn", LogLevel::warn},
                                                           {"error", LogLevel::error}};
    const auto it = levels.find(level);
    if (it == levels.end()) {
      error(t.get("log_level")->source(),
            fmt::format("\"log_level\": \"{}\" is not one of trace, debug, info, warn, error",
                        level));
    } else {
      out.log_level = it->second;
    }
  }
}

void Parser::parse_loopback(const toml::table& t, LoopbackConfig& out) {
  check_keys(t, "loopback");
  std::string name;
  if (!read_string(t, "interface", name)) return;
  if (name.empty() || name.size() > kMaxInterfaceName || name.find('/') != std::string::npos) {
    error(t.get("interface")->source(),
          fmt::format("\"interface\": \"{}\" is not a valid interface name", name));
    return;
  }
  out.interface = name;
}

void Parser::parse_metrics(const toml::table& t, MetricsConfig& out) {
  check_keys(t, "metrics");
  std::string listen;
  if (!t.contains("listen")) {
    error(t.source(), "[metrics] needs \"listen\", e.g. listen = \"127.0.0.1:9273\"");
  } else if (read_string(t, "listen", listen)) {
    // A port is required: "::1:9273" is an IPv6 address, not [::1]:9273.
    auto endpoint = IpAddress::parse(listen) ? std::nullopt : parse_endpoint(listen, kMetricsPort);
    if (endpoint) {
      out.address = endpoint->first;
      out.port = endpoint->second;
    } else {
      error(
          t.get("listen")->source(),
          fmt::format("\"listen\": \"{}\" is not address:port (\"[::1]:9273\" for IPv6)", listen));
    }
  }
  std::string path;
  if (read_string(t, "path", path)) {
    const bool printable = std::all_of(path.begin(), path.end(), [](char c) {
      return c > ' ' && c < 0x7f && c != '?' && c != '#';
    });
    if (path.empty() || path.front() != '/' || !printable) {
      error(t.get("path")->source(),
            fmt::format("\"path\": \"{}\" must start with / and hold no spaces, ? or #", path));
    } else {
      out.path = path;
    }
  }
}

bool valid_service_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxServiceName) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

void Parser::parse_services(const toml::node& node, std::vector<ServiceConfig>& out) {
  const toml::array* array = node.as_array();
  if (!array) {
    error(node.source(), "\"service\" must be an array of tables: write [[service]]");
    return;
  }
  std::map<std::string, toml::source_region> names;
  std::map<Prefix, std::string> prefix_owner;
  for (const auto& item : *array) {
    const toml::table* table = item.as_table();
    if (!table) {
      error(item.source(), "each service must be a table: write [[service]]");
      continue;
    }
    ServiceConfig service;
    parse_service(*table, service);
    if (!service.name.empty()) {
      const auto [it, inserted] = names.emplace(service.name, table->source());
      if (!inserted) {
        error(table->get("name")->source(),
              fmt::format("duplicate service name \"{}\" (first defined at line {})", service.name,
                          it->second.begin.line));
      }
    }
    for (const auto& prefix : service.prefixes) {
      const auto [it, inserted] = prefix_owner.emplace(prefix, service.name);
      if (!inserted) {
        error(table->get("prefixes")->source(),
              fmt::format("prefix {} is already announced by service \"{}\"", prefix.to_string(),
                          it->second));
      }
    }
    out.push_back(std::move(service));
  }
}

void Parser::parse_service(const toml::table& t, ServiceConfig& out) {
  check_keys(t, "service");
  if (read_string(t, "name", out.name) && !valid_service_name(out.name)) {
    error(t.get("name")->source(),
          fmt::format("service name \"{}\" must be 1-{} letters, digits, '-', '_' or '.'", out.name,
                      kMaxServiceName));
    out.name.clear();
  } else if (!t.contains("name")) {
    error(t.source(), "[[service]] needs a \"name\"");
  }

  std::vector<std::pair<std::string, toml::source_region>> prefixes;
  if (read_string_array(t, "prefixes", prefixes)) {
    if (prefixes.empty()) error(t.get("prefixes")->source(), "\"prefixes\" must not be empty");
    for (const auto& [text, where] : prefixes) {
      const auto prefix = Prefix::parse(text);
      if (!prefix) {
        error(where, fmt::format("\"{}\" is not an IP prefix", text));
      } else if (!prefix->is_host_route()) {
        error(where, fmt::format("\"{}\" is not a host route: anycast prefixes must be /32 "
                                 "(IPv4) or /128 (IPv6)",
                                 text));
      } else if (std::find(out.prefixes.begin(), out.prefixes.end(), *prefix) !=
                 out.prefixes.end()) {
        error(where, fmt::format("prefix \"{}\" is listed twice", text));
      } else {
        out.prefixes.push_back(*prefix);
      }
    }
  } else if (!t.contains("prefixes")) {
    error(t.source(), fmt::format("service \"{}\" needs \"prefixes\" (e.g. "
                                  "[\"198.19.224.2/32\"])",
                                  out.name));
  }

  using std::chrono::hours;
  using std::chrono::milliseconds;
  read_duration(t, "interval", milliseconds(100), hours(1), out.interval);
  if (read_duration(t, "timeout", milliseconds(10), hours(1), out.timeout) &&
      out.timeout > out.interval) {
    error(t.get("timeout")->source(),
          fmt::format("\"timeout\" ({}) must not exceed \"interval\" ({})",
                      format_duration(out.timeout), format_duration(out.interval)));
  }
  read_uint(t, "rise", {1, 100}, out.rise);
  read_uint(t, "fall", {1, 100}, out.fall);
  read_on_failure(t, out.on_failure);
  read_choice(t, "require", {{"all", Require::all}, {"any", Require::any}}, out.require);
  read_uint(t, "flap_threshold", {1, 1000}, out.flap.threshold);
  read_duration(t, "flap_window", milliseconds(1000), hours(24), out.flap.window);
  read_duration(t, "hold_down", milliseconds(100), hours(24), out.flap.hold_down);
  if (read_duration(t, "max_hold_down", milliseconds(100), hours(24), out.flap.max_hold_down) &&
      out.flap.max_hold_down < out.flap.hold_down) {
    error(t.get("max_hold_down")->source(), "\"max_hold_down\" must not be below \"hold_down\"");
  }

  const toml::node* checks = t.get("check");
  if (!checks) {
    error(t.source(), fmt::format("service \"{}\" needs at least one [[service.check]]", out.name));
    return;
  }
  const toml::array* array = checks->as_array();
  if (!array) {
    error(checks->source(), "\"check\" must be an array of tables: write [[service.check]]");
    return;
  }
  for (const auto& item : *array) {
    const toml::table* table = item.as_table();
    if (!table) {
      error(item.source(), "each check must be a table: write [[service.check]]");
      continue;
    }
    CheckConfig check;
    parse_check(*table, out, check);
    out.checks.push_back(std::move(check));
  }
  if (array->empty()) error(checks->source(), "a service needs at least one check");
}

void Parser::parse_check(const toml::table& t, const ServiceConfig& service, CheckConfig& out) {
  std::string type;
  if (!read_string(t, "type", type)) {
    if (!t.contains("type")) {
      error(t.source(), "check needs a \"type\" (dns, tcp, ntp, exec, http or file)");
    }
    return;
  }
  static constexpr std::pair<std::string_view, CheckType> kTypes[] = {
      {"dns", CheckType::dns},   {"tcp", CheckType::tcp},   {"ntp", CheckType::ntp},
      {"exec", CheckType::exec}, {"http", CheckType::http}, {"file", CheckType::file}};
  const auto* known = std::find_if(std::begin(kTypes), std::end(kTypes),
                                   [&](const auto& choice) { return choice.first == type; });
  if (known == std::end(kTypes)) {
    error(t.get("type")->source(),
          fmt::format("check type \"{}\" is not one of dns, tcp, ntp, exec, http, file", type));
    return;
  }
  out.type = known->second;
  check_keys(t, "service.check." + type);

  out.on_failure = service.on_failure;
  read_on_failure(t, out.on_failure);

  const bool networked = out.type != CheckType::exec && out.type != CheckType::file;
  std::optional<std::uint16_t> port;
  if (networked) {
    if (!service.prefixes.empty()) out.target = service.prefixes.front().address;
    read_address(t, "target", out.target);
    std::uint16_t value = 0;
    if (read_uint(t, "port", {1, 65535}, value)) {
      port = value;
    } else if (out.type == CheckType::tcp && !t.contains("port")) {
      error(t.source(), "tcp check needs a \"port\"");
    }
  }

  switch (out.type) {
    case CheckType::dns:
      parse_dns_check(t, out);
      out.port = port.value_or(out.transport == DnsTransport::tls ? kDnsOverTlsPort : kDnsPort);
      break;
    case CheckType::ntp:
      read_uint(t, "max_stratum", {1, 15}, out.max_stratum);
      if (Duration offset{}; read_duration(t, "max_offset", std::chrono::milliseconds(1),
                                           std::chrono::hours(1), offset)) {
        out.max_offset = offset;
      }
      read_duration(t, "max_root_distance", std::chrono::milliseconds(1), std::chrono::hours(1),
                    out.max_root_distance);
      out.port = port.value_or(kNtpPort);
      break;
    case CheckType::http:
      parse_http_check(t, out);
      out.port = port.value_or(out.tls ? kHttpsPort : kHttpPort);
      break;
    case CheckType::file:
      if (read_string(t, "path", out.path)) {
        if (out.path.empty() || out.path.front() != '/') {
          error(t.get("path")->source(),
                fmt::format("\"path\": \"{}\" must be an absolute path", out.path));
        }
      } else if (!t.contains("path")) {
        error(t.source(), "file check needs a \"path\" (the maintenance file)");
      }
      break;
    case CheckType::exec: {
      std::vector<std::pair<std::string, toml::source_region>> argv;
      if (read_string_array(t, "command", argv)) {
        if (argv.empty()) {
          error(t.get("command")->source(), "\"command\" must not be empty");
        } else if (argv.front().first.empty() || argv.front().first.front() != '/') {
          error(argv.front().second,
                fmt::format("\"command\": \"{}\" must be an absolute path (no shell, no PATH "
                            "search)",
                            argv.front().first));
        } else {
          for (auto& [arg, where] : argv)
            out.command.push_back(arg);
        }
      } else if (!t.contains("command")) {
        error(t.source(), "exec check needs a \"command\" array, e.g. [\"/usr/local/bin/check\"]");
      }
      break;
    }
    case CheckType::tcp:
      out.port = port.value_or(0);
      break;
  }
}

void Parser::read_on_failure(const toml::table& t, OnFailure& out) {
  read_choice(t, "on_failure", {{"withdraw", OnFailure::withdraw}, {"degrade", OnFailure::degrade}},
              out);
}

void Parser::parse_dns_check(const toml::table& t, CheckConfig& out) {
  if (!read_string(t, "name", out.qname)) {
    if (!t.contains("name")) error(t.source(), "dns check needs a query \"name\"");
  } else {
    if (!valid_domain_name(out.qname)) {
      error(t.get("name")->source(),
            fmt::format("\"name\": \"{}\" is not a valid domain name", out.qname));
    } else if (out.qname.back() != '.') {
      out.qname += '.';
    }
  }
  if (read_string(t, "qtype", out.qtype_name)) {
    if (const auto code = dns_type_code(out.qtype_name)) {
      out.qtype = *code;
    } else {
      error(t.get("qtype")->source(),
            fmt::format("\"qtype\": \"{}\" is not a DNS record type", out.qtype_name));
    }
  }
  read_choice(t, "transport",
              {{"udp", DnsTransport::udp}, {"tcp", DnsTransport::tcp}, {"tls", DnsTransport::tls}},
              out.transport);
  out.tls = out.transport == DnsTransport::tls;
  if (t.contains("host") && !out.tls) {
    error(t.get("host")->source(), "\"host\" needs transport = \"tls\"");
  }
  parse_tls(t, "transport = \"tls\"", out);
  if (read_bool(t, "reuse_connection", out.reuse_connection) &&
      out.transport == DnsTransport::udp) {
    error(t.get("reuse_connection")->source(),
          "\"reuse_connection\" needs transport = \"tcp\" or \"tls\"");
  }
  if (read_string(t, "expect_rcode", out.expect_rcode_name)) {
    if (const auto code = dns_rcode_code(out.expect_rcode_name)) {
      out.expect_rcode = *code;
    } else {
      error(t.get("expect_rcode")->source(),
            fmt::format("\"expect_rcode\": \"{}\" is not a DNS rcode (NOERROR, NXDOMAIN, ...)",
                        out.expect_rcode_name));
    }
  }

  std::vector<std::pair<std::string, toml::source_region>> answers;
  if (read_string_array(t, "expect_answer", answers)) {
    static const std::set<std::string> matched = {"A", "AAAA", "TXT", "CNAME", "NS"};
    if (!matched.count(out.qtype_name)) {
      error(t.get("expect_answer")->source(),
            fmt::format("\"expect_answer\" needs qtype A, AAAA, TXT, CNAME or NS, not {}",
                        out.qtype_name));
    } else if (answers.empty()) {
      error(t.get("expect_answer")->source(), "\"expect_answer\" must not be empty");
    }
    for (const auto& [text, where] : answers) {
      if (!matched.count(out.qtype_name)) break;
      if (!valid_rdata(out.qtype, text)) {
        error(where, fmt::format("\"{}\" is not {} data", text, out.qtype_name));
      } else {
        out.expect_answer.push_back(text);
      }
    }
  }

  std::string primary;
  if (read_string(t, "soa_primary", primary)) {
    const auto where = t.get("soa_primary")->source();
    if (out.qtype_name != "SOA") {
      error(where, fmt::format("\"soa_primary\" needs qtype = \"SOA\", not {}", out.qtype_name));
    }
    if (auto endpoint = parse_endpoint(primary, kDnsPort)) {
      out.soa_primary = endpoint->first;
      out.soa_primary_port = endpoint->second;
    } else {
      error(where, fmt::format("\"soa_primary\": \"{}\" is not an address, address:port or "
                               "[IPv6]:port",
                               primary));
    }
  }
  for (const char* key : {"max_serial_lag", "primary_grace"}) {
    if (t.contains(key) && !t.contains("soa_primary")) {
      error(t.get(key)->source(), fmt::format("\"{}\" needs \"soa_primary\"", key));
    }
  }
  read_uint(t, "max_serial_lag", {0, std::numeric_limits<std::int32_t>::max()}, out.max_serial_lag);
  read_duration(t, "primary_grace", std::chrono::seconds(0), std::chrono::hours(24 * 7),
                out.primary_grace);
}

void Parser::parse_http_check(const toml::table& t, CheckConfig& out) {
  read_bool(t, "tls", out.tls);
  parse_tls(t, "tls = true", out);
  read_bool(t, "reuse_connection", out.reuse_connection);
  out.path = "/";
  if (read_string(t, "path", out.path)) {
    const bool printable = std::all_of(out.path.begin(), out.path.end(), [](char c) {
      return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
    });
    if (out.path.empty() || out.path.front() != '/' || !printable) {
      error(t.get("path")->source(),
            fmt::format("\"path\": \"{}\" must start with '/' and hold no spaces or control "
                        "characters (percent-encode them)",
                        out.path));
    }
  }
  const toml::node* statuses = t.get("expect_status");
  if (statuses) {
    const toml::array* array = statuses->as_array();
    if (!array || array->empty()) {
      error(statuses->source(), "\"expect_status\" must be a non-empty array of HTTP status codes");
    } else {
      out.expect_status.clear();
      for (const auto& item : *array) {
        const auto* code = item.as_integer();
        if (!code || code->get() < 100 || code->get() > 599) {
          error(item.source(), "\"expect_status\" holds HTTP status codes, 100 to 599");
          continue;
        }
        out.expect_status.push_back(static_cast<std::uint16_t>(code->get()));
      }
    }
  }
  if (read_string(t, "expect_body", out.expect_body) &&
      (out.expect_body.empty() || out.expect_body.size() > kHttpBodyLimit)) {
    error(t.get("expect_body")->source(),
          fmt::format("\"expect_body\" must be 1 to {} bytes", kHttpBodyLimit));
  }
}

// host, tls_verify, ca_file and cert_min_days, which only a TLS check takes.
void Parser::parse_tls(const toml::table& t, std::string_view needs, CheckConfig& out) {
  for (const char* key : {"tls_verify", "ca_file", "cert_min_days"}) {
    if (t.contains(key) && !out.tls) {
      error(t.get(key)->source(), fmt::format("\"{}\" needs {}", key, needs));
    }
  }
  if (read_string(t, "host", out.host) && !valid_host(out.host)) {
    error(t.get("host")->source(),
          fmt::format("\"host\": \"{}\" is not a host name or an IP address", out.host));
  }
  read_bool(t, "tls_verify", out.tls_verify);
  if (read_string(t, "ca_file", out.ca_file)) {
    if (out.ca_file.empty() || out.ca_file.front() != '/') {
      error(t.get("ca_file")->source(),
            fmt::format("\"ca_file\": \"{}\" must be an absolute path", out.ca_file));
    } else if (::access(out.ca_file.c_str(), R_OK) != 0) {
      error(t.get("ca_file")->source(),
            fmt::format("\"ca_file\": cannot read {}: {}", out.ca_file, std::strerror(errno)));
    }
  }
  if (std::uint32_t days = 0; read_uint(t, "cert_min_days", {1, 3650}, days)) {
    out.cert_min_days = days;
  }
}

LoadResult Parser::run(std::string_view text) {
  LoadResult result;
  if (const auto problem = find_unreadable_non_ascii(text)) {
    errors().push_back({path(), problem->line, problem->column, problem->message});
    result.errors = std::move(errors());
    return result;
  }
  toml::table root;
  try {
    root = toml::parse(text, path());
  } catch (const toml::parse_error& e) {
    error(e.source(), std::string(e.description()));
    result.errors = std::move(errors());
    return result;
  }

  Config config;
  config.path = path();
  check_keys(root, "");
  if (const toml::table* t = read_table(root, "daemon")) parse_daemon(*t, config.daemon);
  if (const toml::table* t = read_table(root, "loopback")) parse_loopback(*t, config.loopback);
  if (const toml::table* t = read_table(root, "metrics")) {
    MetricsConfig metrics;
    parse_metrics(*t, metrics);
    config.metrics = std::move(metrics);
  }
  if (const toml::node* services = root.get("service")) {
    parse_services(*services, config.services);
  }
  if (const toml::table* t = read_table(root, "rip")) {
    RipConfig rip;
    parse_rip(*this, *t, rip);
    config.rip = std::move(rip);
  }
  if (const toml::table* t = read_table(root, "ospf")) {
    OspfConfig ospf;
    parse_ospf(*this, *t, ospf);
    config.ospf = std::move(ospf);
  }
  if (const toml::table* t = read_table(root, "bgp")) {
    BgpConfig bgp;
    parse_bgp(*this, *t, bgp);
    config.bgp = std::move(bgp);
  }
  if (const toml::table* t = read_table(root, "bfd")) {
    BfdConfig bfd;
    parse_bfd(*this, *t, bfd);
    config.bfd = std::move(bfd);
  } else {
    require_bfd_section(root);
  }

  const toml::source_region top{{1, 1}, {1, 1}, nullptr};
  if (config.services.empty() && errors().empty()) {
    warning(top, "no [[service]] defined: nothing will be probed or announced");
  }
  if (!config.has_protocol() && errors().empty()) {
    warning(
        top,
        "no routing protocol section ([rip], [ospf], [bgp]): probes and loopback addresses only, "
        "nothing is announced to the network");
  }
  if (config.rip) {
    for (const auto& service : config.services) {
      for (const auto& prefix : service.prefixes) {
        if (!prefix.address.is_v4()) {
          warning(top, fmt::format("service \"{}\": {} is IPv6; RIPv2 announces IPv4 only",
                                   service.name, prefix.to_string()));
        }
      }
    }
  }
  // Report in file order, as a compiler would.
  std::stable_sort(errors().begin(), errors().end(), [](const auto& a, const auto& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  result.errors = std::move(errors());
  result.warnings = std::move(warnings());
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

}  // namespace

LoadResult parse(std::string_view text, const std::string& path) {
  return Parser(path).run(text);
}

LoadResult load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult result;
    result.errors.push_back({path, 0, 0, fmt::format("cannot read: {}", std::strerror(errno))});
    return result;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

}  // namespace anycastd::config
