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
  bool operator==(const OspfInterfaceConfig&) const = default;
};

struct OspfConfig {
  std::uint32_t area = 0;  // host order; "0.0.0.0" or 0
  std::uint16_t prefix_cost = 1;
  std::uint16_t degraded_cost = 1000;
  std::uint32_t lsdb_limit = 100000;
  std::vector<OspfInterfaceConfig> interfaces;
  bool operator==(const OspfConfig&) const = default;
};

std::string_view to_string(OspfInterfaceType type);

}  // namespace anycastd::config
