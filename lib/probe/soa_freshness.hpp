// SPDX-License-Identifier: Apache-2.0
// Zone freshness (the dns check's soa_primary): this node's SOA serial
// against the primary's, in RFC 1982 serial arithmetic. Sans-IO: the check
// feeds both answers and the time in, a verdict comes out.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "probe/verdict.hpp"

namespace anycastd::probe {

// RFC 1982 §3.2: how many increments `primary` is ahead of `local`; 0 when
// they are equal or `local` is ahead; nullopt when they are exactly 2^31
// apart, where the comparison is undefined.
std::optional<std::uint32_t> serial_lag(std::uint32_t local, std::uint32_t primary);

class SoaFreshness {
 public:
  using Clock = std::chrono::steady_clock;

  // `since` starts the primary's grace period: a primary never reached
  // counts as unreachable from then.
  SoaFreshness(std::uint32_t max_lag, std::chrono::milliseconds primary_grace,
               Clock::time_point since);

  // One round: this node answered with `local`; the primary with
  // `primary`, or not at all (`primary_error` says why). An unreachable
  // primary fails the check only after primary_grace; meanwhile the local
  // serial is compared with the last one the primary gave.
  AnswerVerdict judge(std::uint32_t local, std::optional<std::uint32_t> primary,
                      std::string_view primary_error, Clock::time_point now);

 private:
  std::uint32_t max_lag_;
  std::chrono::milliseconds grace_;
  Clock::time_point last_reached_;
  std::optional<std::uint32_t> known_primary_;
};

}  // namespace anycastd::probe
