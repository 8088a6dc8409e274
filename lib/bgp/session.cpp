#include "bgp/session.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>

#include <spdlog/spdlog.h>

#include "session/log.hpp"

namespace anycastd::bgp {

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// RFC 5082 §3: send with TTL 255, accept only what can have come one hop.
constexpr int kGtsmTtl = 255;
constexpr int kGtsmMinTtl = 254;

[[noreturn]] void fail(const std::string& what, int error) {
  throw std::runtime_error("bgp: " + what + ": " + std::strerror(error));
}

asio::ip::address to_asio(const IpAddress& a) {
  if (a.is_v4()) return asio::ip::address_v4(a.v4_value());
  asio::ip::address_v6::bytes_type b;
  std::copy(a.bytes.begin(), a.bytes.end(), b.begin());
  return asio::ip::address_v6(b);
}

IpAddress from_asio(const asio::ip::address& a) {
  if (a.is_v4()) return IpAddress::v4(a.to_v4().to_uint());
  const auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) {
    return IpAddress::v4(asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_uint());
  }
  IpAddress out;
  out.family = Family::ipv6;
  const auto b = v6.to_bytes();
  std::copy(b.begin(), b.end(), out.bytes.begin());
  return out;
}

// RFC 2385 via Linux TCP_MD5SIG: the key for one peer address on a socket
// (a listening socket holds one per peer). An empty key removes it.
void set_md5(int fd, const IpAddress& peer, const std::string& key) {
  tcp_md5sig sig{};
  if (peer.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&sig.tcpm_addr);
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(peer.v4_value());
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&sig.tcpm_addr);
    sin6->sin6_family = AF_INET6;
    std::memcpy(&sin6->sin6_addr, peer.bytes.data(), 16);
  }
  sig.tcpm_keylen = static_cast<std::uint16_t>(key.size());
  std::memcpy(sig.tcpm_key, key.data(), key.size());
  if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof sig) != 0) {
    fail("TCP_MD5SIG for " + peer.to_string() + " (is CONFIG_TCP_MD5SIG in the kernel?)", errno);
  }
}

void set_int(int fd, int level, int option, int value, const char* what) {
  if (setsockopt(fd, level, option, &value, sizeof value) != 0) fail(what, errno);
}

// RFC 5082 §3: "... sets the TTL ... to 255" on sending and discards what
// arrives with a TTL below 254 (one hop away).
void set_gtsm(int fd, Family family) {
  if (family == Family::ipv4) {
    set_int(fd, IPPROTO_IP, IP_TTL, kGtsmTtl, "IP_TTL");
    set_int(fd, IPPROTO_IP, IP_MINTTL, kGtsmMinTtl, "IP_MINTTL");
  } else {
    set_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, kGtsmTtl, "IPV6_UNICAST_HOPS");
    set_int(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, kGtsmMinTtl, "IPV6_MINHOPCOUNT");
  }
}

}  // namespace

BgpSession::Peer::Peer(asio::io_context& io, FsmConfig config) : fsm(std::move(config)) {
  for (auto& t : timers)
    t = std::make_unique<Timer>(io);
}

BgpSession::BgpSession(asio::io_context& io, const config::BgpConfig& config,
                       std::optional<IpAddress> router_id, core::AnnouncementBus& bus,
                       bfd::BfdSessions* bfd)
    : io_(io),
      config_(config),
      bus_(bus),
      bfd_(bfd),
      shutdown_(io),
      log_limiter_(std::chrono::seconds(10), 5) {
  if (config_.router_id) router_id = config_.router_id;
  if (!router_id || !router_id->is_v4()) {
    throw std::runtime_error(
        "bgp: no BGP Identifier: set [daemon] router_id or [bgp] router_id to an IPv4 address");
  }
  std::random_device seed;
  for (const auto& neighbor : config_.neighbors) {
    FsmConfig fc;
    fc.neighbor = neighbor;
    fc.local_asn = config_.asn;
    fc.bgp_identifier = router_id->v4_value();
    fc.degraded_med = config_.degraded_med;
    fc.degraded_prepend = config_.degraded_prepend;
    fc.seed = seed();
    peers_.push_back(std::make_unique<Peer>(io, std::move(fc)));
  }
  subscription_ = bus_.subscribe([this](const core::RouteChange& change) {
    for (std::size_t i = 0; i < peers_.size(); ++i)
      feed(i, RouteChanged{change.prefix, change.action, change.cause});
    request_flush();
  });
}

