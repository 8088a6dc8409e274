// SPDX-License-Identifier: Apache-2.0
// From the last failing probe to the withdraw on the bus (target: <= 1 ms),
// and the cost of AnnouncementBus::set itself.
//
//   FakeCheck --done(fail) [t0]--> ServiceMonitor --> HealthTracker --> bus.set()
//                                                                         |
//                                          subscriber [t1] <--withdraw----+
//
// BM_FailToWithdraw runs a real ServiceMonitor on a real io_context with a
// fake check (CheckFactory) that answers pass, fail, fail, pass, fail, fail...
// so the service withdraws after every second failure (fall = 2) and comes
// back on the next pass (rise = 1). Each benchmark iteration is one withdraw;
// its manual time is t1 - t0, and the counters give the distribution.
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "bench_config.hpp"
#include "core/bus.hpp"
#include "monitor/service_monitor.hpp"
#include "probe/check.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// What the fake check answers next, and when it last delivered a failure.
struct Script {
  std::vector<bool> pattern{true, false, false};  // pass, fail, fail: one withdraw per cycle
  std::size_t next = 0;
  Clock::time_point last_failure_done{};
};

// Answers on the next loop turn, like a probe whose socket became readable.
class FakeCheck final : public anycastd::probe::Check {
 public:
  FakeCheck(boost::asio::io_context& io, std::shared_ptr<Script> script)
      : io_(io), script_(std::move(script)) {}

  void run(std::chrono::milliseconds, std::function<void(anycastd::probe::Result)> done) override {
    const bool pass = script_->pattern[script_->next++ % script_->pattern.size()];
    const auto generation = ++generation_;
    boost::asio::post(io_, [this, generation, pass, done = std::move(done)] {
      if (generation != generation_) return;
      anycastd::probe::Result result{pass, 100us,
                                     pass ? "NOERROR in 0.1ms" : "timeout after 500ms"};
      if (!pass) script_->last_failure_done = Clock::now();
      done(std::move(result));
    });
  }
  void cancel() override { ++generation_; }

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<Script> script_;
  std::uint64_t generation_ = 0;
};

anycastd::config::ServiceConfig bench_service() {
  anycastd::config::ServiceConfig s;
  s.name = "dns";
  s.prefixes = {*anycastd::Prefix::parse("198.19.224.2/32")};
  s.interval = 1ms;  // rounds back to back; the latency is measured per withdraw
  s.timeout = 500ms;
  s.rise = 1;
  s.fall = 2;
  // Transitions here are the point: the flap guard must never hold the service down.
  s.flap.threshold = std::numeric_limits<std::uint32_t>::max();
  s.checks.push_back(anycastd::bench::dns_check("198.19.224.2"));
  return s;
}

double percentile(std::vector<double> sorted, double p) {
  if (sorted.empty()) return 0;
  std::sort(sorted.begin(), sorted.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

// Arg: how many other (no-op) subscribers come before the measuring one, as
// the RIP, OSPF and BGP speakers would.
void BM_FailToWithdraw(benchmark::State& state) {
  spdlog::set_level(spdlog::level::info);  // as the daemon runs by default
  boost::asio::io_context io;
  anycastd::core::AnnouncementBus bus;
  for (std::int64_t i = 0; i < state.range(0); ++i)
    bus.subscribe([](const anycastd::core::RouteChange& c) { benchmark::DoNotOptimize(&c); });

  auto script = std::make_shared<Script>();
  std::uint64_t withdraws = 0;
  Clock::duration latency{};
  bus.subscribe([&](const anycastd::core::RouteChange& c) {
    if (c.action != anycastd::core::RouteAction::withdraw) return;
    latency = Clock::now() - script->last_failure_done;
    ++withdraws;
  });
  anycastd::monitor::ServiceMonitor monitor(
      io, bench_service(), bus, [](const auto&, const auto&) {},
      [&](boost::asio::io_context& ctx, const anycastd::config::CheckConfig&) {
        return std::make_unique<FakeCheck>(ctx, script);
      });
  monitor.start();

  std::vector<double> samples_us;
  samples_us.reserve(100000);
  for (auto _ : state) {
    const auto before = withdraws;
    while (withdraws == before)
      io.run_one();
    const double seconds = std::chrono::duration<double>(latency).count();
    state.SetIterationTime(seconds);
    samples_us.push_back(seconds * 1e6);
  }
  monitor.stop();

  state.counters["p50_us"] = percentile(samples_us, 0.50);
  state.counters["p99_us"] = percentile(samples_us, 0.99);
  state.counters["max_us"] =
      samples_us.empty() ? 0 : *std::max_element(samples_us.begin(), samples_us.end());
  state.counters["transitions"] = static_cast<double>(samples_us.size());
}
BENCHMARK(BM_FailToWithdraw)
    ->Arg(0)
    ->Arg(3)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(2000);

// AnnouncementBus::set flipping one service between announce and withdraw:
// every call publishes one RouteChange to every subscriber.
// Args: subscribers, other routes already on the bus.
void BM_BusSet(benchmark::State& state) {
  anycastd::core::AnnouncementBus bus;
  std::uint64_t delivered = 0;
  for (std::int64_t i = 0; i < state.range(0); ++i)
    bus.subscribe([&delivered](const anycastd::core::RouteChange&) { ++delivered; });
  for (std::int64_t i = 0; i < state.range(1); ++i) {
    const auto prefix = anycastd::Prefix::parse("198.18." + std::to_string(100 + i / 256) + "." +
                                                std::to_string(i % 256) + "/32");
    bus.set("svc" + std::to_string(i), {*prefix}, anycastd::core::RouteAction::announce,
            anycastd::core::Cause::health);
  }
  const std::vector<anycastd::Prefix> prefixes{*anycastd::Prefix::parse("198.19.224.2/32")};
  bool announce = true;
  for (auto _ : state) {
    bus.set(
        "dns", prefixes,
        announce ? anycastd::core::RouteAction::announce : anycastd::core::RouteAction::withdraw,
        anycastd::core::Cause::health);
    announce = !announce;
  }
  benchmark::DoNotOptimize(delivered);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BusSet)->ArgsProduct({{1, 3, 8}, {0, 1000}})->ArgNames({"subscribers", "routes"});

// set() with the action the bus already has: what a monitor costs when
// nothing changes (no RouteChange is published).
void BM_BusSetUnchanged(benchmark::State& state) {
  anycastd::core::AnnouncementBus bus;
  for (int i = 0; i < 3; ++i)
    bus.subscribe([](const anycastd::core::RouteChange&) {});
  const std::vector<anycastd::Prefix> prefixes{*anycastd::Prefix::parse("198.19.224.2/32")};
  bus.set("dns", prefixes, anycastd::core::RouteAction::announce, anycastd::core::Cause::health);
  for (auto _ : state)
    bus.set("dns", prefixes, anycastd::core::RouteAction::announce, anycastd::core::Cause::health);
}
BENCHMARK(BM_BusSetUnchanged);

}  // namespace

BENCHMARK_MAIN();
