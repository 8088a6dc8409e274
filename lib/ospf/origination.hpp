// SPDX-License-Identifier: Apache-2.0
// RFC 2328 §12.4: what we originate. Our router-LSA (§12.4.1) describes our
// interfaces; each announced prefix is an AS-external-LSA of its own
// (§12.4.4; a type-7 LSA in an NSSA, RFC 3101) or, with announce_as =
// "router-lsa", a stub link of the router-LSA (DESIGN.md says why); while we
// are DR with a full neighbour, a network-LSA for that link (§12.4.2). With
// §12.1.6 sequence numbers, §13.4 our own LSAs coming back from a
// neighbour, and §14.1 flushing (premature aging).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "config/config.hpp"
#include "core/bus.hpp"
#include "ospf/area.hpp"
#include "ospf/lsa.hpp"
#include "ospf/machine.hpp"
#include "util/prefix.hpp"

namespace anycastd::ospf {

// An announced prefix and the LSA that carries it (for status).
struct Announcement {
  Prefix prefix;
  std::uint16_t cost = 0;
  std::uint8_t lsa_type = 0;  // LsaType: router, as_external or nssa_external; 0 = none
  std::uint32_t ls_id = 0;
  std::optional<std::int32_t> sequence;  // none while MinLSInterval holds it back
};

class Origination {
 public:
  Origination(std::uint16_t prefix_cost, std::uint16_t degraded_cost,
              config::OspfAnnounceAs announce_as);

  // A prefix announced, degraded or withdrawn (IPv4 only: OSPFv2 carries
  // nothing else). Returns whether what we announce changed.
  bool set_route(const Prefix& prefix, core::RouteAction action);
  // The stub costs of announced and degraded prefixes. Returns whether they changed.
  bool set_costs(std::uint16_t prefix_cost, std::uint16_t degraded_cost);

  // Starts originating: our first router-LSA and the announced prefixes' LSAs.
  void start(Area& area, Out& out);
  // Stops originating (a graceful stop then flushes, see flush_all()).
  void stop(Out& out);
  // §12.4: a new router-LSA if what it would say changed, at once or once
  // MinLSInterval has passed since the last one. A held change that
  // withdraws its last anycast prefix flushes it meanwhile (§14.1).
  void update_router_lsa(Area& area, Out& out);
  // The router_lsa timer fired: the change MinLSInterval held back, or the
  // refresh due at LSRefreshTime.
  void router_lsa_timer(Area& area, Out& out);
  // §12.4.4: each announced prefix's AS-external (or NSSA) LSA made to match
  // what we announce. A withdrawn prefix's LSA is flushed at once (§14.1); a
  // new instance goes out at once, or once MinLSInterval has passed since the
  // last instance of that same LSA; each is refreshed at LSRefreshTime.
  void update_externals(Area& area, Out& out);
  // §12.4.2: the network-LSA of `iface` made to match the link as it is now.
  void update_network_lsa(Area& area, Interface& iface, Out& out);
  // §14.1: flushes our LSA `key` by premature aging.
  void flush(Area& area, const LsaKey& key, Out& out);
  // A graceful stop: flushes our router-LSA and every prefix's LSA at once.
  void flush_all(Area& area, Out& out);
  // §13.4: a neighbour flooded `key`, one of ours, newer than our copy.
  void self_originated_received(Area& area, const LsaKey& key, Out& out);
  // §14: `key` left the database; our router-LSA flushed at
  // MaxSequenceNumber starts again (§12.1.6).
  void removed(Area& area, const LsaKey& key, Out& out);

  // Announced and degraded prefixes with their cost.
  std::map<Prefix, std::uint16_t> announced() const;
  // Each announced prefix with the LSA that carries it.
  std::vector<Announcement> announcements(const Area& area) const;
  config::OspfAnnounceAs announce_as() const { return announce_as_; }
  // Our router-LSA's current LS sequence number.
  std::int32_t router_lsa_sequence() const { return router_lsa_sequence_; }
  // When our router-LSA was last originated (MinLSInterval counts from here).
  std::optional<TimePoint> router_lsa_originated() const { return last_router_lsa_; }

 private:
  std::uint16_t cost_of(core::RouteAction action) const;
  RouterLsa build_router_lsa(const Area& area) const;
  void originate_router_lsa(Area& area, bool refresh, Out& out);
  void arm_refresh(Out& out);
  void install(Area& area, Lsa lsa, Out& out);
  void resend_after_min_ls_arrival(Area& area, const LsaKey& key, Out& out);

  // One prefix's AS-external (or NSSA) LSA, kept after a withdrawal so the
  // next instance knows its sequence number and when the last one went out.
  struct External {
    std::optional<std::uint32_t> ls_id;  // none: appendix E found no free LS ID
    std::int32_t sequence = kInitialSequenceNumber - 1;
    std::optional<TimePoint> originated;
    std::optional<ExternalLsa> body;  // as last originated
  };
  External& external_of(const Prefix& prefix, Out& out);
  std::uint8_t external_type(const Area& area) const;
  ExternalLsa build_external(const Area& area, const Prefix& prefix,
                             core::RouteAction action) const;
  void originate_external(Area& area, const LsaKey& key, External& external, ExternalLsa body,
                          Out& out);

  std::uint16_t prefix_cost_;
  std::uint16_t degraded_cost_;
  config::OspfAnnounceAs announce_as_;
  std::map<Prefix, External> externals_;
  std::map<LsaKey, TimePoint> last_flooded_;    // each LSA of ours, new instance or flush
  std::map<Prefix, core::RouteAction> routes_;  // announced or degraded
  bool active_ = false;                         // between start() and stop()
  std::int32_t router_lsa_sequence_ = kInitialSequenceNumber - 1;
  std::optional<TimePoint> last_router_lsa_;  // when we last originated it
  bool router_lsa_held_ = false;              // a change waits for MinLSInterval
  bool router_lsa_announces_ = false;         // the last one carries anycast prefixes
  bool router_lsa_flushed_ = false;           // flushed until MinLSInterval allows the next
  std::optional<RouterLsa> originated_body_;
  bool sequence_wrap_pending_ = false;  // §12.1.6: flushed at MaxSequenceNumber
  std::map<InterfaceId, std::int32_t> network_lsa_sequence_;  // while DR
};

}  // namespace anycastd::ospf