BgpSession::~BgpSession() {
  bus_.unsubscribe(subscription_);
  alive_.reset();
}

void BgpSession::start() {
  if (started_) return;
  started_ = true;
  for (Family family : {Family::ipv4, Family::ipv6}) {
    const bool any = std::any_of(config_.neighbors.begin(), config_.neighbors.end(),
                                 [family](const auto& n) { return n.address.family == family; });
    if (any) listen(family);
  }
  for (std::size_t i = 0; i < peers_.size(); ++i) {
    for (const auto& [prefix, entry] : bus_.routes())
      feed(i, RouteChanged{prefix, entry.action, core::Cause::health});
    feed(i, ManualStart{});
    // RFC 5882 §4.2: a BFD session that never comes Up blocks nothing; only
    // its Up -> Down closes the BGP session.
    if (bfd_ && config_.neighbors[i].bfd) {
      peers_[i]->bfd =
          bfd_->watch(config_.neighbors[i].address, "", "bgp",
                      [this, alive = std::weak_ptr<bool>(alive_), i](bfd::PeerEvent e) {
                        if (alive.expired() || e != bfd::PeerEvent::down) return;
                        feed(i, BfdDown{});
                      });
    }
  }
}

// One listening socket per address family with neighbours; bound to port
// 179 on every address, as routers expect. A neighbour that must connect to
// us (passive) makes a failure to listen fatal; otherwise we go on with our
// own connections only.
void BgpSession::listen(Family family) {
  const bool needed =
      std::any_of(config_.neighbors.begin(), config_.neighbors.end(),
                  [family](const auto& n) { return n.address.family == family && n.passive; });
  tcp::acceptor acceptor(io_);
  const tcp protocol = family == Family::ipv4 ? tcp::v4() : tcp::v6();
  boost::system::error_code ec;
  acceptor.open(protocol, ec);
  if (ec) fail("listening socket", ec.value());
  const int fd = acceptor.native_handle();
  set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
  if (family == Family::ipv6) set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY");
  // RFC 2385: a passive open must have the peer's key before its SYN comes.
  for (const auto& n : config_.neighbors) {
    if (n.address.family == family && !n.password.empty()) set_md5(fd, n.address, n.password);
  }
  acceptor.bind(tcp::endpoint(protocol, kPort), ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    const std::string what =
        std::string("listen on TCP port 179 (") + (family == Family::ipv4 ? "IPv4" : "IPv6") + ")";
    if (needed) fail(what, ec.value());
    spdlog::warn("bgp: {}: {}; connecting to neighbours only", what, ec.message());
    return;
  }
  acceptors_.push_back(std::move(acceptor));
  accept(acceptors_.size() - 1);
}

void BgpSession::accept(std::size_t listener) {
  acceptors_[listener].async_accept([this, alive = std::weak_ptr<bool>(alive_), listener](
                                        const boost::system::error_code& ec, tcp::socket socket) {
    if (alive.expired() || ec == asio::error::operation_aborted) return;
    if (!ec) {
      boost::system::error_code ec2;
      const auto remote = socket.remote_endpoint(ec2);
      const IpAddress address = ec2 ? IpAddress{} : from_asio(remote.address());
      std::optional<std::size_t> peer;
      for (std::size_t i = 0; i < peers_.size(); ++i) {
        if (peers_[i]->fsm.config().neighbor.address == address) peer = i;
      }
      if (!peer) {
        // Only configured neighbours may talk to us.
        log(Log{config::LogLevel::warn,
                "bgp: refused a connection from " + address.to_string() +
                    ", which is not a configured neighbor",
                "bgp:refused"});
        socket.close(ec2);
      } else {
        try {
          if (peers_[*peer]->fsm.config().neighbor.ttl_security) {
            set_gtsm(socket.native_handle(), address.family);
          }
          const ConnId id = adopt(*peer, std::move(socket), false);
          boost::system::error_code ec3;
          const auto local = connections_.at(id)->socket.local_endpoint(ec3);
          feed(*peer, TcpConnected{id, false, from_asio(local.address())});
        } catch (const std::runtime_error& e) {
          log(Log{config::LogLevel::warn, e.what(), "bgp:accept"});
        }
      }
    }
    accept(listener);
  });
}

