// SPDX-License-Identifier: Apache-2.0
#include "monitor/service_monitor.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

namespace anycastd::monitor {

using namespace std::chrono_literals;

namespace {

core::Level check_level(const config::ServiceConfig& service,
                        const std::vector<probe::Result>& results, std::size_t i) {
  if (results[i].ok) return core::Level::up;
  return service.checks[i].on_failure == config::OnFailure::degrade ? core::Level::degraded
                                                                    : core::Level::down;
}

}  // namespace

ServiceMonitor::ServiceMonitor(boost::asio::io_context& io, config::ServiceConfig config,
                               core::AnnouncementBus& bus, TransitionHook on_transition,
                               const CheckFactory& make_check)
    : io_(io),
      config_(std::move(config)),
      bus_(bus),
      on_transition_(std::move(on_transition)),
      tracker_(config_.rise, config_.fall, config_.flap),
      round_timer_(io),
      hold_timer_(io) {
  for (const auto& check : config_.checks)
    checks_.push_back(make_check(io_, check));
  stats_.resize(checks_.size());
  since_ = Clock::now();
}

ServiceMonitor::~ServiceMonitor() {
  stop();
}

void ServiceMonitor::start(Clock::time_point first_round) {
  running_ = true;
  schedule(first_round);
}

void ServiceMonitor::stop() {
  running_ = false;
  ++round_;  // results still in flight belong to no round now
  round_timer_.cancel();
  hold_timer_.cancel();
  for (auto& check : checks_)
    check->cancel();
}

void ServiceMonitor::schedule(Clock::time_point at) {
  next_round_ = at;
  round_timer_.expires_at(at);
  round_timer_.async_wait([this, at](const boost::system::error_code& ec) {
    if (ec || !running_ || at != next_round_) return;  // cancelled or stale
    start_round();
  });
}

void ServiceMonitor::start_round() {
  const auto now = Clock::now();
  const auto late = std::chrono::duration_cast<std::chrono::microseconds>(now - next_round_);
  timing_.max_late = std::max(timing_.max_late, late);
  if (late > 50ms) ++timing_.late_over_50ms;
  last_round_start_ = now;

  // Fixed-rate schedule: the next round is planned from this one's planned
  // start, not from when it finished; a loop that fell behind skips ahead.
  auto next = next_round_ + config_.interval;
  if (next <= now) next = now + config_.interval;

  const std::uint64_t round = ++round_;
  pending_ = checks_.size();
  results_.assign(checks_.size(), probe::Result{});
  for (std::size_t i = 0; i < checks_.size(); ++i) {
    checks_[i]->run(config_.timeout, [this, i, round](probe::Result result) {
      on_result(i, round, std::move(result));
    });
  }
  schedule(next);
}

void ServiceMonitor::on_result(std::size_t index, std::uint64_t round, probe::Result result) {
  if (round != round_ || !running_) return;
  CheckStats& s = stats_[index];
  s.last = result.ok ? CheckStats::Last::pass : CheckStats::Last::fail;
  s.detail = result.detail;
  s.latency = result.latency;
  s.duration.observe(std::chrono::duration<double>(result.latency).count());
  ++(result.ok ? s.passes : s.failures);
  if (!result.ok) {
    spdlog::debug("service {}: check {} failed: {}", config_.name, config_.checks[index].describe(),
                  result.detail);
  }
  results_[index] = std::move(result);
  if (--pending_ == 0) finish_round();
}

void ServiceMonitor::finish_round() {
  ++timing_.rounds;
  const RoundOutcome outcome = combine_round(config_, results_);
  any_check_passed_ = outcome.any_passed;
  apply(tracker_.on_round(outcome.level, outcome.detail, Clock::now()), core::Cause::health);
}

RoundOutcome combine_round(const config::ServiceConfig& service,
                           const std::vector<probe::Result>& results) {
  RoundOutcome out;
  const bool all = service.require == config::Require::all;
  out.level = all ? core::Level::up : core::Level::down;
  std::size_t passed = 0;
  std::optional<std::size_t> worst;  // the first failed check of the worst level
  for (std::size_t i = 0; i < results.size(); ++i) {
    core::Level level = core::Level::up;
    if (results[i].ok) {
      ++passed;
    } else {
      level = check_level(service, results, i);
      if (!worst || level < check_level(service, results, *worst)) worst = i;
    }
    out.level = all ? std::min(out.level, level) : std::max(out.level, level);
  }
  out.any_passed = passed > 0;
  if (results.empty()) out.level = core::Level::up;
  if (out.level == core::Level::up) {
    if (results.size() == 1) {
      out.detail = results[0].detail;
    } else if (passed == results.size()) {
      out.detail = fmt::format("all {} checks pass", results.size());
    } else {
      out.detail = fmt::format("{} of {} checks pass", passed, results.size());
    }
  } else if (worst) {
    out.detail = fmt::format("{}: {}", service.checks[*worst].describe(), results[*worst].detail);
  }
  return out;
}

void ServiceMonitor::apply(const std::optional<core::HealthTransition>& transition,
                           core::Cause cause) {
  if (!transition) return;
  reason_ = transition->reason;
  since_ = Clock::now();
  if (transition->to == core::Health::up) ever_up_ = true;
  if (transition->to == core::Health::held_down) arm_hold_timer();
  publish(cause);
  if (on_transition_) on_transition_(*this, *transition);
}

void ServiceMonitor::arm_hold_timer() {
  const auto until = tracker_.hold_until();
  if (!until) return;
  hold_timer_.expires_at(*until);
  hold_timer_.async_wait([this, until = *until](const boost::system::error_code& ec) {
    if (ec || !running_ || tracker_.hold_until() != until) return;
    apply(tracker_.on_hold_expired(Clock::now()), core::Cause::health);
  });
}

core::RouteAction ServiceMonitor::desired_action() const {
  if (admin_withdrawn_) return core::RouteAction::withdraw;
  const auto level = tracker_.level();
  if (!level) return core::RouteAction::withdraw;  // init
  switch (*level) {
    case core::Level::up:
      return core::RouteAction::announce;
    case core::Level::degraded:
      // Spec §4: nothing is announced before its service has passed: a
      // degraded service is announced once it has been up, or while one of
      // its checks passes (a degrade-only check failing beside a passing
      // one, e.g. a certificate about to expire on a live server).
      return ever_up_ || any_check_passed_ ? core::RouteAction::degrade
                                           : core::RouteAction::withdraw;
    case core::Level::down:
      return core::RouteAction::withdraw;
  }
  return core::RouteAction::withdraw;
}

void ServiceMonitor::publish(core::Cause cause) {
  published_ = true;
  bus_.set(config_.name, config_.prefixes, desired_action(), cause);
}

void ServiceMonitor::set_admin_withdrawn(bool withdrawn) {
  admin_withdrawn_ = withdrawn;
  // Before the first verdict the bus keeps what it had; an admin withdraw
  // applies at once all the same.
  if (published_ || withdrawn) publish(core::Cause::admin);
}

void ServiceMonitor::withdraw_all(core::Cause cause) {
  bus_.set(config_.name, config_.prefixes, core::RouteAction::withdraw, cause);
}

nlohmann::json ServiceMonitor::status(Clock::time_point now) const {
  // Built member by member and moved into place: nlohmann's initializer
  // lists copy every nested value, which at 1,000 services was most of the
  // cost of `anycastctl status --json` (bench/status_bench.cpp).
  using nlohmann::json;
  json checks = json::array();
  for (std::size_t i = 0; i < checks_.size(); ++i) {
    const CheckStats& s = stats_[i];
    json check = json::object();
    check["type"] = config::to_string(config_.checks[i].type);
    check["target"] = config_.checks[i].describe();
    check["on_failure"] = config::to_string(config_.checks[i].on_failure);
    check["last"] = s.last == CheckStats::Last::none   ? "none"
                    : s.last == CheckStats::Last::pass ? "pass"
                                                       : "fail";
    check["detail"] = s.detail;
    check["latency_ms"] = static_cast<double>(s.latency.count()) / 1000.0;
    check["passes"] = s.passes;
    check["failures"] = s.failures;
    checks.push_back(std::move(check));
  }
  json prefixes = json::array();
  for (const auto& p : config_.prefixes)
    prefixes.push_back(p.to_string());
  const auto hold = tracker_.hold_until();
  json rounds = json::object();
  rounds["completed"] = timing_.rounds;
  rounds["max_late_ms"] = static_cast<double>(timing_.max_late.count()) / 1000.0;
  rounds["late_over_50ms"] = timing_.late_over_50ms;

  json out = json::object();
  out["name"] = config_.name;
  out["state"] = core::to_string(tracker_.state());
  out["announce"] = core::to_string(desired_action());
  out["admin_withdrawn"] = admin_withdrawn_;
  out["require"] = config::to_string(config_.require);
  out["prefixes"] = std::move(prefixes);
  out["since_s"] = std::chrono::duration_cast<std::chrono::seconds>(now - since_).count();
  out["reason"] = reason_;
  out["flaps"] = tracker_.flaps();
  out["hold_down_s"] = hold && *hold > now
                           ? std::chrono::duration_cast<std::chrono::seconds>(*hold - now).count()
                           : 0;
  out["checks"] = std::move(checks);
  out["rounds"] = std::move(rounds);
  return out;
}

}  // namespace anycastd::monitor
