// SPDX-License-Identifier: Apache-2.0
// One BGP neighbour: the RFC 4271 §8 finite state machine (Idle, Connect,
// Active, OpenSent, OpenConfirm, Established) with its connect-retry, hold,
// keepalive and idle-hold timers and connection collision detection (§6.8).
// What this host announces to the neighbour is its Adj-RIB-Out
// (bgp/adj_rib_out.hpp), drained per RFC 8326 before a withdrawal. Routes
// the neighbour sends are decoded, validated (RFC 7606), counted and dropped.
//
// Sans-IO in the shared vocabulary (core/sans_io.hpp): handle(event, now)
// returns actions; the session layer owns the sockets, the timers and the
// clock (bgp/session.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bgp/adj_rib_out.hpp"
#include "bgp/message.hpp"
#include "config/bgp_config.hpp"
#include "config/config.hpp"
#include "core/bus.hpp"
#include "core/drops.hpp"
#include "core/sans_io.hpp"
#include "util/prefix.hpp"

namespace anycastd::bgp {

using core::Clock;
using core::TimePoint;
// The session layer numbers every TCP connection; events and actions name one.
using ConnId = std::uint64_t;

// RFC 4271 §8.2.2.
enum class State : std::uint8_t { idle, connect, active, open_sent, open_confirm, established };

enum class TimerId : std::uint8_t {
  connect_retry,  // RFC 4271 §8: ConnectRetryTimer
  hold,           // HoldTimer
  keepalive,      // KeepaliveTimer
  idle_hold,      // RFC 4271 §8.1.1 DampPeerOscillations: IdleHoldTimer
  drain,          // RFC 8326: end of a graceful-shutdown drain
};

struct FsmConfig {
  config::BgpNeighborConfig neighbor;
  std::uint32_t local_asn = 0;
  std::uint32_t bgp_identifier = 0;  // host order
  std::uint32_t degraded_med = 1000;
  std::uint8_t degraded_prepend = 3;
  // RFC 4271 §10 suggests 120 s; a host wants its routes back sooner.
  std::chrono::milliseconds connect_retry{5000};
  // Idle hold after a session error, doubling up to the maximum (§8.1.1).
  std::chrono::milliseconds idle_hold{1000};
  std::chrono::milliseconds max_idle_hold{60000};
  std::uint64_t seed = 0;  // connect-retry jitter (RFC 4271 §10)
};

// ---- events (RFC 4271 §8.1 numbers in comments) ----
using Start = core::Start;  // Event 1 ManualStart (or 4/5 with passive = true)
// Event 2 ManualStop, preceded by the RFC 8326 drain until stop.drain_until:
// routes re-announced with GRACEFUL_SHUTDOWN, withdrawn when the drain
// ends, then Cease/Administrative Shutdown (RFC 8203).
using Stop = core::Stop;
// The neighbour left the config (reload): withdraw, Cease/Peer
// De-configured (RFC 4486), Stopped.
struct Deconfigure {};
using TimerExpired = core::TimerExpired<TimerId>;  // Events 9, 10, 11, 13
struct TcpConnected {  // Event 16 Tcp_CR_Acked (outgoing) / 17 TcpConnectionConfirmed
  ConnId conn = 0;
  bool outgoing = false;
  IpAddress local;  // our address on the connection: NEXT_HOP
};
struct TcpConnectFailed {  // Event 18 for our connection attempt
  std::string reason;
};
struct TcpClosed {  // Event 18 TcpConnectionFails on an open connection
  ConnId conn = 0;
  std::string reason;
};
// One whole message (the session frames by the header's length); the span
// is read during handle() only.
struct MessageReceived {  // Events 19-28 once decoded
  ConnId conn = 0;
  std::span<const std::uint8_t> bytes;
};
struct RouteChanged {
  Prefix prefix;
  core::RouteAction action = core::RouteAction::withdraw;
  core::Cause cause = core::Cause::health;
};
// Puts the route changes received since the last Flush on the wire; the
// session sends it once per burst, so one service's prefixes share an UPDATE.
struct Flush {};
// The neighbour's BFD session went from Up to Down (RFC 5882 §4.2): the
// session closes with Cease/BFD Down (RFC 9384) and reconnects as usual.
struct BfdDown {};
// New settings (reload, bgp::plan_reload). With `restart` the transport
// changed: the session ends with Cease/Other Configuration Change (RFC
// 4486) and starts again with `config`. Otherwise it stays up and, when
// the announcements look different now, re-sends them.
struct Reconfigure {
  FsmConfig config;
  bool restart = false;
};
using Event = std::variant<Start, Stop, Deconfigure, TimerExpired, TcpConnected, TcpConnectFailed,
                           TcpClosed, MessageReceived, RouteChanged, Flush, BfdDown, Reconfigure>;

// ---- actions ----
struct Connect {};       // start a TCP connection to the neighbour
struct AbortConnect {};  // give up the attempt in progress, if any
struct Send {
  ConnId conn = 0;
  std::vector<std::uint8_t> bytes;
};
struct Close {  // after what was sent on it has gone out
  ConnId conn = 0;
};
using ArmTimer = core::ArmTimer<TimerId>;
using CancelTimer = core::CancelTimer<TimerId>;
using Log = core::Log;
using Stopped = core::Stopped;  // Stop or Deconfigure finished
using Action =
    std::variant<Connect, AbortConnect, Send, Close, ArmTimer, CancelTimer, Log, Stopped>;
using Out = core::Output<Action>;

using CountMap = std::map<std::string, std::uint64_t, std::less<>>;

struct Counters {
  // Messages from the neighbour: received = accepted + dropped, by reason
  // (core/drops.hpp): bad_marker, bad_length, bad_type, bad_open,
  // unexpected_message, malformed_update, bad_route_refresh, stale_connection.
  core::PacketCounters messages;
  CountMap received_by_type;  // "open", "update", "notification", "keepalive", "route_refresh"
  CountMap sent_by_type;
  std::uint64_t sent = 0;
  CountMap notifications_sent;  // "code/subcode" -> count
  CountMap notifications_received;
  // RFC 7606 §2: UPDATEs handled by each approach.
  std::uint64_t attribute_discard = 0;
  std::uint64_t treat_as_withdraw = 0;
  std::uint64_t session_reset = 0;
  std::uint64_t prefixes_received_discarded = 0;  // a host installs nothing it hears
  std::uint64_t established_transitions = 0;
  std::string last_error;
  std::optional<TimePoint> established_at;
};

class Fsm {
 public:
  explicit Fsm(FsmConfig config);