ConnId BgpSession::adopt(std::size_t peer, tcp::socket socket, bool outgoing) {
  const ConnId id = next_conn_++;
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  connections_.emplace(id, std::make_unique<Connection>(peer, std::move(socket)));
  spdlog::debug("bgp: neighbor {}: {} connection {}",
                peers_[peer]->fsm.config().neighbor.address.to_string(),
                outgoing ? "outgoing" : "incoming", id);
  read(id);
  return id;
}

void BgpSession::connect(std::size_t peer) {
  Peer& p = *peers_[peer];
  const auto& n = p.fsm.config().neighbor;
  const std::uint64_t generation = ++p.connect_generation;
  boost::system::error_code ec;
  p.connecting.emplace(io_);
  tcp::socket& socket = *p.connecting;
  try {
    socket.open(n.address.is_v4() ? tcp::v4() : tcp::v6(), ec);
    if (ec) fail("socket", ec.value());
    if (!n.password.empty()) set_md5(socket.native_handle(), n.address, n.password);
    if (n.ttl_security) set_gtsm(socket.native_handle(), n.address.family);
    if (n.local_address) {
      socket.bind(tcp::endpoint(to_asio(*n.local_address), 0), ec);
      if (ec) fail("bind to " + n.local_address->to_string(), ec.value());
    }
  } catch (const std::runtime_error& e) {
    p.connecting.reset();
    asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_), peer, generation,
                     reason = std::string(e.what())] {
      if (alive.expired() || peers_[peer]->connect_generation != generation) return;
      feed(peer, TcpConnectFailed{reason});
    });
    return;
  }
  socket.async_connect(tcp::endpoint(to_asio(n.address), n.port),
                       [this, alive = std::weak_ptr<bool>(alive_), peer,
                        generation](const boost::system::error_code& ec) {
                         if (alive.expired()) return;
                         Peer& p = *peers_[peer];
                         // An attempt given up (AbortConnect) or replaced is stale.
                         if (p.connect_generation != generation || !p.connecting) return;
                         if (ec) {
                           p.connecting.reset();
                           feed(peer, TcpConnectFailed{ec.message()});
                           return;
                         }
                         tcp::socket socket = std::move(*p.connecting);
                         p.connecting.reset();
                         boost::system::error_code ec2;
                         const auto local = socket.local_endpoint(ec2);
                         const ConnId id = adopt(peer, std::move(socket), true);
                         feed(peer, TcpConnected{id, true, from_asio(local.address())});
                       });
}

void BgpSession::read(ConnId id) {
  Connection& c = *connections_.at(id);
  c.socket.async_read_some(
      asio::buffer(c.in.data() + c.used, c.in.size() - c.used),
      [this, alive = std::weak_ptr<bool>(alive_), id](const boost::system::error_code& ec,
                                                      std::size_t n) {
        if (alive.expired()) return;
        const auto it = connections_.find(id);
        if (it == connections_.end() || it->second->closing) return;
        if (ec) {
          feed(it->second->peer,
               TcpClosed{id, ec == asio::error::eof ? "closed by the neighbour" : ec.message()});
          return;
        }
        on_read(id, n);
      });
}

