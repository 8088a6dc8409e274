#include "rip/speaker.hpp"

#include <algorithm>
#include <utility>

namespace anycastd::rip {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// RFC 2453 §3.10.1: after a triggered update "a timer should be set for a
// random interval between 1 and 5 seconds"; changes before it expires wait.
constexpr std::chrono::milliseconds kTriggeredHoldMin{1000};
constexpr std::chrono::milliseconds kTriggeredHoldMax{5000};
// The final metric-16 update is sent twice, this far apart, to survive a lost packet.
constexpr std::chrono::milliseconds kShutdownRepeat{200};
constexpr std::uint32_t kShutdownSends = 2;

std::string describe(const std::vector<RouteEntry>& routes) {
  std::string text;
  for (const auto& r : routes) {
    if (!text.empty()) text += ", ";
    text += r.prefix().to_string() + " metric " + std::to_string(r.metric);
  }
  return text;
}

}  // namespace

bool InterfaceInfo::on_link(const IpAddress& other) const {
  if (!address.is_v4() || !other.is_v4()) return false;
  const std::uint32_t mask =
      prefix_length == 0 ? 0
                         : ~std::uint32_t{0} << (32 - std::min<std::uint8_t>(prefix_length, 32));
  return (address.v4_value() & mask) == (other.v4_value() & mask);
}

Speaker::Speaker(config::RipConfig config, std::vector<InterfaceInfo> interfaces,
                 SpeakerOptions options)
    : config_(std::move(config)),
      interfaces_(std::move(interfaces)),
      options_(options),
      rng_(options.seed),
      md5_sequence_(options.md5_sequence_start),
      counters_(interfaces_.size()) {}

std::vector<Action> Speaker::handle(const Event& event, TimePoint now) {
  std::vector<Action> out;
  std::visit(Overloaded{
                 [&](const Start&) { on_start(now, out); },
                 [&](const TimerFired& e) { on_timer(e.timer, now, out); },
                 [&](const RouteChanged& e) { on_route_changed(e, now, out); },
                 [&](const PacketReceived& e) { on_packet(e, now, out); },
                 [&](const Shutdown&) { on_shutdown(now, out); },
             },
             event);
  return out;
}

std::map<Prefix, std::uint32_t> Speaker::advertised() const {
  std::map<Prefix, std::uint32_t> all = routes_;
  for (const auto& [prefix, left] : poisoned_)
    all.emplace(prefix, kInfinity);
  // Shutting down, everything is on its way out with metric 16.
  if (state_ == State::shutting_down || state_ == State::stopped) {
    for (auto& [prefix, metric] : all)
      metric = kInfinity;
  }
  return all;
}

void Speaker::on_start(TimePoint now, std::vector<Action>& out) {
  if (state_ != State::idle) return;
  state_ = State::running;
  std::string where;
  for (const auto& i : interfaces_) {
    where += (where.empty() ? "" : ", ") + i.name + " (" + i.address.to_string() + "/" +
             std::to_string(i.prefix_length) + ")";
  }
  out.push_back(Log{config::LogLevel::info,
                    "rip: speaking RIPv2 on " + where + ", " + std::to_string(routes_.size()) +
                        " route(s) to announce",
                    {}});
  // RFC 2453 §3.8: a full update at start, then one every update interval.
  send_update(full_table(), now, out);
  arm_periodic(now, out);
}

void Speaker::on_timer(TimerId timer, TimePoint now, std::vector<Action>& out) {
  switch (timer) {
    case TimerId::update:
      if (state_ != State::running) return;
      send_update(full_table(), now, out);
      // The full update carried every pending change.
      changed_.clear();
      for (auto it = poisoned_.begin(); it != poisoned_.end();) {
        it = --it->second == 0 ? poisoned_.erase(it) : std::next(it);
      }
      arm_periodic(now, out);
      return;
    case TimerId::triggered_update:
      triggered_timer_armed_ = false;
      if (state_ != State::running || changed_.empty()) return;
      send_triggered(now, out);
      return;
    case TimerId::shutdown_repeat: {
      if (state_ != State::shutting_down) return;
      std::vector<RouteEntry> all;
      for (const auto& [prefix, metric] : advertised())
        all.push_back(host_route(prefix, kInfinity));
      send_update(all, now, out);
      if (--shutdown_sends_left_ > 0) {
        out.push_back(ArmTimer{TimerId::shutdown_repeat, now + kShutdownRepeat});
        return;
      }
      state_ = State::stopped;
      out.push_back(Log{config::LogLevel::info, "rip: all routes withdrawn", {}});
      out.push_back(Done{});
      return;
    }
  }
}

