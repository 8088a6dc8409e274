#include "config/config.hpp"

#include <fmt/format.h>

namespace anycastd::config {

std::string CheckConfig::describe() const {
  switch (type) {
    case CheckType::dns:
      return fmt::format("dns{} {}:{} {} {}", transport == DnsTransport::tcp ? "/tcp" : "",
                         target.to_string(), port, qname, qtype_name);
    case CheckType::tcp:
      return fmt::format("tcp {}:{}", target.to_string(), port);
    case CheckType::ntp:
      return fmt::format("ntp {}:{}", target.to_string(), port);
    case CheckType::exec: {
      std::string line = "exec";
      for (const auto& arg : command)
        line += " " + arg;
      return line;
    }
  }
  return "?";
}

const ServiceConfig* Config::find_service(std::string_view name) const {
  for (const auto& s : services) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string Diagnostic::to_string() const {
  if (line == 0) return fmt::format("{}: {}", file, message);
  return fmt::format("{}:{}:{}: {}", file, line, column, message);
}

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::trace:
      return "trace";
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "?";
}

std::string_view to_string(CheckType type) {
  switch (type) {
    case CheckType::dns:
      return "dns";
    case CheckType::tcp:
      return "tcp";
    case CheckType::ntp:
      return "ntp";
    case CheckType::exec:
      return "exec";
  }
  return "?";
}

std::string_view to_string(OnFailure on_failure) {
  switch (on_failure) {
    case OnFailure::withdraw:
      return "withdraw";
    case OnFailure::degrade:
      return "degrade";
  }
  return "?";
}

std::string_view to_string(OspfInterfaceType type) {
  switch (type) {
    case OspfInterfaceType::broadcast:
      return "broadcast";
    case OspfInterfaceType::point_to_point:
      return "point-to-point";
  }
  return "broadcast";
}

}  // namespace anycastd::config
