// SPDX-License-Identifier: Apache-2.0
// Durations as written in the config file: "500ms", "2s", "1m", "1h".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace anycastd {

using Duration = std::chrono::milliseconds;

// Parses a non-negative integer followed by one unit (ms, s, m, h). Returns
// nullopt on anything else: no unit, unknown unit, sign, fraction, overflow.
std::optional<Duration> parse_duration(std::string_view text);

// The shortest exact spelling: 1500ms -> "1500ms", 2000ms -> "2s", 60000ms -> "1m".
std::string format_duration(Duration d);

}  // namespace anycastd
