// SPDX-License-Identifier: Apache-2.0
// Our one area (RFC 2328 §6): who we are in it, its interfaces with their
// neighbours, its link-state database, and how our packets are made (the
// OSPF header with our router ID and the area ID, each interface's
// authentication, a cryptographic sequence number that only rises).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "ospf/interface.hpp"
#include "ospf/lsdb.hpp"
#include "ospf/machine.hpp"
#include "ospf/packet.hpp"

namespace anycastd::ospf {

struct AreaOptions {
  std::uint32_t md5_sequence_start = 0;  // e.g. seconds since the epoch at start
  std::uint32_t dd_sequence_start = 0;   // RFC 2328 §10.8: "should be unique", e.g. the clock
};

class Area {
 public:
  Area(std::uint32_t router_id, std::uint32_t area_id, std::size_t lsdb_limit, AreaOptions options);

  // A packet with our header and `auth`'s authentication (appendix D).
  std::vector<std::uint8_t> encode(Body body, const config::AuthConfig& auth);
  // §10.8: the DD sequence number a new exchange starts from.
  std::uint32_t next_dd_sequence() { return dd_sequence_++; }
  // The LSAs `keys` names, aged by `iface`'s InfTransDelay (§13.3), packed
  // into LS Updates that fit its MTU.
  std::vector<LinkStateUpdate> updates(const std::vector<LsaKey>& keys, const Interface& iface,
                                       TimePoint now) const;
  Interface* find_interface(InterfaceId interface);
  const Interface* find_interface(InterfaceId interface) const;
  // §13 (4), §14: whether a neighbour is in Exchange or Loading.
  bool exchange_in_progress() const;
  // §13.4: whether `key` names an LSA we originate or would have originated:
  // our router ID advertises it, or it is the network-LSA of one of our addresses.
  bool self_originated(const LsaKey& key) const;
  LsaKey own_router_lsa() const;
  // RFC 2328 §A.2, RFC 3101 §2.1: the options of our Hellos and DDs, which a
  // neighbour's must match: E in a normal area, N in an NSSA, neither in a stub area.
  std::uint8_t options() const;
  // §3.6, RFC 3101: whether LSAs of `type` belong in this area (no type
  // 5 in a stub area or NSSA, type 7 only in an NSSA).
  bool carries(std::uint8_t type) const;

  std::uint32_t router_id;
  std::uint32_t id;
  config::OspfAreaType type = config::OspfAreaType::normal;
  std::vector<Interface> interfaces;  // in the config's order
  Lsdb lsdb;
  std::set<LsaKey> max_age;  // §14: being flushed; removed once acknowledged
  std::map<std::string, std::uint64_t, std::less<>> lsa_dropped;  // reason -> LSAs
  bool router_lsa_stale = false;  // §12.4: something our router-LSA describes changed
  bool externals_stale = false;   // §12.4.4: what a prefix's AS-external/NSSA LSA says changed

 private:
  std::uint32_t md5_sequence_;
  std::uint32_t dd_sequence_;
};

}  // namespace anycastd::ospf
