// SPDX-License-Identifier: Apache-2.0
// sd_notify(3) for Type=notify: READY, STATUS, STOPPING, RELOADING, WATCHDOG.
// Every call is a no-op when the daemon is not started by systemd.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace anycastd::systemd {

void notify_ready(std::string_view status);
void notify_status(std::string_view status);
void notify_reloading();
void notify_stopping();
void notify_watchdog();
// The watchdog period systemd expects pings within, if WatchdogSec= is set.
std::optional<std::chrono::microseconds> watchdog_period();

}  // namespace anycastd::systemd
