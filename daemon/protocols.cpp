// SPDX-License-Identifier: Apache-2.0
#include "daemon/protocols.hpp"

#include <array>
#include <stdexcept>

#include "bgp/session.hpp"
#include "ospf/session.hpp"
#include "rip/session.hpp"

namespace anycastd {

namespace {
constexpr std::array<std::string_view, 3> kProtocols = {"rip", "ospf", "bgp"};
}  // namespace

std::span<const std::string_view> protocols() {
  return kProtocols;
}

bool configured(std::string_view protocol, const config::Config& config) {
  if (protocol == "rip") return config.rip.has_value();
  if (protocol == "ospf") return config.ospf.has_value();
  if (protocol == "bgp") return config.bgp.has_value();
  return false;
}

bool section_changed(std::string_view protocol, const config::Config& before,
                     const config::Config& after) {
  if (protocol == "rip") return before.rip != after.rip;
  if (protocol == "ospf") return before.ospf != after.ospf;
  if (protocol == "bgp") return before.bgp != after.bgp;
  return false;
}

std::unique_ptr<core::Protocol> make_protocol(std::string_view protocol,
                                              const config::Config& config,
                                              const ProtocolContext& context) {
  if (protocol == "rip" && config.rip) {
    return std::make_unique<rip::RipSession>(context.io, *config.rip, context.bus, context.bfd);
  }
  if (protocol == "ospf" && config.ospf) {
    if (!context.router_id || !context.router_id->is_v4()) {
      throw std::runtime_error(
          "ospf: no router ID: set [daemon] router_id, or give the host an IPv4 address");
    }
    return std::make_unique<ospf::OspfSession>(
        context.io, *config.ospf, context.router_id->v4_value(), context.bus, context.bfd);
  }
  if (protocol == "bgp" && config.bgp) {
    return std::make_unique<bgp::BgpSession>(context.io, *config.bgp, context.router_id,
                                             context.bus, context.bfd);
  }
  return nullptr;
}

}  // namespace anycastd
