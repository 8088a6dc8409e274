// SPDX-License-Identifier: Apache-2.0
// What the config tests parse: TOML text named "test.toml".
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.hpp"

namespace anycastd::config::test {

inline LoadResult parse_text(const std::string& text) {
  return parse(text, "test.toml");
}

// Every error of `text`, which must not load, as the user sees it (FILE:LINE:COL: ...).
inline std::vector<std::string> errors(const std::string& text) {
  const auto result = parse_text(text);
  EXPECT_FALSE(result.config);
  std::vector<std::string> lines;
  for (const auto& e : result.errors)
    lines.push_back(e.to_string());
  return lines;
}

}  // namespace anycastd::config::test