std::uint32_t Speaker::metric_of(core::RouteAction action) const {
  switch (action) {
    case core::RouteAction::announce:
      return config_.metric;
    case core::RouteAction::degrade:
      return config_.degraded_metric;
    case core::RouteAction::withdraw:
      return kInfinity;
  }
  return kInfinity;
}

void Speaker::on_route_changed(const RouteChanged& change, TimePoint now,
                               std::vector<Action>& out) {
  // RIPv2 carries IPv4 only.
  if (!change.prefix.address.is_v4()) return;
  const Prefix& prefix = change.prefix;
  if (state_ != State::running) {
    // Before start the table is only recorded; after shutdown nothing changes on the wire.
    if (state_ != State::idle) return;
    if (change.action == core::RouteAction::withdraw) {
      routes_.erase(prefix);
    } else {
      routes_[prefix] = metric_of(change.action);
    }
    return;
  }
  const std::uint32_t metric = metric_of(change.action);
  const auto current = routes_.find(prefix);
  if (change.action == core::RouteAction::withdraw) {
    if (current == routes_.end()) return;
    routes_.erase(current);
    // RFC 2453 §3.8: a route going away is advertised with metric 16 until
    // garbage collection, so neighbours drop it at once instead of timing out.
    poisoned_[prefix] = options_.poison_repeats;
  } else {
    if (current != routes_.end() && current->second == metric) return;
    routes_[prefix] = metric;
    poisoned_.erase(prefix);
  }
  changed_[prefix] = metric;
  // RFC 2453 §3.10.1: the first triggered update goes out at once; further
  // changes within the 1-5 s hold that follows wait for its end. A withdrawal
  // does not wait (spec §4: withdrawn at once): the hold "should" exists to
  // stop update storms, and a host's few routes, behind the flap guard,
  // cannot make one.
  const bool hold_over = !triggered_hold_until_ || now >= *triggered_hold_until_;
  if (hold_over || change.action == core::RouteAction::withdraw) {
    send_triggered(now, out);
  } else if (!triggered_timer_armed_) {
    triggered_timer_armed_ = true;
    out.push_back(ArmTimer{TimerId::triggered_update, *triggered_hold_until_});
  }
}

void Speaker::send_triggered(TimePoint now, std::vector<Action>& out) {
  std::vector<RouteEntry> routes;
  for (const auto& [prefix, metric] : changed_)
    routes.push_back(host_route(prefix, metric));
  changed_.clear();
  out.push_back(Log{config::LogLevel::info, "rip: triggered update: " + describe(routes), {}});
  send_update(routes, now, out);
  std::uniform_int_distribution<std::int64_t> hold(kTriggeredHoldMin.count(),
                                                   kTriggeredHoldMax.count());
  triggered_hold_until_ = now + std::chrono::milliseconds(hold(rng_));
}

void Speaker::arm_periodic(TimePoint now, std::vector<Action>& out) {
  // RFC 2453 §3.8: the update timer is offset by a random time so routers do
  // not synchronise; ±1/6 of the interval is ±5 s for the usual 30 s.
  const auto interval =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.update_interval);
  const std::int64_t jitter = interval.count() / 6;
  std::uniform_int_distribution<std::int64_t> offset(-jitter, jitter);
  const TimePoint at = now + interval + std::chrono::milliseconds(offset(rng_));
  out.push_back(ArmTimer{TimerId::update, at});
}

