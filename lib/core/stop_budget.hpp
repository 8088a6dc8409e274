// SPDX-License-Identifier: Apache-2.0
// The one time budget of a graceful stop (spec §2: SIGTERM withdraws every
// prefix on every protocol, then the daemon exits 0 within 2 s of it).
//
//   0 ms      SIGTERM: probes stop; every protocol gets Stop with this budget
//   ≤ 1000    BGP's RFC 8326 drain (GRACEFUL_SHUTDOWN routes) ends, whatever
//             drain_time says; then withdrawals and NOTIFICATION Cease.
//             RIP (metric 16) and OSPF (MaxAge flush) withdraw at once.
//   ≤ 1500    every routing protocol has called done: withdrawals are on the
//             wire; OSPF stops waiting for acknowledgements
//   then      BFD sends AdminDown (RFC 5882 §3.2: the stop is not a failure),
//             after the routing protocols so that routers withdraw first
//   1800      the daemon exits, whatever is left; 200 ms spare to the 2 s
#pragma once

#include <chrono>

namespace anycastd::core {

struct StopBudget {
  using Clock = std::chrono::steady_clock;
  static constexpr auto kDrain = std::chrono::milliseconds(1000);
  static constexpr auto kProtocols = std::chrono::milliseconds(1500);
  static constexpr auto kExit = std::chrono::milliseconds(1800);

  Clock::time_point started;

  Clock::time_point drain_until() const { return started + kDrain; }
  Clock::time_point protocols_done() const { return started + kProtocols; }
  Clock::time_point exit() const { return started + kExit; }
};

}  // namespace anycastd::core
