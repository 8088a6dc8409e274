// SPDX-License-Identifier: Apache-2.0
#include "bfd/session.hpp"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <pthread.h>
#include <sys/socket.h>

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "session/datagram.hpp"
#include "util/overloaded.hpp"

namespace anycastd::bfd {

namespace {

namespace asio = boost::asio;
using asio::ip::udp;

constexpr std::size_t kReceiveBuffer = 512;

[[noreturn]] void fail(const std::string& what, int error) {
  throw std::runtime_error("bfd: " + what + ": " + std::strerror(error));
}

void set_int(int fd, int level, int option, int value, const std::string& what) {
  if (setsockopt(fd, level, option, &value, sizeof value) != 0) fail(what, errno);
}

// RFC 5881 §4: "The source port MUST be in the range 49152 through 65535.
// The same UDP source port number MUST be used for all BFD Control packets
// associated with a particular session"; §5: TTL 255.
udp::socket open_session_socket(asio::io_context& io, const std::string& interface,
                                std::mt19937_64& rng) {
  udp::socket socket(io);
  boost::system::error_code ec;
  socket.open(udp::v4(), ec);
  if (ec) fail("socket", ec.value());
  const int fd = socket.native_handle();
  set_int(fd, IPPROTO_IP, IP_TTL, kTtl, "IP_TTL");
  set_int(fd, IPPROTO_IP, IP_TOS, IPTOS_PREC_INTERNETCONTROL, "IP_TOS");
  if (!interface.empty() && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(),
                                       static_cast<socklen_t>(interface.size())) != 0) {
    fail("SO_BINDTODEVICE " + interface, errno);
  }
  std::uniform_int_distribution<unsigned> port(kSourcePortMin, kSourcePortMax);
  for (int attempt = 0; attempt < 64; ++attempt) {
    socket.bind(udp::endpoint(asio::ip::address_v4::any(), static_cast<std::uint16_t>(port(rng))),
                ec);
    if (!ec) break;
    if (ec != boost::system::errc::address_in_use) fail("bind", ec.value());
  }
  if (ec) fail("no free source port in 49152..65535", ec.value());
  socket.non_blocking(true, ec);
  return socket;
}

std::int64_t millis(Micros us) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(us).count();
}

}  // namespace

Watch::Watch(Watch&& other) noexcept
    : sessions_(std::exchange(other.sessions_, nullptr)),
      alive_(std::move(other.alive_)),
      id_(other.id_) {}

Watch& Watch::operator=(Watch&& other) noexcept {
  if (this != &other) {
    release();
    sessions_ = std::exchange(other.sessions_, nullptr);
    alive_ = std::move(other.alive_);
    id_ = other.id_;
  }
  return *this;
}

Watch::~Watch() {
  release();
}

void Watch::release() {
  if (sessions_ && !alive_.expired()) sessions_->unwatch(id_);
  sessions_ = nullptr;
}

BfdSessions::Peer::Peer(asio::io_context& io, BfdSessions& owner, IpAddress peer_address)
    : address(peer_address),
      socket(io),
      timers(io, [&owner, this](TimerId id) { owner.feed(*this, TimerExpired{id}); }) {}

BfdSessions::BfdSessions(asio::io_context& io, const config::BfdConfig& config)
    : main_(io), config_(config), stop_(io_) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "bfd");
    io_.run();
  });
}

BfdSessions::~BfdSessions() {
  // Handlers still queued on the BFD thread are destroyed, not run; the
  // members go on this thread once it has joined.
  io_.stop();
  thread_.join();
  alive_.reset();
}

void BfdSessions::start() {
  call([this] { open_listener(); });
}

void BfdSessions::open_listener() {
  if (socket_) return;
  udp::socket socket(io_);
  boost::system::error_code ec;
  socket.open(udp::v4(), ec);
  if (ec) fail("socket", ec.value());
  const int fd = socket.native_handle();
  set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
  // RFC 5881 §5: the received TTL is checked, so the kernel must report it.
  set_int(fd, IPPROTO_IP, IP_RECVTTL, 1, "IP_RECVTTL");
  socket.bind(udp::endpoint(asio::ip::address_v4::any(), kPort), ec);
  if (ec) fail("bind to UDP port 3784", ec.value());
  socket.non_blocking(true, ec);
  socket_.emplace(std::move(socket));
  receive();
  for (auto& [address, peer] : peers_)
    start_peer(*peer);
}

Watch BfdSessions::watch(const IpAddress& address, const std::string& interface,
                         const std::string& client, PeerCallback callback) {
  const std::uint64_t id = next_watch_++;
  call([&] { add_watch(id, address, interface, client); });
  callbacks_.emplace(id, std::move(callback));
  return Watch(this, alive_, id);
}

