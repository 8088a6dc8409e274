#include "bgp/fsm.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <utility>

namespace anycastd::bgp {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// RFC 4271 §8.2.2 (Connect, Active): "sets the HoldTimer to a large value
// ... A HoldTimer value of 4 minutes is suggested" until the OPEN arrives.
constexpr std::chrono::seconds kOpenHoldTime{240};
// An Established session that lasted this long resets the idle-hold back-off.
constexpr std::chrono::seconds kStableSession{60};
// Room kept in an UPDATE for the extended-length byte of a growing attribute.
constexpr std::size_t kUpdateSlack = 8;
constexpr std::uint32_t kDefaultLocalPref = 100;

template <class T>
const T* as(const Event& event) {
  return std::get_if<T>(&event);
}

bool is_timer(const Event& event, TimerId timer) {
  const auto* t = as<TimerExpired>(event);
  return t && t->timer == timer;
}

std::string seconds_text(std::chrono::milliseconds d) {
  return fmt::format("{:.1f}s", static_cast<double>(d.count()) / 1000.0);
}

}  // namespace

// RFC 4271 §4.1: the type is the octet after the 16-octet marker and the
// 2-octet length; §4.5: a NOTIFICATION's error code and subcode follow.
void MessageCounts::add(std::span<const std::uint8_t> message) {
  constexpr std::size_t kType = 18;
  if (message.size() <= kType) {
    ++by_type[0];
    return;
  }
  const std::uint8_t type = message[kType];
  ++by_type[type < by_type.size() ? type : 0];
  if (type == static_cast<std::uint8_t>(MessageType::notification) && message.size() > kType + 2) {
    ++notifications[{message[kType + 1], message[kType + 2]}];
  }
}

Fsm::Fsm(FsmConfig config)
    : config_(std::move(config)),
      name_("bgp: neighbor " + config_.neighbor.address.to_string()),
      family_(config_.neighbor.address.family),
      idle_hold_(config_.idle_hold),
      rng_(config_.seed) {
  context_.external = config_.neighbor.remote_asn != config_.local_asn;
  context_.peer_asn = config_.neighbor.remote_asn;
}

std::vector<Action> Fsm::handle(const Event& event, TimePoint now) {
  std::vector<Action> out;
  out_ = &out;
  now_ = now;
  if (!handle_common(event)) {
    switch (state_) {
      case State::idle:
        in_idle(event);
        break;
      case State::connect:
        in_connect(event);
        break;
      case State::active:
        in_active(event);
        break;
      case State::open_sent:
        in_open_sent(event);
        break;
      case State::open_confirm:
        in_open_confirm(event);
        break;
      case State::established:
        in_established(event);
        break;
    }
  }
  out_ = nullptr;
  return out;
}

Open Fsm::local_open() const {
  Open open;
  // RFC 6793 §4.1: "a NEW BGP speaker ... MUST use AS_TRANS" in My
  // Autonomous System when its AS number does not fit in two octets.
  open.my_as =
      config_.local_asn > 0xffff ? kAsTrans : static_cast<std::uint16_t>(config_.local_asn);
  open.hold_time = static_cast<std::uint16_t>(
      std::chrono::duration_cast<std::chrono::seconds>(config_.neighbor.hold_time).count());
  open.bgp_identifier = config_.bgp_identifier;
  // One capability per optional parameter, which every implementation
  // accepts. The session carries its own address family. Spec §4: no
  // Graceful Restart capability (RFC 4724), which would keep our routes
  // at the neighbour after we die.
  const AfiSafi family = family_ == Family::ipv4 ? kIpv4Unicast : kIpv6Unicast;
  for (auto c :
       {Capability::multiprotocol(family), Capability::route_refresh(),
        Capability::enhanced_route_refresh(), Capability::four_octet_as(config_.local_asn)}) {
    open.parameters.push_back(OptionalParameter{{std::move(c)}});
  }
  return open;
}

// ---- events every state handles the same way ----