// Frames whole messages by the header's length and hands each to the FSM
// while it is still in the buffer; a full table costs one buffer, no more.
void BgpSession::on_read(ConnId id, std::size_t n) {
  Connection& c = *connections_.at(id);
  c.used += n;
  std::size_t pos = 0;
  while (!c.closing && c.used - pos >= kHeaderSize) {
    const std::uint8_t* at = c.in.data() + pos;
    const std::size_t length = (std::size_t{at[16]} << 8) | at[17];
    // A length the header check will refuse: hand over the header alone.
    const std::size_t take =
        (length < kHeaderSize || length > kMaxMessageSize) ? kHeaderSize : length;
    if (c.used - pos < take) break;
    pos += take;
    feed(c.peer, MessageReceived{id, std::span<const std::uint8_t>(at, take)});
  }
  // `c` outlives the loop: closed connections are erased from a posted handler.
  if (c.closing) return;
  if (pos > 0) {
    std::memmove(c.in.data(), c.in.data() + pos, c.used - pos);
    c.used -= pos;
  }
  read(id);
}

void BgpSession::write(ConnId id) {
  Connection& c = *connections_.at(id);
  if (c.writing) return;
  if (c.out.empty()) {
    if (c.closing) finalize(id);
    return;
  }
  c.writing = true;
  // Everything queued goes out in one write.
  auto batch = std::make_shared<std::vector<std::uint8_t>>();
  for (auto& m : c.out)
    batch->insert(batch->end(), m.begin(), m.end());
  c.out.clear();
  asio::async_write(c.socket, asio::buffer(*batch),
                    [this, alive = std::weak_ptr<bool>(alive_), id, batch](
                        const boost::system::error_code& ec, std::size_t) {
                      if (alive.expired()) return;
                      const auto it = connections_.find(id);
                      if (it == connections_.end()) return;
                      Connection& c = *it->second;
                      c.writing = false;
                      if (ec) {
                        c.out.clear();
                        if (c.closing) {
                          finalize(id);
                        } else {
                          feed(c.peer, TcpClosed{id, "write: " + ec.message()});
                        }
                        return;
                      }
                      write(id);
                    });
}

void BgpSession::close(ConnId id) {
  const auto it = connections_.find(id);
  if (it == connections_.end() || it->second->closing) return;
  it->second->closing = true;
  write(id);
}

void BgpSession::finalize(ConnId id) {
  const auto it = connections_.find(id);
  if (it == connections_.end()) return;
  boost::system::error_code ec;
  it->second->socket.shutdown(tcp::socket::shutdown_both, ec);
  it->second->socket.close(ec);
  // Erased later: a read loop may still be looking at this connection.
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_), id] {
    if (alive.expired()) return;
    connections_.erase(id);
    check_done();
  });
}

void BgpSession::feed(std::size_t peer, const Event& event) {
  execute(peer, peers_[peer]->fsm.handle(event, Clock::now()));
}

void BgpSession::execute(std::size_t peer, std::vector<Action> actions) {
  Peer& p = *peers_[peer];
  for (auto& action : actions) {
    if (std::holds_alternative<Connect>(action)) {
      connect(peer);
    } else if (std::holds_alternative<AbortConnect>(action)) {
      ++p.connect_generation;
      if (p.connecting) {
        boost::system::error_code ec;
        p.connecting->close(ec);
        p.connecting.reset();
      }
    } else if (auto* s = std::get_if<Send>(&action)) {
      const auto it = connections_.find(s->conn);
      if (it == connections_.end() || it->second->closing) continue;
      it->second->out.push_back(std::move(s->bytes));
      write(s->conn);
    } else if (auto* c = std::get_if<Close>(&action)) {
      close(c->conn);
    } else if (auto* a = std::get_if<ArmTimer>(&action)) {
      arm(peer, *a);
    } else if (auto* t = std::get_if<CancelTimer>(&action)) {
      auto& timer = *p.timers[static_cast<std::size_t>(t->timer)];
      ++timer.generation;
      timer.timer.cancel();
    } else if (auto* l = std::get_if<Log>(&action)) {
      log(*l);
    } else if (std::holds_alternative<Stopped>(action)) {
      check_done();
    }
  }
}

void BgpSession::arm(std::size_t peer, const ArmTimer& a) {
  auto& t = *peers_[peer]->timers[static_cast<std::size_t>(a.timer)];
  const std::uint64_t generation = ++t.generation;
  t.timer.expires_at(a.at);
  t.timer.async_wait([this, alive = std::weak_ptr<bool>(alive_), peer, which = a.timer,
                      generation](const boost::system::error_code& ec) {
    // A completion from before the timer was re-armed or cancelled is stale.
    if (alive.expired() || ec) return;
    if (peers_[peer]->timers[static_cast<std::size_t>(which)]->generation != generation) return;
    feed(peer, TimerExpired{which});
  });
}

