// SPDX-License-Identifier: Apache-2.0
// A pass over the raw config text before toml++ sees it.
//
// toml++ 3.3.0 (Debian 12) classifies some non-ASCII characters as
// "whitespace or not" with a table that runs into __builtin_unreachable()
// for U+00A1-U+0499 and U+FC06-U+FEFE (upstream issues 190 and 295, fixed
// after 3.3.0): undefined behaviour on a bad config, found by
// tests/fuzz/config_fuzz.cpp. It asks that question only of characters
// outside strings and comments, inside quoted keys, and right after a
// backslash in a multi-line basic string. TOML allows non-ASCII characters
// in none of the first places, anycastd has no non-ASCII keys, and the last
// one has a \uXXXX spelling, so those are reported here with a position and
// toml++ never reads them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace anycastd::config {

struct TextProblem {
  std::uint32_t line = 1;    // 1-based
  std::uint32_t column = 1;  // 1-based, in characters (as toml++ counts)
  std::string message;
};

// The first non-ASCII character in a place listed above, if any.
std::optional<TextProblem> find_unreadable_non_ascii(std::string_view text);

}  // namespace anycastd::config