bool Fsm::handle_common(const Event& event) {
  if (const auto* e = as<RouteChanged>(event)) {
    on_route_changed(*e);
    return true;
  }
  if (as<Flush>(event)) {
    if (state_ == State::established) flush();
    return true;
  }
  if (as<BfdDown>(event)) {
    if (state_ == State::open_sent || state_ == State::open_confirm ||
        state_ == State::established) {
      drop(Notification{error::kCease, error::kBfdDown, {}}, "BFD session down");
    }
    return true;
  }
  if (is_timer(event, TimerId::drain)) {
    on_drain_timer();
    return true;
  }
  if (const auto* e = as<ManualStop>(event)) {
    on_manual_stop(*e);
    return true;
  }
  if (const auto* e = as<TcpConnected>(event)) {
    if (stopping_ || stopped_) {
      out_->push_back(Close{e->conn});
      return true;
    }
    if (primary_) {
      on_new_connection(*e);
      return true;
    }
    return false;
  }
  ConnId conn = 0;
  if (const auto* e = as<MessageReceived>(event)) conn = e->conn;
  if (const auto* e = as<TcpClosed>(event)) conn = e->conn;
  if (conn != 0) {
    if (second_ && second_->id == conn) {
      on_second_connection(event);
      return true;
    }
    // A connection we closed already: whatever it still delivers is stale.
    if (!primary_ || primary_->id != conn) return true;
    if (const auto* e = as<MessageReceived>(event)) {
      ++counters_.messages_in;
      counters_.in.add(e->bytes);
    }
  }
  return false;
}

// ---- RFC 4271 §8.2.2, state by state ----

void Fsm::in_idle(const Event& event) {
  if (as<ManualStart>(event) || is_timer(event, TimerId::idle_hold)) {
    // Event 1 ManualStart / Event 3 AutomaticStart after the IdleHoldTimer.
    start();
  } else if (const auto* e = as<TcpConnected>(event)) {
    // "... the local system ... refuses all incoming BGP connections".
    out_->push_back(Close{e->conn});
  }
}

void Fsm::in_connect(const Event& event) {
  if (is_timer(event, TimerId::connect_retry)) {
    // Event 9: "drops the TCP connection, restarts the ConnectRetryTimer,
    // ... initiates a TCP connection".
    out_->push_back(AbortConnect{});
    out_->push_back(Connect{});
    arm(TimerId::connect_retry, jittered(config_.connect_retry));
  } else if (const auto* e = as<TcpConnected>(event)) {
    // Events 16/17: send OPEN, go to OpenSent.
    if (!e->outgoing) out_->push_back(AbortConnect{});
    connecting_ = false;
    open_connection(*e);
  } else if (const auto* e = as<TcpConnectFailed>(event)) {
    // Event 18: "restarts the ConnectRetryTimer, continues to listen for a
    // connection ..., and changes its state to Active."
    connecting_ = false;
    counters_.last_error = "connect: " + e->reason;
    log(config::LogLevel::debug, fmt::format("{}: connect failed: {}", name_, e->reason),
        name_ + ":connect");
    arm(TimerId::connect_retry, jittered(config_.connect_retry));
    enter_state(State::active);
  }
}

void Fsm::in_active(const Event& event) {
  if (is_timer(event, TimerId::connect_retry)) {
    // Event 9: "initiates a TCP connection ... changes its state to Connect."
    out_->push_back(Connect{});
    connecting_ = true;
    arm(TimerId::connect_retry, jittered(config_.connect_retry));
    enter_state(State::connect);
  } else if (const auto* e = as<TcpConnected>(event)) {
    // Event 17: the neighbour connected to us.
    open_connection(*e);
  }
}

void Fsm::in_open_sent(const Event& event) {
  if (is_timer(event, TimerId::hold)) {
    // Event 10: "sends a NOTIFICATION message with the error code Hold Timer Expired".
    drop(Notification{error::kHoldTimerExpired, 0, {}}, "hold timer expired in OpenSent");
  } else if (const auto* e = as<TcpClosed>(event)) {
    // Event 18: "closes the BGP connection, restarts the ConnectRetryTimer,
    // continues to listen for a connection, and changes its state to Active."
    counters_.last_error = "connection closed in OpenSent: " + e->reason;
    out_->push_back(Close{e->conn});
    primary_.reset();
    cancel(TimerId::hold);
    arm(TimerId::connect_retry, jittered(config_.connect_retry));
    enter_state(State::active);
  } else if (const auto* e = as<MessageReceived>(event)) {
    const auto header = header_of(e->bytes);
    if (!header) return;
    const auto body = e->bytes.subspan(kHeaderSize);
    switch (header->type) {
      case MessageType::open: {
        auto decoded = decode_open(body);
        if (auto* n = std::get_if<Notification>(&decoded)) {
          drop(*n, "bad OPEN: " + n->describe());
          return;
        }
        const Open& open = std::get<Open>(decoded);
        if (auto n = check_open(open)) {
          drop(*n, "OPEN refused: " + n->describe());
          return;
        }
        primary_->open = open;
        // RFC 4271 §6.8: a colliding connection whose OPEN already came in
        // is resolved now that this one has its OPEN too; the winner goes on.
        if (second_ && second_->open) resolve_collision();
        accept_open(*primary_->open);
        return;
      }
      case MessageType::notification:
        on_notification(body);
        return;
      case MessageType::update:
      case MessageType::keepalive:
      case MessageType::route_refresh:
        // RFC 6608 §4: Unexpected Message in OpenSent State.
        drop(Notification{error::kFsm, error::kUnexpectedInOpenSent, {}},
             fmt::format("unexpected {} in OpenSent", to_string(header->type)));
        return;
    }
  }
}

