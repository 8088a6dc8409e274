// SPDX-License-Identifier: Apache-2.0
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

#include "bgp/reload.hpp"
#include "util/overloaded.hpp"

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

BgpSession::Peer::Peer(asio::io_context& io, FsmConfig config,
                       session::TimerSet<TimerId>::Fired fired)
    : fsm(std::move(config)), timers(io, std::move(fired)) {}

BgpSession::BgpSession(asio::io_context& io, const config::BgpConfig& config,
                       std::optional<IpAddress> router_id, core::AnnouncementBus& bus,
                       bfd::BfdSessions* bfd)
    : io_(io), config_(config), bus_(bus), bfd_(bfd), shutdown_(io) {
  if (config_.router_id) router_id = config_.router_id;
  if (!router_id || !router_id->is_v4()) {
    throw std::runtime_error(
        "bgp: no BGP Identifier: set [daemon] router_id or [bgp] router_id to an IPv4 address");
  }
  bgp_identifier_ = router_id->v4_value();
  for (const auto& neighbor : config_.neighbors)
    add_peer(neighbor);
  subscription_ = bus_.subscribe([this](const core::RouteChange& change) {
    for (const auto& [id, peer] : peers_)
      feed(id, RouteChanged{change.prefix, change.action, change.cause});
    request_flush();
  });
}

BgpSession::~BgpSession() {
  bus_.unsubscribe(subscription_);
  alive_.reset();
}

FsmConfig BgpSession::fsm_config(const config::BgpNeighborConfig& neighbor) const {
  FsmConfig fc;
  fc.neighbor = neighbor;
  fc.local_asn = config_.asn;
  fc.bgp_identifier = bgp_identifier_;
  fc.degraded_med = config_.degraded_med;
  fc.degraded_prepend = config_.degraded_prepend;
  fc.seed = std::random_device{}();
  return fc;
}

BgpSession::PeerId BgpSession::add_peer(const config::BgpNeighborConfig& neighbor) {
  const PeerId id = next_peer_++;
  peers_.emplace(id, std::make_unique<Peer>(io_, fsm_config(neighbor),
                                            [this, id](TimerId t) { feed(id, TimerExpired{t}); }));
  return id;
}

// RFC 5882 §4.2: a BFD session that never comes Up blocks nothing; only its
// Up -> Down closes the BGP session.
void BgpSession::watch_bfd(PeerId id) {
  Peer& p = *peers_.at(id);
  const auto& neighbor = p.fsm.config().neighbor;
  if (!bfd_ || !neighbor.bfd) {
    p.bfd = bfd::Watch{};
    return;
  }
  p.bfd = bfd_->watch(neighbor.address, "", "bgp",
                      [this, alive = std::weak_ptr<bool>(alive_), id](bfd::PeerEvent e) {
                        if (alive.expired() || e != bfd::PeerEvent::down) return;
                        feed(id, BfdDown{});
                      });
}

std::optional<BgpSession::PeerId> BgpSession::peer_of(const IpAddress& address) const {
  for (const auto& [id, peer] : peers_) {
    if (peer->fsm.config().neighbor.address == address) return id;
  }
  return std::nullopt;
}

