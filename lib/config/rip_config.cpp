// SPDX-License-Identifier: Apache-2.0
// [rip] (spec §3): RIPv2, RFC 2453.
#include <algorithm>

#include <fmt/format.h>

#include "config/protocols.hpp"

namespace anycastd::config {

constexpr std::size_t kMaxInterfaceName = 15;  // IFNAMSIZ - 1

void parse_rip(Reader& r, const toml::table& t, RipConfig& out) {
  r.check_keys(t, "rip");
  std::vector<std::pair<std::string, toml::source_region>> items;
  if (r.read_string_array(t, "interfaces", items)) {
    for (const auto& [name, where] : items) {
      if (name.empty() || name.size() > kMaxInterfaceName) {
        r.error(where, fmt::format("\"{}\" is not a valid interface name", name));
      } else if (std::find(out.interfaces.begin(), out.interfaces.end(), name) !=
                 out.interfaces.end()) {
        r.error(where, fmt::format("interface \"{}\" is listed twice", name));
      } else {
        out.interfaces.push_back(name);
      }
    }
  }
  items.clear();
  if (r.read_string_array(t, "neighbors", items)) {
    for (const auto& [text, where] : items) {
      const auto a = IpAddress::parse(text);
      if (!a || !a->is_v4()) {
        r.error(where, fmt::format("RIP neighbor \"{}\" is not an IPv4 address", text));
      } else {
        out.neighbors.push_back(*a);
      }
    }
  }
  if (out.interfaces.empty() && out.neighbors.empty() && !t.contains("interfaces") &&
      !t.contains("neighbors")) {
    r.error(t.source(), "[rip] needs \"interfaces\" or \"neighbors\" to talk to");
  }
  // RFC 2453 §3.6: metric 16 is infinity, so announced routes use 1..15.
  r.read_uint(t, "metric", {1, 15}, out.metric);
  r.read_uint(t, "degraded_metric", {1, 15}, out.degraded_metric);
  if (out.degraded_metric < out.metric) {
    r.warning(t.source(), fmt::format("[rip] degraded_metric {} is better than metric {}",
                                      out.degraded_metric, out.metric));
  }
  r.read_duration(t, "update_interval", std::chrono::seconds(1), std::chrono::hours(1),
                  out.update_interval);
  if (const toml::table* auth = r.read_table(t, "authentication")) {
    r.read_auth(*auth, "[rip] authentication", out.authentication);
  }
  r.read_bool(t, "bfd", out.bfd);
}

}  // namespace anycastd::config
