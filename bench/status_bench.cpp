// SPDX-License-Identifier: Apache-2.0
// What `anycastctl status --json` costs the event loop: every service's
// ServiceMonitor::status() gathered into one document and serialised, as the
// control server does while nothing else runs; and what a Prometheus scrape
// costs it: the metrics collected and encoded. Arg: number of services.
#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_config.hpp"
#include "core/bus.hpp"
#include "daemon/metrics.hpp"
#include "monitor/service_monitor.hpp"
#include "probe/check.hpp"

namespace {

using namespace std::chrono_literals;

// The monitors are never started: status() only reads their state.
class IdleCheck final : public anycastd::probe::Check {
 public:
  void run(std::chrono::milliseconds, std::function<void(anycastd::probe::Result)>) override {}
  void cancel() override {}
};

anycastd::config::ServiceConfig service(std::int64_t i) {
  anycastd::config::ServiceConfig s;
  s.name = "dns" + std::to_string(i);
  s.prefixes = {*anycastd::Prefix::parse("198.18." + std::to_string(100 + i / 256) + "." +
                                         std::to_string(i % 256) + "/32")};
  s.checks.push_back(anycastd::bench::dns_check("198.19.224.1"));
  return s;
}

void BM_StatusJson(benchmark::State& state) {
  boost::asio::io_context io;
  anycastd::core::AnnouncementBus bus;
  std::vector<std::unique_ptr<anycastd::monitor::ServiceMonitor>> monitors;
  for (std::int64_t i = 0; i < state.range(0); ++i) {
    monitors.push_back(std::make_unique<anycastd::monitor::ServiceMonitor>(
        io, service(i), bus, [](const auto&, const auto&) {},
        [](boost::asio::io_context&, const anycastd::config::CheckConfig&) {
          return std::make_unique<IdleCheck>();
        }));
  }
  std::size_t bytes = 0;
  for (auto _ : state) {
    const auto now = anycastd::core::Clock::now();
    nlohmann::json services = nlohmann::json::array();
    for (const auto& m : monitors)
      services.push_back(m->status(now));
    nlohmann::json document = nlohmann::json::object();
    document["services"] = std::move(services);
    const std::string text = document.dump();
    bytes = text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_StatusJson)->Arg(10)->Arg(1000)->Unit(benchmark::kMillisecond);

// The body of one scrape, as the metrics endpoint renders it on the loop.
void BM_MetricsText(benchmark::State& state) {
  boost::asio::io_context io;
  anycastd::core::AnnouncementBus bus;
  anycastd::config::Config config;
  std::map<std::string, std::unique_ptr<anycastd::monitor::ServiceMonitor>> monitors;
  for (std::int64_t i = 0; i < state.range(0); ++i) {
    config.services.push_back(service(i));
    monitors[config.services.back().name] = std::make_unique<anycastd::monitor::ServiceMonitor>(
        io, config.services.back(), bus, [](const auto&, const auto&) {},
        [](boost::asio::io_context&, const anycastd::config::CheckConfig&) {
          return std::make_unique<IdleCheck>();
        });
  }
  const std::vector<std::unique_ptr<anycastd::core::Protocol>> protocols;
  const anycastd::DaemonCounters counters;
  std::size_t bytes = 0;
  for (auto _ : state) {
    const auto families = anycastd::collect_metrics({config, monitors, bus, protocols, counters});
    const std::string text = anycastd::metrics::encode(families);
    bytes = text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_MetricsText)->Arg(10)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
