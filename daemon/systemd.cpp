#include "systemd.hpp"

#include <systemd/sd-daemon.h>

#include <string>

namespace anycastd::systemd {
namespace {

void notify(const std::string& state) {
  sd_notify(0, state.c_str());
}

}  // namespace

void notify_ready(std::string_view status) {
  notify("READY=1\nSTATUS=" + std::string(status));
}

void notify_status(std::string_view status) {
  notify("STATUS=" + std::string(status));
}

void notify_reloading() {
  notify("RELOADING=1");
}

void notify_stopping() {
  notify("STOPPING=1");
}

void notify_watchdog() {
  notify("WATCHDOG=1");
}

std::optional<std::chrono::microseconds> watchdog_period() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec);
}

}  // namespace anycastd::systemd