bool Fsm::on_timer_or_close(const Event& event, std::string_view where) {
  if (is_timer(event, TimerId::hold)) {
    // Event 10, unless something was heard since the timer was armed.
    if (last_heard_ && now_ < *last_heard_ + std::chrono::seconds(hold_time_)) {
      arm_hold();
      return true;
    }
    drop(Notification{error::kHoldTimerExpired, 0, {}}, fmt::format("hold timer expired{}", where));
  } else if (is_timer(event, TimerId::keepalive)) {
    // Event 11: "sends a KEEPALIVE message, restarts the KeepaliveTimer".
    send(primary_->id, encode_keepalive());
    arm(TimerId::keepalive, now_ + std::chrono::seconds(hold_time_ / 3));
  } else if (const auto* e = as<TcpClosed>(event)) {
    drop(std::nullopt, fmt::format("connection closed{}: {}", where, e->reason));
  } else {
    return false;
  }
  return true;
}

void Fsm::in_open_confirm(const Event& event) {
  if (on_timer_or_close(event, " in OpenConfirm")) return;
  if (const auto* e = as<MessageReceived>(event)) {
    const auto header = header_of(e->bytes);
    if (!header) return;
    const auto body = e->bytes.subspan(kHeaderSize);
    switch (header->type) {
      case MessageType::keepalive:
        // Event 26: "restarts the HoldTimer and changes its state to Established".
        last_heard_ = now_;
        enter_state(State::established);
        return;
      case MessageType::notification:
        on_notification(body);
        return;
      case MessageType::open:
      case MessageType::update:
      case MessageType::route_refresh:
        // RFC 6608 §4: Unexpected Message in OpenConfirm State.
        drop(Notification{error::kFsm, error::kUnexpectedInOpenConfirm, {}},
             fmt::format("unexpected {} in OpenConfirm", to_string(header->type)));
        return;
    }
  }
}

void Fsm::in_established(const Event& event) {
  if (on_timer_or_close(event, "")) return;
  if (const auto* e = as<MessageReceived>(event)) {
    const auto header = header_of(e->bytes);
    if (!header) return;
    const auto body = e->bytes.subspan(kHeaderSize);
    switch (header->type) {
      case MessageType::keepalive:
        // Event 26: "restarts its HoldTimer".
        last_heard_ = now_;
        return;
      case MessageType::update:
        // Event 27: "restarts its HoldTimer".
        last_heard_ = now_;
        on_update(body);
        return;
      case MessageType::route_refresh:
        on_route_refresh(body);
        return;
      case MessageType::notification:
        on_notification(body);
        return;
      case MessageType::open:
        // RFC 6608 §4: Unexpected Message in Established State.
        drop(Notification{error::kFsm, error::kUnexpectedInEstablished, {}},
             "unexpected OPEN in Established");
        return;
    }
  }
}

void Fsm::enter_state(State next) {
  if (next == state_) return;
  const State before = state_;
  state_ = next;
  log(config::LogLevel::debug,
      fmt::format("{}: {} -> {}", name_, to_string(before), to_string(next)));
  switch (next) {
    case State::established:
      ++counters_.established_transitions;
      counters_.established_at = now_;
      log(config::LogLevel::info, fmt::format("{}: session established (AS {}, hold time {}s)",
                                              name_, config_.neighbor.remote_asn, hold_time_));
      arm_hold();
      flush();
      return;
    case State::idle:
    case State::connect:
    case State::active:
    case State::open_sent:
    case State::open_confirm:
      return;
  }
}

// ---- connections ----

void Fsm::start() {
  // RFC 4271 §8.2.2 Idle, Event 1/3: "initiates a TCP connection ... changes
  // its state to Connect"; with passive TCP establishment (Events 4/5) it
  // "listens for a connection ... changes its state to Active".
  cancel(TimerId::idle_hold);
  if (config_.neighbor.passive) {
    enter_state(State::active);
    return;
  }
  out_->push_back(Connect{});
  connecting_ = true;
  arm(TimerId::connect_retry, jittered(config_.connect_retry));
  enter_state(State::connect);
}

