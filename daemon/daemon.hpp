// SPDX-License-Identifier: Apache-2.0
// The daemon: owns the event loop and wires config, loopback addresses,
// service monitors, the announcement bus, the routing protocols and the
// control socket together (spec §2, §4).
//
//   signals --TERM/INT/HUP--> Daemon --reload/stop--> monitors, protocols
//   anycastctl --control socket--> Daemon --admin withdraw--> monitors --> bus --> protocols
//   watchdog timer --progress?--> sd_notify WATCHDOG=1
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "bfd/session.hpp"
#include "config/config.hpp"
#include "control/protocol.hpp"
#include "control/server.hpp"
#include "core/bus.hpp"
#include "core/protocol.hpp"
#include "kernel/address_manager.hpp"
#include "metrics.hpp"
#include "metrics/http_server.hpp"
#include "monitor/service_monitor.hpp"
#include "protocols.hpp"
#include "reload_plan.hpp"

namespace anycastd {

class Daemon {
 public:
  explicit Daemon(config::Config config);
  ~Daemon();

  // Starts everything in the order of spec §4 and runs the loop until a
  // graceful stop. Returns the process exit code.
  int run();

 private:
  void start();
  void start_services();
  std::unique_ptr<monitor::ServiceMonitor> make_monitor(const config::ServiceConfig& service);
  void start_protocols();
  // [bfd] came, changed or went in a reload.
  void reload_bfd();
  // Makes and starts `protocol` from the running config; logs a failure.
  void start_protocol(std::string_view protocol);
  ProtocolContext protocol_context();
  void wait_signals();
  control::Reply reload();
  control::Reply reject(std::string message);
  void reload_services(const config::Config& next, const ReloadPlan& plan);
  void reload_protocols(const ReloadPlan& plan);
  // Stops a protocol that is removed or replaced (withdrawing its routes)
  // and frees it once it is done.
  void retire(std::string_view protocol);
  void shutdown();
  // After the routing protocols' withdrawals: AdminDown on every BFD session.
  void stop_bfd(const core::StopBudget& budget);
  void finish_shutdown();
  void arm_watchdog();
  void update_status();
  std::string status_line() const;
  void on_transition(const monitor::ServiceMonitor& service,
                     const core::HealthTransition& transition);

  nlohmann::json status() const;
  control::Reply set_admin(const std::optional<std::string>& service, bool withdrawn);
  control::Handlers handlers();
  void load_admin_state();
  // The [metrics] endpoint for `config` (nullptr when absent); throws
  // std::runtime_error when it cannot listen.
  std::unique_ptr<metrics::MetricsServer> make_metrics_server(const config::Config& config);
  std::string render_metrics() const;

  boost::asio::io_context io_;
  config::Config config_;
  core::AnnouncementBus bus_;
  std::unique_ptr<kernel::AddressManager> addresses_;
  std::map<std::string, std::unique_ptr<monitor::ServiceMonitor>> services_;
  // Started before the routing protocols and stopped after them; declared
  // before them so that it outlives their Watches.
  std::unique_ptr<bfd::BfdSessions> bfd_;
  std::vector<std::unique_ptr<core::Protocol>> protocols_;
  std::vector<std::unique_ptr<core::Protocol>> retiring_;
  std::unique_ptr<control::ControlServer> control_;
  std::unique_ptr<metrics::MetricsServer> metrics_;
  DaemonCounters counters_;
  std::set<std::string> admin_withdrawn_;
  std::optional<IpAddress> router_id_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer watchdog_timer_;
  boost::asio::steady_timer shutdown_timer_;
  std::chrono::steady_clock::time_point started_;
  std::size_t protocols_pending_ = 0;
  bool stopping_ = false;
};

// The spdlog level matching the config's log_level.
void apply_log_level(config::LogLevel level);

}  // namespace anycastd
