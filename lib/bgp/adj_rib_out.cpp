// SPDX-License-Identifier: Apache-2.0
#include "bgp/adj_rib_out.hpp"

#include <algorithm>

namespace anycastd::bgp {

namespace {

// Room kept in an UPDATE for the extended-length byte of a growing attribute.
constexpr std::size_t kUpdateSlack = 8;
constexpr std::uint32_t kDefaultLocalPref = 100;

// Adds `prefixes` to `list` inside `u`, emitting a full UPDATE whenever the
// next prefix would not fit in kMaxMessageSize.
void fill(Update& u, std::vector<Prefix>& list, const std::vector<Prefix>& prefixes,
          const SessionContext& context, std::vector<Update>& out) {
  std::size_t size = encode(u, context).size() + kUpdateSlack;
  for (const auto& p : prefixes) {
    if (size + nlri_size(p) > kMaxMessageSize) {
      out.push_back(u);
      list.clear();
      size = encode(u, context).size() + kUpdateSlack;
    }
    list.push_back(p);
    size += nlri_size(p);
  }
  out.push_back(std::move(u));
}

}  // namespace

void AdjRibOut::want(const Prefix& prefix, core::RouteAction action) {
  wanted_[prefix] = Wanted{action, std::nullopt};
}

void AdjRibOut::forget(const Prefix& prefix) {
  wanted_.erase(prefix);
}

void AdjRibOut::drain(const Prefix& prefix, TimePoint until) {
  const auto it = wanted_.find(prefix);
  if (it == wanted_.end()) return;
  if (!it->second.drain_until || *it->second.drain_until > until) it->second.drain_until = until;
}

void AdjRibOut::drain_all(TimePoint until) {
  for (const auto& [prefix, route] : wanted_)
    drain(prefix, until);
}

bool AdjRibOut::end_drains(TimePoint now) {
  return std::erase_if(wanted_, [now](const auto& entry) {
           return entry.second.drain_until && *entry.second.drain_until <= now;
         }) > 0;
}

std::optional<TimePoint> AdjRibOut::next_drain_end() const {
  std::optional<TimePoint> next;
  for (const auto& [prefix, route] : wanted_) {
    if (route.drain_until && (!next || *route.drain_until < *next)) next = route.drain_until;
  }
  return next;
}

bool AdjRibOut::draining(const Prefix& prefix) const {
  const auto it = wanted_.find(prefix);
  return it != wanted_.end() && it->second.drain_until.has_value();
}

OutAttributes AdjRibOut::attributes_of(const Wanted& route) {
  return OutAttributes{route.action == core::RouteAction::degrade, route.drain_until.has_value()};
}

std::vector<RouteUpdate> AdjRibOut::take_changes() {
  std::vector<RouteUpdate> changes;
  // Both maps are sorted: walk them side by side.
  auto w = wanted_.begin();
  auto s = sent_.begin();
  while (w != wanted_.end() || s != sent_.end()) {
    if (s == sent_.end() || (w != wanted_.end() && w->first < s->first)) {
      changes.push_back({w->first, attributes_of(w->second)});
      ++w;
    } else if (w == wanted_.end() || s->first < w->first) {
      changes.push_back({s->first, std::nullopt});
      ++s;
    } else {
      const OutAttributes want = attributes_of(w->second);
      if (want != s->second) changes.push_back({w->first, want});
      ++w;
      ++s;
    }
  }
  for (const auto& change : changes) {
    if (change.attributes) {
      sent_[change.prefix] = *change.attributes;
    } else {
      sent_.erase(change.prefix);
    }
  }
  return changes;
}

std::vector<RouteUpdate> AdjRibOut::sent_routes() const {
  std::vector<RouteUpdate> all;
  for (const auto& [prefix, attributes] : sent_)
    all.push_back({prefix, attributes});
  return all;
}

PathAttributes path_attributes(const OutAttributes& out, const AnnounceSettings& settings) {
  PathAttributes a;
  a.origin = Origin::igp;
  // RFC 4271 §5.1.2: towards an external peer our AS leads the path; an
  // internal peer gets an empty one. Degrading prepends more copies.
  AsSegment seq{SegmentType::as_sequence, {}};
  const std::size_t copies =
      (settings.external ? 1 : 0) + (out.degraded ? settings.degraded_prepend : 0);
  seq.asns.assign(copies, settings.local_asn);
  a.as_path = AsPath{};
  if (!seq.asns.empty()) a.as_path->push_back(std::move(seq));
  if (out.degraded) a.med = settings.degraded_med;
  // RFC 4271 §5.1.5: LOCAL_PREF goes to internal peers.
  if (!settings.external) a.local_pref = kDefaultLocalPref;
  std::vector<std::uint32_t> communities = settings.communities;
  if (out.graceful_shutdown &&
      std::find(communities.begin(), communities.end(), kGracefulShutdown) == communities.end()) {
    communities.push_back(kGracefulShutdown);
  }
  if (!communities.empty()) a.communities = std::move(communities);
  // RFC 4271 §5.1.3: NEXT_HOP is our address on the session; RFC 4760 §3
  // carries the IPv6 one in MP_REACH_NLRI.
  if (settings.local.is_v4()) {
    a.next_hop = settings.local;
  } else {
    MpReach mp;
    mp.afi_safi = kIpv6Unicast;
    mp.next_hop.assign(settings.local.bytes.begin(), settings.local.bytes.end());
    a.mp_reach = std::move(mp);
  }
  return a;
}

std::vector<Update> pack_updates(const std::vector<RouteUpdate>& changes,
                                 const AnnounceSettings& settings, const SessionContext& context) {
  const bool v4 = settings.local.is_v4();
  std::vector<Prefix> withdrawn;
  std::map<OutAttributes, std::vector<Prefix>> announced;
  for (const auto& [prefix, attributes] : changes) {
    if (attributes) {
      announced[*attributes].push_back(prefix);
    } else {
      withdrawn.push_back(prefix);
    }
  }
  std::vector<Update> out;
  if (!withdrawn.empty()) {
    Update u;
    if (!v4) u.attributes.mp_unreach = MpUnreach{kIpv6Unicast, {}};
    auto& list = v4 ? u.withdrawn : u.attributes.mp_unreach->withdrawn;
    fill(u, list, withdrawn, context, out);
  }
  for (const auto& [attributes, prefixes] : announced) {
    Update u;
    u.attributes = path_attributes(attributes, settings);
    auto& list = v4 ? u.nlri : u.attributes.mp_reach->nlri;
    fill(u, list, prefixes, context, out);
  }
  return out;
}

}  // namespace anycastd::bgp