void Fsm::open_connection(const TcpConnected& e) {
  // Events 16/17: "stops the ConnectRetryTimer ..., sends an OPEN message
  // ..., sets the HoldTimer to a large value, and changes its state to OpenSent".
  cancel(TimerId::connect_retry);
  primary_ = Connection{e.conn, e.outgoing, e.local, std::nullopt};
  send(e.conn, encode(local_open()));
  last_heard_.reset();
  arm(TimerId::hold, now_ + kOpenHoldTime);
  enter_state(State::open_sent);
}

// A connection while another one is up (RFC 4271 §6.8).
void Fsm::on_new_connection(const TcpConnected& e) {
  // "... collision with an existing BGP connection that is in the
  // Established state causes closing of the newly created connection."
  if (state_ == State::established || second_) {
    log(config::LogLevel::info,
        fmt::format("{}: refusing a second connection in {}", name_, to_string(state_)),
        name_ + ":second");
    out_->push_back(Close{e.conn});
    return;
  }
  // OpenSent/OpenConfirm: speak OPEN on it too, and decide which one stays
  // when the neighbour's BGP Identifier is known from both.
  second_ = Connection{e.conn, e.outgoing, e.local, std::nullopt};
  send(e.conn, encode(local_open()));
}

void Fsm::on_second_connection(const Event& event) {
  if (as<TcpClosed>(event)) {
    out_->push_back(Close{second_->id});
    second_.reset();
    return;
  }
  const auto& e = std::get<MessageReceived>(event);
  ++counters_.messages_in;
  counters_.in.add(e.bytes);
  const auto header = decode_header(e.bytes);
  const auto* h = std::get_if<Header>(&header);
  if (!h || h->type != MessageType::open) {
    // Anything but an OPEN first ends the extra connection.
    if (const auto* n = std::get_if<Notification>(&header)) send(second_->id, encode(*n));
    out_->push_back(Close{second_->id});
    second_.reset();
    return;
  }
  auto decoded = decode_open(e.bytes.subspan(kHeaderSize));
  std::optional<Notification> refusal;
  if (auto* n = std::get_if<Notification>(&decoded)) {
    refusal = *n;
  } else {
    refusal = check_open(std::get<Open>(decoded));
  }
  if (refusal) {
    send(second_->id, encode(*refusal));
    out_->push_back(Close{second_->id});
    second_.reset();
    return;
  }
  second_->open = std::get<Open>(decoded);
  // In OpenSent the existing connection's OPEN is not in yet; RFC 4271
  // §6.8 lets us wait for it ("... if the OPEN message ... is received").
  if (state_ != State::open_confirm) return;
  if (resolve_collision()) return;
  // The new connection won: it has sent its OPEN and had ours.
  accept_open(*primary_->open);
}

// RFC 4271 §6.8: "If the value of the local BGP Identifier is less than the
// remote one, the local system closes the BGP connection that already exists
// ... and accepts the BGP connection initiated by the remote system.
// Otherwise, the local system closes the newly created BGP connection".
// Put generally: the connection started by the higher Identifier stays.
// Returns true when the existing (primary) connection stays.
bool Fsm::resolve_collision() {
  const std::uint32_t remote_id = second_->open->bgp_identifier;
  const bool keep_outgoing = config_.bgp_identifier > remote_id;
  const Notification cease{error::kCease, error::kConnectionCollisionResolution, {}};
  const bool keep_primary = primary_->outgoing == keep_outgoing;
  Connection& loser = keep_primary ? *second_ : *primary_;
  log(config::LogLevel::info, fmt::format("{}: connection collision, keeping the {} connection",
                                          name_, keep_outgoing ? "outgoing" : "incoming"));
  send(loser.id, encode(cease));
  out_->push_back(Close{loser.id});
  if (!keep_primary) primary_ = std::move(*second_);
  second_.reset();
  return keep_primary;
}

std::optional<Notification> Fsm::check_open(const Open& open) const {
  // RFC 4271 §6.2: "If the Autonomous System field of the OPEN message is
  // unacceptable, then the Error Subcode MUST be set to Bad Peer AS."
  // RFC 6793 §4.1: with the 4-octet AS capability its value is the AS.
  if (open.asn() != config_.neighbor.remote_asn) {
    return Notification{error::kOpen, error::kBadPeerAs, {}};
  }
  // RFC 6286 §2.2: within one AS the BGP Identifiers must differ.
  if (!context_.external && open.bgp_identifier == config_.bgp_identifier) {
    return Notification{error::kOpen, error::kBadBgpIdentifier, {}};
  }
  return std::nullopt;
}

