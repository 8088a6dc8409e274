// SPDX-License-Identifier: Apache-2.0
#include "ospf/session.hpp"

#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <set>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "kernel/interfaces.hpp"
#include "ospf/reload.hpp"
#include "util/overloaded.hpp"

namespace anycastd::ospf {

namespace {

namespace asio = boost::asio;
using RawProtocol = asio::generic::raw_protocol;

constexpr std::size_t kReceiveBuffer = 65536;

[[noreturn]] void fail(const std::string& interface, const std::string& what, int error) {
  throw std::runtime_error("ospf: interface " + interface + ": " + what + ": " +
                           std::strerror(error));
}

InterfaceInfo find_interface(const std::string& name) {
  const auto found = kernel::lookup_interface(name, "ospf");
  return InterfaceInfo{found.name, found.index, found.address, found.prefix_length, found.mtu};
}

void set_int(int fd, int level, int option, int value, const std::string& interface,
             const char* what) {
  if (setsockopt(fd, level, option, &value, sizeof value) != 0) fail(interface, what, errno);
}

bool membership(int fd, const InterfaceInfo& iface, std::uint32_t group, bool join) {
  ip_mreqn req{};
  req.imr_multiaddr.s_addr = htonl(group);
  req.imr_address.s_addr = htonl(iface.address);
  req.imr_ifindex = static_cast<int>(iface.index);
  return setsockopt(fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &req,
                    sizeof req) == 0;
}

OspfSession::RawSocket open_socket(asio::io_context& io, const InterfaceInfo& iface) {
  boost::system::error_code ec;
  OspfSession::RawSocket socket(io);
  socket.open(RawProtocol(AF_INET, kIpProtocol), ec);
  if (ec) fail(iface.name, "raw socket for IP protocol 89 (needs CAP_NET_RAW)", ec.value());
  const int fd = socket.native_handle();
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, iface.name.c_str(),
                 static_cast<socklen_t>(iface.name.size())) != 0) {
    fail(iface.name, "SO_BINDTODEVICE", errno);
  }
  ip_mreqn out{};
  out.imr_ifindex = static_cast<int>(iface.index);
  out.imr_address.s_addr = htonl(iface.address);
  if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &out, sizeof out) != 0) {
    fail(iface.name, "IP_MULTICAST_IF", errno);
  }
  // RFC 2328 §A.1: OSPF packets to the multicast groups are never forwarded: TTL 1.
  set_int(fd, IPPROTO_IP, IP_MULTICAST_TTL, 1, iface.name, "IP_MULTICAST_TTL");
  set_int(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0, iface.name, "IP_MULTICAST_LOOP");
  // RFC 2328 §A.1: "routing protocol packets are sent with IP precedence set to Internetwork
  // Control".
  set_int(fd, IPPROTO_IP, IP_TOS, IPTOS_PREC_INTERNETCONTROL, iface.name, "IP_TOS");
  set_int(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT, iface.name, "IP_MTU_DISCOVER");
  if (!membership(fd, iface, kAllSpfRouters, true)) fail(iface.name, "join 224.0.0.5", errno);
  socket.non_blocking(true, ec);
  if (ec) fail(iface.name, "non-blocking mode", ec.value());
  return socket;
}

}  // namespace

OspfSession::OspfSession(asio::io_context& io, const config::OspfConfig& config,
                         std::uint32_t router_id, core::AnnouncementBus& bus, bfd::BfdSessions* bfd)
    : io_(io),
      config_(config),
      router_id_(router_id),
      bus_(bus),
      timers_(io, [this](TimerId timer) { feed(TimerExpired{timer}); }),
      stop_deadline_(io),
      bfd_(bfd) {
  subscription_ = bus_.subscribe([this](const core::RouteChange& change) {
    feed(RouteChanged{change.prefix, change.action});
  });
}

OspfSession::~OspfSession() {
  bus_.unsubscribe(subscription_);
  alive_.reset();
}

