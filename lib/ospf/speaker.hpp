// The OSPFv2 speaker of a host (RFC 2328): forms adjacencies with the
// routers on its interfaces, keeps the area's link-state database in step
// (flooding and acknowledging, §13), and originates one router-LSA that
// carries a stub link per announced /32. It never runs SPF or installs a
// route. Sans-IO: events in, actions out; the session layer owns sockets,
// the one wake-up timer and the clock.
//
// The logic is split by RFC section: interface.cpp (§9, the interface state
// machine and DR election, Hellos), neighbor.cpp (§10, the neighbour state
// machine, Database Description and LS Request), flooding.cpp (§13, §14:
// LS Update, LS Ack, retransmission, aging), origination.cpp (§12.4).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "core/bus.hpp"
#include "ospf/lsdb.hpp"
#include "ospf/packet.hpp"
#include "util/prefix.hpp"

namespace anycastd::ospf {

// RFC 2328 appendix C.3 defaults that the config does not expose.
inline constexpr auto kRxmtInterval = std::chrono::seconds(5);
inline constexpr std::uint16_t kInfTransDelay = 1;
// RFC 2328 appendix B.
inline constexpr auto kMinLsInterval = std::chrono::seconds(5);
inline constexpr auto kMinLsArrival = std::chrono::seconds(1);
inline constexpr auto kLsRefresh = std::chrono::seconds(kLsRefreshTime);
// How often the database is checked for LSAs that reached MaxAge (§14).
inline constexpr auto kAgingTick = std::chrono::seconds(1);
// Spec §2: a speaker finishes its shutdown within 1.5 s; we stop waiting for
// acknowledgements of the flushed LSA a little before.
inline constexpr auto kShutdownBudget = std::chrono::milliseconds(1300);

// One configured interface as the session found it on the host.
struct InterfaceInfo {
  std::string name;
  unsigned index = 0;         // kernel ifindex
  std::uint32_t address = 0;  // primary IPv4 address, host order
  std::uint8_t prefix_length = 32;
  std::uint16_t mtu = 1500;

  std::uint32_t mask() const;
  bool on_link(std::uint32_t other) const;
};

// RFC 2328 §9.1 (Loopback is not used: we never run OSPF on a loopback).
enum class InterfaceState : std::uint8_t { down, waiting, point_to_point, dr_other, backup, dr };
// RFC 2328 §9.2.
enum class InterfaceEvent : std::uint8_t {
  interface_up,
  wait_timer,
  backup_seen,
  neighbor_change,
  interface_down,
};
// RFC 2328 §10.1 (Attempt is for NBMA networks, which we do not run).
enum class NeighborState : std::uint8_t { down, init, two_way, ex_start, exchange, loading, full };
// RFC 2328 §10.2.
enum class NeighborEvent : std::uint8_t {
  hello_received,
  two_way_received,
  negotiation_done,
  exchange_done,
  bad_ls_req,
  loading_done,
  adj_ok,
  seq_number_mismatch,
  one_way,
  kill_nbr,
  inactivity_timer,
  ll_down,
};

// ---- events ----
struct Start {};
// The one wake-up timer fired; the speaker runs whatever is due.
struct Wakeup {};
struct RouteChanged {
  Prefix prefix;
  core::RouteAction action = core::RouteAction::withdraw;
};
struct PacketReceived {
  std::size_t interface = 0;  // position in the speaker's interface list
  std::uint32_t source = 0;   // IP source address
  std::uint32_t destination = 0;
  std::vector<std::uint8_t> bytes;  // from the OSPF header on
};
struct Shutdown {};
using Event = std::variant<Start, Wakeup, RouteChanged, PacketReceived, Shutdown>;

// ---- actions ----
struct Send {
  std::size_t interface = 0;
  std::uint32_t destination = kAllSpfRouters;  // a multicast group or a neighbour
  std::vector<std::uint8_t> bytes;
};
// Join or leave AllDRouters (224.0.0.6) on an interface: RFC 2328 §8.2 /
// appendix A.1, only the DR and BDR listen there.
struct SetAllDRouters {
  std::size_t interface = 0;
  bool member = false;
};
// (Re)arms the session's single timer; the speaker then gets Wakeup.
struct ArmTimer {
  TimePoint at;
};
struct Log {
  config::LogLevel level = config::LogLevel::info;
  std::string text;
  std::string rate_key;  // non-empty: a repeatable line the session rate-limits by this key
};
struct Done {};
using Action = std::variant<Send, SetAllDRouters, ArmTimer, Log, Done>;

struct Neighbor {
  std::uint32_t router_id = 0;
  std::uint32_t address = 0;
  std::uint8_t priority = 0;
  std::uint32_t designated_router = 0;  // as the neighbour declares, addresses
  std::uint32_t backup_designated_router = 0;
  std::uint8_t options = 0;
  NeighborState state = NeighborState::down;
  TimePoint inactivity_deadline;
  TimePoint state_since;