  std::vector<Action> handle(const Event& event, TimePoint now);

  State state() const { return state_; }
  const Counters& counters() const { return counters_; }
  const FsmConfig& config() const { return config_; }
  // Prefixes on the wire now, with their attributes.
  const std::map<Prefix, OutAttributes>& advertised() const { return rib_.sent(); }
  // The negotiated hold time in seconds (0: none), once OPENs were exchanged.
  std::uint16_t hold_time() const { return hold_time_; }
  bool stopped() const { return stopped_; }

  // The OPEN we send (RFC 4271 §4.2, capabilities per RFC 5492).
  Open local_open() const;

 private:
  struct Connection {
    ConnId id = 0;
    bool outgoing = false;
    IpAddress local;
    std::optional<Open> open;  // the peer's OPEN on this connection
  };

  // One handler per event, each a switch on the state (RFC 4271 §8.2.2).
  void on_start(Out& out);
  void on_stop(const Stop& e, Out& out);
  void on_deconfigure(Out& out);
  void on_timer(TimerId timer, Out& out);
  void on_connected(const TcpConnected& e, Out& out);
  void on_connect_failed(const TcpConnectFailed& e, Out& out);
  void on_closed(const TcpClosed& e, Out& out);
  void on_message(const MessageReceived& e, Out& out);
  void on_route_changed(const RouteChanged& e, Out& out);
  void on_reconfigure(const Reconfigure& e, Out& out);
  void on_bfd_down(Out& out);

  void on_open_sent_message(const Header& header, std::span<const std::uint8_t> body, Out& out);
  void on_open_confirm_message(const Header& header, std::span<const std::uint8_t> body, Out& out);
  void on_established_message(const Header& header, std::span<const std::uint8_t> body, Out& out);
  // The hold timer in OpenConfirm and Established; `where` goes into the log.
  void on_hold_timer(std::string_view where, Out& out);
  void enter_state(State next, Out& out);

  void start(Out& out);
  void open_connection(const TcpConnected& e, Out& out);
  void on_new_connection(const TcpConnected& e, Out& out);
  void on_second_message(const MessageReceived& e, Out& out);
  bool resolve_collision(Out& out);
  std::optional<Notification> check_open(const Open& open) const;
  void accept_open(const Open& open, Out& out);
  void on_update(std::span<const std::uint8_t> body, Out& out);
  void on_route_refresh(std::span<const std::uint8_t> body, Out& out);
  void on_notification(std::span<const std::uint8_t> body, Out& out);
  // RFC 6608 §4: a message the state does not take ends the session with the
  // FSM Error subcode that names the state.
  void on_unexpected_message(MessageType type, std::uint8_t subcode, Out& out);
  // Decodes the header; on a header error drops the message, answers it and
  // returns nullopt.
  std::optional<Header> header_of(std::span<const std::uint8_t> bytes, Out& out);
  // A message used / refused (core/drops.hpp): every received one is one of both.
  void accept_message();
  void drop_message(std::string_view reason);
  // Ends the session (RFC 4271 §8.2.2: "drops the TCP connection ...,
  // changes its state to Idle"), sending `notification` first.
  void end_session(std::optional<Notification> notification, std::string reason, Out& out);
  void go_idle(bool restart, Out& out);
  void on_drain_timer(Out& out);
  void begin_stop(Notification notification, std::optional<TimePoint> drain_until, Out& out);
  void finish_stop(Out& out);
  void arm_drain(Out& out);
  void arm_hold(Out& out);
  void flush(Out& out);
  void send_routes(const std::vector<RouteUpdate>& changes, Out& out);
  AnnounceSettings announce_settings() const;
  bool carries(Family family) const;

  void send(ConnId conn, std::vector<std::uint8_t> bytes, Out& out);
  void send_notification(ConnId conn, const Notification& n, Out& out);
  TimePoint jittered(std::chrono::milliseconds d, TimePoint now);

  FsmConfig config_;
  std::string name_;  // "bgp: neighbor 198.18.5.1"
  Family family_;
  State state_ = State::idle;
  std::optional<Connection> primary_;
  std::optional<Connection> second_;  // a colliding connection awaiting its OPEN
  bool connecting_ = false;
  std::uint16_t hold_time_ = 0;
  std::optional<TimePoint> last_heard_;
  SessionContext context_;
  std::set<Family> families_;  // negotiated
  bool enhanced_refresh_ = false;
  std::chrono::milliseconds idle_hold_;
  std::mt19937_64 rng_;

  AdjRibOut rib_;
  bool stopping_ = false;
  bool stopped_ = false;
  Notification stop_notification_;
  std::optional<TimePoint> stop_at_;

  Counters counters_;
};

std::string_view to_string(State state);
std::string_view to_string(TimerId timer);
// "1/2": a NOTIFICATION's code and subcode, the key of the counters.
std::string notification_key(const Notification& n);

}  // namespace anycastd::bgp