void Fsm::accept_open(const Open& open) {
  // RFC 4271 §4.2: "... MUST calculate the value of the Hold Timer by using
  // the smaller of its configured Hold Time and the Hold Time received".
  const auto ours = local_open().hold_time;
  hold_time_ = std::min(ours, open.hold_time);
  // RFC 6793 §4: 4-octet AS numbers on the wire only when both sides said so.
  context_.four_octet_as = open.four_octet_as().has_value();
  // RFC 4760 §8 / RFC 5492: a family is used when both sides offered it; a
  // speaker without multiprotocol capabilities does IPv4 unicast only.
  families_.clear();
  auto theirs = open.multiprotocol();
  if (theirs.empty()) theirs.push_back(kIpv4Unicast);
  const AfiSafi ours_family = family_ == Family::ipv4 ? kIpv4Unicast : kIpv6Unicast;
  if (std::find(theirs.begin(), theirs.end(), ours_family) != theirs.end()) {
    families_.insert(family_);
  } else {
    log(config::LogLevel::warn,
        fmt::format("{}: the neighbour does not take {} unicast; nothing will be announced", name_,
                    family_ == Family::ipv4 ? "IPv4" : "IPv6"));
  }
  enhanced_refresh_ = open.find_capability(capability::kEnhancedRouteRefresh) != nullptr;
  // OpenSent, Event 19: "sends a KEEPALIVE message, sets a KeepaliveTimer
  // ..., sets the HoldTimer according to the negotiated value ..., changes
  // its state to OpenConfirm." A zero hold time means neither timer runs.
  send(primary_->id, encode_keepalive());
  last_heard_ = now_;
  if (hold_time_ > 0) {
    arm(TimerId::keepalive, now_ + std::chrono::seconds(hold_time_ / 3));
    arm_hold();
  } else {
    cancel(TimerId::keepalive);
    cancel(TimerId::hold);
  }
  enter_state(State::open_confirm);
}

std::optional<Header> Fsm::header_of(std::span<const std::uint8_t> bytes) {
  auto header = decode_header(bytes);
  if (auto* n = std::get_if<Notification>(&header)) {
    drop(*n, "bad message header: " + n->describe());
    return std::nullopt;
  }
  return std::get<Header>(header);
}

void Fsm::on_update(std::span<const std::uint8_t> body) {
  ++counters_.updates_in;
  const UpdateDecode d = decode_update(body, context_);
  switch (d.action) {
    case ErrorAction::none:
      break;
    case ErrorAction::attribute_discard:
      ++counters_.attributes_discarded;
      log(config::LogLevel::debug,
          fmt::format("{}: UPDATE attribute discarded (RFC 7606): {}", name_, d.reason),
          name_ + ":discard");
      break;
    case ErrorAction::treat_as_withdraw:
      // RFC 7606 §2: the UPDATE's routes are treated as withdrawn; we keep
      // none of them anyway, so only the count changes.
      ++counters_.updates_treated_as_withdraw;
      log(config::LogLevel::warn,
          fmt::format("{}: malformed UPDATE treated as withdraw (RFC 7606): {}", name_, d.reason),
          name_ + ":withdraw");
      return;
    case ErrorAction::session_reset:
      drop(d.notification, "malformed UPDATE: " + d.reason);
      return;
  }
  // Spec: a host announces only; what the neighbour sends is counted and dropped.
  counters_.prefixes_received_discarded += d.update.announced_count();
}

void Fsm::on_route_refresh(std::span<const std::uint8_t> body) {
  auto decoded = decode_route_refresh(body, enhanced_refresh_);
  if (auto* n = std::get_if<Notification>(&decoded)) {
    drop(*n, "bad ROUTE-REFRESH: " + n->describe());
    return;
  }
  const auto& rr = std::get<RouteRefresh>(decoded);
  // RFC 7313 §4: BoRR/EoRR from the neighbour are about its own routes.
  if (rr.subtype != kRefreshRequest) return;
  const AfiSafi mine = family_ == Family::ipv4 ? kIpv4Unicast : kIpv6Unicast;
  // RFC 2918 §4: a request for an AFI/SAFI not negotiated is ignored.
  if (rr.afi_safi != mine || !carries(family_)) return;
  // RFC 2918 §4: "... the BGP speaker ... re-advertises to the peer the
  // Adj-RIB-Out"; RFC 7313 §4 brackets it with BoRR and EoRR.
  if (enhanced_refresh_) send(primary_->id, encode(RouteRefresh{mine, kBeginningOfRouteRefresh}));
  std::vector<std::pair<Prefix, std::optional<OutAttributes>>> all;
  for (const auto& [prefix, attributes] : advertised_)
    all.emplace_back(prefix, attributes);
  send_routes(all);
  if (enhanced_refresh_) send(primary_->id, encode(RouteRefresh{mine, kEndOfRouteRefresh}));
}

