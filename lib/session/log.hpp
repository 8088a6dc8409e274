// Where the protocol machines' Log actions (core/sans_io.hpp) go: spdlog, at
// the line's level, with repeatable lines (those with a rate_key, e.g. a
// dropped packet) limited to 5 per key per 10 s and a count of the rest.
#pragma once

#include <spdlog/common.h>

#include "config/config.hpp"
#include "core/sans_io.hpp"
#include "util/rate_limit.hpp"

namespace anycastd::session {

spdlog::level::level_enum to_spdlog(config::LogLevel level);

class LogWriter {
 public:
  LogWriter();
  void write(const core::Log& line);

 private:
  LogRateLimiter limiter_;
};

}  // namespace anycastd::session
