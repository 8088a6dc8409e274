// SPDX-License-Identifier: Apache-2.0
// RFC 1997 communities as the config writes them (config/bgp_config.hpp).
#include <charconv>
#include <map>

#include <fmt/format.h>

#include "config/bgp_config.hpp"

namespace anycastd::config {

namespace {

// RFC 1997 §3 and RFC 8326 §5 well-known communities.
const std::map<std::string_view, std::uint32_t>& well_known() {
  static const std::map<std::string_view, std::uint32_t> names = {
      {"graceful-shutdown", 0xFFFF0000},
      {"no-export", 0xFFFFFF01},
      {"no-advertise", 0xFFFFFF02},
      {"no-export-subconfed", 0xFFFFFF03},
  };
  return names;
}

std::optional<std::uint16_t> parse_u16(std::string_view text) {
  unsigned v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || v > 0xffff) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(v);
}

}  // namespace

std::optional<std::uint32_t> parse_community(std::string_view text) {
  if (const auto it = well_known().find(text); it != well_known().end()) return it->second;
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto high = parse_u16(text.substr(0, colon));
  const auto low = parse_u16(text.substr(colon + 1));
  if (!high || !low) return std::nullopt;
  return (std::uint32_t{*high} << 16) | *low;
}

std::string format_community(std::uint32_t community) {
  return fmt::format("{}:{}", community >> 16, community & 0xffff);
}

}  // namespace anycastd::config
