// SPDX-License-Identifier: Apache-2.0
// The daemon's Prometheus metrics (the names of issue #15, documented in
// anycastd(8)): services and checks from the monitors, prefixes from the
// bus, neighbours and packet counters from each protocol's status, and the
// daemon's own counters. The HTTP side is lib/metrics/http_server.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "core/bus.hpp"
#include "core/protocol.hpp"
#include "metrics/exposition.hpp"
#include "monitor/service_monitor.hpp"

namespace anycastd {

// What only the daemon counts.
struct DaemonCounters {
  bool last_reload_ok = true;
  std::chrono::system_clock::time_point last_reload_success = std::chrono::system_clock::now();
  std::map<std::pair<std::string, std::string>, std::uint64_t> transitions;  // (service, to)
  std::map<std::pair<std::string, std::string>, std::uint64_t> control;      // (command, result)
};

struct MetricsView {
  const config::Config& config;
  const std::map<std::string, std::unique_ptr<monitor::ServiceMonitor>>& services;
  const core::AnnouncementBus& bus;
  const std::vector<std::unique_ptr<core::Protocol>>& protocols;
  const DaemonCounters& counters;
  nlohmann::json bfd;  // BfdSessions::status(), null without [bfd]
};

// The families in exposition order; histograms point into the monitors, so
// encode them before anything changes.
std::vector<metrics::Family> collect_metrics(const MetricsView& view);

// The `check` label of each of a service's checks: its type, with _2, _3
// ... on the second and later checks of the same type ("dns", "tcp", "dns_2").
std::vector<std::string> check_labels(const config::ServiceConfig& service);

// RFC 4750 ospfNbrState of an RFC 2328 §10.1 state name; 0 if unknown.
int ospf_neighbor_state_number(std::string_view state);

}  // namespace anycastd