std::vector<InterfaceInfo> OspfSession::open(const std::vector<std::string>& names, bool strict) {
  std::vector<InterfaceInfo> opened;
  for (const auto& name : names) {
    try {
      auto info = find_interface(name);
      auto socket = open_socket(io_, info);
      sockets_.insert_or_assign(info.index, std::move(socket));
      opened.push_back(std::move(info));
    } catch (const std::exception& e) {
      if (strict) throw;
      log_.write(Log{config::LogLevel::error, fmt::format("{}; left out", e.what()), {}});
    }
  }
  return opened;
}

void OspfSession::start() {
  if (instance_) return;
  if (config_.interfaces.empty()) {
    throw std::runtime_error("ospf: no interfaces configured; add an [[ospf.interface]]");
  }
  std::vector<std::string> names;
  for (const auto& c : config_.interfaces)
    names.push_back(c.name);
  std::vector<InterfaceInfo> interfaces;
  try {
    interfaces = open(names, true);
  } catch (...) {
    sockets_.clear();
    throw;
  }
  AreaOptions options;
  // RFC 2328 §D.4.3: the sequence number must not decrease, also across
  // restarts: the clock gives that. §10.8: DD sequence numbers "should be unique".
  options.md5_sequence_start = static_cast<std::uint32_t>(std::time(nullptr));
  options.dd_sequence_start = static_cast<std::uint32_t>(std::time(nullptr));
  instance_.emplace(config_, router_id_, std::move(interfaces), options);
  for (const auto& [prefix, entry] : bus_.routes())
    feed(RouteChanged{prefix, entry.action});
  for (const auto& [index, socket] : sockets_)
    receive(index);
  feed(Start{});
}

bool OspfSession::reconfigure(const config::Config& next) {
  if (!next.ospf) return false;
  const ReloadPlan plan = plan_reload(config_, *next.ospf);
  if (plan.replace) return false;
  if (!instance_) {
    config_ = *next.ospf;
    return true;
  }
  Reconfigure event{*next.ospf, open(plan.interfaces_added, false)};
  // What could not be opened is not configured: a later reload adds it again.
  std::erase_if(event.config.interfaces, [&](const config::OspfInterfaceConfig& c) {
    const bool added = std::find(plan.interfaces_added.begin(), plan.interfaces_added.end(),
                                 c.name) != plan.interfaces_added.end();
    return added && std::none_of(event.added.begin(), event.added.end(),
                                 [&](const InterfaceInfo& i) { return i.name == c.name; });
  });
  std::vector<InterfaceId> removed;
  for (const auto& iface : instance_->area().interfaces) {
    if (std::find(plan.interfaces_removed.begin(), plan.interfaces_removed.end(),
                  iface.info.name) != plan.interfaces_removed.end()) {
      removed.push_back(iface.id());
    }
  }
  for (const auto& info : event.added)
    receive(info.index);
  config_ = event.config;
  feed(event);
  // After the goodbye Hellos went out.
  for (const auto index : removed)
    sockets_.erase(index);
  return true;
}

void OspfSession::stop(const core::StopBudget& budget, std::function<void()> done) {
  stop_deadline_.start(std::move(done), budget.protocols_done(), "ospf");
  if (!instance_) {
    stop_deadline_.finish();
    return;
  }
  feed(Stop{budget.drain_until(), budget.protocols_done()});
}

void OspfSession::feed(const Event& event) {
  if (!instance_) return;
  execute(instance_->handle(event, Clock::now()));
  sync_bfd();
}

void OspfSession::sync_bfd() {
  // While stopping the sessions stay: BFD sends AdminDown after the withdrawal.
  if (!bfd_ || stop_deadline_.pending()) return;
  std::set<std::pair<InterfaceId, std::uint32_t>> wanted;
  for (const auto& iface : instance_->area().interfaces) {
    if (!iface.config.bfd) continue;
    for (const auto& [id, nbr] : iface.neighbors) {
      const std::pair key{iface.id(), nbr.address};
      wanted.insert(key);
      if (bfd_watches_.count(key)) continue;
      try {
        bfd_watches_.emplace(key, bfd_->watch(IpAddress::v4(nbr.address), iface.info.name, "ospf",
                                              [this, alive = std::weak_ptr<bool>(alive_),
                                               address = nbr.address](bfd::PeerEvent e) {
                                                // RFC 5882 §4.1: BFD Down is KillNbr; Up changes
                                                // nothing.
                                                if (alive.expired() || e != bfd::PeerEvent::down)
                                                  return;
                                                feed(NeighborDown{address});
                                              }));
      } catch (const std::exception& e) {
        log_.write(Log{config::LogLevel::error, fmt::format("ospf: {}", e.what()),
                       "ospf:bfd:" + dotted(nbr.address)});
      }
    }
  }
  std::erase_if(bfd_watches_, [&](const auto& entry) { return !wanted.count(entry.first); });
}

