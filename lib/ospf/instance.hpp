// SPDX-License-Identifier: Apache-2.0
// The OSPFv2 instance of a host (RFC 2328): one area, its interfaces and
// neighbours, the link-state database kept in step with the routers (§13),
// our router-LSA and one LSA per announced prefix (§12.4). It never
// runs SPF or installs a route. Sans-IO (core/sans_io.hpp): events in,
// actions out; OspfSession owns the sockets, timers and clock.
//
// The units, by RFC section: interface.hpp (§9: the interface machine, DR
// election, Hellos), neighbor.hpp (§10: the neighbour machine, DD exchange,
// LS Requests), flooding.hpp (§13, §14), origination.hpp (§12.4) and
// reload.hpp (what a new config changes). The instance checks each packet
// (§8.2), counts it once (received = accepted + dropped by reason), hands it
// to its unit, and after every event settles what the units reported:
// NeighborChange, neighbours gone Down, LSAs to originate again.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "config/config.hpp"
#include "core/drops.hpp"
#include "ospf/area.hpp"
#include "ospf/machine.hpp"
#include "ospf/origination.hpp"

namespace anycastd::ospf {

class Instance {
 public:
  // `interfaces` are the config's, in its order, as found on the host.
  Instance(config::OspfConfig config, std::uint32_t router_id,
           std::vector<InterfaceInfo> interfaces, AreaOptions options = {});

  std::vector<Action> handle(const Event& event, TimePoint now);

  const config::OspfConfig& config() const { return config_; }
  const Area& area() const { return area_; }
  const Origination& origination() const { return origination_; }
  // Every packet received on every interface, by fate.
  const core::PacketCounters& counters() const { return counters_; }
  bool running() const { return state_ == State::running; }

 private:
  enum class State : std::uint8_t { idle, running, stopping, stopped };

  void start(Out& out);
  void stop(const Stop& stop, Out& out);
  void timer_expired(const TimerId& timer, Out& out);
  void route_changed(const RouteChanged& change, Out& out);
  void packet_received(const PacketReceived& packet, Out& out);
  void reconfigure(const Reconfigure& next, Out& out);
  void neighbor_down(const NeighborDown& down, Out& out);
  // After every event: what the units reported, and whether a stop is done.
  void settle(Out& out);

  // §8.2: checks a packet and hands it to its unit; says why if refused.
  std::optional<Refusal> receive(Interface& iface, const PacketReceived& received, Out& out);
  std::optional<Refusal> dispatch(Interface& iface, Neighbor& nbr, const Packet& packet, Out& out);
  void neighbor_timer(const TimerId& timer, Out& out);
  void age_database(Out& out);
  void finish_stop(Out& out);
  void remove_interface(const std::string& name, Out& out);

  config::OspfConfig config_;
  Area area_;
  Origination origination_;
  State state_ = State::idle;
  core::PacketCounters counters_;
};

}  // namespace anycastd::ospf
