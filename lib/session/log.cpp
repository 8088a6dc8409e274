#include "session/log.hpp"

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
