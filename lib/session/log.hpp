// SPDX-License-Identifier: Apache-2.0
// Where the protocol machines' Log actions (core/sans_io.hpp) go: spdlog, at
// the line's level, with repeatable lines (those with a rate_key, e.g. a
// dropped packet) limited to 5 per key per 10 s and a count of the rest.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string_view>

#include <spdlog/common.h>
#include <spdlog/formatter.h>
#include <spdlog/logger.h>

#include "config/config.hpp"
#include "core/sans_io.hpp"
#include "util/rate_limit.hpp"

namespace anycastd::session {

spdlog::level::level_enum to_spdlog(config::LogLevel level);

// sd-daemon(3): a line that starts with "<N>" reaches journald at syslog
// priority N. critical <2>, error <3>, warn <4>, info <6>, debug and trace <7>.
std::string_view syslog_prefix(spdlog::level::level_enum level);

// systemd.exec(5) $JOURNAL_STREAM is "DEVICE:INODE" of the stream connected
// to journald; true when it names the file with `device` and `inode`.
bool journal_stream_matches(std::string_view journal_stream, dev_t device, ino_t inode);

// True when stderr is the journal stream systemd connected us to (not, say,
// a shell redirect inherited from a unit's child).
bool stderr_is_journal();

// "<N>level: text": the line format for journald.
std::unique_ptr<spdlog::formatter> journal_formatter();

// The daemon's logger on stderr: under journald each line is "<N>level:
// text" (journald keeps its own time stamps), elsewhere "time level: text".
std::shared_ptr<spdlog::logger> make_stderr_logger(const std::string& name);

class LogWriter {
 public:
  LogWriter();
  void write(const core::Log& line);

 private:
  LogRateLimiter limiter_;
};

}  // namespace anycastd::session