void Fsm::on_notification(std::span<const std::uint8_t> body) {
  // Event 25: "... drops the TCP connection, ..., changes its state to Idle."
  const Notification n = decode_notification(body);
  drop(std::nullopt, "neighbour sent NOTIFICATION " + n.describe());
}

void Fsm::drop(std::optional<Notification> notification, std::string reason) {
  const bool was_established = state_ == State::established;
  if (primary_) {
    if (notification) send(primary_->id, encode(*notification));
    out_->push_back(Close{primary_->id});
  }
  if (second_) out_->push_back(Close{second_->id});
  if (notification) reason += " (sent " + notification->describe() + ")";
  counters_.last_error = reason;
  log(was_established ? config::LogLevel::warn : config::LogLevel::info,
      fmt::format("{}: {} -> Idle: {}", name_, to_string(state_), reason));
  go_idle(true);
}

void Fsm::go_idle(bool restart) {
  if (connecting_) out_->push_back(AbortConnect{});
  connecting_ = false;
  for (TimerId t : {TimerId::connect_retry, TimerId::hold, TimerId::keepalive})
    cancel(t);
  const bool stable =
      counters_.established_at && now_ - *counters_.established_at >= kStableSession;
  primary_.reset();
  second_.reset();
  advertised_.clear();
  counters_.established_at.reset();
  hold_time_ = 0;
  enter_state(State::idle);
  if (!restart || stopping_ || stopped_) return;
  // RFC 4271 §8.1.1 DampPeerOscillations: the IdleHoldTimer keeps a
  // flapping session from reconnecting at once; it doubles on each failure
  // and starts over after a session that stayed up.
  if (stable) idle_hold_ = config_.idle_hold;
  arm(TimerId::idle_hold, now_ + idle_hold_);
  idle_hold_ = std::min(idle_hold_ * 2, config_.max_idle_hold);
}

// ---- routes ----

bool Fsm::carries(Family family) const {
  return state_ == State::established && families_.contains(family);
}

void Fsm::on_route_changed(const RouteChanged& e) {
  if (e.prefix.address.family != family_ || stopping_ || stopped_) return;
  if (e.action != core::RouteAction::withdraw) {
    desired_[e.prefix] = OutRoute{e.action, std::nullopt};
    return;
  }
  const auto it = desired_.find(e.prefix);
  if (it == desired_.end() || it->second.drain_until) return;
  // RFC 8326 §4: before taking a route away, re-announce it with
  // GRACEFUL_SHUTDOWN so the neighbour moves traffic elsewhere first. An
  // admin withdrawal always drains; a failed service only when configured.
  bool drain = false;
  switch (e.cause) {
    case core::Cause::admin:
    case core::Cause::shutdown:
      drain = true;
      break;
    case core::Cause::health:
      drain = config_.neighbor.graceful_shutdown;
      break;
    case core::Cause::config:
      drain = false;
      break;
  }
  const auto drain_time = config_.neighbor.drain_time;
  if (!drain || drain_time.count() == 0 || !advertised_.contains(e.prefix)) {
    desired_.erase(it);
    return;
  }
  it->second.drain_until = now_ + drain_time;
  log(config::LogLevel::info,
      fmt::format("{}: draining {} with GRACEFUL_SHUTDOWN for {} (RFC 8326)", name_,
                  e.prefix.to_string(), seconds_text(drain_time)));
  arm_drain();
}

void Fsm::on_drain_timer() {
  bool changed = false;
  for (auto it = desired_.begin(); it != desired_.end();) {
    if (it->second.drain_until && *it->second.drain_until <= now_) {
      it = desired_.erase(it);
      changed = true;
    } else {
      ++it;
    }
  }
  if (stop_at_ && *stop_at_ <= now_) {
    finish_stop();
    return;
  }
  if (changed && state_ == State::established) flush();
  arm_drain();
}

void Fsm::arm_drain() {
  std::optional<TimePoint> next = stop_at_;
  for (const auto& [prefix, route] : desired_) {
    if (route.drain_until && (!next || *route.drain_until < *next)) next = route.drain_until;
  }
  if (next) {
    arm(TimerId::drain, *next);
  } else {
    cancel(TimerId::drain);
  }
}

