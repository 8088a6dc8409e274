// OspfSession binds the sans-IO ospf::Speaker to raw IP sockets and a timer.
//
//   AnnouncementBus --RouteChange--> RouteChanged --------------+
//   steady_timer (one, re-armed to the speaker's next deadline) -> Wakeup
//   raw IP protocol 89 per interface --recvmsg--> PacketReceived
//   start() / shutdown(done) -----------------> Start / Shutdown
//                                                                v
//                                                      ospf::Speaker::handle()
//                                                                |
//       Send: 224.0.0.5 / 224.0.0.6 / a neighbour, out of the <--+
//             interface (TTL 1, TOS internetwork control)         |
//       SetAllDRouters: join or leave 224.0.0.6 <-----------------+
//       ArmTimer: re-arms the steady_timer <----------------------+
//       Log: spdlog, rate-limited for packet drops <---------------+
//       Done: calls shutdown's `done` <----------------------------+
//
//   status(): interfaces, neighbours, LSDB counts, our LSA sequence (JSON)
//
// One raw socket per configured interface, bound to it with
// SO_BINDTODEVICE, member of AllSPFRouters (224.0.0.5) there and of
// AllDRouters (224.0.0.6) while we are DR or BDR. Everything runs on the one
// io_context thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/asio/generic/raw_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "core/bus.hpp"
#include "core/protocol.hpp"
#include "ospf/speaker.hpp"
#include "session/stop_deadline.hpp"
#include "util/rate_limit.hpp"

namespace anycastd::ospf {

class OspfSession : public core::Protocol {
 public:
  OspfSession(boost::asio::io_context& io, const config::OspfConfig& config,
              std::uint32_t router_id, core::AnnouncementBus& bus);
  ~OspfSession() override;
  OspfSession(const OspfSession&) = delete;
  OspfSession& operator=(const OspfSession&) = delete;

  std::string_view name() const override { return "ospf"; }
  // Resolves the interfaces and opens the sockets; throws std::runtime_error
  // naming the interface or socket call that failed.
  void start() override;
  // Flushes our router-LSA, waits for its acknowledgement (at most 1.3 s),
  // says goodbye with an empty Hello, then calls `done`.
  void stop(const core::StopBudget& budget, std::function<void()> done) override;
  // Until the protocol plans its sessions itself: in place only when the
  // section did not change.
  bool reconfigure(const config::Config& next) override;
  nlohmann::json status() const override;

  using RawSocket = boost::asio::generic::raw_protocol::socket;

 private:
  void feed(const Event& event);
  void execute(std::vector<Action> actions);
  void send(const Send& send);
  void set_all_drouters(const SetAllDRouters& action);
  void arm(TimePoint at);
  void log(const Log& line);
  void receive(std::size_t interface);
  void on_readable(std::size_t interface);
  void finish_shutdown();

  boost::asio::io_context& io_;
  config::OspfConfig config_;
  std::uint32_t router_id_;
  core::AnnouncementBus& bus_;
  core::AnnouncementBus::SubscriptionId subscription_ = 0;
  std::optional<ospf::Speaker> speaker_;
  std::vector<RawSocket> sockets_;
  boost::asio::steady_timer timer_;
  std::uint64_t timer_generation_ = 0;
  session::StopDeadline shutdown_;
  LogRateLimiter log_limiter_;
  // Cleared on destruction, so completions queued before it do nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace anycastd::ospf
