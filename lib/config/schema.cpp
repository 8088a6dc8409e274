// SPDX-License-Identifier: Apache-2.0
#include "config/schema.hpp"

#include <array>
#include <stdexcept>
#include <string>

namespace anycastd::config {
namespace {

constexpr std::string_view kTop[] = {"daemon", "loopback", "metrics", "service",
                                     "rip",    "ospf",     "bgp",     "bfd"};
constexpr std::string_view kDaemon[] = {"router_id", "control_socket", "state_file", "log_level"};
constexpr std::string_view kLoopback[] = {"interface"};
constexpr std::string_view kMetrics[] = {"listen", "path"};
constexpr std::string_view kService[] = {
    "name",    "prefixes",       "interval",    "timeout",   "rise",          "fall", "on_failure",
    "require", "flap_threshold", "flap_window", "hold_down", "max_hold_down", "check"};
constexpr std::string_view kDnsCheck[] = {
    "type",        "target",         "port",          "name",
    "qtype",       "transport",      "expect_rcode",  "expect_answer",
    "soa_primary", "max_serial_lag", "primary_grace", "host",
    "tls_verify",  "ca_file",        "cert_min_days", "reuse_connection",
    "on_failure"};
constexpr std::string_view kTcpCheck[] = {"type", "target", "port", "on_failure"};
constexpr std::string_view kNtpCheck[] = {
    "type", "target", "port", "max_stratum", "max_offset", "max_root_distance", "on_failure"};
constexpr std::string_view kExecCheck[] = {"type", "command", "on_failure"};
constexpr std::string_view kHttpCheck[] = {
    "type",          "target",           "port",        "tls",        "path",
    "host",          "expect_status",    "expect_body", "tls_verify", "ca_file",
    "cert_min_days", "reuse_connection", "on_failure"};
constexpr std::string_view kFileCheck[] = {"type", "path", "on_failure"};
constexpr std::string_view kAuthentication[] = {"mode", "key_id", "key"};
constexpr std::string_view kRip[] = {
    "interfaces",      "neighbors",      "metric", "degraded_metric",
    "update_interval", "authentication", "bfd"};
constexpr std::string_view kOspf[] = {"area",          "area_type",  "announce_as", "prefix_cost",
                                      "degraded_cost", "lsdb_limit", "interface"};
constexpr std::string_view kOspfInterface[] = {
    "name",           "type",     "cost",           "hello_interval",
    "dead_interval",  "priority", "authentication", "retransmit_interval",
    "transmit_delay", "bfd"};
constexpr std::string_view kBgp[] = {"asn", "router_id", "degraded_med", "degraded_prepend",
                                     "neighbor"};
constexpr std::string_view kBgpNeighbor[] = {
    "address",     "remote_asn",        "hold_time",  "passive",       "password", "ttl_security",
    "communities", "graceful_shutdown", "drain_time", "local_address", "port",     "bfd"};
constexpr std::string_view kBfd[] = {"min_tx", "min_rx", "multiplier", "authentication"};

constexpr std::array kSchema = {
    TableSchema{"", "the top level", kTop},
    TableSchema{"daemon", "[daemon]", kDaemon},
    TableSchema{"loopback", "[loopback]", kLoopback},
    TableSchema{"metrics", "[metrics]", kMetrics},
    TableSchema{"service", "[[service]]", kService},
    TableSchema{"service.check.dns", "dns check", kDnsCheck},
    TableSchema{"service.check.tcp", "tcp check", kTcpCheck},
    TableSchema{"service.check.ntp", "ntp check", kNtpCheck},
    TableSchema{"service.check.exec", "exec check", kExecCheck},
    TableSchema{"service.check.http", "http check", kHttpCheck},
    TableSchema{"service.check.file", "file check", kFileCheck},
    TableSchema{"rip", "[rip]", kRip},
    TableSchema{"ospf", "[ospf]", kOspf},
    TableSchema{"ospf.interface", "[[ospf.interface]]", kOspfInterface},
    TableSchema{"bgp", "[bgp]", kBgp},
    TableSchema{"bgp.neighbor", "[[bgp.neighbor]]", kBgpNeighbor},
    TableSchema{"bfd", "[bfd]", kBfd},
    TableSchema{"authentication", "authentication", kAuthentication},
};

}  // namespace

std::span<const TableSchema> schema() {
  return kSchema;
}

const TableSchema& table_schema(std::string_view path) {
  for (const auto& table : kSchema) {
    if (table.path == path) return table;
  }
  throw std::logic_error("config schema has no table \"" + std::string(path) + "\"");
}

}  // namespace anycastd::config