  // §10.8 Database Description exchange.
  bool master = false;  // we are the master
  std::uint32_t dd_sequence = 0;
  struct LastDd {
    std::uint32_t sequence = 0;
    std::uint8_t flags = 0;
    std::uint8_t options = 0;
    bool operator==(const LastDd&) const = default;
  };
  std::optional<LastDd> last_received_dd;
  std::optional<DatabaseDescription> last_sent_dd;
  std::optional<TimePoint> dd_retransmit_at;
  bool dd_all_sent = false;  // our last DD had M clear
  std::deque<LsaHeader> summary_list;

  // §10.9 LS Requests, §13.6 retransmission.
  std::map<LsaKey, LsaHeader> request_list;
  std::set<LsaKey> requested;  // in the LS Request packet in flight
  std::optional<TimePoint> lsr_retransmit_at;
  std::map<LsaKey, LsaHeader> retransmission_list;
  std::optional<TimePoint> lsu_retransmit_at;

  std::optional<std::uint32_t> crypto_sequence;  // RFC 2328 §D.4.3
};

struct InterfaceCounters {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::map<std::string, std::uint64_t> dropped;  // reason -> packets
};

struct Interface {
  InterfaceInfo info;
  config::OspfInterfaceConfig config;
  InterfaceState state = InterfaceState::down;
  std::uint32_t designated_router = 0;  // addresses, 0 = none
  std::uint32_t backup_designated_router = 0;
  std::map<std::uint32_t, Neighbor> neighbors;  // by router ID
  std::optional<TimePoint> hello_at;
  std::optional<TimePoint> wait_at;
  bool all_drouters = false;
  InterfaceCounters counters;

  bool broadcast() const { return config.type == config::OspfInterfaceType::broadcast; }
};

struct SpeakerOptions {
  std::uint32_t md5_sequence_start = 0;  // e.g. seconds since the epoch at start
  std::uint32_t dd_sequence_start = 0;   // RFC 2328 §10.8: "should be unique", e.g. the clock
};

class Speaker {
 public:
  Speaker(config::OspfConfig config, std::uint32_t router_id, std::vector<InterfaceInfo> interfaces,
          SpeakerOptions options = {});

  std::vector<Action> handle(const Event& event, TimePoint now);

  std::uint32_t router_id() const { return router_id_; }
  const std::vector<Interface>& interfaces() const { return interfaces_; }
  const Lsdb& lsdb() const { return lsdb_; }
  // Our router-LSA's current LS sequence number.
  std::int32_t router_lsa_sequence() const { return router_lsa_sequence_; }
  // When our router-LSA was last originated (MinLSInterval counts from here).
  std::optional<TimePoint> router_lsa_originated() const { return last_router_lsa_; }
  // Announced prefixes with their stub cost.
  const std::map<Prefix, std::uint16_t>& prefixes() const { return prefixes_; }
  bool running() const { return state_ == State::running; }
  // Counters across interfaces (e.g. "lsdb_full", "lsa_bad_checksum").
  const std::map<std::string, std::uint64_t>& lsa_drops() const { return lsa_drops_; }

 private:
  enum class State : std::uint8_t { idle, running, shutting_down, stopped };
  using Out = std::vector<Action>;

  // speaker.cpp
  void on_start(TimePoint now, Out& out);
  void on_wakeup(TimePoint now, Out& out);
  void on_route_changed(const RouteChanged& change, TimePoint now, Out& out);
  void on_packet(const PacketReceived& packet, TimePoint now, Out& out);
  void on_shutdown(TimePoint now, Out& out);
  void finish_shutdown(TimePoint now, Out& out);
  std::optional<TimePoint> next_deadline() const;
  void drop(Interface& iface, std::string_view reason, const std::string& detail, Out& out);
  void send(Interface& iface, std::uint32_t to, Body body, Out& out);
  void log(config::LogLevel level, std::string text, Out& out);
  std::size_t max_payload(const Interface& iface) const;

