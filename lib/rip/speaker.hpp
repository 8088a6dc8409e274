// SPDX-License-Identifier: Apache-2.0
// The RIPv2 speaker of a host (RFC 2453): announces the bus's prefixes as /32
// routes, answers requests, and listens to its neighbours to count and
// validate what they send and to answer a router that lost its route to one of
// our prefixes. Nothing heard is ever installed. Sans-IO in the
// shared vocabulary (core/sans_io.hpp): events in, actions out; the session
// layer owns sockets, timers and the clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "core/bus.hpp"
#include "core/drops.hpp"
#include "core/sans_io.hpp"
#include "rip/packet.hpp"
#include "util/prefix.hpp"

namespace anycastd::rip {

using core::Clock;
using core::TimePoint;

enum class TimerId : std::uint8_t {
  update,            // RFC 2453 §3.8: the periodic ("30-second") update
  triggered_update,  // RFC 2453 §3.10.1: end of the hold after a triggered update
  stop_repeat,       // the repeat of the final metric-16 update
};

// One configured interface as the session found it on the host. Events and
// actions name it by its kernel index.
struct InterfaceInfo {
  std::string name;
  unsigned index = 0;  // kernel ifindex
  IpAddress address;   // primary IPv4 address
  std::uint8_t prefix_length = 32;

  bool on_link(const IpAddress& other) const;
  bool operator==(const InterfaceInfo&) const = default;
};

// ---- events ----
using Start = core::Start;
using Stop = core::Stop;
using TimerExpired = core::TimerExpired<TimerId>;
struct RouteChanged {
  Prefix prefix;
  core::RouteAction action = core::RouteAction::withdraw;
};
struct PacketReceived {
  unsigned interface = 0;  // kernel ifindex of the arrival interface
  IpAddress source;
  std::uint16_t source_port = kPort;
  std::vector<std::uint8_t> bytes;
};
// New settings (reload), with the interfaces the session found for them.
struct Reconfigure {
  config::RipConfig config;
  std::vector<InterfaceInfo> interfaces;
};
// The router at `address` is gone: its BFD session went from Up to Down
// (RFC 5882 §4.3). Marked and logged; its next accepted packet clears it.
struct NeighborDown {
  IpAddress address;
};
using Event = std::variant<Start, Stop, TimerExpired, RouteChanged, PacketReceived, Reconfigure,
                           NeighborDown>;

// ---- actions ----
// 224.0.0.9:520 out of an interface (RFC 2453 §4: "IP multicast address 224.0.0.9").
struct Multicast {
  unsigned interface = 0;
  friend bool operator==(const Multicast&, const Multicast&) = default;
};
struct Unicast {
  unsigned interface = 0;
  IpAddress address;
  std::uint16_t port = kPort;
  friend bool operator==(const Unicast&, const Unicast&) = default;
};
using Destination = std::variant<Multicast, Unicast>;

struct Send {
  Destination to;
  std::vector<std::uint8_t> bytes;
};
using ArmTimer = core::ArmTimer<TimerId>;
using CancelTimer = core::CancelTimer<TimerId>;
using Log = core::Log;
using Stopped = core::Stopped;
using Action = std::variant<Send, ArmTimer, CancelTimer, Log, Stopped>;
using Out = core::Output<Action>;

// ---- counters, for status ----
struct InterfaceCounters {
  core::PacketCounters packets;          // received = accepted + dropped, by reason
  std::uint64_t sent = 0;                // packets
  std::uint64_t updates_sent = 0;        // full and triggered updates (responses)
  std::uint64_t updates_received = 0;    // accepted responses from neighbours
  std::optional<TimePoint> last_update;  // our last full or triggered update
};

struct NeighborCounters {
  unsigned interface = 0;
  std::uint64_t packets = 0;
  std::size_t routes = 0;  // route entries in its last response
  TimePoint last_heard;
  std::optional<std::uint32_t> last_sequence;  // RFC 2082 sequence number
  std::uint64_t old_sequence = 0;              // packets whose sequence number went backwards
  std::optional<TimePoint> gone_since;         // BFD said it went down; cleared when heard again
  // Our prefixes it last advertised with a metric below 16, i.e. reached
  // through some router (itself another origin of the prefix, or us).
  std::set<Prefix> reaches;
};

struct SpeakerOptions {
  std::uint64_t seed = 0;                // jitter and triggered-update hold
  std::uint32_t md5_sequence_start = 0;  // e.g. seconds since the epoch at start
  // Periodic updates that repeat a withdrawn prefix with metric 16 before it
  // is forgotten (RFC 2453 §3.8 garbage-collection: 120 s = 4 updates of 30 s).
  std::uint32_t poison_repeats = 4;
};

// What a reload changes. RIP has no sessions to keep: everything applies in
// place; only the interfaces' sockets come and go.
struct ReloadPlan {
  std::vector<std::string> interfaces_added;
  std::vector<std::string> interfaces_removed;  // get metric 16 for every route first
  bool metrics_changed = false;                 // metric, degraded_metric: triggered update
  bool update_interval_changed = false;         // the periodic timer is re-armed
  bool neighbors_changed = false;               // unicast destinations, from the next update
  bool authentication_changed = false;          // packets from now on
};
ReloadPlan plan_reload(const config::RipConfig& old, const config::RipConfig& next);

class Speaker {
 public:
  Speaker(config::RipConfig config, std::vector<InterfaceInfo> interfaces,
          SpeakerOptions options = {});

