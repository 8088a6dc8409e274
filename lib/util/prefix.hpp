// SPDX-License-Identifier: Apache-2.0
// IP addresses and prefixes as plain values, with no socket headers, so the
// config, the announcement bus and the protocol logic can share them.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace anycastd {

enum class Family : std::uint8_t { ipv4, ipv6 };

struct IpAddress {
  Family family = Family::ipv4;
  // Network byte order; IPv4 uses the first four bytes, the rest stay zero.
  std::array<std::uint8_t, 16> bytes{};

  static IpAddress v4(std::uint32_t host_order);
  static std::optional<IpAddress> parse(std::string_view text);
  std::string to_string() const;
  // Host-order value of an IPv4 address.
  std::uint32_t v4_value() const;
  std::size_t byte_size() const { return family == Family::ipv4 ? 4 : 16; }
  bool is_v4() const { return family == Family::ipv4; }

  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

struct Prefix {
  IpAddress address;
  std::uint8_t length = 0;

  // "198.19.224.2/32", "2001:db8::1/128"; a bare address is a host route.
  static std::optional<Prefix> parse(std::string_view text);
  std::string to_string() const;
  std::uint8_t max_length() const { return address.is_v4() ? 32 : 128; }
  bool is_host_route() const { return length == max_length(); }
  // True when no bit beyond `length` is set.
  bool is_canonical() const;

  friend auto operator<=>(const Prefix&, const Prefix&) = default;
};

}  // namespace anycastd