  // interface.cpp
  void interface_event(Interface& iface, InterfaceEvent event, TimePoint now, Out& out);
  void enter_interface_state(Interface& iface, InterfaceState state, TimePoint now, Out& out);
  void elect_designated_routers(Interface& iface, TimePoint now, Out& out);
  void send_hello(Interface& iface, bool with_neighbors, TimePoint now, Out& out);
  void receive_hello(Interface& iface, std::uint32_t source, const Packet& packet, TimePoint now,
                     Out& out);
  bool should_be_adjacent(const Interface& iface, const Neighbor& nbr) const;
  std::uint32_t flood_destination(const Interface& iface) const;

  // neighbor.cpp
  void neighbor_event(Interface& iface, Neighbor& nbr, NeighborEvent event, TimePoint now,
                      Out& out);
  void enter_neighbor_state(Interface& iface, Neighbor& nbr, NeighborState state, TimePoint now,
                            Out& out);
  void receive_dd(Interface& iface, Neighbor& nbr, const DatabaseDescription& dd, TimePoint now,
                  Out& out);
  void process_dd_headers(Neighbor& nbr, const DatabaseDescription& dd, TimePoint now);
  void send_dd(Interface& iface, Neighbor& nbr, TimePoint now, Out& out);
  void resend_dd(Interface& iface, Neighbor& nbr, Out& out);
  void receive_lsr(Interface& iface, Neighbor& nbr, const LinkStateRequest& lsr, TimePoint now,
                   Out& out);
  void send_lsr(Interface& iface, Neighbor& nbr, TimePoint now, Out& out);
  void clear_adjacency(Neighbor& nbr);

  // flooding.cpp
  void receive_lsu(Interface& iface, Neighbor& nbr, const LinkStateUpdate& lsu, TimePoint now,
                   Out& out);
  void receive_ack(Interface& iface, Neighbor& nbr, const LinkStateAck& ack, TimePoint now,
                   Out& out);
  // §13.3: returns whether it went back out of `from_iface` (for the ack rule).
  bool flood(const LsdbEntry& entry, const Interface* from_iface, const Neighbor* from_nbr,
             TimePoint now, Out& out);
  void remove_from_retransmission_lists(const LsaKey& key);
  void send_updates(Interface& iface, std::uint32_t to, const std::vector<LsaKey>& keys,
                    TimePoint now, Out& out);
  void retransmit(Interface& iface, Neighbor& nbr, TimePoint now, Out& out);
  void age_database(TimePoint now, Out& out);
  bool exchange_in_progress() const;

  // origination.cpp
  void schedule_router_lsa(TimePoint now, Out& out);
  void originate_router_lsa(TimePoint now, Out& out);
  RouterLsa build_router_lsa() const;
  void update_network_lsa(Interface& iface, TimePoint now, Out& out);
  void install_own(Lsa lsa, TimePoint now, Out& out);
  void flush_own(const LsaKey& key, TimePoint now, Out& out);
  void self_originated_received(const LsdbEntry& received, TimePoint now, Out& out);
  std::uint16_t cost_of(core::RouteAction action) const;

  config::OspfConfig config_;
  std::uint32_t router_id_;
  std::vector<Interface> interfaces_;
  SpeakerOptions options_;
  State state_ = State::idle;
  Lsdb lsdb_;
  std::uint32_t md5_sequence_;
  std::uint32_t dd_sequence_seed_;

  std::map<Prefix, std::uint16_t> prefixes_;  // announced/degraded -> stub cost
  std::int32_t router_lsa_sequence_ = kInitialSequenceNumber - 1;
  std::optional<TimePoint> last_router_lsa_;        // when we last originated it
  std::optional<TimePoint> router_lsa_pending_at_;  // a change waiting for MinLSInterval
  std::optional<RouterLsa> originated_body_;
  bool sequence_wrap_pending_ = false;  // §12.1.6: flushed at MaxSequenceNumber
  std::map<std::size_t, std::int32_t> network_lsa_sequence_;  // per interface, while DR
  std::set<LsaKey> max_age_;  // §14: being flushed; removed once acknowledged
  std::optional<TimePoint> aging_at_;
  std::optional<TimePoint> shutdown_flush_at_;
  std::optional<TimePoint> shutdown_deadline_;
  std::map<std::string, std::uint64_t> lsa_drops_;
};

std::string_view to_string(InterfaceState state);
std::string_view to_string(NeighborState state);
std::string_view to_string(NeighborEvent event);

}  // namespace anycastd::ospf
