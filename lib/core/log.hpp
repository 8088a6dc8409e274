// The config's log levels as spdlog's, for the daemon and every session.
#pragma once

#include <spdlog/common.h>

#include "config/config.hpp"

namespace anycastd::core {

spdlog::level::level_enum to_spdlog(config::LogLevel level);

}  // namespace anycastd::core