void BfdSessions::add_watch(std::uint64_t id, const IpAddress& address,
                            const std::string& interface, const std::string& client) {
  auto& slot = peers_[address];
  if (!slot || slot->stopped) {
    auto peer = std::make_unique<Peer>(io_, *this, address);
    peer->interface = interface;
    peer->socket = open_session_socket(io_, interface, rng_);
    if (slot) peer->watchers = std::move(slot->watchers);
    slot = std::move(peer);
  }
  Peer& peer = *slot;
  peer.watchers.emplace(id, client);
  if (!peer.fsm) start_peer(peer);
}

void BfdSessions::start_peer(Peer& peer) {
  if (!socket_ || peer.fsm || stopping_) return;
  FsmOptions options;
  options.local_discriminator = new_discriminator();
  options.seed = rng_();
  options.where = "bfd " + peer.address.to_string();
  peer.fsm = std::make_unique<Fsm>(config_, options);
  log_.write(Log{config::LogLevel::info,
                 fmt::format("{}: session started{}", options.where,
                             peer.interface.empty() ? "" : " on " + peer.interface),
                 ""});
  feed(peer, Start{});
}

std::uint32_t BfdSessions::new_discriminator() {
  // §6.8.1: bfd.LocalDiscr "MUST be unique across all BFD sessions on this
  // system, and nonzero. It SHOULD be set to a random ... value".
  for (;;) {
    const auto d = static_cast<std::uint32_t>(rng_());
    if (d == 0) continue;
    bool used = false;
    for (const auto& [address, peer] : peers_)
      used = used || (peer->fsm && peer->fsm->status().local_discriminator == d);
    if (!used) return d;
  }
}

void BfdSessions::unwatch(std::uint64_t id) {
  callbacks_.erase(id);
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_), id] {
    if (!alive.expired()) remove_watch(id);
  });
}

void BfdSessions::remove_watch(std::uint64_t id) {
  for (auto& [address, peer] : peers_) {
    if (peer->watchers.erase(id) == 0) continue;
    if (peer->watchers.empty() && peer->fsm && !stopping_) {
      const auto now = Clock::now();
      feed(*peer, Stop{now, now + core::StopBudget::kDrain});
    }
    return;
  }
}

void BfdSessions::stop(const core::StopBudget& budget, std::function<void()> done) {
  asio::post(
      io_, [this, alive = std::weak_ptr<bool>(alive_), budget, done = std::move(done)]() mutable {
        if (alive.expired()) return;
        // StopDeadline posts to the BFD thread; `done` belongs to the daemon's.
        stop_.start([&main = main_,
                     done = std::move(done)]() mutable { asio::post(main, std::move(done)); },
                    budget.exit(), "bfd");
        stopping_ = true;
        for (auto& [address, peer] : peers_) {
          if (peer->fsm && !peer->stopped) feed(*peer, Stop{budget.drain_until(), budget.exit()});
        }
        finish_stop_if_done();
      });
}

void BfdSessions::finish_stop_if_done() {
  if (!stopping_) return;
  for (const auto& [address, peer] : peers_) {
    if (peer->fsm && !peer->stopped) return;
  }
  stop_.finish();
}

bool BfdSessions::reconfigure(const config::Config& next) {
  if (!next.bfd) return false;
  call([&] { apply(*next.bfd); });
  return true;
}

void BfdSessions::apply(const config::BfdConfig& next) {
  if (next == config_) return;
  config_ = next;
  for (auto& [address, peer] : peers_) {
    if (peer->fsm && !peer->stopped) feed(*peer, Reconfigure{config_});
  }
}

void BfdSessions::feed(Peer& peer, const Event& event) {
  if (!peer.fsm) return;
  execute(peer, peer.fsm->handle(event, Clock::now()));
}

void BfdSessions::execute(Peer& peer, std::vector<Action> actions) {
  for (auto& action : actions) {
    std::visit(
        Overloaded{
            [&](const Send& a) {
              boost::system::error_code ec;
              peer.socket.send_to(
                  asio::buffer(a.bytes),
                  udp::endpoint(asio::ip::address_v4(peer.address.v4_value()), kPort), 0, ec);
              if (ec) {
                log_.write(Log{
                    config::LogLevel::warn,
                    fmt::format("bfd {}: send failed: {}", peer.address.to_string(), ec.message()),
                    "bfd:send:" + peer.address.to_string()});
              }
            },
            [&](const StateChanged& a) { notify(peer, a); },
            [&](const ArmTimer& a) { peer.timers.arm(a.timer, a.at); },
            [&](const CancelTimer& a) { peer.timers.cancel(a.timer); },
            [&](const Log& a) { log_.write(a); },
            [&](const Stopped&) {
              peer.stopped = true;
              peer.timers.cancel_all();
              finish_stop_if_done();
              if (peer.watchers.empty() && !stopping_) {
                // Gone once this step is over; the Peer is still in use now.
                asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_),
                                 address = peer.address] {
                  if (alive.expired()) return;
                  const auto it = peers_.find(address);
                  if (it != peers_.end() && it->second->stopped && it->second->watchers.empty()) {
                    peers_.erase(it);
                  }
                });
              }
            },
        },
        action);
  }
}

