// SPDX-License-Identifier: Apache-2.0
// [bfd] (spec §3): Bidirectional Forwarding Detection, RFC 5880/5881,
// single-hop asynchronous mode. Present = BFD available; each protocol
// opts in with `bfd = true` on [[bgp.neighbor]], [[ospf.interface]] or [rip].
//
//   [bfd]
//   min_tx = "300ms"     # Desired Min TX Interval, 10ms..60s
//   min_rx = "300ms"     # Required Min RX Interval, 10ms..60s
//   multiplier = 3       # Detect Mult, 1..255
//   authentication = { mode = "sha1", key_id = 1, key = "..." }
//                        # sha1 | meticulous-sha1 | password (RFC 5880 §6.7)
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/duration.hpp"

namespace anycastd::config {

// RFC 5880 §4.2-§4.4: simple password, keyed SHA1, meticulous keyed SHA1.
enum class BfdAuthMode : std::uint8_t { none, password, sha1, meticulous_sha1 };

struct BfdAuthConfig {
  BfdAuthMode mode = BfdAuthMode::none;
  std::uint8_t key_id = 0;
  std::string key;
  bool operator==(const BfdAuthConfig&) const = default;
};

struct BfdConfig {
  Duration min_tx = std::chrono::milliseconds(300);
  Duration min_rx = std::chrono::milliseconds(300);
  std::uint8_t multiplier = 3;
  BfdAuthConfig authentication;
  bool operator==(const BfdConfig&) const = default;
};

std::string_view to_string(BfdAuthMode mode);

}  // namespace anycastd::config
