#include "speakers.hpp"

#include <array>

#include "bgp/session.hpp"
#include "rip/session.hpp"

namespace anycastd {

namespace {
constexpr std::array<std::string_view, 2> kProtocols = {"rip", "bgp"};
}  // namespace

std::span<const std::string_view> protocols() {
  return kProtocols;
}

std::unique_ptr<core::Speaker> make_speaker(std::string_view protocol, const config::Config& cfg,
                                            const SpeakerContext& ctx) {
  if (protocol == "rip" && cfg.rip) {
    return std::make_unique<rip::RipSession>(ctx.io, *cfg.rip, ctx.bus);
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
  return false;
}

}  // namespace anycastd
