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
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include "kernel/interfaces.hpp"
#include "session/log.hpp"

namespace anycastd::ospf {

namespace {

namespace asio = boost::asio;
using RawProtocol = asio::generic::raw_protocol;

constexpr std::size_t kReceiveBuffer = 65536;

[[noreturn]] void fail(const std::string& interface, const std::string& what, int error) {
  throw std::runtime_error("ospf: interface " + interface + ": " + what + ": " +
                           std::strerror(error));
}

InterfaceInfo resolve_interface(const std::string& name) {
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
                         std::uint32_t router_id, core::AnnouncementBus& bus)
    : io_(io),
      config_(config),
      router_id_(router_id),
      bus_(bus),
      timer_(io),
      shutdown_(io),
      log_limiter_(std::chrono::seconds(10), 5) {
  subscription_ = bus_.subscribe([this](const core::RouteChange& change) {
    feed(RouteChanged{change.prefix, change.action});
  });
}

OspfSession::~OspfSession() {
  bus_.unsubscribe(subscription_);
  alive_.reset();
}

void OspfSession::start() {
  if (speaker_) return;
  if (config_.interfaces.empty()) {
    throw std::runtime_error("ospf: no interfaces configured; add an [[ospf.interface]]");
  }
  std::vector<InterfaceInfo> interfaces;
  for (const auto& c : config_.interfaces)
    interfaces.push_back(resolve_interface(c.name));
  std::vector<RawSocket> sockets;
  for (const auto& iface : interfaces)
    sockets.push_back(open_socket(io_, iface));
  sockets_ = std::move(sockets);

  SpeakerOptions options;
  // RFC 2328 §D.4.3: the sequence number must not decrease, also across
  // restarts: the clock gives that. §10.8: DD sequence numbers "should be unique".
  options.md5_sequence_start = static_cast<std::uint32_t>(std::time(nullptr));
  options.dd_sequence_start = static_cast<std::uint32_t>(std::time(nullptr));
  speaker_.emplace(config_, router_id_, std::move(interfaces), options);
  for (const auto& [prefix, entry] : bus_.routes())
    feed(RouteChanged{prefix, entry.action});
  for (std::size_t i = 0; i < sockets_.size(); ++i)
    receive(i);
  feed(Start{});
}

bool OspfSession::reconfigure(const config::Config& next) {
  return next.ospf && *next.ospf == config_;
}

void OspfSession::stop(const core::StopBudget& budget, std::function<void()> done) {
  shutdown_.start(std::move(done), budget.protocols_done(), "ospf");
  if (!speaker_) {
    finish_shutdown();
    return;
  }
  feed(Shutdown{});
}

void OspfSession::finish_shutdown() {
  timer_.cancel();
  shutdown_.finish();
}

void OspfSession::feed(const Event& event) {
  if (!speaker_) return;
  execute(speaker_->handle(event, Clock::now()));
}

void OspfSession::execute(std::vector<Action> actions) {
  for (auto& action : actions) {
    if (auto* s = std::get_if<Send>(&action)) {
      send(*s);
    } else if (auto* m = std::get_if<SetAllDRouters>(&action)) {
      set_all_drouters(*m);
    } else if (auto* a = std::get_if<ArmTimer>(&action)) {
      arm(a->at);
    } else if (auto* l = std::get_if<Log>(&action)) {
      log(*l);
    } else if (std::holds_alternative<Done>(action)) {
      finish_shutdown();
    }
  }
}

void OspfSession::send(const Send& s) {
  if (s.interface >= sockets_.size()) return;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(s.destination);
  const ssize_t n = ::sendto(sockets_[s.interface].native_handle(), s.bytes.data(), s.bytes.size(),
                             0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  if (n < 0) {
    const auto& name = config_.interfaces[s.interface].name;
    log(Log{config::LogLevel::warn,
            fmt::format("ospf: {}: send to {} failed: {}", name, dotted(s.destination),
                        std::strerror(errno)),
            "ospf:send:" + name});
  }
}

void OspfSession::set_all_drouters(const SetAllDRouters& action) {
  if (action.interface >= sockets_.size()) return;
  const auto& iface = speaker_->interfaces()[action.interface].info;
  if (!membership(sockets_[action.interface].native_handle(), iface, kAllDRouters, action.member)) {
    log(Log{config::LogLevel::warn,
            fmt::format("ospf: {}: {} 224.0.0.6 failed: {}", iface.name,
                        action.member ? "join" : "leave", std::strerror(errno)),
            {}});
  }
}

void OspfSession::arm(TimePoint at) {
  const std::uint64_t generation = ++timer_generation_;
  timer_.expires_at(at);
  timer_.async_wait(
      [this, alive = std::weak_ptr<bool>(alive_), generation](const boost::system::error_code& ec) {
        // A completion from before the timer was re-armed is stale.
        if (alive.expired() || ec || generation != timer_generation_) return;
        feed(Wakeup{});
      });
}

void OspfSession::log(const Log& line) {
  std::string text = line.text;
  if (!line.rate_key.empty()) {
    const auto verdict = log_limiter_.check(line.rate_key, LogRateLimiter::Clock::now());
    if (!verdict.log) return;
    if (verdict.suppressed_before > 0) {
      text += fmt::format(" ({} similar lines suppressed)", verdict.suppressed_before);
    }
  }
  spdlog::log(session::to_spdlog(line.level), "{}", text);
}

void OspfSession::receive(std::size_t interface) {
  sockets_[interface].async_wait(
      RawSocket::wait_read,
      [this, alive = std::weak_ptr<bool>(alive_), interface](const boost::system::error_code& ec) {
        if (alive.expired() || ec) return;
        on_readable(interface);
        receive(interface);
      });
}

void OspfSession::on_readable(std::size_t interface) {
  const int fd = sockets_[interface].native_handle();
  static std::array<std::uint8_t, kReceiveBuffer> buffer;
  for (;;) {
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        const auto& name = config_.interfaces[interface].name;
        log(Log{config::LogLevel::warn,
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
  }
}

nlohmann::json OspfSession::status() const {
  nlohmann::json out = {{"running", speaker_ && speaker_->running()},
                        {"router_id", dotted(router_id_)},
                        {"area", dotted(config_.area)},
                        {"interfaces", nlohmann::json::array()},
                        {"neighbors", nlohmann::json::array()}};
  if (!speaker_) return out;
  const auto now = Clock::now();
  for (const auto& iface : speaker_->interfaces()) {
    out["interfaces"].push_back({
        {"name", iface.info.name},
        {"type", config::to_string(iface.config.type)},
        {"address", fmt::format("{}/{}", dotted(iface.info.address), iface.info.prefix_length)},
        {"state", to_string(iface.state)},
        {"dr", dotted(iface.designated_router)},
        {"bdr", dotted(iface.backup_designated_router)},
        {"cost", iface.config.cost},
        {"sent", iface.counters.sent},
        {"received", iface.counters.received},
        {"dropped", iface.counters.dropped},
    });
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
  nlohmann::json lsdb = {{"router", 0},       {"network", 0},  {"summary", 0},
                         {"asbr_summary", 0}, {"external", 0}, {"other", 0}};
  for (const auto& [type, count] : speaker_->lsdb().counts()) {
    const std::string name = lsa_type_name(type);
    if (lsdb.contains(name)) {
      lsdb[name] = count;
    } else {
      lsdb["other"] = lsdb["other"].get<std::size_t>() + count;
    }
  }
  lsdb["total"] = speaker_->lsdb().size();
  lsdb["limit"] = speaker_->lsdb().limit();
  lsdb["refused"] = speaker_->lsdb().overflows();
  out["lsdb"] = lsdb;
  out["lsa_dropped"] = speaker_->lsa_drops();
  out["router_lsa_seq"] =
      fmt::format("0x{:08x}", static_cast<std::uint32_t>(speaker_->router_lsa_sequence()));
  if (const auto at = speaker_->router_lsa_originated()) {
    out["router_lsa_age_s"] =
        std::chrono::duration_cast<std::chrono::duration<double>>(now - *at).count();
  }
  nlohmann::json announced = nlohmann::json::array();
  for (const auto& [prefix, cost] : speaker_->prefixes())
    announced.push_back({{"prefix", prefix.to_string()}, {"cost", cost}});
  out["announced"] = announced;
  return out;
}

}  // namespace anycastd::ospf