void Fsm::on_manual_stop(const ManualStop& e) {
  if (stopped_) {
    out_->push_back(Stopped{});
    return;
  }
  if (stopping_) return;
  stopping_ = true;
  stop_message_ = e.message;
  cancel(TimerId::idle_hold);
  // RFC 8326 §4 on SIGTERM too, for as long as the 2 s exit budget allows.
  const auto drain = std::min(config_.neighbor.drain_time, config_.shutdown_drain_limit);
  if (state_ != State::established || advertised_.empty() || drain.count() == 0) {
    finish_stop();
    return;
  }
  for (auto& [prefix, route] : desired_) {
    if (!route.drain_until || *route.drain_until > now_ + drain) route.drain_until = now_ + drain;
  }
  stop_at_ = now_ + drain;
  log(config::LogLevel::info,
      fmt::format("{}: stopping: draining {} prefixes with GRACEFUL_SHUTDOWN for {}", name_,
                  advertised_.size(), seconds_text(drain)));
  flush();
  arm_drain();
}

void Fsm::finish_stop() {
  stop_at_.reset();
  desired_.clear();
  cancel(TimerId::drain);
  cancel(TimerId::idle_hold);
  if (state_ == State::established) flush();  // the withdrawals
  const bool open_sent =
      state_ == State::open_sent || state_ == State::open_confirm || state_ == State::established;
  if (primary_) {
    // RFC 4271 §8.2.2 Event 2: "sends the NOTIFICATION with a Cease"; RFC
    // 8203 adds the reason as a Shutdown Communication.
    if (open_sent) send(primary_->id, encode(Notification::administrative_shutdown(stop_message_)));
    out_->push_back(Close{primary_->id});
  }
  if (second_) out_->push_back(Close{second_->id});
  if (open_sent) counters_.last_error = "stopped: " + stop_message_;
  go_idle(false);
  stopped_ = true;
  out_->push_back(Stopped{});
}

void Fsm::flush() {
  if (!carries(family_)) return;
  std::vector<std::pair<Prefix, std::optional<OutAttributes>>> changes;
  auto want = [this](const OutRoute& r) {
    return OutAttributes{r.action == core::RouteAction::degrade,
                         r.drain_until.has_value() || stop_at_.has_value()};
  };
  // Both maps are sorted: walk them side by side.
  auto d = desired_.begin();
  auto a = advertised_.begin();
  while (d != desired_.end() || a != advertised_.end()) {
    if (a == advertised_.end() || (d != desired_.end() && d->first < a->first)) {
      changes.emplace_back(d->first, want(d->second));
      ++d;
    } else if (d == desired_.end() || a->first < d->first) {
      changes.emplace_back(a->first, std::nullopt);
      ++a;
    } else {
      const OutAttributes w = want(d->second);
      if (w != a->second) changes.emplace_back(d->first, w);
      ++d;
      ++a;
    }
  }
  if (changes.empty()) return;
  for (const auto& [prefix, attributes] : changes) {
    if (attributes) {
      advertised_[prefix] = *attributes;
    } else {
      advertised_.erase(prefix);
    }
  }
  send_routes(changes);
}

PathAttributes Fsm::attributes_for(const OutAttributes& out, Family family) const {
  PathAttributes a;
  a.origin = Origin::igp;
  // RFC 4271 §5.1.2: towards an external peer our AS leads the path; an
  // internal peer gets an empty one. Degrading prepends more copies.
  AsSegment seq{SegmentType::as_sequence, {}};
  const std::size_t copies =
      (context_.external ? 1 : 0) + (out.degraded ? config_.degraded_prepend : 0);
  seq.asns.assign(copies, config_.local_asn);
  a.as_path = AsPath{};
  if (!seq.asns.empty()) a.as_path->push_back(std::move(seq));
  if (out.degraded) a.med = config_.degraded_med;
  // RFC 4271 §5.1.5: LOCAL_PREF goes to internal peers.
  if (!context_.external) a.local_pref = kDefaultLocalPref;
  std::vector<std::uint32_t> communities = config_.neighbor.communities;
  if (out.graceful_shutdown &&
      std::find(communities.begin(), communities.end(), kGracefulShutdown) == communities.end()) {
    communities.push_back(kGracefulShutdown);
  }
  if (!communities.empty()) a.communities = std::move(communities);
  // RFC 4271 §5.1.3: NEXT_HOP is our address on the session; RFC 4760 §3
  // carries the IPv6 one in MP_REACH_NLRI.
  const IpAddress& local = primary_->local;
  if (family == Family::ipv4) {
    a.next_hop = local;
  } else {
    MpReach mp;
    mp.afi_safi = kIpv6Unicast;
    mp.next_hop.assign(local.bytes.begin(), local.bytes.end());
    a.mp_reach = std::move(mp);
  }
  return a;
}