void Speaker::on_shutdown(TimePoint now, std::vector<Action>& out) {
  if (state_ == State::shutting_down || state_ == State::stopped) return;
  if (state_ == State::idle) {
    state_ = State::stopped;
    out.push_back(Done{});
    return;
  }
  std::vector<RouteEntry> all;
  for (const auto& [prefix, metric] : advertised())
    all.push_back(host_route(prefix, kInfinity));
  if (all.empty()) {
    state_ = State::stopped;
    out.push_back(Done{});
    return;
  }
  state_ = State::shutting_down;
  out.push_back(Log{
      config::LogLevel::info,
      "rip: shutting down, withdrawing " + std::to_string(all.size()) + " route(s) with metric 16",
      {}});
  send_update(all, now, out);
  shutdown_sends_left_ = kShutdownSends - 1;
  out.push_back(ArmTimer{TimerId::shutdown_repeat, now + kShutdownRepeat});
}

std::vector<RouteEntry> Speaker::full_table() const {
  std::vector<RouteEntry> routes;
  for (const auto& [prefix, metric] : advertised())
    routes.push_back(host_route(prefix, metric));
  return routes;
}

RouteEntry Speaker::host_route(const Prefix& prefix, std::uint32_t metric) {
  RouteEntry e;
  e.afi = kAfiInet;
  e.route_tag = 0;
  e.address = prefix.address;
  e.mask_length = prefix.length;
  e.next_hop = IpAddress::v4(0);  // RFC 2453 §4.4: 0.0.0.0 = "via the originator"
  e.metric = metric;
  return e;
}

std::vector<Destination> Speaker::update_destinations() const {
  std::vector<Destination> to;
  for (std::size_t i = 0; i < interfaces_.size(); ++i)
    to.push_back(Multicast{i});
  if (interfaces_.empty()) return to;
  for (const auto& neighbor : config_.neighbors) {
    std::size_t via = 0;
    for (std::size_t i = 0; i < interfaces_.size(); ++i) {
      if (interfaces_[i].on_link(neighbor)) {
        via = i;
        break;
      }
    }
    to.push_back(Unicast{via, neighbor, kPort});
  }
  return to;
}

void Speaker::send_update(const std::vector<RouteEntry>& routes, TimePoint now,
                          std::vector<Action>& out) {
  // RFC 2453 §4: a response carries 1 to 25 entries; with nothing to say we say nothing.
  if (routes.empty()) return;
  for (const auto& to : update_destinations())
    send_entries(to, routes, Command::response, out);
  for (auto& c : counters_)
    c.last_update = now;
}

void Speaker::send_entries(const Destination& to, std::vector<RouteEntry> routes, Command command,
                           std::vector<Action>& out) {
  const std::size_t per_packet = max_routes_per_packet(config_.authentication.mode);
  for (std::size_t first = 0; first < routes.size(); first += per_packet) {
    Packet p;
    p.command = command;
    const auto last = std::min(routes.size(), first + per_packet);
    p.entries.assign(routes.begin() + static_cast<std::ptrdiff_t>(first),
                     routes.begin() + static_cast<std::ptrdiff_t>(last));
    send_packet(to, std::move(p), out);
  }
}

void Speaker::send_packet(const Destination& to, Packet packet, std::vector<Action>& out) {
  const auto& auth = config_.authentication;
  switch (auth.mode) {
    case config::AuthMode::none:
      break;
    case config::AuthMode::text:
      packet.auth = text_auth(auth.key);
      break;
    case config::AuthMode::md5: {
      Md5Auth md5;
      md5.key_id = auth.key_id;
      md5.auth_data_len = kMd5AuthDataLenCompat;
      // RFC 2082 §3.2.1: the sequence number is non-decreasing; ours rises per packet.
      md5.sequence = md5_sequence_++;
      packet.auth = md5;
      break;
    }
  }
  const std::size_t interface = std::visit([](const auto& d) { return d.interface; }, to);
  if (interface < counters_.size()) ++counters_[interface].sent;
  out.push_back(Send{to, encode(packet, auth.key)});
}

void Speaker::drop(std::size_t interface, std::string_view reason, const std::string& detail,
                   std::vector<Action>& out) {
  ++counters_[interface].dropped[std::string(reason)];
  out.push_back(Log{config::LogLevel::warn,
                    "rip: " + interfaces_[interface].name +
                        ": dropped packet: " + std::string(reason) + ": " + detail,
                    "rip:" + interfaces_[interface].name + ":" + std::string(reason)});
}

