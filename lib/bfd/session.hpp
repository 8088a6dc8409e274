// SPDX-License-Identifier: Apache-2.0
// BfdSessions binds one sans-IO bfd::Fsm per peer (RFC 5881 single hop) to
// UDP sockets and timers, and is the registry the routing protocols ask for
// a session to a peer.
//
//   protocol --watch(peer, interface)--> a session to the peer (shared)
//   UDP :3784 --recvmsg + IP_RECVTTL--> PacketReceived{bytes, ttl}, by source
//   session::TimerSet (transmit, detection, stop_repeat) -> TimerExpired
//   start() / stop() / reconfigure() ------> Start / Stop / Reconfigure
//                                                     v
//                                              bfd::Fsm::handle()
//                                                     |
//   Send: from the session's own socket <-------------+ (source port 49152..65535, TTL 255)
//   StateChanged Up -> Down (not AdminDown) --> each watcher's callback, posted
//   Log: session::LogWriter (rate-limited drops) <----+
//   Stopped: the last session stopped calls stop's `done`
//
//   status(): per session state, diags, intervals, uptime, counters (JSON)
//
// RFC 5882: only an Up -> Down transition the peer did not ask for is
// reported; a session that never comes Up reports nothing and blocks
// nothing. The daemon starts BFD before the routing protocols and stops it
// after them, so that AdminDown (diag 7) follows the withdrawals.
//
// Threading: every socket, timer and Fsm lives on a private io_context run
// by a thread of its own ("bfd"), so that a long turn of the daemon's event
// loop (status of 1,000 services, a big LSDB, a BGP table) cannot delay a
// transmission and cause a false Down at the peer: with status --json polled
// each second the single-threaded TX interval p99 was 142.5 ms at 100 ms,
// on the thread 101.5 ms beside FRR bfdd's 101.3 (bench/README.md); BIRD
// runs BFD in a thread for the same reason. The public calls come from the
// daemon's thread and are posted to the BFD thread; start, watch,
// reconfigure and status wait for its answer, stop and a Watch's release do
// not. Watcher callbacks and stop's `done` are posted back to the daemon's
// io_context.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "bfd/fsm.hpp"
#include "config/config.hpp"
#include "core/protocol.hpp"
#include "session/log.hpp"
#include "session/stop_deadline.hpp"
#include "session/timers.hpp"
#include "util/prefix.hpp"

namespace anycastd::bfd {

class BfdSessions;

// What a watcher hears of its session.
enum class PeerEvent : std::uint8_t {
  up,    // the session came Up
  down,  // Up -> Down by detection or by the peer's Down; never by AdminDown
};
using PeerCallback = std::function<void(PeerEvent)>;

// A protocol's interest in the session to one peer; the session goes
// (AdminDown first) when its last Watch does.
class Watch {
 public:
  Watch() = default;
  Watch(Watch&& other) noexcept;
  Watch& operator=(Watch&& other) noexcept;
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;
  ~Watch();

 private:
  friend class BfdSessions;
  Watch(BfdSessions* sessions, std::weak_ptr<bool> alive, std::uint64_t id)
      : sessions_(sessions), alive_(std::move(alive)), id_(id) {}
  void release();

  BfdSessions* sessions_ = nullptr;
  std::weak_ptr<bool> alive_;
  std::uint64_t id_ = 0;
};

class BfdSessions : public core::Protocol {
 public:
  // `io` is the daemon's event loop, where callbacks and `done` run.
  BfdSessions(boost::asio::io_context& io, const config::BfdConfig& config);
  ~BfdSessions() override;
  BfdSessions(const BfdSessions&) = delete;
  BfdSessions& operator=(const BfdSessions&) = delete;

  std::string_view name() const override { return "bfd"; }
  // Opens UDP port 3784. Throws std::runtime_error if it cannot.
  void start() override;
  // AdminDown on every session, then `done`.
  void stop(const core::StopBudget& budget, std::function<void()> done) override;
  // New timers or authentication for every session (Poll Sequence when Up).
  bool reconfigure(const config::Config& next) override;
  nlohmann::json status() const override;

  // A session to `peer` (IPv4), out of `interface` when not empty; `client`
  // names the protocol in status. Throws std::runtime_error if the
  // session's socket cannot be opened.
  [[nodiscard]] Watch watch(const IpAddress& peer, const std::string& interface,
                            const std::string& client, PeerCallback callback);

 private:
  friend class Watch;
  // Runs `f` on the BFD thread and returns its result (or throws its
  // exception) to the calling thread.
  template <typename F>
  auto call(F f) const -> decltype(f()) {
    // Shared: the task outlives the handler, which may still be unwinding
    // when the caller wakes.
    auto task = std::make_shared<std::packaged_task<decltype(f())()>>(std::move(f));
    auto result = task->get_future();
    boost::asio::post(io_, [task] { (*task)(); });
    return result.get();
  }

  struct Peer {
    Peer(boost::asio::io_context& io, BfdSessions& owner, IpAddress address);
    IpAddress address;
    std::string interface;
    std::unique_ptr<Fsm> fsm;
    boost::asio::ip::udp::socket socket;  // ours: source port 49152..65535, TTL 255
    session::TimerSet<TimerId> timers;
    std::map<std::uint64_t, std::string> watchers;  // by Watch id: the client's name
    bool stopped = false;                           // its Fsm emitted Stopped
  };

  // The daemon's thread: forgets the callback, posts remove_watch.
  void unwatch(std::uint64_t id);
  // The BFD thread from here on.
  void add_watch(std::uint64_t id, const IpAddress& peer, const std::string& interface,
                 const std::string& client);
  void remove_watch(std::uint64_t id);
  void open_listener();
  void apply(const config::BfdConfig& next);
  nlohmann::json render_status() const;
  void start_peer(Peer& peer);
  void feed(Peer& peer, const Event& event);
  void execute(Peer& peer, std::vector<Action> actions);
  void notify(Peer& peer, const StateChanged& change);
  void receive();
  void on_readable();
  void finish_stop_if_done();
  std::uint32_t new_discriminator();

  // The daemon's thread.
  boost::asio::io_context& main_;
  std::map<std::uint64_t, PeerCallback> callbacks_;  // by Watch id
  std::uint64_t next_watch_ = 1;
  // Cleared on destruction (after the BFD thread is joined), so callbacks
  // queued on the daemon's loop, and completions, do nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  // The BFD thread: everything below is touched only there (or after join).
  mutable boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  config::BfdConfig config_;
  std::optional<boost::asio::ip::udp::socket> socket_;  // UDP 3784
  std::map<IpAddress, std::unique_ptr<Peer>> peers_;
  core::PacketCounters unknown_;  // packets from no peer we have a session to
  std::mt19937_64 rng_{std::random_device{}()};
  bool stopping_ = false;
  session::StopDeadline stop_;
  session::LogWriter log_;  // spdlog's default logger is stderr_color_mt
  std::thread thread_;      // last: started once the members above exist
};

}  // namespace anycastd::bfd
