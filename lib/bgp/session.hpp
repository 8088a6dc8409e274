// SPDX-License-Identifier: Apache-2.0
// BgpSession binds one sans-IO bgp::Fsm per configured neighbour to TCP
// port 179 and timers.
//
//   AnnouncementBus --RouteChange--> RouteChanged (+ one posted Flush per burst)
//   session::TimerSet per neighbour ---------------> TimerExpired
//   listening sockets :179 (configured peers only) -> TcpConnected (incoming)
//   our connection attempts -----------------------> TcpConnected / TcpConnectFailed
//   TCP reads, framed by the header's length ------> MessageReceived / TcpClosed
//   start() / stop(budget, done) ------------------> Start / Stop
//   reconfigure(next), bgp::plan_reload -----------> Reconfigure / Deconfigure
//                                                          v
//                                                   bgp::Fsm::handle()
//                                                          |
//        Connect / AbortConnect: async connect <-----------+
//        Send: queued async writes <-----------------------+
//        Close: after the queue is written <---------------+
//        ArmTimer / CancelTimer <--------------------------+
//        Log: session::LogWriter, rate-limited <-----------+
//        Stopped: when every neighbour is, shutdown's done <+
//
//   status(): per neighbour state, uptime, last error, counters (JSON,
//   lib/control/PROTOCOL.md)
//
// Every socket towards a neighbour gets its TCP-MD5 key (RFC 2385) before
// connecting or listening, and with ttl_security IP_TTL 255 / IP_MINTTL 254
// (RFC 5082). One io_context thread; stale completions are recognised by
// generation numbers and connection ids.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

#include "bfd/session.hpp"
#include "bgp/fsm.hpp"
#include "config/config.hpp"
#include "core/bus.hpp"
#include "core/protocol.hpp"
#include "session/log.hpp"
#include "session/stop_deadline.hpp"
#include "session/timers.hpp"

namespace anycastd::bgp {

class BgpSession : public core::Protocol {
 public:
  // `router_id` is the daemon's; [bgp] router_id overrides it. Throws
  // std::runtime_error when neither is set.
  // `bfd` (null without [bfd]) gives the sessions of neighbours with bfd = true.
  BgpSession(boost::asio::io_context& io, const config::BgpConfig& config,
             std::optional<IpAddress> router_id, core::AnnouncementBus& bus,
             bfd::BfdSessions* bfd = nullptr);
  ~BgpSession() override;
  BgpSession(const BgpSession&) = delete;
  BgpSession& operator=(const BgpSession&) = delete;

  std::string_view name() const override { return "bgp"; }
  // Opens the listening sockets and starts every neighbour. Throws
  // std::runtime_error naming the socket call that failed.
  void start() override;
  // Drains until budget.drain_until(), withdraws, sends Cease/Administrative
  // Shutdown and calls `done`, by budget.protocols_done() at the latest.
  void stop(const core::StopBudget& budget, std::function<void()> done) override;
  // Per neighbour (bgp::plan_reload): added ones start, removed ones get
  // Cease/Peer De-configured, those whose transport changed restart, the
  // others stay up and re-send what now looks different. False only when
  // the BGP Identifier is gone.
  bool reconfigure(const config::Config& next) override;
  nlohmann::json status() const override;

 private:
  // Neighbours are numbered once: a reload adds and removes them while
  // completions that name one may still be queued.
  using PeerId = std::uint64_t;
  struct Peer {
    Peer(boost::asio::io_context& io, FsmConfig config, session::TimerSet<TimerId>::Fired fired);
    Fsm fsm;
    session::TimerSet<TimerId> timers;
    std::optional<boost::asio::ip::tcp::socket> connecting;
    std::uint64_t connect_generation = 0;
    bfd::Watch bfd;  // with bfd = true: its Up -> Down is BfdDown
  };
  struct Connection {
    Connection(PeerId peer, boost::asio::ip::tcp::socket socket)
        : peer(peer), socket(std::move(socket)) {}
    PeerId peer;
    boost::asio::ip::tcp::socket socket;
    std::vector<std::uint8_t> in = std::vector<std::uint8_t>(kReadBuffer);
    std::size_t used = 0;
    std::vector<std::vector<std::uint8_t>> out;
    bool writing = false;
    bool closing = false;
  };
  static constexpr std::size_t kReadBuffer = 65536;

  FsmConfig fsm_config(const config::BgpNeighborConfig& neighbor) const;
  PeerId add_peer(const config::BgpNeighborConfig& neighbor);
  std::optional<PeerId> peer_of(const IpAddress& address) const;
  void watch_bfd(PeerId id);
  void feed(PeerId peer, const Event& event);
  void execute(PeerId peer, std::vector<Action> actions);
  void connect(PeerId peer);
  void listen(Family family);
  // The TCP-MD5 keys of `family`'s neighbours on its listening socket.
  void set_listen_keys(Family family, const config::BgpConfig& before);
  void accept(Family family);
  ConnId adopt(PeerId peer, boost::asio::ip::tcp::socket socket, bool outgoing);
  void read(ConnId id);
  void on_read(ConnId id, std::size_t n);
  void write(ConnId id);
  void close(ConnId id);
  void finalize(ConnId id);
  void request_flush();
  void check_done();
  void finish_shutdown();

  boost::asio::io_context& io_;
  config::BgpConfig config_;
  core::AnnouncementBus& bus_;
  bfd::BfdSessions* bfd_;
  core::AnnouncementBus::SubscriptionId subscription_ = 0;
  std::uint32_t bgp_identifier_ = 0;
  std::map<PeerId, std::unique_ptr<Peer>> peers_;
  PeerId next_peer_ = 1;
  std::map<Family, boost::asio::ip::tcp::acceptor> acceptors_;
  std::map<ConnId, std::unique_ptr<Connection>> connections_;
  ConnId next_conn_ = 1;
  bool started_ = false;
  bool flush_pending_ = false;
  session::StopDeadline shutdown_;
  session::LogWriter log_;
  // Cleared on destruction, so completions queued before it do nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace anycastd::bgp