void OspfSession::execute(std::vector<Action> actions) {
  for (auto& action : actions) {
    std::visit(Overloaded{
                   [&](const Send& a) { send(a); },
                   [&](const SetAllDRouters& a) { set_all_drouters(a); },
                   [&](const ArmTimer& a) { timers_.arm(a.timer, a.at); },
                   [&](const CancelTimer& a) { timers_.cancel(a.timer); },
                   [&](const Log& a) { log_.write(a); },
                   [&](const Stopped&) {
                     timers_.cancel_all();
                     stop_deadline_.finish();
                   },
               },
               action);
  }
}

void OspfSession::send(const Send& s) {
  const auto it = sockets_.find(s.interface);
  if (it == sockets_.end()) return;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(s.destination);
  const ssize_t n = ::sendto(it->second.native_handle(), s.bytes.data(), s.bytes.size(), 0,
                             reinterpret_cast<const sockaddr*>(&to), sizeof to);
  if (n < 0) {
    const Interface* iface = instance_->area().find_interface(s.interface);
    const std::string name = iface ? iface->info.name : std::to_string(s.interface);
    log_.write(Log{config::LogLevel::warn,
                   fmt::format("ospf: {}: send to {} failed: {}", name, dotted(s.destination),
                               std::strerror(errno)),
                   "ospf:send:" + name});
  }
}

void OspfSession::set_all_drouters(const SetAllDRouters& action) {
  const auto it = sockets_.find(action.interface);
  const Interface* iface = instance_->area().find_interface(action.interface);
  if (it == sockets_.end() || !iface) return;
  if (!membership(it->second.native_handle(), iface->info, kAllDRouters, action.member)) {
    log_.write(Log{config::LogLevel::warn,
                   fmt::format("ospf: {}: {} 224.0.0.6 failed: {}", iface->info.name,
                               action.member ? "join" : "leave", std::strerror(errno)),
                   {}});
  }
}

void OspfSession::receive(InterfaceId interface) {
  const auto it = sockets_.find(interface);
  if (it == sockets_.end()) return;
  it->second.async_wait(RawSocket::wait_read, [this, alive = std::weak_ptr<bool>(alive_),
                                               interface](const boost::system::error_code& ec) {
    if (alive.expired() || ec) return;
    on_readable(interface);
    receive(interface);
  });
}

void OspfSession::on_readable(InterfaceId interface) {
  const auto it = sockets_.find(interface);
  if (it == sockets_.end()) return;
  const int fd = it->second.native_handle();
  static std::array<std::uint8_t, kReceiveBuffer> buffer;
  for (;;) {
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        const Interface* iface = instance_->area().find_interface(interface);
        const std::string name = iface ? iface->info.name : std::to_string(interface);
        log_.write(Log{config::LogLevel::warn,
                       fmt::format("ospf: {}: receive failed: {}", name, std::strerror(errno)),
                       "ospf:recv:" + name});
      }
      return;
    }
    // A raw IPv4 socket delivers the IP header too: its length is IHL words.
    const auto size = static_cast<std::size_t>(n);
    if (size < 20) continue;
    const std::size_t header = static_cast<std::size_t>(buffer[0] & 0x0f) * 4;
    if (header < 20 || header > size) continue;
    const auto address = [&](std::size_t at) {
      return std::uint32_t{buffer[at]} << 24 | std::uint32_t{buffer[at + 1]} << 16 |
             std::uint32_t{buffer[at + 2]} << 8 | buffer[at + 3];
    };
    PacketReceived event;
    event.interface = interface;
    event.source = address(12);
    event.destination = address(16);
    event.bytes.assign(buffer.begin() + static_cast<std::ptrdiff_t>(header), buffer.begin() + n);
    feed(event);
    // A reload in a handler may have closed this socket.
    if (!sockets_.count(interface)) return;
  }
}

