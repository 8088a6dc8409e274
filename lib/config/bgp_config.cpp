// SPDX-License-Identifier: Apache-2.0
// [bgp] (spec §3): BGP-4, RFC 4271. The keys are described in bgp_config.hpp.
#include <map>

#include <fmt/format.h>

#include "config/bgp_config.hpp"
#include "config/protocols.hpp"

namespace anycastd::config {

namespace {

// Linux TCP_MD5SIG_MAXKEYLEN.
constexpr std::size_t kMaxPassword = 80;
constexpr std::uint8_t kMaxPrepend = 10;
constexpr std::uint32_t kMaxAsn = 4294967295u;

void parse_neighbor(Reader& r, const toml::table& t, BgpNeighborConfig& out) {
  r.check_keys(t, "bgp.neighbor");
  if (!r.read_address(t, "address", out.address) && !t.contains("address")) {
    r.error(t.source(), "[[bgp.neighbor]] needs an \"address\"");
  }
  if (!r.read_uint(t, "remote_asn", {1, kMaxAsn}, out.remote_asn) && !t.contains("remote_asn")) {
    r.error(t.source(), "[[bgp.neighbor]] needs a \"remote_asn\"");
  }
  // RFC 4271 §4.2: "Hold Time MUST be either zero or at least three
  // seconds"; it is a 2-octet number of seconds.
  Duration hold = out.hold_time;
  if (r.read_duration(t, "hold_time", Duration::zero(), std::chrono::seconds(65535), hold)) {
    if (hold.count() % 1000 != 0 || (hold.count() != 0 && hold < std::chrono::seconds(3))) {
      r.error(t.get("hold_time")->source(),
              fmt::format("\"hold_time\": \"{}\" must be 0 or whole seconds from 3s to 65535s",
                          format_duration(hold)));
    } else {
      out.hold_time = hold;
    }
  }
  r.read_bool(t, "passive", out.passive);
  if (r.read_string(t, "password", out.password) &&
      (out.password.empty() || out.password.size() > kMaxPassword)) {
    r.error(t.get("password")->source(),
            fmt::format("\"password\" must be 1 to {} characters (TCP-MD5)", kMaxPassword));
    out.password.clear();
  }
  r.read_bool(t, "ttl_security", out.ttl_security);
  std::vector<std::pair<std::string, toml::source_region>> items;
  if (r.read_string_array(t, "communities", items)) {
    for (const auto& [text, where] : items) {
      const auto c = parse_community(text);
      if (!c) {
        r.error(where, fmt::format("community \"{}\" is not ASN:VALUE (each 0-65535) or one of "
                                   "no-export, no-advertise, no-export-subconfed, "
                                   "graceful-shutdown",
                                   text));
      } else {
        out.communities.push_back(*c);
      }
    }
  }
  r.read_bool(t, "graceful_shutdown", out.graceful_shutdown);
  r.read_duration(t, "drain_time", Duration::zero(), std::chrono::minutes(10), out.drain_time);
  IpAddress local;
  if (r.read_address(t, "local_address", local)) {
    if (local.family != out.address.family) {
      r.error(t.get("local_address")->source(),
              "\"local_address\" must be of the same family as \"address\"");
    } else {
      out.local_address = local;
    }
  }
  r.read_uint(t, "port", {1, 65535}, out.port);
  if (r.read_bool(t, "bfd", out.bfd) && out.bfd && !out.address.is_v4()) {
    r.error(t.get("bfd")->source(), "\"bfd\" is for IPv4 neighbours only (RFC 5881 over IPv4)");
  }
}

}  // namespace

void parse_bgp(Reader& r, const toml::table& t, BgpConfig& out) {
  r.check_keys(t, "bgp");
  // RFC 6793: AS numbers are 4 octets; 0 is reserved (RFC 7607).
  if (!r.read_uint(t, "asn", {1, kMaxAsn}, out.asn) && !t.contains("asn")) {
    r.error(t.source(), "[bgp] needs an \"asn\"");
  }
  IpAddress router_id;
  if (r.read_address(t, "router_id", router_id)) {
    if (!router_id.is_v4()) {
      r.error(t.get("router_id")->source(), "\"router_id\" must be an IPv4 address");
    } else {
      out.router_id = router_id;
    }
  }
  r.read_uint(t, "degraded_med", {0, kMaxAsn}, out.degraded_med);
  r.read_uint(t, "degraded_prepend", {0, kMaxPrepend}, out.degraded_prepend);
  std::map<IpAddress, std::uint32_t> first_line;
  for (const toml::table* n : r.read_table_array(t, "neighbor")) {
    BgpNeighborConfig neighbor;
    parse_neighbor(r, *n, neighbor);
    if (!n->contains("address") || r.has_errors()) {
      out.neighbors.push_back(std::move(neighbor));
      continue;
    }
    const auto [it, inserted] = first_line.emplace(neighbor.address, n->source().begin.line);
    if (!inserted) {
      r.error(n->get("address")->source(),
              fmt::format("neighbor {} is already configured at line {}",
                          neighbor.address.to_string(), it->second));
    }
    out.neighbors.push_back(std::move(neighbor));
  }
  if (!t.contains("neighbor")) {
    r.error(t.source(), "[bgp] needs at least one [[bgp.neighbor]]");
  }
}

}  // namespace anycastd::config
