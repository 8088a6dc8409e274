// SPDX-License-Identifier: Apache-2.0
// OspfSession binds the sans-IO ospf::Instance to raw IP sockets and timers.
//
//   AnnouncementBus --RouteChange--> RouteChanged ---------------+
//   session::TimerSet (one per TimerId) --------------> TimerExpired
//   raw IP protocol 89 per interface --recvmsg--> PacketReceived |
//   start() / stop(budget, done) --------------------> Start / Stop
//   reconfigure(next) --plan_reload()--------------> Reconfigure |
//                                                                v
//                                                   ospf::Instance::handle()
//                                                                |
//       Send: 224.0.0.5 / 224.0.0.6 / a neighbour, out of the <--+
//             interface (TTL 1, TOS internetwork control)         |
//       SetAllDRouters: join or leave 224.0.0.6 <-----------------+
//       ArmTimer / CancelTimer: the TimerSet <--------------------+
//       Log: session::LogWriter, rate-limited for drops <---------+
//       Stopped: the stop's `done` (session::StopDeadline) <------+
//
//   BFD (with bfd = true on an interface): a session to each neighbour
//   heard there; its Up -> Down is NeighborDown (KillNbr, RFC 5882 §4.1)
//
//   status(): counters, interfaces, neighbours, LSDB, our LSA (JSON,
//   lib/control/PROTOCOL.md)
//
// One raw socket per configured interface, bound to it with
// SO_BINDTODEVICE, member of AllSPFRouters (224.0.0.5) there and of
// AllDRouters (224.0.0.6) while we are DR or BDR. Everything runs on the one
// io_context thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/asio/generic/raw_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "bfd/session.hpp"
#include "config/config.hpp"
#include "core/bus.hpp"
#include "core/protocol.hpp"
#include "ospf/instance.hpp"
#include "session/log.hpp"
#include "session/stop_deadline.hpp"
#include "session/timers.hpp"

namespace anycastd::ospf {

class OspfSession : public core::Protocol {
 public:
  // `bfd` (null without [bfd]) gives the sessions of interfaces with bfd = true.
  OspfSession(boost::asio::io_context& io, const config::OspfConfig& config,
              std::uint32_t router_id, core::AnnouncementBus& bus, bfd::BfdSessions* bfd = nullptr);
  ~OspfSession() override;
  OspfSession(const OspfSession&) = delete;
  OspfSession& operator=(const OspfSession&) = delete;

  std::string_view name() const override { return "ospf"; }
  // Resolves the interfaces and opens the sockets; throws std::runtime_error
  // naming the interface or socket call that failed.
  void start() override;
  // Flushes our router-LSA, waits for its acknowledgement (until
  // budget.protocols_done()), says goodbye with an empty Hello, then calls `done`.
  void stop(const core::StopBudget& budget, std::function<void()> done) override;
  // Applies plan_reload(old, next) in place (ospf/reload.hpp): opens the
  // sockets of added interfaces (one that cannot be found is left out and
  // logged), closes those of removed ones. False when the area changed.
  bool reconfigure(const config::Config& next) override;
  nlohmann::json status() const override;

  using RawSocket = boost::asio::generic::raw_protocol::socket;

 private:
  void feed(const Event& event);
  void execute(std::vector<Action> actions);
  // One BFD session per neighbour on each interface with bfd = true, no
  // more: sessions to neighbours that are gone are released.
  void sync_bfd();
  void send(const Send& send);
  void set_all_drouters(const SetAllDRouters& action);
  void receive(InterfaceId interface);
  void on_readable(InterfaceId interface);
  // Finds `names` on the host and opens their sockets; leaves out, and
  // logs, those that fail when `strict` is false, throws otherwise.
  std::vector<InterfaceInfo> open(const std::vector<std::string>& names, bool strict);

  boost::asio::io_context& io_;
  config::OspfConfig config_;
  std::uint32_t router_id_;
  core::AnnouncementBus& bus_;
  core::AnnouncementBus::SubscriptionId subscription_ = 0;
  std::optional<ospf::Instance> instance_;
  std::map<InterfaceId, RawSocket> sockets_;
  session::TimerSet<TimerId> timers_;
  session::StopDeadline stop_deadline_;
  session::LogWriter log_;
  bfd::BfdSessions* bfd_;
  std::map<std::pair<InterfaceId, std::uint32_t>, bfd::Watch> bfd_watches_;  // by neighbour address
  // Cleared on destruction, so completions queued before it do nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace anycastd::ospf
