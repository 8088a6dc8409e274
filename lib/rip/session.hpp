// SPDX-License-Identifier: Apache-2.0
// RipSession binds the sans-IO rip::Speaker to UDP sockets and timers.
//
//   AnnouncementBus --RouteChange--> RouteChanged ---------+
//   session::TimerSet (update, triggered, stop) -> TimerExpired
//   UDP :520 per interface --recvmsg+IP_PKTINFO--> PacketReceived
//   start() / stop() / reconfigure() -----------> Start / Stop / Reconfigure
//                                                           v
//                                                   rip::Speaker::handle()
//                                                           |
//       Send: 224.0.0.9:520 out of the interface <----------+
//             or unicast (neighbours, request answers)      |
//       ArmTimer / CancelTimer: the TimerSet <---------------+
//       Log: session::LogWriter (rate-limited drops) <-------+
//       Stopped: calls stop's `done` <-----------------------+
//
//   BFD (with bfd = true): a session to each router heard or configured;
//   its Up -> Down is NeighborDown (the router is marked gone, RFC 5882 §4.3)
//
//   status(): counters per interface and neighbour, announced routes (JSON)
//
// One socket per configured interface, by kernel index: bound to
// 0.0.0.0:520 with SO_BINDTODEVICE, IP_MULTICAST_IF / TTL 1 / LOOP off,
// member of 224.0.0.9 on that interface. Everything runs on the one
// io_context thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <nlohmann/json.hpp>

#include "bfd/session.hpp"
#include "config/config.hpp"
#include "core/bus.hpp"
#include "core/protocol.hpp"
#include "rip/speaker.hpp"
#include "session/log.hpp"
#include "session/stop_deadline.hpp"
#include "session/timers.hpp"

namespace anycastd::rip {

class RipSession : public core::Protocol {
 public:
  // `bfd` (null without [bfd]) gives the sessions when bfd = true.
  RipSession(boost::asio::io_context& io, const config::RipConfig& config,
             core::AnnouncementBus& bus, bfd::BfdSessions* bfd = nullptr);
  ~RipSession() override;
  RipSession(const RipSession&) = delete;
  RipSession& operator=(const RipSession&) = delete;

  std::string_view name() const override { return "rip"; }
  // Resolves the interfaces, opens the sockets and sends the first full
  // update. Throws std::runtime_error naming the interface or socket call that failed.
  void start() override;
  // Sends metric 16 for every route (twice, 200 ms apart), then calls `done`.
  void stop(const core::StopBudget& budget, std::function<void()> done) override;
  // Everything applies in place (rip::plan_reload): new interfaces get
  // sockets first and a full update; removed ones hear metric 16, then
  // close. Throws std::runtime_error if a new interface cannot be set up;
  // nothing is changed then.
  bool reconfigure(const config::Config& next) override;
  nlohmann::json status() const override;

 private:
  void feed(const Event& event);
  void execute(std::vector<Action> actions);
  // One BFD session per router heard or configured while bfd = true.
  void sync_bfd();
  void send(const Send& send);
  void receive(unsigned interface);
  void on_readable(unsigned interface);

  boost::asio::io_context& io_;
  config::RipConfig config_;
  core::AnnouncementBus& bus_;
  core::AnnouncementBus::SubscriptionId subscription_ = 0;
  // Created by start(), when the interfaces are known; it then reads the bus's table.
  std::optional<rip::Speaker> speaker_;
  std::map<unsigned, boost::asio::ip::udp::socket> sockets_;  // by kernel ifindex
  session::TimerSet<TimerId> timers_;
  session::StopDeadline stop_;
  session::LogWriter log_;
  bfd::BfdSessions* bfd_;
  std::map<IpAddress, bfd::Watch> bfd_watches_;
  // Cleared on destruction, so completions queued before it do nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace anycastd::rip
