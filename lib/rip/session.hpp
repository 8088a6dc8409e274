// RipSession binds the sans-IO rip::Speaker to UDP sockets and timers.
//
//   AnnouncementBus --RouteChange--> RouteChanged ---------+
//   steady_timer x3 (update, triggered, shutdown) -> TimerFired
//   UDP :520 per interface --recvmsg+IP_PKTINFO--> PacketReceived
//   start() / shutdown(done) -----------------> Start / Shutdown
//                                                           v
//                                                   rip::Speaker::handle()
//                                                           |
//       Send: 224.0.0.9:520 out of the interface <----------+
//             or unicast (neighbours, request answers)      |
//       ArmTimer: (re)arms one steady_timer <----------------+
//       Log: spdlog, rate-limited for packet drops <---------+
//       Done: calls shutdown's `done` <----------------------+
//
//   status(): counters per interface and neighbour, announced routes (JSON)
//
// One socket per configured interface: bound to 0.0.0.0:520 with
// SO_BINDTODEVICE, IP_MULTICAST_IF / TTL 1 / LOOP off, member of 224.0.0.9 on
// that interface. Everything runs on the one io_context thread.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "core/bus.hpp"
#include "core/protocol.hpp"
#include "rip/speaker.hpp"
#include "session/stop_deadline.hpp"
#include "util/rate_limit.hpp"

namespace anycastd::rip {

class RipSession : public core::Protocol {
 public:
  RipSession(boost::asio::io_context& io, const config::RipConfig& config,
             core::AnnouncementBus& bus);
  ~RipSession() override;
  RipSession(const RipSession&) = delete;
  RipSession& operator=(const RipSession&) = delete;

  std::string_view name() const override { return "rip"; }
  // Resolves the interfaces, opens the sockets and sends the first full
  // update. Throws std::runtime_error naming the interface or socket call that failed.
  void start() override;
  // Sends metric 16 for every route (twice, 200 ms apart), then calls `done`;
  // `done` is called at most 1 s later regardless.
  void stop(const core::StopBudget& budget, std::function<void()> done) override;
  // Until the protocol plans its sessions itself: in place only when the
  // section did not change.
  bool reconfigure(const config::Config& next) override;
  nlohmann::json status() const override;

 private:
  struct Timer {
    explicit Timer(boost::asio::io_context& io) : timer(io) {}
    boost::asio::steady_timer timer;
    std::uint64_t generation = 0;
  };

  void feed(const Event& event);
  void execute(std::vector<Action> actions);
  void send(const Send& send);
  void arm(const ArmTimer& arm);
  void log(const Log& line);
  void receive(std::size_t interface);
  void on_readable(std::size_t interface);
  void finish_shutdown();

  boost::asio::io_context& io_;
  config::RipConfig config_;
  core::AnnouncementBus& bus_;
  core::AnnouncementBus::SubscriptionId subscription_ = 0;
  // Created by start(), when the interfaces are known; it then reads the bus's table.
  std::optional<rip::Speaker> speaker_;
  std::vector<boost::asio::ip::udp::socket> sockets_;
  std::array<std::unique_ptr<Timer>, kTimerCount> timers_;
  session::StopDeadline shutdown_;
  LogRateLimiter log_limiter_;
  // Cleared on destruction, so completions queued before it do nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace anycastd::rip
