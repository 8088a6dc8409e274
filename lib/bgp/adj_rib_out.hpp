// SPDX-License-Identifier: Apache-2.0
// What this host announces to one neighbour (RFC 4271 §3.2 Adj-RIB-Out):
// the routes the bus wants, with their RFC 8326 graceful-shutdown drains,
// beside the routes the neighbour was sent; and the UPDATEs that take it
// from one to the other, packed per attribute set. Sans-IO: the FSM decides
// when to send (Established, Flush) and whether a withdrawal drains.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "bgp/message.hpp"
#include "core/bus.hpp"
#include "core/sans_io.hpp"
#include "util/prefix.hpp"

namespace anycastd::bgp {

using core::TimePoint;

// What we send for a prefix: its attribute set.
struct OutAttributes {
  bool degraded = false;
  bool graceful_shutdown = false;
  friend auto operator<=>(const OutAttributes&, const OutAttributes&) = default;
};

// One prefix to put on the wire: announced with `attributes`, or withdrawn.
struct RouteUpdate {
  Prefix prefix;
  std::optional<OutAttributes> attributes;
  friend bool operator==(const RouteUpdate&, const RouteUpdate&) = default;
};

class AdjRibOut {
 public:
  // The bus wants `prefix` announced or degraded (a drain in progress ends).
  void want(const Prefix& prefix, core::RouteAction action);
  // Withdraws `prefix` at the next flush.
  void forget(const Prefix& prefix);
  // Keeps `prefix` on the wire with GRACEFUL_SHUTDOWN until `until`, then
  // withdraws it; a drain ending earlier stays.
  void drain(const Prefix& prefix, TimePoint until);
  // Every wanted route drains until `until` at the latest (a graceful stop).
  void drain_all(TimePoint until);
  // Forgets the routes whose drain ended by `now`; true if any did.
  bool end_drains(TimePoint now);
  // When the next drain ends.
  std::optional<TimePoint> next_drain_end() const;
  bool wanted(const Prefix& prefix) const { return wanted_.contains(prefix); }
  bool draining(const Prefix& prefix) const;
  void forget_all() { wanted_.clear(); }

  // What takes the neighbour from what it was sent to what we want, in
  // prefix order; from now on it counts as sent.
  std::vector<RouteUpdate> take_changes();
  // Everything the neighbour has from us (ROUTE-REFRESH, changed attributes).
  std::vector<RouteUpdate> sent_routes() const;
  const std::map<Prefix, OutAttributes>& sent() const { return sent_; }
  // The session went down: the neighbour has nothing of ours any more.
  void clear_sent() { sent_.clear(); }

 private:
  struct Wanted {
    core::RouteAction action = core::RouteAction::announce;
    std::optional<TimePoint> drain_until;
  };
  static OutAttributes attributes_of(const Wanted& route);

  std::map<Prefix, Wanted> wanted_;
  std::map<Prefix, OutAttributes> sent_;
};

// How our announcements to one neighbour look (RFC 4271 §5.1).
struct AnnounceSettings {
  std::uint32_t local_asn = 0;
  bool external = true;
  std::uint32_t degraded_med = 1000;
  std::uint8_t degraded_prepend = 3;
  std::vector<std::uint32_t> communities;
  IpAddress local;  // our address on the session: NEXT_HOP
  friend bool operator==(const AnnounceSettings&, const AnnounceSettings&) = default;
};

// The path attributes of one attribute set.
PathAttributes path_attributes(const OutAttributes& out, const AnnounceSettings& settings);

// The UPDATEs for `changes` in the family of `settings.local`: withdrawals
// first, then one UPDATE per attribute set (so one service's prefixes go
// together), each split only where kMaxMessageSize would be exceeded.
std::vector<Update> pack_updates(const std::vector<RouteUpdate>& changes,
                                 const AnnounceSettings& settings, const SessionContext& context);

}  // namespace anycastd::bgp
