// SPDX-License-Identifier: Apache-2.0
#include "bgp/fsm.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <utility>

#include "util/overloaded.hpp"

namespace anycastd::bgp {

namespace {

// RFC 4271 §8.2.2 (Connect, Active): "sets the HoldTimer to a large value
// ... A HoldTimer value of 4 minutes is suggested" until the OPEN arrives.
constexpr std::chrono::seconds kOpenHoldTime{240};
// An Established session that lasted this long resets the idle-hold back-off.
constexpr std::chrono::seconds kStableSession{60};
// RFC 8203: the Shutdown Communication of a graceful stop.
constexpr std::string_view kStopMessage = "anycastd shutting down";

std::string seconds_text(std::chrono::milliseconds d) {
  return fmt::format("{:.1f}s", static_cast<double>(d.count()) / 1000.0);
}

// "open", "update", "route_refresh": the counters' names of message types.
std::string type_key(std::uint8_t type) {
  switch (type) {
    case 1:
      return "open";
    case 2:
      return "update";
    case 3:
      return "notification";
    case 4:
      return "keepalive";
    case 5:
      return "route_refresh";
    default:
      return fmt::format("type_{}", type);
  }
}

// RFC 4271 §6.1: the drop reason of a header error.
std::string_view header_reason(const Notification& n) {
  switch (n.subcode) {
    case error::kConnectionNotSynchronized:
      return "bad_marker";
    case error::kBadMessageType:
      return "bad_type";
    default:
      return "bad_length";
  }
}

}  // namespace

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
  Out out(now);
  std::visit(Overloaded{
                 [&](const Start&) { on_start(out); },
                 [&](const Stop& e) { on_stop(e, out); },
                 [&](const Deconfigure&) { on_deconfigure(out); },
                 [&](const TimerExpired& e) { on_timer(e.timer, out); },
                 [&](const TcpConnected& e) { on_connected(e, out); },
                 [&](const TcpConnectFailed& e) { on_connect_failed(e, out); },
                 [&](const TcpClosed& e) { on_closed(e, out); },
                 [&](const MessageReceived& e) { on_message(e, out); },
                 [&](const RouteChanged& e) { on_route_changed(e, out); },
                 [&](const Flush&) { flush(out); },
                 [&](const BfdDown&) { on_bfd_down(out); },
                 [&](const Reconfigure& e) { on_reconfigure(e, out); },
             },
             event);
  return out.take();
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

// ---- RFC 4271 §8.2.2, event by event ----

void Fsm::on_start(Out& out) {
  switch (state_) {
    case State::idle:
      // Event 1 ManualStart.
      if (!stopping_ && !stopped_) start(out);
      return;
    case State::connect:
    case State::active:
    case State::open_sent:
    case State::open_confirm:
    case State::established:
      // "... Event 1 ... in this state ... ignored."
      return;
  }
}

void Fsm::on_timer(TimerId timer, Out& out) {
  switch (timer) {
    case TimerId::drain:
      on_drain_timer(out);
      return;
    case TimerId::idle_hold:
      // Event 3 AutomaticStart after the IdleHoldTimer.
      if (state_ == State::idle && !stopping_ && !stopped_) start(out);
      return;
    case TimerId::connect_retry:
      switch (state_) {
        case State::connect:
          // Event 9: "drops the TCP connection, restarts the ConnectRetryTimer,
          // ... initiates a TCP connection".
          out.push(AbortConnect{});
          out.push(Connect{});
          out.arm(TimerId::connect_retry, jittered(config_.connect_retry, out.now));
          return;
        case State::active:
          // Event 9: "initiates a TCP connection ... changes its state to Connect."
          out.push(Connect{});
          connecting_ = true;
          out.arm(TimerId::connect_retry, jittered(config_.connect_retry, out.now));
          enter_state(State::connect, out);
          return;
        case State::idle:
        case State::open_sent:
        case State::open_confirm:
        case State::established:
          return;
      }
      return;
    case TimerId::hold:
      switch (state_) {
        case State::open_sent:
          // Event 10: "sends a NOTIFICATION message with the error code Hold Timer Expired".
          end_session(Notification{error::kHoldTimerExpired, 0, {}},
                      "hold timer expired in OpenSent", out);
          return;
        case State::open_confirm:
          on_hold_timer(" in OpenConfirm", out);
          return;
        case State::established:
          on_hold_timer("", out);
          return;
        case State::idle:
        case State::connect:
        case State::active:
          return;
      }
      return;
    case TimerId::keepalive:
      switch (state_) {
        case State::open_confirm:
        case State::established:
          // Event 11: "sends a KEEPALIVE message, restarts the KeepaliveTimer".
          send(primary_->id, encode_keepalive(), out);
          out.arm(TimerId::keepalive, out.now + std::chrono::seconds(hold_time_ / 3));
          return;
        case State::idle:
        case State::connect:
        case State::active:
        case State::open_sent:
          return;
      }
      return;
  }
}

void Fsm::on_hold_timer(std::string_view where, Out& out) {
  // Event 10, unless something was heard since the timer was armed.
  if (last_heard_ && out.now < *last_heard_ + std::chrono::seconds(hold_time_)) {
    arm_hold(out);
    return;
  }
  end_session(Notification{error::kHoldTimerExpired, 0, {}},
              fmt::format("hold timer expired{}", where), out);
}

void Fsm::on_connected(const TcpConnected& e, Out& out) {
  if (stopping_ || stopped_) {
    out.push(Close{e.conn});
    return;
  }
  if (primary_) {
    on_new_connection(e, out);
    return;
  }
  switch (state_) {
    case State::idle:
      // "... the local system ... refuses all incoming BGP connections".
      out.push(Close{e.conn});
      return;
    case State::connect:
      // Events 16/17: send OPEN, go to OpenSent.
      if (!e.outgoing) out.push(AbortConnect{});
      connecting_ = false;
      open_connection(e, out);
      return;
    case State::active:
      // Event 17: the neighbour connected to us.
      open_connection(e, out);
      return;
    case State::open_sent:
    case State::open_confirm:
    case State::established:
      // These states have a primary connection: handled above.
      return;
  }
}

void Fsm::on_connect_failed(const TcpConnectFailed& e, Out& out) {
  switch (state_) {
    case State::connect:
      // Event 18: "restarts the ConnectRetryTimer, continues to listen for a
      // connection ..., and changes its state to Active."
      connecting_ = false;
      counters_.last_error = "connect: " + e.reason;
      out.log(config::LogLevel::debug, fmt::format("{}: connect failed: {}", name_, e.reason),
              name_ + ":connect");
      out.arm(TimerId::connect_retry, jittered(config_.connect_retry, out.now));
      enter_state(State::active, out);
      return;
    case State::idle:
    case State::active:
    case State::open_sent:
    case State::open_confirm:
    case State::established:
      // An attempt given up already.
      return;
  }
}

void Fsm::on_closed(const TcpClosed& e, Out& out) {
  if (second_ && second_->id == e.conn) {
    out.push(Close{second_->id});
    second_.reset();
    return;
  }
  // A connection we closed already.
  if (!primary_ || primary_->id != e.conn) return;
  switch (state_) {
    case State::open_sent:
      // Event 18: "closes the BGP connection, restarts the ConnectRetryTimer,
      // continues to listen for a connection, and changes its state to Active."
      counters_.last_error = "connection closed in OpenSent: " + e.reason;
      out.push(Close{e.conn});
      primary_.reset();
      out.cancel(TimerId::hold);
      out.arm(TimerId::connect_retry, jittered(config_.connect_retry, out.now));
      enter_state(State::active, out);
      return;
    case State::open_confirm:
      end_session(std::nullopt, "connection closed in OpenConfirm: " + e.reason, out);
      return;
    case State::established:
      end_session(std::nullopt, "connection closed: " + e.reason, out);
      return;
    case State::idle:
    case State::connect:
    case State::active:
      return;
  }
}

void Fsm::on_message(const MessageReceived& e, Out& out) {
  ++counters_.messages.received;
  if (second_ && second_->id == e.conn) {
    on_second_message(e, out);
    return;
  }
  // A connection we closed already: whatever it still delivers is stale.
  if (!primary_ || primary_->id != e.conn) {
    drop_message("stale_connection");
    return;
  }
  const auto header = header_of(e.bytes, out);
  if (!header) return;
  const auto body = e.bytes.subspan(kHeaderSize);
  switch (state_) {
    case State::open_sent:
      on_open_sent_message(*header, body, out);
      return;
    case State::open_confirm:
      on_open_confirm_message(*header, body, out);
      return;
    case State::established:
      on_established_message(*header, body, out);
      return;
    case State::idle:
    case State::connect:
    case State::active:
      // No primary connection in these states.
      drop_message("stale_connection");
      return;
  }
}

void Fsm::on_open_sent_message(const Header& header, std::span<const std::uint8_t> body, Out& out) {
  switch (header.type) {
    case MessageType::open: {
      auto decoded = decode_open(body);
      if (auto* n = std::get_if<Notification>(&decoded)) {
        drop_message("bad_open");
        end_session(*n, "bad OPEN: " + n->describe(), out);
        return;
      }
      const Open& open = std::get<Open>(decoded);
      if (auto n = check_open(open)) {
        drop_message("bad_open");
        end_session(*n, "OPEN refused: " + n->describe(), out);
        return;
      }
      accept_message();
      primary_->open = open;
      // RFC 4271 §6.8: a colliding connection whose OPEN already came in
      // is resolved now that this one has its OPEN too; the winner goes on.
      if (second_ && second_->open) resolve_collision(out);
      accept_open(*primary_->open, out);
      return;
    }
    case MessageType::notification:
      on_notification(body, out);
      return;
    case MessageType::update:
    case MessageType::keepalive:
    case MessageType::route_refresh:
      on_unexpected_message(header.type, error::kUnexpectedInOpenSent, out);
      return;
  }
}

void Fsm::on_open_confirm_message(const Header& header, std::span<const std::uint8_t> body,
                                  Out& out) {
  switch (header.type) {
    case MessageType::keepalive:
      // Event 26: "restarts the HoldTimer and changes its state to Established".
      accept_message();
      last_heard_ = out.now;
      enter_state(State::established, out);
      return;
    case MessageType::notification:
      on_notification(body, out);
      return;
    case MessageType::open:
    case MessageType::update:
    case MessageType::route_refresh:
      on_unexpected_message(header.type, error::kUnexpectedInOpenConfirm, out);
      return;
  }
}

void Fsm::on_established_message(const Header& header, std::span<const std::uint8_t> body,
                                 Out& out) {
  switch (header.type) {
    case MessageType::keepalive:
      // Event 26: "restarts its HoldTimer".
      accept_message();
      last_heard_ = out.now;
      return;
    case MessageType::update:
      // Event 27: "restarts its HoldTimer".
      last_heard_ = out.now;
      on_update(body, out);
      return;
    case MessageType::route_refresh:
      on_route_refresh(body, out);
      return;
    case MessageType::notification:
      on_notification(body, out);
      return;
    case MessageType::open:
      on_unexpected_message(header.type, error::kUnexpectedInEstablished, out);
      return;
  }
}

void Fsm::enter_state(State next, Out& out) {
  if (next == state_) return;
  const State before = state_;
  state_ = next;
  out.log(config::LogLevel::debug,
          fmt::format("{}: {} -> {}", name_, to_string(before), to_string(next)));
  switch (next) {
    case State::established:
      ++counters_.established_transitions;
      counters_.established_at = out.now;
      out.log(config::LogLevel::info, fmt::format("{}: session established (AS {}, hold time {}s)",
                                                  name_, config_.neighbor.remote_asn, hold_time_));
      arm_hold(out);
      flush(out);
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

void Fsm::start(Out& out) {
  // RFC 4271 §8.2.2 Idle, Event 1/3: "initiates a TCP connection ... changes
  // its state to Connect"; with passive TCP establishment (Events 4/5) it
  // "listens for a connection ... changes its state to Active".
  out.cancel(TimerId::idle_hold);
  if (config_.neighbor.passive) {
    enter_state(State::active, out);
    return;
  }
  out.push(Connect{});
  connecting_ = true;
  out.arm(TimerId::connect_retry, jittered(config_.connect_retry, out.now));
  enter_state(State::connect, out);
}

void Fsm::open_connection(const TcpConnected& e, Out& out) {
  // Events 16/17: "stops the ConnectRetryTimer ..., sends an OPEN message
  // ..., sets the HoldTimer to a large value, and changes its state to OpenSent".
  out.cancel(TimerId::connect_retry);
  primary_ = Connection{e.conn, e.outgoing, e.local, std::nullopt};
  send(e.conn, encode(local_open()), out);
  last_heard_.reset();
  out.arm(TimerId::hold, out.now + kOpenHoldTime);
  enter_state(State::open_sent, out);
}

// A connection while another one is up (RFC 4271 §6.8).
void Fsm::on_new_connection(const TcpConnected& e, Out& out) {
  // "... collision with an existing BGP connection that is in the
  // Established state causes closing of the newly created connection."
  if (state_ == State::established || second_) {
    out.log(config::LogLevel::info,
            fmt::format("{}: refusing a second connection in {}", name_, to_string(state_)),
            name_ + ":second");
    out.push(Close{e.conn});
    return;
  }
  // OpenSent/OpenConfirm: speak OPEN on it too, and decide which one stays
  // when the neighbour's BGP Identifier is known from both.
  second_ = Connection{e.conn, e.outgoing, e.local, std::nullopt};
  send(e.conn, encode(local_open()), out);
}

void Fsm::on_second_message(const MessageReceived& e, Out& out) {
  const auto header = decode_header(e.bytes);
  const auto* h = std::get_if<Header>(&header);
  if (!h || h->type != MessageType::open) {
    // Anything but an OPEN first ends the extra connection.
    if (const auto* n = std::get_if<Notification>(&header)) {
      drop_message(header_reason(*n));
      send_notification(second_->id, *n, out);
    } else {
      drop_message("unexpected_message");
    }
    out.push(Close{second_->id});
    second_.reset();
    return;
  }
  ++counters_.received_by_type[type_key(static_cast<std::uint8_t>(h->type))];
  auto decoded = decode_open(e.bytes.subspan(kHeaderSize));
  std::optional<Notification> refusal;
  if (auto* n = std::get_if<Notification>(&decoded)) {
    refusal = *n;
  } else {
    refusal = check_open(std::get<Open>(decoded));
  }
  if (refusal) {
    drop_message("bad_open");
    send_notification(second_->id, *refusal, out);
    out.push(Close{second_->id});
    second_.reset();
    return;
  }
  accept_message();
  second_->open = std::get<Open>(decoded);
  // In OpenSent the existing connection's OPEN is not in yet; RFC 4271
  // §6.8 lets us wait for it ("... if the OPEN message ... is received").
  if (state_ != State::open_confirm) return;
  if (resolve_collision(out)) return;
  // The new connection won: it has sent its OPEN and had ours.
  accept_open(*primary_->open, out);
}

// RFC 4271 §6.8: "If the value of the local BGP Identifier is less than the
// remote one, the local system closes the BGP connection that already exists
// ... and accepts the BGP connection initiated by the remote system.
// Otherwise, the local system closes the newly created BGP connection".
// Put generally: the connection started by the higher Identifier stays.
// Returns true when the existing (primary) connection stays.
bool Fsm::resolve_collision(Out& out) {
  const std::uint32_t remote_id = second_->open->bgp_identifier;
  const bool keep_outgoing = config_.bgp_identifier > remote_id;
  const bool keep_primary = primary_->outgoing == keep_outgoing;
  Connection& loser = keep_primary ? *second_ : *primary_;
  out.log(config::LogLevel::info, fmt::format("{}: connection collision, keeping the {} connection",
                                              name_, keep_outgoing ? "outgoing" : "incoming"));
  send_notification(loser.id, {error::kCease, error::kConnectionCollisionResolution, {}}, out);
  out.push(Close{loser.id});
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

void Fsm::accept_open(const Open& open, Out& out) {
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
    out.log(config::LogLevel::warn,
            fmt::format("{}: the neighbour does not take {} unicast; nothing will be announced",
                        name_, family_ == Family::ipv4 ? "IPv4" : "IPv6"));
  }
  enhanced_refresh_ = open.find_capability(capability::kEnhancedRouteRefresh) != nullptr;
  // OpenSent, Event 19: "sends a KEEPALIVE message, sets a KeepaliveTimer
  // ..., sets the HoldTimer according to the negotiated value ..., changes
  // its state to OpenConfirm." A zero hold time means neither timer runs.
  send(primary_->id, encode_keepalive(), out);
  last_heard_ = out.now;
  if (hold_time_ > 0) {
    out.arm(TimerId::keepalive, out.now + std::chrono::seconds(hold_time_ / 3));
    arm_hold(out);
  } else {
    out.cancel(TimerId::keepalive);
    out.cancel(TimerId::hold);
  }
  enter_state(State::open_confirm, out);
}

std::optional<Header> Fsm::header_of(std::span<const std::uint8_t> bytes, Out& out) {
  auto header = decode_header(bytes);
  if (auto* n = std::get_if<Notification>(&header)) {
    drop_message(header_reason(*n));
    end_session(*n, "bad message header: " + n->describe(), out);
    return std::nullopt;
  }
  const Header h = std::get<Header>(header);
  ++counters_.received_by_type[type_key(static_cast<std::uint8_t>(h.type))];
  return h;
}

void Fsm::on_update(std::span<const std::uint8_t> body, Out& out) {
  const UpdateDecode d = decode_update(body, context_);
  const auto rfc7606 = [&](std::uint64_t& counter, config::LogLevel level) {
    ++counter;
    out.log(level,
            fmt::format("{}: UPDATE {} (RFC 7606), attribute {} ({}): {}", name_,
                        to_string(d.action), d.attribute, attribute_name(d.attribute), d.reason),
            fmt::format("{}:rfc7606:{}", name_, to_string(d.action)));
  };
  switch (d.action) {
    case ErrorAction::none:
      break;
    case ErrorAction::attribute_discard:
      rfc7606(counters_.attribute_discard, config::LogLevel::info);
      break;
    case ErrorAction::treat_as_withdraw:
      // RFC 7606 §2: the UPDATE's routes are treated as withdrawn; we keep
      // none of them anyway, so only the count changes.
      rfc7606(counters_.treat_as_withdraw, config::LogLevel::warn);
      accept_message();
      return;
    case ErrorAction::session_reset:
      rfc7606(counters_.session_reset, config::LogLevel::warn);
      drop_message("malformed_update");
      end_session(d.notification, "malformed UPDATE: " + d.reason, out);
      return;
  }
  accept_message();
  // Spec: a host announces only; what the neighbour sends is counted and dropped.
  counters_.prefixes_received_discarded += d.update.announced_count();
}

void Fsm::on_route_refresh(std::span<const std::uint8_t> body, Out& out) {
  auto decoded = decode_route_refresh(body, enhanced_refresh_);
  if (auto* n = std::get_if<Notification>(&decoded)) {
    drop_message("bad_route_refresh");
    end_session(*n, "bad ROUTE-REFRESH: " + n->describe(), out);
    return;
  }
  accept_message();
  const auto& rr = std::get<RouteRefresh>(decoded);
  // RFC 7313 §4: BoRR/EoRR from the neighbour are about its own routes.
  if (rr.subtype != kRefreshRequest) return;
  const AfiSafi mine = family_ == Family::ipv4 ? kIpv4Unicast : kIpv6Unicast;
  // RFC 2918 §4: a request for an AFI/SAFI not negotiated is ignored.
  if (rr.afi_safi != mine || !carries(family_)) return;
  // RFC 2918 §4: "... the BGP speaker ... re-advertises to the peer the
  // Adj-RIB-Out"; RFC 7313 §4 brackets it with BoRR and EoRR.
  if (enhanced_refresh_) {
    send(primary_->id, encode(RouteRefresh{mine, kBeginningOfRouteRefresh}), out);
  }
  send_routes(rib_.sent_routes(), out);
  if (enhanced_refresh_) send(primary_->id, encode(RouteRefresh{mine, kEndOfRouteRefresh}), out);
}

void Fsm::on_notification(std::span<const std::uint8_t> body, Out& out) {
  // Event 25: "... drops the TCP connection, ..., changes its state to Idle."
  accept_message();
  const Notification n = decode_notification(body);
  ++counters_.notifications_received[notification_key(n)];
  end_session(std::nullopt, "neighbour sent NOTIFICATION " + n.describe(), out);
}

void Fsm::on_unexpected_message(MessageType type, std::uint8_t subcode, Out& out) {
  drop_message("unexpected_message");
  end_session(Notification{error::kFsm, subcode, {}},
              fmt::format("unexpected {} in {}", to_string(type), to_string(state_)), out);
}

void Fsm::accept_message() {
  ++counters_.messages.accepted;
}

void Fsm::drop_message(std::string_view reason) {
  counters_.messages.add_dropped(reason);
}

void Fsm::end_session(std::optional<Notification> notification, std::string reason, Out& out) {
  const bool was_established = state_ == State::established;
  if (primary_) {
    if (notification) send_notification(primary_->id, *notification, out);
    out.push(Close{primary_->id});
  }
  if (second_) out.push(Close{second_->id});
  if (notification) reason += " (sent " + notification->describe() + ")";
  counters_.last_error = reason;
  out.log(was_established ? config::LogLevel::warn : config::LogLevel::info,
          fmt::format("{}: {} -> Idle: {}", name_, to_string(state_), reason));
  go_idle(true, out);
}

void Fsm::go_idle(bool restart, Out& out) {
  if (connecting_) out.push(AbortConnect{});
  connecting_ = false;
  for (TimerId t : {TimerId::connect_retry, TimerId::hold, TimerId::keepalive})
    out.cancel(t);
  const bool stable =
      counters_.established_at && out.now - *counters_.established_at >= kStableSession;
  primary_.reset();
  second_.reset();
  rib_.clear_sent();
  counters_.established_at.reset();
  hold_time_ = 0;
  enter_state(State::idle, out);
  if (!restart || stopping_ || stopped_) return;
  // RFC 4271 §8.1.1 DampPeerOscillations: the IdleHoldTimer keeps a
  // flapping session from reconnecting at once; it doubles on each failure
  // and starts over after a session that stayed up.
  if (stable) idle_hold_ = config_.idle_hold;
  out.arm(TimerId::idle_hold, out.now + idle_hold_);
  idle_hold_ = std::min(idle_hold_ * 2, config_.max_idle_hold);
}

void Fsm::on_bfd_down(Out& out) {
  switch (state_) {
    case State::open_sent:
    case State::open_confirm:
    case State::established:
      end_session(Notification{error::kCease, error::kBfdDown, {}}, "BFD session down", out);
      return;
    case State::idle:
    case State::connect:
    case State::active:
      return;
  }
}

// ---- reload ----

void Fsm::on_reconfigure(const Reconfigure& e, Out& out) {
  const AnnounceSettings before = announce_settings();
  config_ = e.config;
  context_.external = config_.neighbor.remote_asn != config_.local_asn;
  context_.peer_asn = config_.neighbor.remote_asn;
  if (stopping_ || stopped_) return;
  if (e.restart) {
    if (state_ == State::idle) return;  // the next start uses the new settings
    // RFC 4486 §4: "Other Configuration Change" when a configuration change
    // other than de-configuring the peer ends the session.
    const bool open_sent =
        state_ == State::open_sent || state_ == State::open_confirm || state_ == State::established;
    if (primary_ && open_sent) {
      send_notification(primary_->id, {error::kCease, error::kOtherConfigurationChange, {}}, out);
    }
    if (primary_) out.push(Close{primary_->id});
    if (second_) out.push(Close{second_->id});
    counters_.last_error = "restarted: transport settings changed";
    out.log(config::LogLevel::info,
            fmt::format("{}: transport settings changed, restarting the session", name_));
    go_idle(false, out);
    start(out);
    return;
  }
  // Passive or not decides how the next connection comes about, at the
  // next start.
  // The announcements look different now (communities, MED, prepend):
  // RFC 4271 §9.2 re-advertises them, each UPDATE replacing the last.
  if (carries(family_) && announce_settings() != before) {
    out.log(config::LogLevel::info,
            fmt::format("{}: announcement settings changed, re-sending {} prefixes", name_,
                        rib_.sent().size()));
    send_routes(rib_.sent_routes(), out);
  }
}

// ---- routes ----

bool Fsm::carries(Family family) const {
  return state_ == State::established && families_.contains(family);
}

void Fsm::on_route_changed(const RouteChanged& e, Out& out) {
  if (e.prefix.address.family != family_ || stopping_ || stopped_) return;
  if (e.action != core::RouteAction::withdraw) {
    rib_.want(e.prefix, e.action);
    return;
  }
  if (!rib_.wanted(e.prefix) || rib_.draining(e.prefix)) return;
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
  if (!drain || drain_time.count() == 0 || !rib_.sent().contains(e.prefix)) {
    rib_.forget(e.prefix);
    return;
  }
  rib_.drain(e.prefix, out.now + drain_time);
  out.log(config::LogLevel::info,
          fmt::format("{}: draining {} with GRACEFUL_SHUTDOWN for {} (RFC 8326)", name_,
                      e.prefix.to_string(), seconds_text(drain_time)));
  arm_drain(out);
}

void Fsm::on_drain_timer(Out& out) {
  const bool changed = rib_.end_drains(out.now);
  if (stop_at_ && *stop_at_ <= out.now) {
    finish_stop(out);
    return;
  }
  if (changed) flush(out);
  arm_drain(out);
}

void Fsm::arm_drain(Out& out) {
  std::optional<TimePoint> next = rib_.next_drain_end();
  if (stop_at_ && (!next || *stop_at_ < *next)) next = stop_at_;
  if (next) {
    out.arm(TimerId::drain, *next);
  } else {
    out.cancel(TimerId::drain);
  }
}

void Fsm::on_stop(const Stop& e, Out& out) {
  begin_stop(Notification::administrative_shutdown(kStopMessage), e.drain_until, out);
}

void Fsm::on_deconfigure(Out& out) {
  // RFC 4486 §4: "Peer De-configured"; nothing to drain towards a
  // neighbour we no longer talk to.
  begin_stop({error::kCease, error::kPeerDeconfigured, {}}, std::nullopt, out);
}

void Fsm::begin_stop(Notification notification, std::optional<TimePoint> drain_until, Out& out) {
  if (stopped_) {
    out.push(Stopped{});
    return;
  }
  if (stopping_) return;
  stopping_ = true;
  stop_notification_ = std::move(notification);
  out.cancel(TimerId::idle_hold);
  // RFC 8326 §4 on SIGTERM too, for as long as the stop budget allows.
  const TimePoint drain_end =
      drain_until ? std::min(out.now + config_.neighbor.drain_time, *drain_until) : out.now;
  if (state_ != State::established || rib_.sent().empty() || drain_end <= out.now) {
    finish_stop(out);
    return;
  }
  rib_.drain_all(drain_end);
  stop_at_ = drain_end;
  out.log(config::LogLevel::info,
          fmt::format("{}: stopping: draining {} prefixes with GRACEFUL_SHUTDOWN for {}", name_,
                      rib_.sent().size(),
                      seconds_text(std::chrono::duration_cast<std::chrono::milliseconds>(
                          drain_end - out.now))));
  flush(out);
  arm_drain(out);
}

void Fsm::finish_stop(Out& out) {
  stop_at_.reset();
  rib_.forget_all();
  out.cancel(TimerId::drain);
  out.cancel(TimerId::idle_hold);
  flush(out);  // the withdrawals
  const bool open_sent =
      state_ == State::open_sent || state_ == State::open_confirm || state_ == State::established;
  if (primary_) {
    // RFC 4271 §8.2.2 Event 2: "sends the NOTIFICATION with a Cease"; RFC
    // 8203 adds the reason as a Shutdown Communication.
    if (open_sent) send_notification(primary_->id, stop_notification_, out);
    out.push(Close{primary_->id});
  }
  if (second_) out.push(Close{second_->id});
  if (open_sent) counters_.last_error = "stopped: " + stop_notification_.describe();
  go_idle(false, out);
  stopped_ = true;
  out.push(Stopped{});
}

void Fsm::flush(Out& out) {
  if (!carries(family_)) return;
  const auto changes = rib_.take_changes();
  if (!changes.empty()) send_routes(changes, out);
}

AnnounceSettings Fsm::announce_settings() const {
  return AnnounceSettings{config_.local_asn,
                          context_.external,
                          config_.degraded_med,
                          config_.degraded_prepend,
                          config_.neighbor.communities,
                          primary_ ? primary_->local : IpAddress{}};
}

void Fsm::send_routes(const std::vector<RouteUpdate>& changes, Out& out) {
  for (const auto& update : pack_updates(changes, announce_settings(), context_))
    send(primary_->id, encode(update, context_), out);
  std::map<OutAttributes, std::vector<std::string>> announced;
  std::vector<std::string> withdrawn;
  for (const auto& [prefix, attributes] : changes) {
    if (attributes) {
      announced[*attributes].push_back(prefix.to_string());
    } else {
      withdrawn.push_back(prefix.to_string());
    }
  }
  for (const auto& [attributes, names] : announced) {
    out.log(config::LogLevel::info,
            fmt::format("{}: announce {}{}{}", name_, fmt::join(names, ", "),
                        attributes.degraded ? " (degraded)" : "",
                        attributes.graceful_shutdown ? " with GRACEFUL_SHUTDOWN" : ""));
  }
  if (!withdrawn.empty()) {
    out.log(config::LogLevel::info,
            fmt::format("{}: withdraw {}", name_, fmt::join(withdrawn, ", ")));
  }
}

// ---- helpers ----

void Fsm::arm_hold(Out& out) {
  if (hold_time_ == 0) {
    out.cancel(TimerId::hold);
    return;
  }
  out.arm(TimerId::hold, last_heard_.value_or(out.now) + std::chrono::seconds(hold_time_));
}

void Fsm::send(ConnId conn, std::vector<std::uint8_t> bytes, Out& out) {
  ++counters_.sent;
  if (bytes.size() >= kHeaderSize) ++counters_.sent_by_type[type_key(bytes[18])];
  out.push(Send{conn, std::move(bytes)});
}

void Fsm::send_notification(ConnId conn, const Notification& n, Out& out) {
  ++counters_.notifications_sent[notification_key(n)];
  send(conn, encode(n), out);
}

// RFC 4271 §10: "... the initial value ... SHOULD be jittered by multiplying
// it by a random value between 0.75 and 1.0".
TimePoint Fsm::jittered(std::chrono::milliseconds d, TimePoint now) {
  std::uniform_real_distribution<double> factor(0.75, 1.0);
  return now + std::chrono::milliseconds(
                   static_cast<std::int64_t>(static_cast<double>(d.count()) * factor(rng_)));
}

std::string notification_key(const Notification& n) {
  return fmt::format("{}/{}", n.code, n.subcode);
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
