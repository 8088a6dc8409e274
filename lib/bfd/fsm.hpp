// SPDX-License-Identifier: Apache-2.0
// One BFD session (RFC 5880), single hop, asynchronous mode: the state
// machine of §6.2 with the reception (§6.8.6), transmission (§6.8.7),
// detection (§6.8.4) and Poll/Final (§6.5) rules. Sans-IO in the shared
// vocabulary (core/sans_io.hpp): the session layer (bfd/session.hpp) owns
// the socket, the timers and the clock.
//
//          +--+
//          |  | UP, ADMIN DOWN, TIMER
//          |  V
//  DOWN  +------+  INIT
//  +-----|      |------------+
//  |     | DOWN |            |
//  |  +->|      |<--+        |
//  |  |  +------+   |        |
//  |  |      DOWN, ADMIN DOWN, TIMER
//  V  |             |        V
// +------+        +------+
// | INIT |------->|  UP  |   (RFC 5880 §6.2)
// +------+ INIT,UP +------+
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "bfd/packet.hpp"
#include "config/bfd_config.hpp"
#include "core/drops.hpp"
#include "core/sans_io.hpp"

namespace anycastd::bfd {

using core::Clock;
using core::TimePoint;
using Micros = std::chrono::microseconds;

enum class TimerId : std::uint8_t {
  transmit,     // §6.8.7: the next periodic Control packet
  detection,    // §6.8.4: the Detection Time since the last packet received
  stop_repeat,  // the repeats of AdminDown on Stop
};

// ---- events ----
using Start = core::Start;
// Graceful stop: AdminDown with diag 7 (§6.8.16, RFC 5882 §3.2) is sent
// kAdminDownSends times, then Stopped.
using Stop = core::Stop;
using TimerExpired = core::TimerExpired<TimerId>;
struct PacketReceived {
  std::vector<std::uint8_t> bytes;
  int ttl = kTtl;  // of the IP header (IP_RECVTTL)
};
// New [bfd] settings: timers change through a Poll Sequence when Up (§6.8.3).
struct Reconfigure {
  config::BfdConfig config;
};
using Event = std::variant<Start, Stop, TimerExpired, PacketReceived, Reconfigure>;

// ---- actions ----
struct Send {
  std::vector<std::uint8_t> bytes;
};
// bfd.SessionState changed. The protocols act only on Up -> Down that the
// peer did not ask for (RFC 5882 §3.2: AdminDown from the peer is no failure).
struct StateChanged {
  State from = State::down;
  State to = State::down;
  Diag diag = Diag::none;        // bfd.LocalDiag after the change
  bool peer_admin_down = false;  // the peer said AdminDown
};
using ArmTimer = core::ArmTimer<TimerId>;
using CancelTimer = core::CancelTimer<TimerId>;
using Log = core::Log;
using Stopped = core::Stopped;
using Action = std::variant<Send, StateChanged, ArmTimer, CancelTimer, Log, Stopped>;
using Out = core::Output<Action>;

inline constexpr std::uint32_t kAdminDownSends = 3;
inline constexpr std::chrono::milliseconds kAdminDownRepeat{50};
// §6.8.3: "not less than one second" while not Up.
inline constexpr Micros kSlowTx{1'000'000};

struct FsmOptions {
  std::uint32_t local_discriminator = 1;  // nonzero, unique among our sessions
  std::uint64_t seed = 0;                 // jitter and the initial auth sequence number
  std::string where = "bfd";              // names the session in log lines
};

// What status shows of the session.
struct FsmStatus {
  State state = State::down;
  State remote_state = State::down;
  Diag local_diag = Diag::none;
  Diag remote_diag = Diag::none;
  std::uint32_t local_discriminator = 0;
  std::uint32_t remote_discriminator = 0;
  Micros tx_interval{0};     // negotiated: max(our Desired Min TX, their Required Min RX)
  Micros rx_interval{0};     // negotiated: max(our Required Min RX, their Desired Min TX)
  Micros detection_time{0};  // their Detect Mult x rx_interval; 0 before any packet
  std::optional<TimePoint> up_since;
  std::uint64_t up_to_down = 0;
  std::array<std::uint64_t, 4> transitions_to{};  // by the State entered (its code)
  std::uint64_t sent = 0;
  bool ever_up = false;
};

class Fsm {
 public:
  Fsm(config::BfdConfig config, FsmOptions options);

  std::vector<Action> handle(const Event& event, TimePoint now);

  FsmStatus status() const;
  const core::PacketCounters& packets() const { return packets_; }
  const config::BfdConfig& config() const { return config_; }
  State state() const { return state_; }

 private:
  void on_start(Out& out);
  void on_stop(const Stop& stop, Out& out);
  void on_timer(TimerId timer, Out& out);
  void on_packet(const PacketReceived& packet, Out& out);
  void on_reconfigure(const Reconfigure& next, Out& out);

  // §6.8.6 after the packet checks: the state transitions.
  void on_control(const ControlPacket& packet, Out& out);
  // Authentication (§6.7): the drop reason, or nullopt when the packet passes.
  std::optional<std::string_view> check_auth(const ControlPacket& packet,
                                             std::span<const std::uint8_t> bytes, TimePoint now);
  void change_state(State to, Diag diag, Out& out, bool peer_admin_down = false);
  // bfd.DesiredMinTxInterval / RequiredMinRxInterval for the state and the
  // config; a change while Up starts a Poll Sequence (§6.8.3).
  void set_intervals(Out& out);
  void send(bool final, Out& out);
  void arm_transmit(Out& out);
  void arm_detection(Out& out);
  void drop(std::string_view reason, std::string_view detail, Out& out);
  Micros tx_interval() const;
  Micros rx_interval() const;
  Micros detection_time() const;

  config::BfdConfig config_;
  FsmOptions options_;
  std::mt19937_64 rng_;
  bool running_ = false;
  std::uint32_t stop_sends_left_ = 0;

  // RFC 5880 §6.8.1 state variables.
  State state_ = State::down;
  State remote_state_ = State::down;
  std::uint32_t remote_discr_ = 0;
  Diag local_diag_ = Diag::none;
  Diag remote_diag_ = Diag::none;
  Micros desired_min_tx_ = kSlowTx;
  Micros required_min_rx_{0};
  Micros remote_min_rx_{1};  // "initialized to 1"
  Micros remote_desired_tx_{0};
  std::uint8_t remote_detect_mult_ = 0;
  std::uint32_t rcv_auth_seq_ = 0;
  std::uint32_t xmit_auth_seq_ = 0;
  bool auth_seq_known_ = false;

  // Poll Sequence (§6.5): what timing uses until the Final arrives. A longer
  // TX interval and a shorter RX interval wait for it (§6.8.3).
  bool polling_ = false;
  Micros timing_tx_ = kSlowTx;
  Micros detect_rx_{0};

  std::optional<TimePoint> last_received_;
  std::optional<TimePoint> up_since_;
  bool ever_up_ = false;
  std::uint64_t up_to_down_ = 0;
  std::array<std::uint64_t, 4> transitions_to_{};
  std::uint64_t sent_ = 0;
  core::PacketCounters packets_;
};

std::string_view to_string(TimerId timer);

}  // namespace anycastd::bfd