void BgpSession::start() {
  if (started_) return;
  started_ = true;
  for (Family family : {Family::ipv4, Family::ipv6}) {
    const bool any = std::any_of(config_.neighbors.begin(), config_.neighbors.end(),
                                 [family](const auto& n) { return n.address.family == family; });
    if (any) listen(family);
  }
  for (const auto& [id, peer] : peers_) {
    for (const auto& [prefix, entry] : bus_.routes())
      feed(id, RouteChanged{prefix, entry.action, core::Cause::health});
    feed(id, Start{});
    watch_bfd(id);
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
  acceptors_.emplace(family, std::move(acceptor));
  accept(family);
}

void BgpSession::set_listen_keys(Family family, const config::BgpConfig& before) {
  const auto it = acceptors_.find(family);
  if (it == acceptors_.end()) return;
  const int fd = it->second.native_handle();
  // An empty key removes the one a neighbour that is gone had.
  for (const auto& n : before.neighbors) {
    if (n.address.family == family && !n.password.empty() &&
        std::none_of(config_.neighbors.begin(), config_.neighbors.end(),
                     [&](const auto& m) { return m.address == n.address; })) {
      set_md5(fd, n.address, "");
    }
  }
  for (const auto& n : config_.neighbors) {
    const auto old = std::find_if(before.neighbors.begin(), before.neighbors.end(),
                                  [&](const auto& m) { return m.address == n.address; });
    const std::string old_key = old == before.neighbors.end() ? "" : old->password;
    if (n.address.family == family && n.password != old_key) set_md5(fd, n.address, n.password);
  }
}

void BgpSession::accept(Family family) {
  acceptors_.at(family).async_accept([this, alive = std::weak_ptr<bool>(alive_), family](
                                         const boost::system::error_code& ec, tcp::socket socket) {
    if (alive.expired() || ec == asio::error::operation_aborted) return;
    if (!ec) {
      boost::system::error_code ec2;
      const auto remote = socket.remote_endpoint(ec2);
      const IpAddress address = ec2 ? IpAddress{} : from_asio(remote.address());
      const auto peer = peer_of(address);
      if (!peer) {
        // Only configured neighbours may talk to us.
        log_.write(Log{config::LogLevel::warn,
                       "bgp: refused a connection from " + address.to_string() +
                           ", which is not a configured neighbor",
                       "bgp:refused"});
        socket.close(ec2);
      } else {
        try {
          if (peers_.at(*peer)->fsm.config().neighbor.ttl_security) {
            set_gtsm(socket.native_handle(), address.family);
          }
          const ConnId id = adopt(*peer, std::move(socket), false);
          boost::system::error_code ec3;
          const auto local = connections_.at(id)->socket.local_endpoint(ec3);
          feed(*peer, TcpConnected{id, false, from_asio(local.address())});
        } catch (const std::runtime_error& e) {
          log_.write(Log{config::LogLevel::warn, e.what(), "bgp:accept"});
        }
      }
    }
    // A closed acceptor (stop) ends the loop with operation_aborted above.
    accept(family);
  });
}

ConnId BgpSession::adopt(PeerId peer, tcp::socket socket, bool outgoing) {
  const ConnId id = next_conn_++;
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  connections_.emplace(id, std::make_unique<Connection>(peer, std::move(socket)));
  spdlog::debug("bgp: neighbor {}: {} connection {}",
                peers_.at(peer)->fsm.config().neighbor.address.to_string(),
                outgoing ? "outgoing" : "incoming", id);
  read(id);
  return id;
}

void BgpSession::connect(PeerId peer) {
  Peer& p = *peers_.at(peer);
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
      if (alive.expired()) return;
      const auto it = peers_.find(peer);
      if (it == peers_.end() || it->second->connect_generation != generation) return;
      feed(peer, TcpConnectFailed{reason});
    });
    return;
  }
  socket.async_connect(tcp::endpoint(to_asio(n.address), n.port),
                       [this, alive = std::weak_ptr<bool>(alive_), peer,
                        generation](const boost::system::error_code& ec) {
                         if (alive.expired()) return;
                         const auto it = peers_.find(peer);
                         if (it == peers_.end()) return;
                         Peer& p = *it->second;
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

void BgpSession::feed(PeerId peer, const Event& event) {
  const auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  execute(peer, it->second->fsm.handle(event, Clock::now()));
}

void BgpSession::execute(PeerId peer, std::vector<Action> actions) {
  Peer& p = *peers_.at(peer);
  for (auto& action : actions) {
    std::visit(Overloaded{
                   [&](const Connect&) { connect(peer); },
                   [&](const AbortConnect&) {
                     ++p.connect_generation;
                     if (p.connecting) {
                       boost::system::error_code ec;
                       p.connecting->close(ec);
                       p.connecting.reset();
                     }
                   },
                   [&](Send& a) {
                     const auto it = connections_.find(a.conn);
                     if (it == connections_.end() || it->second->closing) return;
                     it->second->out.push_back(std::move(a.bytes));
                     write(a.conn);
                   },
                   [&](const Close& a) { close(a.conn); },
                   [&](const ArmTimer& a) { p.timers.arm(a.timer, a.at); },
                   [&](const CancelTimer& a) { p.timers.cancel(a.timer); },
                   [&](const Log& a) { log_.write(a); },
                   [&](const Stopped&) { check_done(); },
               },
               action);
  }
}

void BgpSession::request_flush() {
  if (flush_pending_) return;
  flush_pending_ = true;
  // Posted, so every RouteChange of one bus update is in before the UPDATE goes.
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    flush_pending_ = false;
    for (const auto& [id, peer] : peers_)
      feed(id, Flush{});
  });
}