void Speaker::on_packet(const PacketReceived& received, TimePoint now, std::vector<Action>& out) {
  if (state_ != State::running || received.interface >= interfaces_.size()) return;
  const auto& iface = interfaces_[received.interface];
  const std::string from =
      "from " + received.source.to_string() + ":" + std::to_string(received.source_port);
  if (received.source == iface.address) {
    // Our own multicast, looped back by another socket on the same link.
    ++counters_[received.interface].dropped["own_packet"];
    return;
  }
  // RFC 2453 §3.9.2: "the datagram's IPv4 source address should be checked to
  // see whether the datagram is from a valid neighbor; the source of the
  // datagram must be on a directly-connected network".
  if (!iface.on_link(received.source)) {
    drop(received.interface, "non_neighbor", from + " is not on " + iface.name + "'s subnet", out);
    return;
  }
  const auto decoded = decode(received.bytes);
  if (const auto* failure = std::get_if<DecodeFailure>(&decoded)) {
    drop(received.interface, to_string(failure->error), from + ": " + failure->message, out);
    return;
  }
  const auto& packet = std::get<Packet>(decoded);
  if (packet.version != kVersion) {
    // We speak RIPv2 only (RFC 2453 §5.1 "RIP-2 only" receive control).
    drop(received.interface, "bad_version", from + ": version " + std::to_string(packet.version),
         out);
    return;
  }
  // RFC 2453 §4.1: with authentication configured, unauthenticated packets
  // are ignored; RFC 2082 §3.2.2: so are packets whose digest is wrong.
  if (const auto error = verify_auth(packet, received.bytes, config_.authentication);
      error != AuthError::none) {
    drop(received.interface, to_string(error), from, out);
    return;
  }
  // RFC 2453 §3.9.2: "The Response must be ignored if it is not from the RIP port."
  if (packet.command == Command::response && received.source_port != kPort) {
    drop(received.interface, "bad_source_port", from, out);
    return;
  }
  ++counters_[received.interface].received;
  if (received.source_port == kPort) {
    auto& neighbor = neighbors_[received.source];
    neighbor.interface = received.interface;
    ++neighbor.packets;
    neighbor.last_heard = now;
    if (const auto* md5 = std::get_if<Md5Auth>(&packet.auth)) {
      // RFC 2082 §3.2.2 would drop a decreasing sequence number; a restarted
      // router starts again low, so we count it and accept the packet.
      if (neighbor.last_sequence && md5->sequence < *neighbor.last_sequence) {
        ++neighbor.old_sequence;
      }
      neighbor.last_sequence = md5->sequence;
    }
    if (packet.command == Command::response) neighbor.routes = packet.entries.size();
  }
  if (packet.command == Command::request) answer_request(packet, received, out);
}

void Speaker::answer_request(const Packet& request, const PacketReceived& from,
                             std::vector<Action>& out) {
  // RFC 2453 §3.9.1: answers go straight back to the requester's address and port.
  const Destination to = Unicast{from.interface, from.source, from.source_port};
  if (request.is_whole_table_request()) {
    send_entries(to, full_table(), Command::response, out);
    return;
  }
  // RFC 2453 §3.9.1: for specific entries, "if there is a route, put that
  // route's metric in the metric field of the RTE. If there is no explicit
  // route to the specified destination, put infinity in the metric field."
  const auto table = advertised();
  std::vector<RouteEntry> answer = request.entries;
  for (auto& e : answer) {
    Prefix wanted = e.prefix();
    if (wanted.length == 0) wanted.length = 32;
    const auto found = table.find(wanted);
    e.metric = found == table.end() ? kInfinity : found->second;
  }
  send_entries(to, std::move(answer), Command::response, out);
}

std::string_view to_string(TimerId timer) {
  switch (timer) {
    case TimerId::update:
      return "update";
    case TimerId::triggered_update:
      return "triggered_update";
    case TimerId::shutdown_repeat:
      return "shutdown_repeat";
  }
  return "unknown";
}

}  // namespace anycastd::rip
