// SPDX-License-Identifier: Apache-2.0
// Packets a protocol received, by fate: each one is accepted or dropped for
// exactly one reason, so received == accepted + the dropped total, and an
// operator can trust the counters (anycastctl status, metrics). Reasons are
// snake_case words that mean the same in every protocol where they occur:
// truncated, bad_version, bad_checksum, bad_auth, bad_ttl, not_on_link,
// unknown_neighbor, wrong_area, ... plus the protocol's own.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "core/sans_io.hpp"

namespace anycastd::core {

struct PacketCounters {
  std::uint64_t received = 0;
  std::uint64_t accepted = 0;
  std::map<std::string, std::uint64_t, std::less<>> dropped;  // reason -> packets

  std::uint64_t dropped_total() const;
  void add_dropped(std::string_view reason);
};

// The rate-limited warning for one dropped packet:
// "<where>: dropped packet: <reason>: <detail>", keyed by where and reason.
Log drop_log(std::string_view where, std::string_view reason, std::string_view detail);

}  // namespace anycastd::core