// One UPDATE per attribute set (so one service's prefixes go together),
// split only where 4096 bytes would be exceeded; withdrawals go first.
void Fsm::send_routes(const std::vector<std::pair<Prefix, std::optional<OutAttributes>>>& changes) {
  const bool v4 = family_ == Family::ipv4;
  std::vector<Prefix> withdrawn;
  std::map<OutAttributes, std::vector<Prefix>> announced;
  for (const auto& [prefix, attributes] : changes) {
    if (attributes) {
      announced[*attributes].push_back(prefix);
    } else {
      withdrawn.push_back(prefix);
    }
  }
  auto emit = [this](const Update& u) { send(primary_->id, encode(u, context_)); };
  if (!withdrawn.empty()) {
    Update u;
    if (!v4) u.attributes.mp_unreach = MpUnreach{kIpv6Unicast, {}};
    std::size_t size = encode(u, context_).size() + kUpdateSlack;
    auto& list = v4 ? u.withdrawn : u.attributes.mp_unreach->withdrawn;
    for (const auto& p : withdrawn) {
      if (size + nlri_size(p) > kMaxMessageSize) {
        emit(u);
        list.clear();
        size = encode(u, context_).size() + kUpdateSlack;
      }
      list.push_back(p);
      size += nlri_size(p);
    }
    emit(u);
  }
  for (const auto& [attributes, prefixes] : announced) {
    Update u;
    u.attributes = attributes_for(attributes, family_);
    std::size_t size = encode(u, context_).size() + kUpdateSlack;
    auto& list = v4 ? u.nlri : u.attributes.mp_reach->nlri;
    for (const auto& p : prefixes) {
      if (size + nlri_size(p) > kMaxMessageSize) {
        emit(u);
        list.clear();
        size = encode(u, context_).size() + kUpdateSlack;
      }
      list.push_back(p);
      size += nlri_size(p);
    }
    emit(u);
    std::string names;
    for (const auto& p : prefixes)
      names += (names.empty() ? "" : ", ") + p.to_string();
    log(config::LogLevel::info,
        fmt::format("{}: announce {}{}{}", name_, names, attributes.degraded ? " (degraded)" : "",
                    attributes.graceful_shutdown ? " with GRACEFUL_SHUTDOWN" : ""));
  }
  if (!withdrawn.empty()) {
    std::string names;
    for (const auto& p : withdrawn)
      names += (names.empty() ? "" : ", ") + p.to_string();
    log(config::LogLevel::info, fmt::format("{}: withdraw {}", name_, names));
  }
}

// ---- helpers ----

void Fsm::arm_hold() {
  if (hold_time_ == 0) {
    cancel(TimerId::hold);
    return;
  }
  arm(TimerId::hold, last_heard_.value_or(now_) + std::chrono::seconds(hold_time_));
}

void Fsm::send(ConnId conn, std::vector<std::uint8_t> bytes) {
  ++counters_.messages_out;
  counters_.out.add(bytes);
  out_->push_back(Send{conn, std::move(bytes)});
}

void Fsm::arm(TimerId timer, TimePoint at) {
  out_->push_back(ArmTimer{timer, at});
}

void Fsm::cancel(TimerId timer) {
  out_->push_back(CancelTimer{timer});
}

void Fsm::log(config::LogLevel level, std::string text, std::string rate_key) {
  out_->push_back(Log{level, std::move(text), std::move(rate_key)});
}

// RFC 4271 §10: "... the initial value ... SHOULD be jittered by multiplying
// it by a random value between 0.75 and 1.0".
TimePoint Fsm::jittered(std::chrono::milliseconds d) {
  std::uniform_real_distribution<double> factor(0.75, 1.0);
  return now_ + std::chrono::milliseconds(
                    static_cast<std::int64_t>(static_cast<double>(d.count()) * factor(rng_)));
}

std::string_view to_string(State state) {
  switch (state) {
    case State::idle:
      return "Idle";
    case State::connect:
      return "Connect";
    case State::active:
      return "Active";
    case State::open_sent:
      return "OpenSent";
    case State::open_confirm:
      return "OpenConfirm";
    case State::established:
      return "Established";
  }
  return "?";
}

std::string_view to_string(TimerId timer) {
  switch (timer) {
    case TimerId::connect_retry:
      return "connect-retry";
    case TimerId::hold:
      return "hold";
    case TimerId::keepalive:
      return "keepalive";
    case TimerId::idle_hold:
      return "idle-hold";
    case TimerId::drain:
      return "drain";
  }
  return "?";
}

}  // namespace anycastd::bgp