  std::vector<Action> handle(const Event& event, TimePoint now);

  const config::RipConfig& config() const { return config_; }
  const std::vector<InterfaceInfo>& interfaces() const { return interfaces_; }
  // Per interface, in the order of interfaces().
  const std::vector<InterfaceCounters>& interface_counters() const { return counters_; }
  const std::map<IpAddress, NeighborCounters>& neighbors() const { return neighbors_; }
  // What we announce: prefix -> metric (withdrawn prefixes still being
  // poisoned are included with 16).
  std::map<Prefix, std::uint32_t> advertised() const;
  bool running() const { return state_ == State::running; }

 private:
  enum class State : std::uint8_t { idle, running, stopping, stopped };

  void on_start(Out& out);
  void on_stop(Out& out);
  void on_timer(TimerId timer, Out& out);
  void on_route_changed(const RouteChanged& change, Out& out);
  void on_packet(const PacketReceived& packet, Out& out);
  void on_reconfigure(const Reconfigure& next, Out& out);
  void on_neighbor_down(const NeighborDown& down, Out& out);
  void answer_lost_routes(const Packet& response, const IpAddress& router,
                          NeighborCounters& neighbor, Out& out);

  // Position of the interface with kernel index `index`, if it is ours.
  std::optional<std::size_t> position(unsigned index) const;
  void answer_request(const Packet& request, const PacketReceived& from, Out& out);
  void drop(std::size_t interface, std::string_view reason, std::string_view detail, Out& out);

  // Full table (periodic, whole-table answer) and changed-routes (triggered) updates.
  std::vector<RouteEntry> full_table() const;
  void send_update(const std::vector<RouteEntry>& routes, Out& out);
  // Queues `changes` for a triggered update: sent now when `at_once` or the
  // hold after the last one is over, else at the hold's end.
  void trigger(const std::map<Prefix, std::uint32_t>& changes, bool at_once, Out& out);
  void send_triggered(Out& out);
  void send_entries(const Destination& to, std::vector<RouteEntry> routes, Command command,
                    Out& out);
  void send_packet(const Destination& to, Packet packet, Out& out);
  void arm_periodic(Out& out);
  std::vector<Destination> update_destinations() const;

  std::uint32_t metric_of(core::RouteAction action) const;
  static RouteEntry host_route(const Prefix& prefix, std::uint32_t metric);

  config::RipConfig config_;
  std::vector<InterfaceInfo> interfaces_;
  SpeakerOptions options_;
  State state_ = State::idle;
  std::mt19937_64 rng_;
  std::uint32_t md5_sequence_;

  std::map<Prefix, core::RouteAction> actions_;  // announced or degraded, as the bus says
  std::map<Prefix, std::uint32_t> poisoned_;     // withdrawn: periodic updates left
  std::map<Prefix, std::uint32_t> changed_;      // awaiting a triggered update: metric
  std::optional<TimePoint> triggered_hold_until_;
  std::uint32_t stop_sends_left_ = 0;

  std::vector<InterfaceCounters> counters_;
  std::map<IpAddress, NeighborCounters> neighbors_;
};

std::string_view to_string(TimerId timer);

}  // namespace anycastd::rip
