// SPDX-License-Identifier: Apache-2.0
#include "core/drops.hpp"

#include <fmt/format.h>

namespace anycastd::core {

std::uint64_t PacketCounters::dropped_total() const {
  std::uint64_t total = 0;
  for (const auto& [reason, count] : dropped)
    total += count;
  return total;
}

void PacketCounters::add_dropped(std::string_view reason) {
  const auto it = dropped.find(reason);
  if (it != dropped.end()) {
    ++it->second;
  } else {
    dropped.emplace(std::string(reason), 1);
  }
}

Log drop_log(std::string_view where, std::string_view reason, std::string_view detail) {
  return Log{config::LogLevel::warn,
             fmt::format("{}: dropped packet: {}: {}", where, reason, detail),
             fmt::format("{}:drop:{}", where, reason)};
}

}  // namespace anycastd::core
