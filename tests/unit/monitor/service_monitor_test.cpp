// SPDX-License-Identifier: Apache-2.0
#include "monitor/service_monitor.hpp"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>

#include <nlohmann/json.hpp>

namespace anycastd::monitor {
namespace {

using namespace std::chrono_literals;

// A check whose outcome the test sets; it answers on the next loop turn.
struct Script {
  bool pass = true;
  int runs = 0;
  int failed_runs = 0;
};

class FakeCheck : public probe::Check {
 public:
  FakeCheck(boost::asio::io_context& io, std::shared_ptr<Script> script)
      : io_(io), script_(std::move(script)) {}
  void run(std::chrono::milliseconds, std::function<void(probe::Result)> done) override {
    ++script_->runs;
    const bool pass = script_->pass;
    if (!pass) ++script_->failed_runs;
    const auto generation = ++generation_;
    boost::asio::post(io_, [this, generation, pass, done = std::move(done)] {
      if (generation != generation_) return;
      done(probe::Result{pass, 100us, pass ? "fake pass" : "fake failure"});
    });
  }
  void cancel() override { ++generation_; }

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<Script> script_;
  std::uint64_t generation_ = 0;
};

config::ServiceConfig service(std::size_t checks = 1) {
  config::ServiceConfig s;
  s.name = "dns";
  s.prefixes = {*Prefix::parse("198.19.224.2/32")};
  s.interval = 20ms;
  s.timeout = 10ms;
  s.rise = 2;
  s.fall = 2;
  for (std::size_t i = 0; i < checks; ++i)
    s.checks.push_back(config::CheckConfig{});
  return s;
}

struct ServiceMonitorTest : ::testing::Test {
  boost::asio::io_context io;
  core::AnnouncementBus bus;
  std::vector<std::shared_ptr<Script>> scripts;
  std::vector<core::RouteChange> changes;
  std::vector<core::HealthTransition> transitions;

  ServiceMonitorTest() {
    bus.subscribe([this](const core::RouteChange& c) { changes.push_back(c); });
  }

  std::unique_ptr<ServiceMonitor> make(const config::ServiceConfig& cfg) {
    return std::make_unique<ServiceMonitor>(
        io, cfg, bus,
        [this](const ServiceMonitor&, const core::HealthTransition& t) {
          transitions.push_back(t);
        },
        [this](boost::asio::io_context& ctx, const config::CheckConfig&) {
          scripts.push_back(std::make_shared<Script>());
          return std::make_unique<FakeCheck>(ctx, scripts.back());
        });
  }

  // Runs the loop until `done` or a generous deadline (a failure, not a wait).
  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io.run_for(5ms);
    }
    return true;
  }

  core::RouteAction route() const { return bus.action_of(*Prefix::parse("198.19.224.2/32")); }
};

TEST_F(ServiceMonitorTest, AnnouncesAfterRiseAndWithdrawsAfterFall) {
  auto m = make(service());
  m->start();
  ASSERT_TRUE(run_until([&] { return route() == core::RouteAction::announce; }));
  EXPECT_GE(scripts[0]->runs, 2);
  EXPECT_EQ(m->health(), core::Health::up);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].cause, core::Cause::health);

  // A round already under way when the check turns bad still passes, and the
  // loop may start one more after the withdrawal: what counts is that the
  // withdrawal came with exactly `fall` failed rounds.
  int failed_at_withdrawal = -1;
  bus.subscribe([&](const core::RouteChange& c) {
    if (c.action == core::RouteAction::withdraw) failed_at_withdrawal = scripts[0]->failed_runs;
  });
  scripts[0]->pass = false;
  ASSERT_TRUE(run_until([&] { return route() == core::RouteAction::withdraw; }));
  EXPECT_EQ(failed_at_withdrawal, 2);
  EXPECT_EQ(transitions.back().to, core::Health::down);
  EXPECT_EQ(transitions.back().reason, "2 failures: tcp 0.0.0.0:0: fake failure");
}

TEST_F(ServiceMonitorTest, EveryCheckMustPass) {
  auto m = make(service(2));
  scripts[1]->pass = false;
  m->start();
  ASSERT_TRUE(run_until([&] { return m->health() == core::Health::down; }));
  EXPECT_EQ(route(), core::RouteAction::withdraw);
  EXPECT_TRUE(changes.empty());  // never announced
}

TEST_F(ServiceMonitorTest, AdminWithdrawOverridesHealth) {
  auto m = make(service());
  m->start();
  ASSERT_TRUE(run_until([&] { return route() == core::RouteAction::announce; }));
  m->set_admin_withdrawn(true);
  EXPECT_EQ(route(), core::RouteAction::withdraw);
  EXPECT_EQ(changes.back().cause, core::Cause::admin);
  m->set_admin_withdrawn(false);
  EXPECT_EQ(route(), core::RouteAction::announce);
}

TEST_F(ServiceMonitorTest, AdminWithdrawnServiceIsNotAnnouncedWhenItComesUp) {
  auto m = make(service());
  m->set_admin_withdrawn(true);
  m->start();
  ASSERT_TRUE(run_until([&] { return m->health() == core::Health::up; }));
  EXPECT_EQ(route(), core::RouteAction::withdraw);
  EXPECT_EQ(m->desired_action(), core::RouteAction::withdraw);
}

