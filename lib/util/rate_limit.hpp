// SPDX-License-Identifier: Apache-2.0
// Rate limiting for repeated log lines (malformed packets, failing probes):
// at most `burst` lines per `period` for one key, then a count of what was
// suppressed when the period rolls over.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace anycastd {

class LogRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  LogRateLimiter(Clock::duration period, std::uint32_t burst) : period_(period), burst_(burst) {}

  struct Verdict {
    bool log = false;
    // Lines suppressed for this key in the previous period, to mention once.
    std::uint64_t suppressed_before = 0;
  };
  Verdict check(const std::string& key, Clock::time_point now);

 private:
  struct Window {
    Clock::time_point start;
    std::uint32_t logged = 0;
    std::uint64_t suppressed = 0;
  };
  Clock::duration period_;
  std::uint32_t burst_;
  std::unordered_map<std::string, Window> windows_;
};

}  // namespace anycastd