void BfdSessions::notify(Peer& peer, const StateChanged& change) {
  std::optional<PeerEvent> event;
  if (change.to == State::up) event = PeerEvent::up;
  // RFC 5882 §3.2: only Up -> Down acts, and AdminDown from the peer is no failure.
  if (change.from == State::up && change.to == State::down && !change.peer_admin_down) {
    event = PeerEvent::down;
  }
  if (!event) return;
  for (const auto& [id, client] : peer.watchers) {
    // To the daemon's thread, where a Watch released meanwhile has no
    // callback any more; a copy, since the callback may drop its own Watch.
    asio::post(main_, [this, alive = std::weak_ptr<bool>(alive_), id = id, e = *event] {
      if (alive.expired()) return;
      const auto it = callbacks_.find(id);
      if (it == callbacks_.end()) return;
      const PeerCallback callback = it->second;
      callback(e);
    });
  }
}

void BfdSessions::receive() {
  socket_->async_wait(udp::socket::wait_read, [this, alive = std::weak_ptr<bool>(alive_)](
                                                  const boost::system::error_code& ec) {
    if (alive.expired() || ec) return;
    on_readable();
    receive();
  });
}

void BfdSessions::on_readable() {
  const int fd = socket_->native_handle();
  for (;;) {
    auto datagram = session::receive_datagram(fd, kReceiveBuffer);
    if (!datagram) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        log_.write(Log{config::LogLevel::warn,
                       fmt::format("bfd: receive failed: {}", std::strerror(errno)), "bfd:recv"});
      }
      return;
    }
    PacketReceived event;
    event.ttl = datagram->ttl.value_or(-1);  // no IP_TTL message: treated as a wrong TTL
    event.bytes = std::move(datagram->bytes);
    const auto source_address = datagram->source;
    // RFC 5881 §3: single hop, one session per peer, so the source selects
    // the session; the Fsm checks Your Discriminator (§6.8.6).
    const auto it = peers_.find(source_address);
    if (it == peers_.end() || !it->second->fsm || it->second->stopped) {
      ++unknown_.received;
      unknown_.add_dropped("unknown_peer");
      log_.write(core::drop_log("bfd", "unknown_peer",
                                fmt::format("from {}, no session", source_address.to_string())));
      continue;
    }
    feed(*it->second, event);
  }
}

nlohmann::json BfdSessions::status() const {
  return call([this] { return render_status(); });
}

nlohmann::json BfdSessions::render_status() const {
  const auto now = Clock::now();
  nlohmann::json sessions = nlohmann::json::array();
  core::PacketCounters total = unknown_;
  for (const auto& [address, peer] : peers_) {
    if (!peer->fsm) continue;
    const auto s = peer->fsm->status();
    const auto& packets = peer->fsm->packets();
    total.received += packets.received;
    total.accepted += packets.accepted;
    for (const auto& [reason, count] : packets.dropped)
      total.dropped[reason] += count;
    nlohmann::json transitions = nlohmann::json::object();
    for (std::size_t to = 0; to < s.transitions_to.size(); ++to)
      transitions[std::string(to_string(static_cast<State>(to)))] = s.transitions_to[to];
    nlohmann::json clients = nlohmann::json::array();
    for (const auto& [id, client] : peer->watchers)
      clients.push_back(client);
    sessions.push_back({
        {"peer", address.to_string()},
        {"interface", peer->interface},
        {"clients", clients},
        {"state", to_string(s.state)},
        {"remote_state", to_string(s.remote_state)},
        {"local_diag", to_string(s.local_diag)},
        {"remote_diag", to_string(s.remote_diag)},
        {"local_discriminator", s.local_discriminator},
        {"remote_discriminator", s.remote_discriminator},
        {"tx_interval_ms", millis(s.tx_interval)},
        {"rx_interval_ms", millis(s.rx_interval)},
        {"detection_time_ms", millis(s.detection_time)},
        {"uptime_s",
         s.up_since
             ? nlohmann::json(
                   std::chrono::duration_cast<std::chrono::seconds>(now - *s.up_since).count())
             : nlohmann::json(nullptr)},
        {"ever_up", s.ever_up},
        {"up_to_down", s.up_to_down},
        {"transitions", transitions},
        {"sent", s.sent},
        {"received", packets.received},
        {"accepted", packets.accepted},
        {"dropped", packets.dropped},
    });
  }
  return {{"running", socket_.has_value()},
          {"min_tx_ms", config_.min_tx.count()},
          {"min_rx_ms", config_.min_rx.count()},
          {"multiplier", config_.multiplier},
          {"authentication", config::to_string(config_.authentication.mode)},
          {"received", total.received},
          {"accepted", total.accepted},
          {"dropped", total.dropped},
          {"sessions", sessions}};
}

}  // namespace anycastd::bfd