void BgpSession::request_flush() {
  if (flush_pending_) return;
  flush_pending_ = true;
  // Posted, so every RouteChange of one bus update is in before the UPDATE goes.
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    flush_pending_ = false;
    for (std::size_t i = 0; i < peers_.size(); ++i)
      feed(i, Flush{});
  });
}

void BgpSession::log(const Log& line) {
  std::string text = line.text;
  if (!line.rate_key.empty()) {
    const auto verdict = log_limiter_.check(line.rate_key, LogRateLimiter::Clock::now());
    if (!verdict.log) return;
    if (verdict.suppressed_before > 0) {
      text += " (" + std::to_string(verdict.suppressed_before) + " similar lines suppressed)";
    }
  }
  spdlog::log(session::to_spdlog(line.level), "{}", text);
}

bool BgpSession::reconfigure(const config::Config& next) {
  return next.bgp && *next.bgp == config_;
}

void BgpSession::stop(const core::StopBudget& budget, std::function<void()> done) {
  shutdown_.start(std::move(done), budget.protocols_done(), "bgp");
  for (auto& a : acceptors_) {
    boost::system::error_code ec;
    a.close(ec);
  }
  for (std::size_t i = 0; i < peers_.size(); ++i)
    feed(i, ManualStop{});
  check_done();
}

// Done when every neighbour has stopped and every NOTIFICATION is written.
void BgpSession::check_done() {
  if (!shutdown_.pending()) return;
  for (const auto& p : peers_) {
    if (!p->fsm.stopped()) return;
  }
  if (!connections_.empty()) return;
  finish_shutdown();
}

void BgpSession::finish_shutdown() {
  shutdown_.finish();
}

namespace {

// {"open":1,"update":4,...} and [{"code":6,"subcode":2,"count":1},...].
nlohmann::json messages_json(const MessageCounts& counts) {
  static constexpr std::string_view kNames[] = {"other",        "open",      "update",
                                                "notification", "keepalive", "route_refresh"};
  nlohmann::json by_type = nlohmann::json::object();
  for (std::size_t i = 0; i < counts.by_type.size(); ++i)
    by_type[std::string(kNames[i])] = counts.by_type[i];
  return by_type;
}

nlohmann::json notifications_json(const MessageCounts& counts) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [key, count] : counts.notifications)
    list.push_back({{"code", key.first}, {"subcode", key.second}, {"count", count}});
  return list;
}

}  // namespace

nlohmann::json BgpSession::status() const {
  const auto now = Clock::now();
  nlohmann::json neighbors = nlohmann::json::array();
  for (const auto& p : peers_) {
    const Fsm& f = p->fsm;
    const Counters& c = f.counters();
    nlohmann::json uptime = nullptr;
    if (c.established_at) {
      uptime = std::chrono::duration_cast<std::chrono::seconds>(now - *c.established_at).count();
    }
    neighbors.push_back({
        {"address", f.config().neighbor.address.to_string()},
        {"remote_asn", f.config().neighbor.remote_asn},
        {"state", to_string(f.state())},
        {"uptime_s", uptime},
        {"last_error", c.last_error},
        {"prefixes_sent", f.advertised().size()},
        {"prefixes_received_discarded", c.prefixes_received_discarded},
        {"messages_in", c.messages_in},
        {"messages_out", c.messages_out},
        {"updates_treated_as_withdraw", c.updates_treated_as_withdraw},
        {"hold_time_s", f.hold_time()},
        {"messages", {{"in", messages_json(c.in)}, {"out", messages_json(c.out)}}},
        {"notifications", {{"in", notifications_json(c.in)}, {"out", notifications_json(c.out)}}},
    });
  }
  return {{"asn", config_.asn}, {"neighbors", neighbors}};
}

}  // namespace anycastd::bgp