bool BgpSession::reconfigure(const config::Config& next) {
  if (!next.bgp) return false;
  const std::optional<IpAddress> router_id =
      next.bgp->router_id ? next.bgp->router_id : next.daemon.router_id;
  if (!router_id || !router_id->is_v4() || router_id->v4_value() != bgp_identifier_) return false;
  const auto plan = plan_reload(config_, *next.bgp);
  const config::BgpConfig before = std::exchange(config_, *next.bgp);
  for (const auto& address : plan.removed) {
    const auto id = peer_of(address);
    if (!id) continue;
    // The Cease is queued on the connection, which outlives the neighbour.
    feed(*id, Deconfigure{});
    peers_.erase(*id);
  }
  for (const auto& neighbor : config_.neighbors) {
    const auto id = peer_of(neighbor.address);
    if (!id) continue;
    const bool restart = std::find(plan.restarted.begin(), plan.restarted.end(),
                                   neighbor.address) != plan.restarted.end();
    // Keeps the seed: the FSM's jitter stream goes on.
    FsmConfig fc = fsm_config(neighbor);
    fc.seed = peers_.at(*id)->fsm.config().seed;
    feed(*id, Reconfigure{std::move(fc), restart});
    if (started_) watch_bfd(*id);
  }
  if (started_) {
    for (Family family : {Family::ipv4, Family::ipv6}) {
      const bool any = std::any_of(config_.neighbors.begin(), config_.neighbors.end(),
                                   [family](const auto& n) { return n.address.family == family; });
      if (any && !acceptors_.contains(family)) listen(family);
      set_listen_keys(family, before);
    }
  }
  for (const auto& address : plan.added) {
    const auto& neighbor = *std::find_if(config_.neighbors.begin(), config_.neighbors.end(),
                                         [&](const auto& n) { return n.address == address; });
    const PeerId id = add_peer(neighbor);
    if (!started_) continue;
    for (const auto& [prefix, entry] : bus_.routes())
      feed(id, RouteChanged{prefix, entry.action, core::Cause::health});
    feed(id, Start{});
    watch_bfd(id);
  }
  spdlog::info(
      "bgp: reload: {} neighbors added, {} removed, {} restarted, {} re-sent, {} unchanged",
      plan.added.size(), plan.removed.size(), plan.restarted.size(), plan.resent.size(),
      plan.kept.size());
  return true;
}

void BgpSession::stop(const core::StopBudget& budget, std::function<void()> done) {
  shutdown_.start(std::move(done), budget.protocols_done(), "bgp");
  for (auto& [family, acceptor] : acceptors_) {
    boost::system::error_code ec;
    acceptor.close(ec);
  }
  for (const auto& [id, peer] : peers_)
    feed(id, Stop{budget.drain_until(), budget.protocols_done()});
  check_done();
}

// Done when every neighbour has stopped and every NOTIFICATION is written.
void BgpSession::check_done() {
  if (!shutdown_.pending()) return;
  for (const auto& [id, peer] : peers_) {
    if (!peer->fsm.stopped()) return;
  }
  if (!connections_.empty()) return;
  finish_shutdown();
}

void BgpSession::finish_shutdown() {
  shutdown_.finish();
}

nlohmann::json BgpSession::status() const {
  const auto now = Clock::now();
  nlohmann::json neighbors = nlohmann::json::array();
  core::PacketCounters total;
  for (const auto& [id, peer] : peers_) {
    const Fsm& f = peer->fsm;
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
        {"established_transitions", c.established_transitions},
        {"hold_time_s", f.hold_time()},
        {"prefixes_sent", f.advertised().size()},
        {"prefixes_received_discarded", c.prefixes_received_discarded},
        {"received", c.messages.received},
        {"accepted", c.messages.accepted},
        {"dropped", c.messages.dropped},
        {"sent", c.sent},
        {"received_by_type", c.received_by_type},
        {"sent_by_type", c.sent_by_type},
        {"notifications_sent", c.notifications_sent},
        {"notifications_received", c.notifications_received},
        {"rfc7606",
         {{"attribute_discard", c.attribute_discard},
          {"treat_as_withdraw", c.treat_as_withdraw},
          {"session_reset", c.session_reset}}},
    });
    total.received += c.messages.received;
    total.accepted += c.messages.accepted;
    for (const auto& [reason, count] : c.messages.dropped)
      total.dropped[reason] += count;
  }
  return {{"asn", config_.asn},
          {"received", total.received},
          {"accepted", total.accepted},
          {"dropped", total.dropped},
          {"neighbors", neighbors}};
}

}  // namespace anycastd::bgp