namespace {

nlohmann::json counters_json(const core::PacketCounters& counters) {
  return {{"received", counters.received},
          {"accepted", counters.accepted},
          {"dropped", counters.dropped}};
}

}  // namespace

nlohmann::json OspfSession::status() const {
  nlohmann::json out = {{"running", instance_ && instance_->running()},
                        {"router_id", dotted(router_id_)},
                        {"area", dotted(config_.area)},
                        {"area_type", config::to_string(config_.area_type)},
                        {"announce_as", config::to_string(config_.announce_as)},
                        {"interfaces", nlohmann::json::array()},
                        {"neighbors", nlohmann::json::array()}};
  if (!instance_) return out;
  out.update(counters_json(instance_->counters()));
  out["lsa_dropped"] = instance_->area().lsa_dropped;
  const auto now = Clock::now();
  for (const auto& iface : instance_->area().interfaces) {
    auto entry = nlohmann::json{
        {"name", iface.info.name},
        {"type", config::to_string(iface.config.type)},
        {"address", fmt::format("{}/{}", dotted(iface.info.address), iface.info.prefix_length)},
        {"state", to_string(iface.state)},
        {"dr", dotted(iface.designated_router)},
        {"bdr", dotted(iface.backup_designated_router)},
        {"cost", iface.config.cost},
        {"sent", iface.counters.sent},
    };
    entry.update(counters_json(iface.counters.packets));
    out["interfaces"].push_back(std::move(entry));
    for (const auto& [id, nbr] : iface.neighbors) {
      out["neighbors"].push_back({
          {"router_id", dotted(id)},
          {"address", dotted(nbr.address)},
          {"interface", iface.info.name},
          {"state", to_string(nbr.state)},
          {"priority", nbr.priority},
          {"dead_in_s",
           std::chrono::duration_cast<std::chrono::seconds>(nbr.inactivity_deadline - now).count()},
          {"state_for_s",
           std::chrono::duration_cast<std::chrono::seconds>(now - nbr.state_since).count()},
          {"retransmissions", nbr.retransmission_list.size()},
          {"requests", nbr.request_list.size()},
      });
    }
  }
  const auto& lsdb = instance_->area().lsdb;
  nlohmann::json counts = {{"router", 0},       {"network", 0},  {"summary", 0},
                           {"asbr_summary", 0}, {"external", 0}, {"nssa_external", 0},
                           {"other", 0}};
  for (const auto& [type, count] : lsdb.counts()) {
    const std::string name = lsa_type_name(type);
    if (counts.contains(name)) {
      counts[name] = count;
    } else {
      counts["other"] = counts["other"].get<std::size_t>() + count;
    }
  }
  counts["total"] = lsdb.size();
  counts["limit"] = lsdb.limit();
  counts["refused"] = lsdb.overflows();
  out["lsdb"] = counts;
  const auto& origination = instance_->origination();
  out["router_lsa_seq"] =
      fmt::format("0x{:08x}", static_cast<std::uint32_t>(origination.router_lsa_sequence()));
  if (const auto at = origination.router_lsa_originated()) {
    out["router_lsa_age_s"] =
        std::chrono::duration_cast<std::chrono::duration<double>>(now - *at).count();
  }
  nlohmann::json announced = nlohmann::json::array();
  for (const auto& a : origination.announcements(instance_->area())) {
    nlohmann::json entry = {{"prefix", a.prefix.to_string()},
                            {"cost", a.cost},
                            {"lsa", a.lsa_type ? lsa_type_name(a.lsa_type) : "none"},
                            {"ls_id", dotted(a.ls_id)}};
    if (a.sequence) {
      entry["seq"] = fmt::format("0x{:08x}", static_cast<std::uint32_t>(*a.sequence));
    }
    announced.push_back(std::move(entry));
  }
  out["announced"] = announced;
  return out;
}

}  // namespace anycastd::ospf
