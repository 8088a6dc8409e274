// SPDX-License-Identifier: Apache-2.0
#include "session/log.hpp"

#include <gtest/gtest.h>

#include <spdlog/details/log_msg.h>

namespace anycastd::session {
namespace {

std::string journal_line(spdlog::level::level_enum level, std::string_view text) {
  const auto formatter = journal_formatter();
  spdlog::memory_buf_t out;
  formatter->format(spdlog::details::log_msg("anycastd", level, text), out);
  return {out.data(), out.size()};
}

TEST(JournalFormat, EachLineCarriesItsSyslogPriority) {
  EXPECT_EQ(journal_line(spdlog::level::critical, "cannot start"), "<2>critical: cannot start\n");
  EXPECT_EQ(journal_line(spdlog::level::err, "reload rejected"), "<3>error: reload rejected\n");
  EXPECT_EQ(journal_line(spdlog::level::warn, "service dns: up -> down"),
            "<4>warning: service dns: up -> down\n");
  EXPECT_EQ(journal_line(spdlog::level::info, "started"), "<6>info: started\n");
  EXPECT_EQ(journal_line(spdlog::level::debug, "control: status"), "<7>debug: control: status\n");
  EXPECT_EQ(journal_line(spdlog::level::trace, "x"), "<7>trace: x\n");
}

TEST(JournalStream, MatchesOnlyTheNamedDeviceAndInode) {
  EXPECT_TRUE(journal_stream_matches("8:12345", 8, 12345));
  EXPECT_FALSE(journal_stream_matches("8:12345", 8, 12346));
  EXPECT_FALSE(journal_stream_matches("9:12345", 8, 12345));
  EXPECT_FALSE(journal_stream_matches("8:", 8, 0));
  EXPECT_FALSE(journal_stream_matches("812345", 8, 12345));
  EXPECT_FALSE(journal_stream_matches("8:12345x", 8, 12345));
  EXPECT_FALSE(journal_stream_matches("", 0, 0));
}

}  // namespace
}  // namespace anycastd::session
