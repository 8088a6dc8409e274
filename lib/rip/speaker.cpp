// SPDX-License-Identifier: Apache-2.0
#include "rip/speaker.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "util/overloaded.hpp"

namespace anycastd::rip {

namespace {

// RFC 2453 §3.10.1: after a triggered update "a timer should be set for a
// random interval between 1 and 5 seconds"; changes before it expires wait.
constexpr std::chrono::milliseconds kTriggeredHoldMin{1000};
constexpr std::chrono::milliseconds kTriggeredHoldMax{5000};
// The final metric-16 update is sent twice, this far apart, to survive a lost packet.
constexpr std::chrono::milliseconds kStopRepeat{200};
constexpr std::uint32_t kStopSends = 2;

std::string describe(const std::vector<RouteEntry>& routes) {
  std::vector<std::string> entries;
  for (const auto& r : routes)
    entries.push_back(fmt::format("{} metric {}", r.prefix().to_string(), r.metric));
  return fmt::format("{}", fmt::join(entries, ", "));
}

}  // namespace

bool InterfaceInfo::on_link(const IpAddress& other) const {
  if (!address.is_v4() || !other.is_v4()) return false;
  const std::uint32_t mask =
      prefix_length == 0 ? 0
                         : ~std::uint32_t{0} << (32 - std::min<std::uint8_t>(prefix_length, 32));
  return (address.v4_value() & mask) == (other.v4_value() & mask);
}

ReloadPlan plan_reload(const config::RipConfig& old, const config::RipConfig& next) {
  ReloadPlan plan;
  for (const auto& name : next.interfaces) {
    if (std::find(old.interfaces.begin(), old.interfaces.end(), name) == old.interfaces.end()) {
      plan.interfaces_added.push_back(name);
    }
  }
  for (const auto& name : old.interfaces) {
    if (std::find(next.interfaces.begin(), next.interfaces.end(), name) == next.interfaces.end()) {
      plan.interfaces_removed.push_back(name);
    }
  }
  plan.metrics_changed = old.metric != next.metric || old.degraded_metric != next.degraded_metric;
  plan.update_interval_changed = old.update_interval != next.update_interval;
  plan.neighbors_changed = old.neighbors != next.neighbors;
  plan.authentication_changed = old.authentication != next.authentication;
  return plan;
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
  Out out(now);
  std::visit(Overloaded{
                 [&](const Start&) { on_start(out); },
                 [&](const Stop&) { on_stop(out); },
                 [&](const TimerExpired& e) { on_timer(e.timer, out); },
                 [&](const RouteChanged& e) { on_route_changed(e, out); },
                 [&](const PacketReceived& e) { on_packet(e, out); },
                 [&](const Reconfigure& e) { on_reconfigure(e, out); },
                 [&](const NeighborDown& e) { on_neighbor_down(e, out); },
             },
             event);
  return out.take();
}

std::map<Prefix, std::uint32_t> Speaker::advertised() const {
  std::map<Prefix, std::uint32_t> all;
  for (const auto& [prefix, action] : actions_)
    all.emplace(prefix, metric_of(action));
  for (const auto& [prefix, left] : poisoned_)
    all.emplace(prefix, kInfinity);
  // Stopping, everything is on its way out with metric 16.
  if (state_ == State::stopping || state_ == State::stopped) {
    for (auto& [prefix, metric] : all)
      metric = kInfinity;
  }
  return all;
}

std::optional<std::size_t> Speaker::position(unsigned index) const {
  for (std::size_t i = 0; i < interfaces_.size(); ++i) {
    if (interfaces_[i].index == index) return i;
  }
  return std::nullopt;
}

void Speaker::on_start(Out& out) {
  if (state_ != State::idle) return;
  state_ = State::running;
  std::string where;
  for (const auto& i : interfaces_) {
    where += fmt::format("{}{} ({}/{})", where.empty() ? "" : ", ", i.name, i.address.to_string(),
                         i.prefix_length);
  }
  out.log(config::LogLevel::info, fmt::format("rip: speaking RIPv2 on {}, {} route(s) to announce",
                                              where, actions_.size()));
  // RFC 2453 §3.8: a full update at start, then one every update interval.
  send_update(full_table(), out);
  arm_periodic(out);
}

void Speaker::on_timer(TimerId timer, Out& out) {
  switch (timer) {
    case TimerId::update:
      if (state_ != State::running) return;
      send_update(full_table(), out);
      // The full update carried every pending change.
      changed_.clear();
      for (auto it = poisoned_.begin(); it != poisoned_.end();) {
        it = --it->second == 0 ? poisoned_.erase(it) : std::next(it);
      }
      arm_periodic(out);
      return;
    case TimerId::triggered_update:
      if (state_ != State::running || changed_.empty()) return;
      send_triggered(out);
      return;
    case TimerId::stop_repeat: {
      if (state_ != State::stopping) return;
      std::vector<RouteEntry> all;
      for (const auto& [prefix, metric] : advertised())
        all.push_back(host_route(prefix, kInfinity));
      send_update(all, out);
      if (--stop_sends_left_ > 0) {
        out.arm(TimerId::stop_repeat, out.now + kStopRepeat);
        return;
      }
      state_ = State::stopped;
      out.log(config::LogLevel::info, "rip: all routes withdrawn");
      out.push(Stopped{});
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

void Speaker::on_route_changed(const RouteChanged& change, Out& out) {
  // RIPv2 carries IPv4 only.
  if (!change.prefix.address.is_v4()) return;
  const Prefix& prefix = change.prefix;
  if (state_ != State::running) {
    // Before start the table is only recorded; after a stop nothing changes on the wire.
    if (state_ != State::idle) return;
    if (change.action == core::RouteAction::withdraw) {
      actions_.erase(prefix);
    } else {
      actions_[prefix] = change.action;
    }
    return;
  }
  const auto current = actions_.find(prefix);
  if (change.action == core::RouteAction::withdraw) {
    if (current == actions_.end()) return;
    actions_.erase(current);
    // RFC 2453 §3.8: a route going away is advertised with metric 16 until
    // garbage collection, so neighbours drop it at once instead of timing out.
    poisoned_[prefix] = options_.poison_repeats;
  } else {
    if (current != actions_.end() && metric_of(current->second) == metric_of(change.action)) {
      current->second = change.action;
      return;
    }
    actions_[prefix] = change.action;
    poisoned_.erase(prefix);
  }
  // A withdrawal does not wait for the hold (spec §4: withdrawn at once):
  // the hold "should" exists to stop update storms, and a host's few routes,
  // behind the flap guard, cannot make one.
  trigger({{prefix, metric_of(change.action)}}, change.action == core::RouteAction::withdraw, out);
}

void Speaker::trigger(const std::map<Prefix, std::uint32_t>& changes, bool at_once, Out& out) {
  // Changes waiting for the hold's end have armed its timer already.
  const bool timer_armed = !changed_.empty();
  for (const auto& [prefix, metric] : changes)
    changed_[prefix] = metric;
  // RFC 2453 §3.10.1: the first triggered update goes out at once; further
  // changes within the 1-5 s hold that follows wait for its end.
  const bool hold_over = !triggered_hold_until_ || out.now >= *triggered_hold_until_;
  if (hold_over || at_once) {
    send_triggered(out);
  } else if (!timer_armed) {
    out.arm(TimerId::triggered_update, *triggered_hold_until_);
  }
}

void Speaker::send_triggered(Out& out) {
  std::vector<RouteEntry> routes;
  for (const auto& [prefix, metric] : changed_)
    routes.push_back(host_route(prefix, metric));
  changed_.clear();
  out.cancel(TimerId::triggered_update);
  out.log(config::LogLevel::info, "rip: triggered update: " + describe(routes));
  send_update(routes, out);
  std::uniform_int_distribution<std::int64_t> hold(kTriggeredHoldMin.count(),
                                                   kTriggeredHoldMax.count());
  triggered_hold_until_ = out.now + std::chrono::milliseconds(hold(rng_));
}

void Speaker::arm_periodic(Out& out) {
  // RFC 2453 §3.8: the update timer is offset by a random time so routers do
  // not synchronise; ±1/6 of the interval is ±5 s for the usual 30 s.
  const auto interval =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.update_interval);
  const std::int64_t jitter = interval.count() / 6;
  std::uniform_int_distribution<std::int64_t> offset(-jitter, jitter);
  out.arm(TimerId::update, out.now + interval + std::chrono::milliseconds(offset(rng_)));
}

void Speaker::on_stop(Out& out) {
  if (state_ == State::stopping || state_ == State::stopped) return;
  if (state_ == State::idle) {
    state_ = State::stopped;
    out.push(Stopped{});
    return;
  }
  out.cancel(TimerId::update);
  out.cancel(TimerId::triggered_update);
  std::vector<RouteEntry> all;
  for (const auto& [prefix, metric] : advertised())
    all.push_back(host_route(prefix, kInfinity));
  if (all.empty()) {
    state_ = State::stopped;
    out.push(Stopped{});
    return;
  }
  state_ = State::stopping;
  out.log(config::LogLevel::info,
          fmt::format("rip: stopping, withdrawing {} route(s) with metric 16", all.size()));
  send_update(all, out);
  stop_sends_left_ = kStopSends - 1;
  out.arm(TimerId::stop_repeat, out.now + kStopRepeat);
}

// Reload: everything applies in place. Removed interfaces first hear
// metric 16 for every route, so the routers there drop them at once; new
// ones get a full update; changed metrics go out as a triggered update.
void Speaker::on_reconfigure(const Reconfigure& next, Out& out) {
  const auto plan = plan_reload(config_, next.config);
  const auto before = advertised();
  if (state_ == State::running && !plan.interfaces_removed.empty()) {
    std::vector<RouteEntry> all;
    for (const auto& [prefix, metric] : before)
      all.push_back(host_route(prefix, kInfinity));
    for (std::size_t i = 0; i < interfaces_.size(); ++i) {
      const auto& name = interfaces_[i].name;
      if (std::find(plan.interfaces_removed.begin(), plan.interfaces_removed.end(), name) ==
          plan.interfaces_removed.end()) {
        continue;
      }
      out.log(config::LogLevel::info, "rip: " + name + " removed from the config, withdrawing");
      send_entries(Multicast{interfaces_[i].index}, all, Command::response, out);
    }
  }
  std::vector<InterfaceCounters> counters;
  for (const auto& iface : next.interfaces) {
    const auto old = position(iface.index);
    counters.push_back(old ? counters_[*old] : InterfaceCounters{});
  }
  config_ = next.config;
  interfaces_ = next.interfaces;
  counters_ = std::move(counters);
  std::erase_if(neighbors_, [&](const auto& n) { return !position(n.second.interface); });
  if (state_ != State::running) return;

  for (const auto& name : plan.interfaces_added) {
    for (const auto& iface : interfaces_) {
      if (iface.name != name) continue;
      out.log(config::LogLevel::info, "rip: speaking RIPv2 on " + name);
      send_entries(Multicast{iface.index}, full_table(), Command::response, out);
    }
  }
  if (plan.metrics_changed) {
    for (const auto& [prefix, metric] : advertised()) {
      const auto it = before.find(prefix);
      if (it == before.end() || it->second != metric) changed_[prefix] = metric;
    }
    if (!changed_.empty()) send_triggered(out);
  }
  if (plan.update_interval_changed) arm_periodic(out);
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
  for (const auto& iface : interfaces_)
    to.push_back(Multicast{iface.index});
  if (interfaces_.empty()) return to;
  for (const auto& neighbor : config_.neighbors) {
    unsigned via = interfaces_.front().index;
    for (const auto& iface : interfaces_) {
      if (iface.on_link(neighbor)) {
        via = iface.index;
        break;
      }
    }
    to.push_back(Unicast{via, neighbor, kPort});
  }
  return to;
}

void Speaker::send_update(const std::vector<RouteEntry>& routes, Out& out) {
  // RFC 2453 §4: a response carries 1 to 25 entries; with nothing to say we say nothing.
  if (routes.empty()) return;
  for (const auto& to : update_destinations())
    send_entries(to, routes, Command::response, out);
  for (auto& c : counters_) {
    c.last_update = out.now;
    ++c.updates_sent;
  }
}

void Speaker::send_entries(const Destination& to, std::vector<RouteEntry> routes, Command command,
                           Out& out) {
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

void Speaker::send_packet(const Destination& to, Packet packet, Out& out) {
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
  const unsigned interface = std::visit([](const auto& d) { return d.interface; }, to);
  if (const auto i = position(interface)) ++counters_[*i].sent;
  out.push(Send{to, encode(packet, auth.key)});
}

void Speaker::drop(std::size_t interface, std::string_view reason, std::string_view detail,
                   Out& out) {
  counters_[interface].packets.add_dropped(reason);
  out.push(core::drop_log("rip: " + interfaces_[interface].name, reason, detail));
}

void Speaker::on_packet(const PacketReceived& received, Out& out) {
  const auto i = position(received.interface);
  if (state_ != State::running || !i) return;
  const auto& iface = interfaces_[*i];
  ++counters_[*i].packets.received;
  const std::string from =
      "from " + received.source.to_string() + ":" + std::to_string(received.source_port);
  if (received.source == iface.address) {
    // Our own multicast, looped back by another socket on the same link:
    // counted, not worth a log line.
    counters_[*i].packets.add_dropped("own_packet");
    return;
  }
  // RFC 2453 §3.9.2: "the datagram's IPv4 source address should be checked to
  // see whether the datagram is from a valid neighbor; the source of the
  // datagram must be on a directly-connected network".
  if (!iface.on_link(received.source)) {
    drop(*i, "not_on_link", from + " is not on " + iface.name + "'s subnet", out);
    return;
  }
  const auto decoded = decode(received.bytes);
  if (const auto* failure = std::get_if<DecodeFailure>(&decoded)) {
    drop(*i, to_string(failure->error), from + ": " + failure->message, out);
    return;
  }
  const auto& packet = std::get<Packet>(decoded);
  if (packet.version != kVersion) {
    // We speak RIPv2 only (RFC 2453 §5.1 "RIP-2 only" receive control).
    drop(*i, "bad_version", from + ": version " + std::to_string(packet.version), out);
    return;
  }
  // RFC 2453 §4.1: with authentication configured, unauthenticated packets
  // are ignored; RFC 2082 §3.2.2: so are packets whose digest is wrong.
  if (const auto error = verify_auth(packet, received.bytes, config_.authentication);
      error != AuthError::none) {
    drop(*i, to_string(error), from, out);
    return;
  }
  // RFC 2453 §3.9.2: "The Response must be ignored if it is not from the RIP port."
  if (packet.command == Command::response && received.source_port != kPort) {
    drop(*i, "bad_source_port", from, out);
    return;
  }
  ++counters_[*i].packets.accepted;
  if (received.source_port == kPort) {
    auto& neighbor = neighbors_[received.source];
    if (neighbor.gone_since) {
      out.log(config::LogLevel::info, fmt::format("rip: router {} is heard again", from));
      neighbor.gone_since.reset();
    }
    neighbor.interface = received.interface;
    ++neighbor.packets;
    neighbor.last_heard = out.now;
    if (const auto* md5 = std::get_if<Md5Auth>(&packet.auth)) {
      // RFC 2082 §3.2.2 would drop a decreasing sequence number; a restarted
      // router starts again low, so we count it and accept the packet.
      if (neighbor.last_sequence && md5->sequence < *neighbor.last_sequence) {
        ++neighbor.old_sequence;
      }
      neighbor.last_sequence = md5->sequence;
    }
    if (packet.command == Command::response) {
      neighbor.routes = packet.entries.size();
      ++counters_[*i].updates_received;
      answer_lost_routes(packet, received.source, neighbor, out);
    }
  }
  if (packet.command == Command::request) answer_request(packet, received, out);
}

// A RIP router keeps only its best route to a destination (RFC 2453
// §3.9.2; BIRD stores only the lowest-metric routes, FRR ripd likewise):
// while it prefers another origin of one of our prefixes, our worse route is
// not kept. When that origin goes (BFD Down, a timeout, a withdrawal), the
// router advertises the prefix with metric 16 and has no route until our next
// periodic update. A prefix of ours going from a finite metric to 16 in its
// response is that moment: we answer with a triggered update (§3.10.1, under
// its hold). The same change is also seen when the router's route moves to
// us and poison reverse advertises it back with 16; the answer is then one
// redundant update.
void Speaker::answer_lost_routes(const Packet& response, const IpAddress& router,
                                 NeighborCounters& neighbor, Out& out) {
  std::map<Prefix, std::uint32_t> answer;
  for (const auto& entry : response.entries) {
    const Prefix prefix = entry.prefix();
    const auto ours = actions_.find(prefix);
    if (ours == actions_.end()) {
      neighbor.reaches.erase(prefix);
    } else if (entry.metric < kInfinity) {
      neighbor.reaches.insert(prefix);
    } else if (neighbor.reaches.erase(prefix) != 0) {
      answer[prefix] = metric_of(ours->second);
    }
  }
  if (answer.empty()) return;
  std::vector<RouteEntry> routes;
  for (const auto& [prefix, metric] : answer)
    routes.push_back(host_route(prefix, metric));
  out.log(config::LogLevel::info,
          fmt::format("rip: router {} lost its route to our prefixes, answering: {}",
                      router.to_string(), describe(routes)));
  trigger(answer, false, out);
}

void Speaker::on_neighbor_down(const NeighborDown& down, Out& out) {
  auto& neighbor = neighbors_[down.address];
  if (neighbor.gone_since) return;
  neighbor.gone_since = out.now;
  // RFC 5882 §4.3: the router is gone. We install nothing from it, so marking
  // it is all there is to do; our updates to it go on.
  out.log(config::LogLevel::warn,
          fmt::format("rip: router {} is gone (BFD session down)", down.address.to_string()));
}

void Speaker::answer_request(const Packet& request, const PacketReceived& from, Out& out) {
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
    case TimerId::stop_repeat:
      return "stop_repeat";
  }
  return "unknown";
}

}  // namespace anycastd::rip