TEST_F(ServiceMonitorTest, DegradeKeepsAnnouncingWithAWorseMetricOnlyAfterAPass) {
  auto cfg = service();
  cfg.on_failure = config::OnFailure::degrade;  // what the parser gives each check, then
  cfg.checks[0].on_failure = config::OnFailure::degrade;
  auto m = make(cfg);
  scripts[0]->pass = false;
  m->start();
  ASSERT_TRUE(run_until([&] { return m->health() == core::Health::degraded; }));
  EXPECT_EQ(route(), core::RouteAction::withdraw);  // spec §4: never announced before a pass

  scripts[0]->pass = true;
  ASSERT_TRUE(run_until([&] { return route() == core::RouteAction::announce; }));
  scripts[0]->pass = false;
  ASSERT_TRUE(run_until([&] { return route() == core::RouteAction::degrade; }));
}

TEST_F(ServiceMonitorTest, ADegradeOnlyCheckBesideAPassingOneAnnouncesDegradedFromTheStart) {
  auto cfg = service(2);
  cfg.checks[1].on_failure = config::OnFailure::degrade;  // e.g. cert_min_days
  auto m = make(cfg);
  scripts[1]->pass = false;
  m->start();
  ASSERT_TRUE(run_until([&] { return route() == core::RouteAction::degrade; }));
  EXPECT_EQ(m->health(), core::Health::degraded);
  EXPECT_EQ(transitions.back().reason, "2 rounds degraded: tcp 0.0.0.0:0: fake failure");
  scripts[1]->pass = true;
  ASSERT_TRUE(run_until([&] { return route() == core::RouteAction::announce; }));
  // The withdraw check failing beats the degrade check.
  scripts[0]->pass = false;
  scripts[1]->pass = false;
  ASSERT_TRUE(run_until([&] { return route() == core::RouteAction::withdraw; }));
  EXPECT_EQ(m->health(), core::Health::down);
}

TEST_F(ServiceMonitorTest, RequireAnyNeedsOnePassingCheck) {
  auto cfg = service(2);
  cfg.require = config::Require::any;
  auto m = make(cfg);
  scripts[0]->pass = false;
  m->start();
  ASSERT_TRUE(run_until([&] { return route() == core::RouteAction::announce; }));
  EXPECT_EQ(transitions.back().reason, "2 passes: 1 of 2 checks pass");
  scripts[1]->pass = false;
  ASSERT_TRUE(run_until([&] { return route() == core::RouteAction::withdraw; }));
}

probe::Result pass() {
  return {true, 1ms, "ok"};
}
probe::Result fail(const char* why) {
  return {false, 1ms, why};
}

TEST(CombineRound, AllTakesTheWorstCheck) {
  auto cfg = service(3);
  cfg.checks[0].on_failure = config::OnFailure::degrade;
  cfg.checks[1].type = config::CheckType::file;
  cfg.checks[1].path = "/run/maintenance";
  auto out = combine_round(cfg, {pass(), pass(), pass()});
  EXPECT_EQ(out.level, core::Level::up);
  EXPECT_EQ(out.detail, "all 3 checks pass");
  out = combine_round(cfg, {fail("cert"), pass(), pass()});
  EXPECT_EQ(out.level, core::Level::degraded);
  EXPECT_TRUE(out.any_passed);
  EXPECT_EQ(out.detail, "tcp 0.0.0.0:0: cert");
  out =
      combine_round(cfg, {fail("cert"), fail("maintenance file /run/maintenance exists"), pass()});
  EXPECT_EQ(out.level, core::Level::down);
  EXPECT_EQ(out.detail, "file /run/maintenance: maintenance file /run/maintenance exists");
}

TEST(CombineRound, AnyTakesTheBestCheck) {
  auto cfg = service(2);
  cfg.require = config::Require::any;
  cfg.checks[1].on_failure = config::OnFailure::degrade;
  EXPECT_EQ(combine_round(cfg, {fail("a"), pass()}).level, core::Level::up);
  auto out = combine_round(cfg, {fail("a"), fail("b")});
  EXPECT_EQ(out.level, core::Level::degraded);
  EXPECT_FALSE(out.any_passed);
  EXPECT_EQ(out.detail, "tcp 0.0.0.0:0: a");  // the worst failure says why
  cfg.checks[1].on_failure = config::OnFailure::withdraw;
  EXPECT_EQ(combine_round(cfg, {fail("a"), fail("b")}).level, core::Level::down);
}

TEST_F(ServiceMonitorTest, StopEndsProbingAndKeepsTheAnnouncement) {
  auto m = make(service());
  m->start();
  ASSERT_TRUE(run_until([&] { return route() == core::RouteAction::announce; }));
  m->stop();
  const int runs = scripts[0]->runs;
  io.run_for(100ms);
  EXPECT_EQ(scripts[0]->runs, runs);
  EXPECT_EQ(route(), core::RouteAction::announce);
  m->withdraw_all(core::Cause::config);
  EXPECT_EQ(route(), core::RouteAction::withdraw);
}

TEST_F(ServiceMonitorTest, StatusReportsChecksAndRounds) {
  auto m = make(service());
  m->start();
  ASSERT_TRUE(run_until([&] { return m->health() == core::Health::up; }));
  const auto status = m->status(core::Clock::now());
  EXPECT_EQ(status["name"], "dns");
  EXPECT_EQ(status["state"], "up");
  EXPECT_EQ(status["announce"], "announce");
  EXPECT_EQ(status["require"], "all");
  EXPECT_EQ(status["checks"][0]["on_failure"], "withdraw");
  EXPECT_EQ(status["checks"][0]["last"], "pass");
  EXPECT_EQ(status["checks"][0]["detail"], "fake pass");
  EXPECT_GE(status["checks"][0]["passes"].get<int>(), 2);
  EXPECT_GE(status["rounds"]["completed"].get<int>(), 2);
}

}  // namespace
}  // namespace anycastd::monitor
