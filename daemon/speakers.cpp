#include "speakers.hpp"

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

std::unique_ptr<core::Speaker> make_speaker(std::string_view protocol, const config::Config& cfg,
                                            const SpeakerContext& ctx) {
  if (protocol == "rip" && cfg.rip) {
    return std::make_unique<rip::RipSession>(ctx.io, *cfg.rip, ctx.bus);
  }
  if (protocol == "ospf" && cfg.ospf) {
    if (!ctx.router_id || !ctx.router_id->is_v4()) {
      throw std::runtime_error(
          "ospf: no router ID: set [daemon] router_id, or give the host an IPv4 address");
    }
    return std::make_unique<ospf::OspfSession>(ctx.io, *cfg.ospf, ctx.router_id->v4_value(),
                                               ctx.bus);
  }
  if (protocol == "bgp" && cfg.bgp) {
    return std::make_unique<bgp::BgpSession>(ctx.io, *cfg.bgp, ctx.router_id, ctx.bus);
  }
  return nullptr;
}

bool protocol_changed(std::string_view protocol, const config::Config& before,
                      const config::Config& after) {
  if (protocol == "rip") return before.rip != after.rip;
  if (protocol == "bgp") return before.bgp != after.bgp;
  if (protocol == "ospf") return before.ospf != after.ospf;
  return false;
}

}  // namespace anycastd
