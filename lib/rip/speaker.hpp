// The RIPv2 speaker of a host (RFC 2453): announces the bus's prefixes as /32
// routes, answers requests, and listens to its neighbours only to count and
// validate what they send. Nothing heard is ever installed. Sans-IO: events
// in, actions out; the session layer owns sockets, timers and the clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "core/bus.hpp"
#include "rip/packet.hpp"
#include "util/prefix.hpp"

namespace anycastd::rip {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

enum class TimerId : std::uint8_t {
  update,            // RFC 2453 §3.8: the periodic ("30-second") update
  triggered_update,  // RFC 2453 §3.10.1: end of the hold after a triggered update
  shutdown_repeat,   // the repeat of the final metric-16 update
};
inline constexpr std::size_t kTimerCount = 3;

// One configured interface as the session found it on the host.
struct InterfaceInfo {
  std::string name;
  unsigned index = 0;  // kernel ifindex
  IpAddress address;   // primary IPv4 address
  std::uint8_t prefix_length = 32;

  bool on_link(const IpAddress& other) const;
};

// ---- events ----
struct Start {};
struct TimerFired {
  TimerId timer = TimerId::update;
};
struct RouteChanged {
  Prefix prefix;
  core::RouteAction action = core::RouteAction::withdraw;
};
struct PacketReceived {
  std::size_t interface = 0;  // position in the speaker's interface list
  IpAddress source;
  std::uint16_t source_port = kPort;
  std::vector<std::uint8_t> bytes;
};
struct Shutdown {};
using Event = std::variant<Start, TimerFired, RouteChanged, PacketReceived, Shutdown>;

// ---- actions ----
// 224.0.0.9:520 out of an interface (RFC 2453 §4: "IP multicast address 224.0.0.9").
struct Multicast {
  std::size_t interface = 0;
  friend bool operator==(const Multicast&, const Multicast&) = default;
};
struct Unicast {
  std::size_t interface = 0;
  IpAddress address;
  std::uint16_t port = kPort;
  friend bool operator==(const Unicast&, const Unicast&) = default;
};
using Destination = std::variant<Multicast, Unicast>;

struct Send {
  Destination to;
  std::vector<std::uint8_t> bytes;
};
struct ArmTimer {
  TimerId timer = TimerId::update;
  TimePoint at;
};
struct Log {
  config::LogLevel level = config::LogLevel::info;
  std::string text;
  std::string rate_key;  // non-empty: a repeatable line the session rate-limits by this key
};
struct Done {};
using Action = std::variant<Send, ArmTimer, Log, Done>;

// ---- counters, for status ----
struct InterfaceCounters {
  std::uint64_t sent = 0;                        // packets
  std::uint64_t received = 0;                    // valid packets
  std::optional<TimePoint> last_update;          // our last full or triggered update
  std::map<std::string, std::uint64_t> dropped;  // reason -> packets
};

struct NeighborCounters {
  std::size_t interface = 0;
  std::uint64_t packets = 0;
  std::size_t routes = 0;  // route entries in its last response
  TimePoint last_heard;
  std::optional<std::uint32_t> last_sequence;  // RFC 2082 sequence number
  std::uint64_t old_sequence = 0;              // packets whose sequence number went backwards
};

struct SpeakerOptions {
  std::uint64_t seed = 0;                // jitter and triggered-update hold
  std::uint32_t md5_sequence_start = 0;  // e.g. seconds since the epoch at start
  // Periodic updates that repeat a withdrawn prefix with metric 16 before it
  // is forgotten (RFC 2453 §3.8 garbage-collection: 120 s = 4 updates of 30 s).
  std::uint32_t poison_repeats = 4;
};

class Speaker {
 public:
  Speaker(config::RipConfig config, std::vector<InterfaceInfo> interfaces,
          SpeakerOptions options = {});

  std::vector<Action> handle(const Event& event, TimePoint now);

  const std::vector<InterfaceInfo>& interfaces() const { return interfaces_; }
  const std::vector<InterfaceCounters>& interface_counters() const { return counters_; }
  const std::map<IpAddress, NeighborCounters>& neighbors() const { return neighbors_; }
  // What we announce: prefix -> metric (withdrawn prefixes still being
  // poisoned are included with 16).
  std::map<Prefix, std::uint32_t> advertised() const;
  bool running() const { return state_ == State::running; }

 private:
  enum class State : std::uint8_t { idle, running, shutting_down, stopped };

  void on_start(TimePoint now, std::vector<Action>& out);
  void on_timer(TimerId timer, TimePoint now, std::vector<Action>& out);
  void on_route_changed(const RouteChanged& change, TimePoint now, std::vector<Action>& out);
  void on_packet(const PacketReceived& packet, TimePoint now, std::vector<Action>& out);
  void on_shutdown(TimePoint now, std::vector<Action>& out);

  void answer_request(const Packet& request, const PacketReceived& from, std::vector<Action>& out);
  void drop(std::size_t interface, std::string_view reason, const std::string& detail,
            std::vector<Action>& out);

  // Full table (periodic, whole-table answer) and changed-routes (triggered) updates.
  std::vector<RouteEntry> full_table() const;
  void send_update(const std::vector<RouteEntry>& routes, TimePoint now, std::vector<Action>& out);
  void send_triggered(TimePoint now, std::vector<Action>& out);
  void send_entries(const Destination& to, std::vector<RouteEntry> routes, Command command,
                    std::vector<Action>& out);
  void send_packet(const Destination& to, Packet packet, std::vector<Action>& out);
  void arm_periodic(TimePoint now, std::vector<Action>& out);
  std::vector<Destination> update_destinations() const;

  std::uint32_t metric_of(core::RouteAction action) const;
  static RouteEntry host_route(const Prefix& prefix, std::uint32_t metric);

  config::RipConfig config_;
  std::vector<InterfaceInfo> interfaces_;
  SpeakerOptions options_;
  State state_ = State::idle;
  std::mt19937_64 rng_;
  std::uint32_t md5_sequence_;

  std::map<Prefix, std::uint32_t> routes_;    // announced or degraded, with metric
  std::map<Prefix, std::uint32_t> poisoned_;  // withdrawn: periodic updates left
  std::map<Prefix, std::uint32_t> changed_;   // awaiting a triggered update: metric
  std::optional<TimePoint> triggered_hold_until_;
  bool triggered_timer_armed_ = false;
  std::uint32_t shutdown_sends_left_ = 0;

  std::vector<InterfaceCounters> counters_;
  std::map<IpAddress, NeighborCounters> neighbors_;
};

std::string_view to_string(TimerId timer);

}  // namespace anycastd::rip
