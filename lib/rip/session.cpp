// SPDX-License-Identifier: Apache-2.0
#include "rip/session.hpp"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "kernel/interfaces.hpp"
#include "session/datagram.hpp"
#include "util/overloaded.hpp"

namespace anycastd::rip {

namespace {

namespace asio = boost::asio;
using asio::ip::udp;

// RFC 2453 §4: "IP multicast address 224.0.0.9".
const asio::ip::address_v4 kRipGroup = asio::ip::make_address_v4("224.0.0.9");
constexpr std::size_t kReceiveBuffer = 2048;

[[noreturn]] void fail(const std::string& interface, const std::string& what, int error) {
  throw std::runtime_error("rip: interface " + interface + ": " + what + ": " +
                           std::strerror(error));
}

InterfaceInfo resolve_interface(const std::string& name) {
  const auto found = kernel::lookup_interface(name, "rip");
  return InterfaceInfo{found.name, found.index, IpAddress::v4(found.address), found.prefix_length};
}

void set_int(int fd, int level, int option, int value, const std::string& interface,
             const char* what) {
  if (setsockopt(fd, level, option, &value, sizeof value) != 0) fail(interface, what, errno);
}

udp::socket open_socket(asio::io_context& io, const InterfaceInfo& iface) {
  udp::socket socket(io);
  boost::system::error_code ec;
  socket.open(udp::v4(), ec);
  if (ec) fail(iface.name, "socket", ec.value());
  const int fd = socket.native_handle();
  set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1, iface.name, "SO_REUSEADDR");
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, iface.name.c_str(),
                 static_cast<socklen_t>(iface.name.size())) != 0) {
    fail(iface.name, "SO_BINDTODEVICE", errno);
  }
  ip_mreqn out{};
  out.imr_ifindex = static_cast<int>(iface.index);
  out.imr_address.s_addr = htonl(iface.address.v4_value());
  if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &out, sizeof out) != 0) {
    fail(iface.name, "IP_MULTICAST_IF", errno);
  }
  // RIP packets never leave the link.
  set_int(fd, IPPROTO_IP, IP_MULTICAST_TTL, 1, iface.name, "IP_MULTICAST_TTL");
  set_int(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0, iface.name, "IP_MULTICAST_LOOP");
  set_int(fd, IPPROTO_IP, IP_TOS, IPTOS_PREC_INTERNETCONTROL, iface.name, "IP_TOS");
  set_int(fd, IPPROTO_IP, IP_PKTINFO, 1, iface.name, "IP_PKTINFO");
  ip_mreqn join{};
  join.imr_multiaddr.s_addr = htonl(kRipGroup.to_uint());
  join.imr_address.s_addr = htonl(iface.address.v4_value());
  join.imr_ifindex = static_cast<int>(iface.index);
  if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &join, sizeof join) != 0) {
    fail(iface.name, "join 224.0.0.9", errno);
  }
  socket.bind(udp::endpoint(asio::ip::address_v4::any(), kPort), ec);
  if (ec) fail(iface.name, "bind to UDP port 520", ec.value());
  socket.non_blocking(true, ec);
  if (ec) fail(iface.name, "non-blocking mode", ec.value());
  return socket;
}

nlohmann::json seconds_since(std::optional<TimePoint> then, TimePoint now) {
  if (!then) return nullptr;
  return std::chrono::duration_cast<std::chrono::seconds>(now - *then).count();
}

}  // namespace

RipSession::RipSession(asio::io_context& io, const config::RipConfig& config,
                       core::AnnouncementBus& bus, bfd::BfdSessions* bfd)
    : io_(io),
      config_(config),
      bus_(bus),
      timers_(io, [this](TimerId id) { feed(TimerExpired{id}); }),
      stop_(io),
      bfd_(bfd) {
  subscription_ = bus_.subscribe([this](const core::RouteChange& change) {
    feed(RouteChanged{change.prefix, change.action});
  });
}

RipSession::~RipSession() {
  bus_.unsubscribe(subscription_);
  alive_.reset();
}

