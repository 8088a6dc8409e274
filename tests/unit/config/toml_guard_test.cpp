// SPDX-License-Identifier: Apache-2.0
// The pass that keeps toml++ 3.3.0 away from the non-ASCII characters it
// cannot classify (lib/config/toml_guard.hpp): where it reports, where it
// stays quiet, and that parse() gives its finding as FILE:LINE:COL.
#include "config/toml_guard.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "config/config.hpp"

namespace anycastd::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string where(std::string_view text) {
  const auto problem = find_unreadable_non_ascii(text);
  if (!problem) return "none";
  return std::to_string(problem->line) + ":" + std::to_string(problem->column);
}

TEST(TomlGuard, NonAsciiInStringsAndCommentsIsFine) {
  EXPECT_EQ(where("# r\xC3\xA9seau \xC2\xA7\nname = \"caf\xC3\xA9\"\n"), "none");
  EXPECT_EQ(where("a = 'lit\xC2\xA7'\nb = '''\n\xC2\xA7\n'''\nc = \"\"\"\n\xC2\xA7\n\"\"\"\n"),
            "none");
  EXPECT_EQ(where("a = [\"\xC2\xA7\", { b = \"\xC2\xA7\" }]\n"), "none");
  EXPECT_EQ(where("\xEF\xBB\xBF"
                  "a = 1\n"),
            "none");  // a byte order mark
  // Escaped quotes and closing delimiters with extra quotes keep the scanner in step.
  EXPECT_EQ(where("a = \"x\\\"\xC2\xA7\"\nb = \"\"\"q\"\"\"\"\"\nc = \"\xC2\xA7\"\n"), "none");
}

TEST(TomlGuard, NonAsciiOutsideStrings) {
  EXPECT_EQ(where("\xC2\xA7 = 1\n"), "1:1");
  EXPECT_EQ(where("a = 1 \xE2\x80\x94 2\n"), "1:7");
  EXPECT_EQ(where("[t]\nx = \"\xC3\xA9\" \xC3\xA9\n"), "2:9");  // columns count characters
  EXPECT_EQ(where("a = \xCC\xAA\n"), "1:5");                    // upstream issue 295's input
  const auto problem = find_unreadable_non_ascii("a = 1\xFF\n");
  ASSERT_TRUE(problem);
  EXPECT_THAT(problem->message, HasSubstr("byte 0xFF, not UTF-8"));
}

TEST(TomlGuard, NonAsciiInQuotedKeys) {
  EXPECT_EQ(where("\"\xC3\xA9\" = 1\n"), "1:2");
  EXPECT_EQ(where("[\"s\xC2\xA7\"]\n"), "1:4");
  EXPECT_EQ(where("[[a.'\xC2\xA7']]\n"), "1:6");
  EXPECT_EQ(where("t = { \"\xC2\xA7\" = 1 }\n"), "1:8");
  EXPECT_EQ(where("t = { a = 1, '\xC2\xA7' = 1 }\n"), "1:15");
  // A quote glued to a bare word does not open a string (fuzzer finding).
  EXPECT_EQ(where("a = [\"x\", 2\"00\xCE\x8D\"]\n"), "1:15");
  EXPECT_EQ(where("a = \"x\"\"\xC2\xA7\"\n"), "1:9");
  // A string value that spans lines inside an array is still a value.
  EXPECT_EQ(where("a = [\n  \"\xC2\xA7\",\n]\n"), "none");
}

TEST(TomlGuard, MultiLineBasicStringBackslashes) {
  // Upstream issue 190: a line-ending backslash, then a non-ASCII character.
  const auto problem = find_unreadable_non_ascii("s = \"\"\"\\\n  \xC2\xA7\"\"\"\n");
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->line, 2u);
  EXPECT_EQ(problem->column, 3u);
  EXPECT_THAT(problem->message, HasSubstr("write it as \\u00A7"));
  EXPECT_EQ(where("s = \"\"\"\\\xC2\xA7\"\"\"\n"), "1:9");
  EXPECT_EQ(where("s = \"\"\"\\\n  x\xC2\xA7\"\"\"\n"), "none");
  EXPECT_EQ(where("s = \"\\\xC2\xA7\"\n"),
            "none");  // single-line: toml++ rejects the escape itself
}

TEST(TomlGuard, ParseReportsItWithPosition) {
  const auto result = parse("[daemon]\nlog_level = \"info\" \xC2\xA7\n", "test.toml");
  EXPECT_FALSE(result.config);
  std::vector<std::string> lines;
  for (const auto& e : result.errors)
    lines.push_back(e.to_string());
  EXPECT_THAT(lines, ElementsAre("test.toml:2:20: non-ASCII character U+00A7 outside a string or "
                                 "comment (TOML allows them only there)"));
}

}  // namespace
}  // namespace anycastd::config
