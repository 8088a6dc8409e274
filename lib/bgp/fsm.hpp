// One BGP neighbour: the RFC 4271 §8 finite state machine (Idle, Connect,
// Active, OpenSent, OpenConfirm, Established) with its connect-retry, hold,
// keepalive and idle-hold timers, connection collision detection (§6.8),
// and what this host announces to the neighbour (its Adj-RIB-Out, with the
// RFC 8326 graceful-shutdown drain). Routes the neighbour sends are decoded,
// validated (RFC 7606), counted and dropped.
//
// Sans-IO: handle(event, now) returns actions; the session layer owns the
// sockets, the timers and the clock (bgp/session.hpp).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bgp/packet.hpp"
#include "config/bgp_config.hpp"
#include "config/config.hpp"
#include "core/bus.hpp"
#include "util/prefix.hpp"

namespace anycastd::bgp {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
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
inline constexpr std::size_t kTimerCount = 5;

struct FsmConfig {
  config::BgpNeighborConfig neighbor;
  std::uint32_t local_asn = 0;
  std::uint32_t bgp_identifier = 0;  // host order
  std::uint32_t degraded_med = 1000;
  std::uint8_t degraded_prepend = 3;
  // Spec §2: SIGTERM must finish within 2 s, so its drain is capped.
  std::chrono::milliseconds shutdown_drain_limit{1000};
  // RFC 4271 §10 suggests 120 s; a host wants its routes back sooner.
  std::chrono::milliseconds connect_retry{5000};
  // Idle hold after a session error, doubling up to the maximum (§8.1.1).
  std::chrono::milliseconds idle_hold{1000};
  std::chrono::milliseconds max_idle_hold{60000};
  std::uint64_t seed = 0;  // connect-retry jitter (RFC 4271 §10)
};

// ---- events (RFC 4271 §8.1 numbers in comments) ----
struct ManualStart {};  // Event 1 (or 4/5 with passive = true)
// Event 2, preceded by the RFC 8326 drain: routes re-announced with
// GRACEFUL_SHUTDOWN, withdrawn when the drain ends, then Cease/Administrative
// Shutdown (RFC 8203) with `message`.
struct ManualStop {
  std::string message = "anycastd shutting down";
};
struct TimerExpired {  // Events 9, 10, 11, 13
  TimerId timer = TimerId::hold;
};
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
using Event = std::variant<ManualStart, ManualStop, TimerExpired, TcpConnected, TcpConnectFailed,
                           TcpClosed, MessageReceived, RouteChanged, Flush, BfdDown>;

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
struct ArmTimer {
  TimerId timer = TimerId::hold;
  TimePoint at;
};
struct CancelTimer {
  TimerId timer = TimerId::hold;
};
struct Log {
  config::LogLevel level = config::LogLevel::info;
  std::string text;
  std::string rate_key;  // non-empty: rate-limited by this key
};
struct Stopped {};  // ManualStop finished
using Action =
    std::variant<Connect, AbortConnect, Send, Close, ArmTimer, CancelTimer, Log, Stopped>;

// Messages one way, by type, and the NOTIFICATIONs among them by code and
// subcode (for the metrics).
struct MessageCounts {
  std::array<std::uint64_t, 6> by_type{};  // index: the type code, 1..5; 0: any other
  std::map<std::pair<std::uint8_t, std::uint8_t>, std::uint64_t> notifications;

  // `message` is a whole message, header included.
  void add(std::span<const std::uint8_t> message);
};

struct Counters {
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
  MessageCounts in;
  MessageCounts out;
  std::uint64_t updates_in = 0;
  std::uint64_t prefixes_received_discarded = 0;
  std::uint64_t updates_treated_as_withdraw = 0;
  std::uint64_t attributes_discarded = 0;
  std::uint64_t established_transitions = 0;
  std::string last_error;
  std::optional<TimePoint> established_at;
};

// What we send for a prefix: its attribute set.
struct OutAttributes {
  bool degraded = false;
  bool graceful_shutdown = false;
  friend auto operator<=>(const OutAttributes&, const OutAttributes&) = default;
};

class Fsm {
 public:
  explicit Fsm(FsmConfig config);

  std::vector<Action> handle(const Event& event, TimePoint now);

  State state() const { return state_; }
  const Counters& counters() const { return counters_; }
  const FsmConfig& config() const { return config_; }
  // Prefixes on the wire now, with their attributes.
  const std::map<Prefix, OutAttributes>& advertised() const { return advertised_; }
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
  struct OutRoute {
    core::RouteAction action = core::RouteAction::announce;
    std::optional<TimePoint> drain_until;  // RFC 8326 drain in progress
  };

  // State-independent events; true when handled.
  bool handle_common(const Event& event);
  void in_idle(const Event& event);
  void in_connect(const Event& event);
  void in_active(const Event& event);
  void in_open_sent(const Event& event);
  void in_open_confirm(const Event& event);
  void in_established(const Event& event);
  // The hold and keepalive timers and the end of the connection, alike in
  // OpenConfirm and Established; `where` goes into the log (" in OpenConfirm").
  // False when `event` is none of them.
  bool on_timer_or_close(const Event& event, std::string_view where);
  void enter_state(State next);

  void start();
  void open_connection(const TcpConnected& e);
  void on_new_connection(const TcpConnected& e);
  void on_second_connection(const Event& event);
  bool resolve_collision();
  std::optional<Notification> check_open(const Open& open) const;
  void accept_open(const Open& open);
  void on_update(std::span<const std::uint8_t> body);
  void on_route_refresh(std::span<const std::uint8_t> body);
  void on_notification(std::span<const std::uint8_t> body);
  // Decodes the header; on a header error answers it and returns nullopt.
  std::optional<Header> header_of(std::span<const std::uint8_t> bytes);
  void drop(std::optional<Notification> notification, std::string reason);
  void go_idle(bool restart);
  void on_route_changed(const RouteChanged& e);
  void on_drain_timer();
  void on_manual_stop(const ManualStop& e);
  void finish_stop();
  void arm_drain();
  void arm_hold();
  void flush();
  void send_routes(const std::vector<std::pair<Prefix, std::optional<OutAttributes>>>& changes);
  PathAttributes attributes_for(const OutAttributes& out, Family family) const;
  bool carries(Family family) const;

  void send(ConnId conn, std::vector<std::uint8_t> bytes);
  void arm(TimerId timer, TimePoint at);
  void cancel(TimerId timer);
  void log(config::LogLevel level, std::string text, std::string rate_key = {});
  TimePoint jittered(std::chrono::milliseconds d);

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

  std::map<Prefix, OutRoute> desired_;
  std::map<Prefix, OutAttributes> advertised_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::string stop_message_;
  std::optional<TimePoint> stop_at_;

  Counters counters_;
  TimePoint now_{};
  std::vector<Action>* out_ = nullptr;
};

std::string_view to_string(State state);
std::string_view to_string(TimerId timer);

}  // namespace anycastd::bgp