void RipSession::start() {
  if (speaker_) return;
  if (config_.interfaces.empty()) {
    throw std::runtime_error("rip: no interfaces configured; [rip] interfaces must name one");
  }
  std::vector<InterfaceInfo> interfaces;
  for (const auto& name : config_.interfaces)
    interfaces.push_back(resolve_interface(name));
  std::map<unsigned, udp::socket> sockets;
  for (const auto& iface : interfaces)
    sockets.emplace(iface.index, open_socket(io_, iface));
  sockets_ = std::move(sockets);

  SpeakerOptions options;
  options.seed = std::random_device{}();
  // RFC 2082 §3.2.1: a non-decreasing sequence number; starting from the
  // clock keeps it rising across restarts.
  options.md5_sequence_start = static_cast<std::uint32_t>(std::time(nullptr));
  speaker_.emplace(config_, std::move(interfaces), options);
  for (const auto& [prefix, entry] : bus_.routes())
    feed(RouteChanged{prefix, entry.action});
  for (const auto& [index, socket] : sockets_)
    receive(index);
  feed(Start{});
}

bool RipSession::reconfigure(const config::Config& next) {
  if (!next.rip) return false;
  if (!speaker_) {
    config_ = *next.rip;
    return true;
  }
  if (next.rip->interfaces.empty()) {
    throw std::runtime_error("rip: no interfaces configured; [rip] interfaces must name one");
  }
  // New interfaces are resolved and their sockets opened before anything
  // changes, so a failure leaves the running speaker as it was.
  std::vector<InterfaceInfo> interfaces;
  std::map<unsigned, udp::socket> opened;
  for (const auto& name : next.rip->interfaces) {
    const auto& current = speaker_->interfaces();
    const auto it =
        std::find_if(current.begin(), current.end(), [&](const auto& i) { return i.name == name; });
    interfaces.push_back(it != current.end() ? *it : resolve_interface(name));
    if (!sockets_.count(interfaces.back().index)) {
      opened.emplace(interfaces.back().index, open_socket(io_, interfaces.back()));
    }
  }
  for (auto& [index, socket] : opened) {
    sockets_.emplace(index, std::move(socket));
    receive(index);
  }
  config_ = *next.rip;
  feed(Reconfigure{config_, interfaces});
  // The removed interfaces' metric-16 updates are sent; their sockets go.
  std::erase_if(sockets_, [&](const auto& entry) {
    return std::none_of(interfaces.begin(), interfaces.end(),
                        [&](const auto& i) { return i.index == entry.first; });
  });
  return true;
}

void RipSession::stop(const core::StopBudget& budget, std::function<void()> done) {
  stop_.start(std::move(done), budget.protocols_done(), "rip");
  if (!speaker_) {
    stop_.finish();
    return;
  }
  feed(Stop{budget.drain_until(), budget.protocols_done()});
}

void RipSession::feed(const Event& event) {
  if (!speaker_) return;
  execute(speaker_->handle(event, Clock::now()));
  sync_bfd();
}

void RipSession::sync_bfd() {
  // While stopping the sessions stay: BFD sends AdminDown after the withdrawal.
  if (!bfd_ || stop_.pending()) return;
  std::map<IpAddress, std::string> wanted;  // router -> interface name ("" for any)
  if (config_.bfd) {
    for (const auto& address : config_.neighbors)
      wanted[address];
    for (const auto& [address, n] : speaker_->neighbors()) {
      for (const auto& iface : speaker_->interfaces()) {
        if (iface.index == n.interface) wanted[address] = iface.name;
      }
    }
  }
  std::erase_if(bfd_watches_, [&](const auto& entry) { return !wanted.count(entry.first); });
  for (const auto& [address, interface] : wanted) {
    if (bfd_watches_.count(address)) continue;
    try {
      bfd_watches_.emplace(address,
                           bfd_->watch(address, interface, "rip",
                                       [this, alive = std::weak_ptr<bool>(alive_),
                                        address = address](bfd::PeerEvent e) {
                                         if (alive.expired() || e != bfd::PeerEvent::down) {
                                           return;
                                         }
                                         feed(NeighborDown{address});
                                       }));
    } catch (const std::exception& e) {
      log_.write(Log{config::LogLevel::error, fmt::format("rip: {}", e.what()),
                     "rip:bfd:" + address.to_string()});
    }
  }
}

void RipSession::execute(std::vector<Action> actions) {
  for (auto& action : actions) {
    std::visit(Overloaded{
                   [&](const Send& a) { send(a); },
                   [&](const ArmTimer& a) { timers_.arm(a.timer, a.at); },
                   [&](const CancelTimer& a) { timers_.cancel(a.timer); },
                   [&](const Log& a) { log_.write(a); },
                   [&](const Stopped&) { stop_.finish(); },
               },
               action);
  }
}

