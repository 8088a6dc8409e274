// SPDX-License-Identifier: Apache-2.0
// [ospf] (spec §3): OSPFv2, RFC 2328.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "config/auth.hpp"
#include "util/duration.hpp"

namespace anycastd::config {

enum class OspfInterfaceType : std::uint8_t { broadcast, point_to_point };
// RFC 2328 §3.6 stub areas, RFC 3101 not-so-stubby areas.
enum class OspfAreaType : std::uint8_t { normal, stub, nssa };
// What carries an announced prefix (lib/ospf/DESIGN.md): one AS-external
// LSA per prefix (type 5, or type 7 in an NSSA), or a stub link of our router-LSA.
enum class OspfAnnounceAs : std::uint8_t { external, router_lsa };

struct OspfInterfaceConfig {
  std::string name;
  OspfInterfaceType type = OspfInterfaceType::broadcast;
  std::uint16_t cost = 10;
  Duration hello_interval = std::chrono::seconds(10);
  Duration dead_interval = std::chrono::seconds(40);
  // RFC 2328 §9.4: priority 0 is never elected DR or BDR, as a server should not be.
  std::uint8_t priority = 0;
  AuthConfig authentication;
  bool bfd = false;  // a BFD session to each neighbour heard on this interface
  // RFC 2328 appendix C.3 RxmtInterval and InfTransDelay.
  Duration retransmit_interval = std::chrono::seconds(5);
  Duration transmit_delay = std::chrono::seconds(1);
  bool operator==(const OspfInterfaceConfig&) const = default;
};

struct OspfConfig {
  std::uint32_t area = 0;  // host order; "0.0.0.0" or 0
  OspfAreaType area_type = OspfAreaType::normal;
  // external, except in a stub area, where nothing external may be originated.
  OspfAnnounceAs announce_as = OspfAnnounceAs::external;
  std::uint16_t prefix_cost = 1;
  std::uint16_t degraded_cost = 1000;
  std::uint32_t lsdb_limit = 100000;
  std::vector<OspfInterfaceConfig> interfaces;
  bool operator==(const OspfConfig&) const = default;
};

std::string_view to_string(OspfInterfaceType type);
std::string_view to_string(OspfAreaType type);
std::string_view to_string(OspfAnnounceAs announce_as);

}  // namespace anycastd::config
