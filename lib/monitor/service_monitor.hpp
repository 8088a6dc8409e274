// SPDX-License-Identifier: Apache-2.0
// Runs one service's checks every `interval`, feeds the HealthTracker and
// publishes the service's prefixes on the AnnouncementBus.
//
//   steady_timer --round--> probe::Check x N --Result--> HealthTracker
//                                                            | transition
//   admin withdraw/announce ------------------------------> publish() --> AnnouncementBus
//
// A new monitor publishes nothing until its first verdict, so a service that
// is replaced on reload keeps its announcement until the new checks decide.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "config/config.hpp"
#include "core/bus.hpp"
#include "core/health.hpp"
#include "metrics/exposition.hpp"
#include "probe/check.hpp"

namespace anycastd::monitor {

// Upper bounds of the check duration histogram, in seconds: a local probe
// answers in well under a millisecond, a TLS handshake over a WAN in tens.
inline constexpr std::array<double, 12> kCheckDurationBounds = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

struct CheckStats {
  enum class Last : std::uint8_t { none, pass, fail };
  Last last = Last::none;
  std::string detail;
  std::chrono::microseconds latency{0};
  std::uint64_t passes = 0;
  std::uint64_t failures = 0;
  metrics::Histogram duration{kCheckDurationBounds};  // seconds
};

struct RoundTiming {
  std::uint64_t rounds = 0;
  std::chrono::microseconds max_late{0};  // timer firing after the round's planned start
  std::uint64_t late_over_50ms = 0;
};

// One round's checks combined (spec §3 require, on_failure): each failed
// check counts as down or, with on_failure = "degrade", as degraded; with
// require = "all" the worst check decides, with "any" the best.
struct RoundOutcome {
  core::Level level = core::Level::up;
  bool any_passed = false;
  std::string detail;  // the deciding check and its detail, or "all 3 checks pass"
};
RoundOutcome combine_round(const config::ServiceConfig& service,
                           const std::vector<probe::Result>& results);

class ServiceMonitor {
 public:
  using Clock = core::Clock;
  // Called after every health transition (for logging and sd_notify STATUS).
  using TransitionHook = std::function<void(const ServiceMonitor&, const core::HealthTransition&)>;
  // Makes the probe for one configured check; tests and benchmarks pass fakes.
  using CheckFactory = std::function<std::unique_ptr<probe::Check>(boost::asio::io_context&,
                                                                   const config::CheckConfig&)>;

  ServiceMonitor(boost::asio::io_context& io, config::ServiceConfig config,
                 core::AnnouncementBus& bus, TransitionHook on_transition,
                 const CheckFactory& make_check = probe::make_check);
  ~ServiceMonitor();
  ServiceMonitor(const ServiceMonitor&) = delete;
  ServiceMonitor& operator=(const ServiceMonitor&) = delete;

  // Starts probing; the first round runs at `first_round`. The daemon spreads
  // many services over the interval in slots shared by several services, so
  // one timer wake-up starts a whole slot's rounds.
  void start(Clock::time_point first_round = Clock::now());
  // Stops probing; the announcement stays as it is.
  void stop();

  // Admin drain (anycastctl withdraw/announce): withdraws regardless of health.
  void set_admin_withdrawn(bool withdrawn);
  // Withdraws this service's prefixes from the bus (service removed on reload).
  void withdraw_all(core::Cause cause);

  const config::ServiceConfig& config() const { return config_; }
  const std::string& name() const { return config_.name; }
  core::Health health() const { return tracker_.state(); }
  bool admin_withdrawn() const { return admin_withdrawn_; }
  // What the bus should carry for this service now.
  core::RouteAction desired_action() const;
  const RoundTiming& timing() const { return timing_; }
  // Per check, in config order.
  const std::vector<CheckStats>& check_stats() const { return stats_; }
  // When the last round started; the watchdog checks this for progress.
  Clock::time_point last_round_start() const { return last_round_start_; }
  nlohmann::json status(Clock::time_point now) const;

 private:
  void schedule(Clock::time_point at);
  void start_round();
  void on_result(std::size_t index, std::uint64_t round, probe::Result result);
  void finish_round();
  void apply(const std::optional<core::HealthTransition>& transition, core::Cause cause);
  void arm_hold_timer();
  void publish(core::Cause cause);

  boost::asio::io_context& io_;
  config::ServiceConfig config_;
  core::AnnouncementBus& bus_;
  TransitionHook on_transition_;
  core::HealthTracker tracker_;
  std::vector<std::unique_ptr<probe::Check>> checks_;
  std::vector<CheckStats> stats_;
  boost::asio::steady_timer round_timer_;
  boost::asio::steady_timer hold_timer_;
  Clock::time_point next_round_{};
  Clock::time_point last_round_start_{};
  Clock::time_point since_{};
  std::string reason_ = "starting";
  std::uint64_t round_ = 0;
  std::size_t pending_ = 0;
  std::vector<probe::Result> results_;
  bool running_ = false;
  bool admin_withdrawn_ = false;
  bool ever_up_ = false;
  bool any_check_passed_ = false;  // in the last round
  bool published_ = false;
  RoundTiming timing_;
};

}  // namespace anycastd::monitor
