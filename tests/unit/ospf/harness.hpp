// SPDX-License-Identifier: Apache-2.0
// What the OSPF unit tests share: the session's timers on a fake clock, and
// the packets a step sent, decoded.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "ospf/machine.hpp"
#include "ospf/packet.hpp"

namespace anycastd::ospf::testing {

// ArmTimer and CancelTimer kept as session::TimerSet keeps them.
class FakeTimers {
 public:
  void track(const std::vector<Action>& actions) {
    for (const auto& a : actions) {
      if (const auto* arm = std::get_if<ArmTimer>(&a)) armed_[arm->timer] = arm->at;
      if (const auto* cancel = std::get_if<CancelTimer>(&a)) armed_.erase(cancel->timer);
    }
  }
  // The earliest timer due by `until`, no longer armed.
  std::optional<std::pair<TimerId, TimePoint>> pop(TimePoint until) {
    auto best = armed_.end();
    for (auto it = armed_.begin(); it != armed_.end(); ++it) {
      if (it->second <= until && (best == armed_.end() || it->second < best->second)) best = it;
    }
    if (best == armed_.end()) return std::nullopt;
    auto due = *best;
    armed_.erase(best);
    return due;
  }
  // The actions of a step, kept track of.
  std::vector<Action> take(Out& out) {
    auto actions = out.take();
    track(actions);
    return actions;
  }
  std::optional<TimePoint> at(const TimerId& timer) const {
    const auto it = armed_.find(timer);
    return it == armed_.end() ? std::nullopt : std::optional(it->second);
  }

 private:
  std::map<TimerId, TimePoint> armed_;
};

inline std::vector<Packet> sent(const std::vector<Action>& actions,
                                std::optional<PacketType> type = {}) {
  std::vector<Packet> out;
  for (const auto& a : actions) {
    const auto* s = std::get_if<Send>(&a);
    if (!s) continue;
    auto d = decode(s->bytes);
    EXPECT_TRUE(std::holds_alternative<Packet>(d));
    if (!std::holds_alternative<Packet>(d)) continue;
    if (!type || std::get<Packet>(d).type() == *type) out.push_back(std::get<Packet>(d));
  }
  return out;
}

// A Hello as a neighbour sends it, with HelloInterval 10 s and
// RouterDeadInterval 40 s (the config's defaults).
inline Hello neighbor_hello(std::uint32_t mask, std::uint8_t priority, std::uint32_t dr,
                            std::uint32_t bdr, std::vector<std::uint32_t> neighbors) {
  Hello h;
  h.network_mask = mask;
  h.hello_interval = 10;
  h.dead_interval = 40;
  h.priority = priority;
  h.designated_router = dr;
  h.backup_designated_router = bdr;
  h.neighbors = std::move(neighbors);
  return h;
}

template <typename T>
bool has(const std::vector<Action>& actions) {
  for (const auto& a : actions) {
    if (std::holds_alternative<T>(a)) return true;
  }
  return false;
}

}  // namespace anycastd::ospf::testing
