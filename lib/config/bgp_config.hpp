// SPDX-License-Identifier: Apache-2.0
// [bgp] — BGP-4 (RFC 4271), spec §3. Parsed and validated by bgp_config.cpp.
//
//   [bgp]
//   asn = 65101                  # 1..4294967295 (4-octet ASNs, RFC 6793)
//   router_id = "198.18.5.2"     # optional BGP Identifier; default [daemon] router_id
//   degraded_med = 1000          # MED sent for a service that is degraded (on_failure = "degrade")
//   degraded_prepend = 3         # extra copies of our ASN on a degraded service's AS_PATH (0..10)
//
//   [[bgp.neighbor]]
//   address = "198.18.5.1"       # IPv4 or IPv6; the session carries prefixes of its own family
//   remote_asn = 65001
//   hold_time = "90s"            # 0 (no keepalives) or 3s..65535s; the lower of both sides is used
//   passive = false              # true: only accept the neighbour's connection
//   password = "secret"          # TCP-MD5 (RFC 2385), at most 80 characters
//   ttl_security = false         # GTSM (RFC 5082): send TTL 255, accept only TTL >= 254
//   communities = ["65001:100"]  # attached to every announcement
//   graceful_shutdown = false    # RFC 8326 drain also when a service fails its checks
//   drain_time = "5s"            # how long GRACEFUL_SHUTDOWN routes stay before the withdrawal;
//                                # on SIGTERM at most 1s of it is used (the daemon exits within 2
//                                s)
//   local_address = "198.18.5.2" # optional source address for our connection
//   port = 179                   # optional TCP port of the neighbour
//   bfd = false                  # a BFD session to this neighbour; needs [bfd]
//
// Administrative withdrawals (anycastctl withdraw) and SIGTERM always drain
// per RFC 8326; a failed service drains only with graceful_shutdown = true.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/duration.hpp"
#include "util/prefix.hpp"

namespace anycastd::config {

struct BgpNeighborConfig {
  IpAddress address;
  std::uint32_t remote_asn = 0;
  Duration hold_time = std::chrono::seconds(90);
  bool passive = false;
  std::string password;  // empty: no TCP-MD5
  bool ttl_security = false;
  std::vector<std::uint32_t> communities;  // RFC 1997: high 16 bits ASN, low 16 bits value
  bool graceful_shutdown = false;
  Duration drain_time = std::chrono::seconds(5);
  std::optional<IpAddress> local_address;
  std::uint16_t port = 179;
  bool bfd = false;  // a BFD session to this neighbour (RFC 5882)
  bool operator==(const BgpNeighborConfig&) const = default;
};

struct BgpConfig {
  std::uint32_t asn = 0;
  std::optional<IpAddress> router_id;
  std::uint32_t degraded_med = 1000;
  std::uint8_t degraded_prepend = 3;
  std::vector<BgpNeighborConfig> neighbors;
  bool operator==(const BgpConfig&) const = default;
};

// "65001:100" -> 0xFDE90064; also the RFC 1997 well-known names
// (no-export, no-advertise, no-export-subconfed, graceful-shutdown).
std::optional<std::uint32_t> parse_community(std::string_view text);
std::string format_community(std::uint32_t community);

}  // namespace anycastd::config
