// SPDX-License-Identifier: Apache-2.0
#include "session/log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace anycastd::session {

spdlog::level::level_enum to_spdlog(config::LogLevel level) {
  switch (level) {
    case config::LogLevel::trace:
      return spdlog::level::trace;
    case config::LogLevel::debug:
      return spdlog::level::debug;
    case config::LogLevel::info:
      return spdlog::level::info;
    case config::LogLevel::warn:
      return spdlog::level::warn;
    case config::LogLevel::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

std::string_view syslog_prefix(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::critical:
      return "<2>";
    case spdlog::level::err:
      return "<3>";
    case spdlog::level::warn:
      return "<4>";
    case spdlog::level::info:
      return "<6>";
    case spdlog::level::debug:
    case spdlog::level::trace:
    case spdlog::level::off:
    case spdlog::level::n_levels:
      return "<7>";
  }
  return "<6>";
}

bool journal_stream_matches(std::string_view journal_stream, dev_t device, ino_t inode) {
  const auto colon = journal_stream.find(':');
  if (colon == std::string_view::npos) return false;
  auto number = [](std::string_view text, auto& out) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
  };
  unsigned long long dev = 0;
  unsigned long long ino = 0;
  return number(journal_stream.substr(0, colon), dev) &&
         number(journal_stream.substr(colon + 1), ino) && dev == device && ino == inode;
}

bool stderr_is_journal() {
  const char* env = std::getenv("JOURNAL_STREAM");
  struct stat st {};
  return env && ::fstat(STDERR_FILENO, &st) == 0 &&
         journal_stream_matches(env, st.st_dev, st.st_ino);
}

namespace {

// The %* flag of the journal pattern: the line's syslog priority prefix.
class PriorityFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const auto prefix = syslog_prefix(msg.level);
    dest.append(prefix.data(), prefix.data() + prefix.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<PriorityFlag>();
  }
};

}  // namespace

std::unique_ptr<spdlog::formatter> journal_formatter() {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<PriorityFlag>('*').set_pattern("%*%l: %v");
  return formatter;
}

std::shared_ptr<spdlog::logger> make_stderr_logger(const std::string& name) {
  auto logger = spdlog::stderr_color_mt(name);
  if (stderr_is_journal()) {
    logger->set_formatter(journal_formatter());
  } else {
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$: %v");
  }
  return logger;
}

LogWriter::LogWriter() : limiter_(std::chrono::seconds(10), 5) {}

void LogWriter::write(const core::Log& line) {
  if (line.rate_key.empty()) {
    spdlog::log(to_spdlog(line.level), "{}", line.text);
    return;
  }
  const auto verdict = limiter_.check(line.rate_key, LogRateLimiter::Clock::now());
  if (!verdict.log) return;
  if (verdict.suppressed_before > 0) {
    spdlog::log(to_spdlog(line.level), "{} ({} similar lines suppressed)", line.text,
                verdict.suppressed_before);
  } else {
    spdlog::log(to_spdlog(line.level), "{}", line.text);
  }
}

}  // namespace anycastd::session
