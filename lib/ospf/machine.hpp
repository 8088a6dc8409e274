// SPDX-License-Identifier: Apache-2.0
// The vocabulary of the OSPF machines (core/sans_io.hpp): the events the
// instance takes, the actions it and its units give, the keyed timers, and
// the RFC 2328 constants the config does not expose.
//
//   Start / Stop / TimerExpired / RouteChanged / PacketReceived /
//   Reconfigure / NeighborDown --> Instance::handle() --> Send /
//   SetAllDRouters / ArmTimer / CancelTimer / Log / Stopped
//
// Interfaces are known by the kernel's ifindex, neighbours by router ID, so
// that a timer or a packet names its target across reloads.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "core/bus.hpp"
#include "core/sans_io.hpp"
#include "util/prefix.hpp"

namespace anycastd::ospf {

using Clock = core::Clock;
using TimePoint = core::TimePoint;

// The kernel's ifindex of an interface.
using InterfaceId = unsigned;

// RFC 2328 appendix B.
inline constexpr auto kMinLsInterval = std::chrono::seconds(5);
inline constexpr auto kMinLsArrival = std::chrono::seconds(1);
inline constexpr auto kLsRefresh = std::chrono::seconds(1800);
// A router discards an instance that comes within MinLSArrival of the one
// before (§13 (5a)); ours that might be sends it again this long after
// MinLSArrival, for the two packets' different delays on the way.
inline constexpr auto kMinLsArrivalSlack = std::chrono::milliseconds(100);
// §13.5: how long a delayed acknowledgement waits to be bundled with others
// ("must be short (less than RxmtInterval)"); at most half the interface's RxmtInterval.
inline constexpr auto kAckDelay = std::chrono::milliseconds(500);
// How often the database is checked for LSAs that reached MaxAge (§14).
inline constexpr auto kAgingTick = std::chrono::seconds(1);

enum class TimerKind : std::uint8_t {
  hello,           // interface: §9.5 HelloInterval
  wait,            // interface: §9.4 the wait timer (RouterDeadInterval)
  inactivity,      // neighbour: §10 RouterDeadInterval without a Hello
  dd_retransmit,   // neighbour: §10.8 RxmtInterval for the last DD
  lsr_retransmit,  // neighbour: §10.9 RxmtInterval for the LS Request in flight
  lsu_retransmit,  // neighbour: §13.6 RxmtInterval for the retransmission list
  aging,           // §14: the database's MaxAge check
  delayed_ack,     // interface: §13.5 the delayed acknowledgements go out
  router_lsa,      // §12.4: the next origination, held by MinLSInterval or due by LSRefreshTime
  external_lsa,    // §12.4: the next AS-external/NSSA origination, held or due for refresh
  stop_deadline,   // stop: no more waiting for acknowledgements
};

struct TimerId {
  TimerKind kind = TimerKind::aging;
  InterfaceId interface = 0;   // interface and neighbour timers
  std::uint32_t neighbor = 0;  // neighbour timers: its router ID

  static TimerId of(TimerKind kind) { return {kind, 0, 0}; }
  static TimerId of(TimerKind kind, InterfaceId interface) { return {kind, interface, 0}; }
  static TimerId of(TimerKind kind, InterfaceId interface, std::uint32_t neighbor) {
    return {kind, interface, neighbor};
  }
  friend auto operator<=>(const TimerId&, const TimerId&) = default;
};

// One configured interface as the session found it on the host.
struct InterfaceInfo {
  std::string name;
  InterfaceId index = 0;      // kernel ifindex
  std::uint32_t address = 0;  // primary IPv4 address, host order
  std::uint8_t prefix_length = 32;
  std::uint16_t mtu = 1500;

  std::uint32_t mask() const;
  bool on_link(std::uint32_t other) const;
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
  InterfaceId interface = 0;
  std::uint32_t source = 0;  // IP source address
  std::uint32_t destination = 0;
  std::vector<std::uint8_t> bytes;  // from the OSPF header on
};
// New settings, applied in place (reload.hpp says what changes how);
// `added` are the interfaces the new settings add, as found on the host.
struct Reconfigure {
  config::OspfConfig config;
  std::vector<InterfaceInfo> added;
};
// RFC 2328 §10.2 KillNbr from outside: "an indication that all communication
// with the neighbor is now impossible", e.g. BFD saw it fail (RFC 5882 §4.1).
struct NeighborDown {
  std::uint32_t address = 0;  // the neighbour's interface address
};
using Event = std::variant<Start, Stop, TimerExpired, RouteChanged, PacketReceived, Reconfigure,
                           NeighborDown>;

// ---- actions ----
struct Send {
  InterfaceId interface = 0;
  std::uint32_t destination = 0;  // a multicast group or a neighbour
  std::vector<std::uint8_t> bytes;
};
// Join or leave AllDRouters (224.0.0.6) on an interface: RFC 2328 §8.2 /
// appendix A.1, only the DR and BDR listen there.
struct SetAllDRouters {
  InterfaceId interface = 0;
  bool member = false;
};
using ArmTimer = core::ArmTimer<TimerId>;
using CancelTimer = core::CancelTimer<TimerId>;
using Log = core::Log;
using Stopped = core::Stopped;
using Action = std::variant<Send, SetAllDRouters, ArmTimer, CancelTimer, Log, Stopped>;

using Out = core::Output<Action>;

// Why a unit refused a packet: the drop reason (core/drops.hpp) and the
// detail for the log.
struct Refusal {
  std::string_view reason;
  std::string detail;
};

}  // namespace anycastd::ospf