void RipSession::send(const Send& s) {
  const auto [interface, endpoint] = std::visit(
      Overloaded{
          [](const Multicast& to) {
            return std::pair{to.interface, udp::endpoint(kRipGroup, kPort)};
          },
          [](const Unicast& to) {
            return std::pair{to.interface,
                             udp::endpoint(asio::ip::address_v4(to.address.v4_value()), to.port)};
          },
      },
      s.to);
  const auto socket = sockets_.find(interface);
  if (socket == sockets_.end()) return;
  boost::system::error_code ec;
  socket->second.send_to(asio::buffer(s.bytes), endpoint, 0, ec);
  if (ec) {
    log_.write(Log{config::LogLevel::warn,
                   fmt::format("rip: interface {}: send to {} failed: {}", interface,
                               endpoint.address().to_string(), ec.message()),
                   fmt::format("rip:send:{}", interface)});
  }
}

void RipSession::receive(unsigned interface) {
  const auto socket = sockets_.find(interface);
  if (socket == sockets_.end()) return;
  socket->second.async_wait(
      udp::socket::wait_read,
      [this, alive = std::weak_ptr<bool>(alive_), interface](const boost::system::error_code& ec) {
        if (alive.expired() || ec) return;
        on_readable(interface);
        receive(interface);
      });
}

void RipSession::on_readable(unsigned interface) {
  const auto socket = sockets_.find(interface);
  if (socket == sockets_.end()) return;
  const int fd = socket->second.native_handle();
  for (;;) {
    // A datagram longer than the buffer arrives cut short; anything over 504
    // bytes is rejected by the decoder either way.
    auto datagram = session::receive_datagram(fd, kReceiveBuffer);
    if (!datagram) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        log_.write(Log{
            config::LogLevel::warn,
            fmt::format("rip: interface {}: receive failed: {}", interface, std::strerror(errno)),
            fmt::format("rip:recv:{}", interface)});
      }
      return;
    }
    PacketReceived event;
    // IP_PKTINFO names the interface the datagram arrived on.
    event.interface = datagram->interface.value_or(interface);
    event.source = datagram->source;
    event.source_port = datagram->source_port;
    event.bytes = std::move(datagram->bytes);
    feed(event);
  }
}

nlohmann::json RipSession::status() const {
  nlohmann::json out = {{"running", speaker_ && speaker_->running()},
                        {"received", 0},
                        {"accepted", 0},
                        {"dropped", nlohmann::json::object()},
                        {"interfaces", nlohmann::json::array()},
                        {"neighbors", nlohmann::json::array()},
                        {"announced", nlohmann::json::array()}};
  if (!speaker_) return out;
  const auto now = Clock::now();
  const auto& ifaces = speaker_->interfaces();
  const auto& counters = speaker_->interface_counters();
  core::PacketCounters total;
  for (std::size_t i = 0; i < ifaces.size(); ++i) {
    const auto& c = counters[i];
    nlohmann::json neighbors = nlohmann::json::array();
    for (const auto& [address, n] : speaker_->neighbors()) {
      if (n.interface == ifaces[i].index) neighbors.push_back(address.to_string());
    }
    out["interfaces"].push_back({
        {"name", ifaces[i].name},
        {"address", ifaces[i].address.to_string() + "/" + std::to_string(ifaces[i].prefix_length)},
        {"sent", c.sent},
        {"received", c.packets.received},
        {"accepted", c.packets.accepted},
        {"dropped", c.packets.dropped},
        {"updates_sent", c.updates_sent},
        {"updates_received", c.updates_received},
        {"neighbors", neighbors},
        {"last_update_s", seconds_since(c.last_update, now)},
    });
    total.received += c.packets.received;
    total.accepted += c.packets.accepted;
    for (const auto& [reason, count] : c.packets.dropped)
      total.dropped[reason] += count;
  }
  out["received"] = total.received;
  out["accepted"] = total.accepted;
  out["dropped"] = total.dropped;
  for (const auto& [address, n] : speaker_->neighbors()) {
    std::string interface;
    for (const auto& iface : ifaces) {
      if (iface.index == n.interface) interface = iface.name;
    }
    out["neighbors"].push_back({
        {"address", address.to_string()},
        {"interface", interface},
        {"packets", n.packets},
        {"routes", n.routes},
        {"last_heard_s", seconds_since(n.last_heard, now)},
        {"old_sequence", n.old_sequence},
        {"gone_s", seconds_since(n.gone_since, now)},
    });
  }
  for (const auto& [prefix, metric] : speaker_->advertised()) {
    out["announced"].push_back({{"prefix", prefix.to_string()}, {"metric", metric}});
  }
  return out;
}

}  // namespace anycastd::rip
