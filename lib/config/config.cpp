// SPDX-License-Identifier: Apache-2.0
#include "config/config.hpp"

#include <fmt/format.h>

namespace anycastd::config {
namespace {

// "198.18.0.1:53", "[2001:db8::1]:53"
std::string endpoint(const IpAddress& address, std::uint16_t port) {
  if (address.is_v4()) return fmt::format("{}:{}", address.to_string(), port);
  return fmt::format("[{}]:{}", address.to_string(), port);
}

}  // namespace

std::string CheckConfig::describe() const {
  switch (type) {
    case CheckType::dns: {
      const char* via = transport == DnsTransport::tcp   ? "/tcp"
                        : transport == DnsTransport::tls ? "/tls"
                                                         : "";
      std::string line =
          fmt::format("dns{} {} {} {}", via, endpoint(target, port), qname, qtype_name);
      if (soa_primary) line += " vs primary " + endpoint(*soa_primary, soa_primary_port);
      return line;
    }
    case CheckType::tcp:
      return fmt::format("tcp {}", endpoint(target, port));
    case CheckType::ntp:
      return fmt::format("ntp {}", endpoint(target, port));
    case CheckType::http:
      return fmt::format("{} {}{}", tls ? "https" : "http", endpoint(target, port), path);
    case CheckType::file:
      return "file " + path;
    case CheckType::exec:
      return fmt::format("exec {}", fmt::join(command, " "));
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
    case CheckType::http:
      return "http";
    case CheckType::file:
      return "file";
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

std::string_view to_string(OspfAreaType type) {
  switch (type) {
    case OspfAreaType::normal:
      return "normal";
    case OspfAreaType::stub:
      return "stub";
    case OspfAreaType::nssa:
      return "nssa";
  }
  return "normal";
}

std::string_view to_string(OspfAnnounceAs announce_as) {
  switch (announce_as) {
    case OspfAnnounceAs::external:
      return "external";
    case OspfAnnounceAs::router_lsa:
      return "router-lsa";
  }
  return "external";
}

}  // namespace anycastd::config

namespace anycastd::config {

std::string_view to_string(BfdAuthMode mode) {
  switch (mode) {
    case BfdAuthMode::none:
      return "none";
    case BfdAuthMode::password:
      return "password";
    case BfdAuthMode::sha1:
      return "sha1";
    case BfdAuthMode::meticulous_sha1:
      return "meticulous-sha1";
  }
  return "?";
}

std::string_view to_string(Require require) {
  switch (require) {
    case Require::all:
      return "all";
    case Require::any:
      return "any";
  }
  return "?";
}

}  // namespace anycastd::config
