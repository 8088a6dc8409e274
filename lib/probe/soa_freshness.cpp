// SPDX-License-Identifier: Apache-2.0
#include "probe/soa_freshness.hpp"

#include <fmt/format.h>

#include "util/duration.hpp"

namespace anycastd::probe {

namespace {

constexpr std::uint32_t kHalfSerialSpace = 1u << 31;  // RFC 1982 §2: 2^(SERIAL_BITS - 1)

}  // namespace

std::optional<std::uint32_t> serial_lag(std::uint32_t local, std::uint32_t primary) {
  // RFC 1982 §3.2: i1 < i2 when (i1 < i2 and i2 - i1 < 2^31) or (i1 > i2 and
  // i1 - i2 > 2^31): both say that i2 - i1 (mod 2^32) is below 2^31.
  const std::uint32_t ahead = primary - local;
  if (ahead == kHalfSerialSpace) return std::nullopt;
  if (ahead > kHalfSerialSpace) return 0u;  // local is ahead of the primary
  return ahead;
}

SoaFreshness::SoaFreshness(std::uint32_t max_lag, std::chrono::milliseconds primary_grace,
                           Clock::time_point since)
    : max_lag_(max_lag), grace_(primary_grace), last_reached_(since) {}

AnswerVerdict SoaFreshness::judge(std::uint32_t local, std::optional<std::uint32_t> primary,
                                  std::string_view primary_error, Clock::time_point now) {
  std::string primary_note;
  if (primary) {
    last_reached_ = now;
    known_primary_ = primary;
  } else {
    const auto unreachable =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - last_reached_);
    const std::string how_long =
        fmt::format("{}s", std::chrono::duration_cast<std::chrono::seconds>(unreachable).count());
    if (unreachable > grace_) {
      return {Verdict::fail,
              fmt::format("serial {}, primary unreachable for {} (primary_grace {}): {}", local,
                          how_long, format_duration(grace_), primary_error)};
    }
    primary_note = fmt::format(", primary unreachable for {} ({})", how_long, primary_error);
  }
  if (!known_primary_) {
    return {Verdict::pass, fmt::format("serial {}{}, no primary serial yet", local, primary_note)};
  }
  const auto lag = serial_lag(local, *known_primary_);
  if (!lag) {
    return {Verdict::fail,
            fmt::format("serial {} and the primary's {} are 2^31 apart (RFC 1982: undefined)",
                        local, *known_primary_)};
  }
  if (*lag > max_lag_) {
    return {Verdict::fail,
            fmt::format("serial {} is {} behind the primary's {} (max_serial_lag {}){}", local,
                        *lag, *known_primary_, max_lag_, primary_note)};
  }
  return {Verdict::pass, fmt::format("serial {}, primary {}{}{}", local, *known_primary_,
                                     primary ? "" : " (last seen)", primary_note)};
}

}  // namespace anycastd::probe
