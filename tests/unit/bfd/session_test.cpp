// SPDX-License-Identifier: Apache-2.0
// BfdSessions on its own thread (lib/bfd/session.hpp): a long turn of the
// daemon's event loop does not delay the transmissions of a session Up to a
// peer on a loopback address, and callbacks and stop's `done` come back on
// the daemon's thread.
#include "bfd/session.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "bfd/packet.hpp"

namespace anycastd::bfd {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

// A BFD peer on ADDRESS:3784, on a thread of its own: it answers each
// packet of the session under test to its port 3784 (RFC 5880 §6.2: Down
// -> Init, Init or Up -> Up, AdminDown -> Down; §6.5: Final for a Poll)
// and records when each arrived.
class LoopbackPeer {
 public:
  explicit LoopbackPeer(std::uint32_t address) : fd_(::socket(AF_INET, SOCK_DGRAM, 0)) {
    const int one = 1;
    const int ttl = kTtl;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ::setsockopt(fd_, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_port = htons(kPort);
    local.sin_addr.s_addr = htonl(address);
    bound_ = ::bind(fd_, reinterpret_cast<const sockaddr*>(&local), sizeof local) == 0;
    thread_ = std::thread([this] { run(); });
  }
  ~LoopbackPeer() {
    done_ = true;
    thread_.join();
    ::close(fd_);
  }
  LoopbackPeer(const LoopbackPeer&) = delete;
  LoopbackPeer& operator=(const LoopbackPeer&) = delete;

  bool bound() const { return bound_; }
  std::size_t arrivals_between(Steady::time_point from, Steady::time_point to) const {
    const std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto t : arrivals_)
      n += t > from && t < to ? 1 : 0;
    return n;
  }

 private:
  void run() {
    while (!done_) {
      pollfd readable{fd_, POLLIN, 0};
      if (::poll(&readable, 1, 20) <= 0) continue;
      std::array<std::uint8_t, 512> buffer{};
      sockaddr_in from{};
      socklen_t from_size = sizeof from;
      const auto n = ::recvfrom(fd_, buffer.data(), buffer.size(), 0,
                                reinterpret_cast<sockaddr*>(&from), &from_size);
      if (n <= 0) continue;
      const auto now = Steady::now();
      const auto decoded = decode(std::span(buffer.data(), static_cast<std::size_t>(n)));
      const auto* packet = std::get_if<ControlPacket>(&decoded);
      if (!packet) continue;
      {
        const std::lock_guard lock(mutex_);
        arrivals_.push_back(now);
      }
      ControlPacket reply;
      reply.state = packet->state == State::admin_down ? State::down
                    : packet->state == State::down     ? State::init
                                                       : State::up;
      reply.final = packet->poll;
      reply.my_discriminator = 0x5eed;
      reply.your_discriminator = packet->my_discriminator;
      reply.desired_min_tx_us = 100'000;
      reply.required_min_rx_us = 100'000;
      const auto bytes = encode(reply);
      from.sin_port = htons(kPort);
      ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&from),
               sizeof from);
    }
  }

  int fd_;
  bool bound_ = false;
  std::atomic<bool> done_ = false;
  mutable std::mutex mutex_;
  std::vector<Steady::time_point> arrivals_;
  std::thread thread_;
};

TEST(BfdSessionsThread, LongEventLoopTurnDoesNotDelayTransmissions) {
  // A random 127/8 address, so that parallel runs do not share a peer.
  std::mt19937 rng{std::random_device{}()};
  const std::uint32_t address =
      0x7f000000u | (1 + rng() % 254) << 16 | (rng() % 256) << 8 | (1 + rng() % 254);
  LoopbackPeer peer(address);
  ASSERT_TRUE(peer.bound());

  boost::asio::io_context io;
  // The daemon's loop has its own work; here only the BFD thread posts to it.
  const auto work = boost::asio::make_work_guard(io);
  config::BfdConfig config;
  config.min_tx = 100ms;
  config.min_rx = 100ms;
  config.multiplier = 3;
  BfdSessions sessions(io, config);
  ASSERT_NO_THROW(sessions.start());

  const auto main_thread = std::this_thread::get_id();
  std::vector<PeerEvent> events;
  bool callbacks_on_main_thread = true;
  Watch watch = sessions.watch(IpAddress::v4(address), "", "test", [&](PeerEvent e) {
    events.push_back(e);
    callbacks_on_main_thread =
        callbacks_on_main_thread && std::this_thread::get_id() == main_thread;
    io.stop();
  });
  io.run_for(10s);
  io.restart();
  ASSERT_EQ(events, std::vector<PeerEvent>{PeerEvent::up});
  EXPECT_TRUE(callbacks_on_main_thread);

  // Until the 100 ms cadence of Up (§6.8.3: 1 s before) reaches the peer.
  const auto fast_by = Steady::now() + 5s;
  while (peer.arrivals_between(Steady::now() - 300ms, Steady::now()) < 2 &&
         Steady::now() < fast_by) {
    io.run_for(20ms);
    io.restart();
  }
  Steady::time_point stall_begin;
  Steady::time_point stall_end;
  boost::asio::post(io, [&] {
    stall_begin = Steady::now();
    std::this_thread::sleep_for(500ms);
    stall_end = Steady::now();
  });
  io.run_for(700ms);
  io.restart();
  // About 5 to 6 packets at 75..100 ms (§6.8.7 jitter); on the daemon's
  // thread it was none. 3 leaves room for a loaded machine.
  EXPECT_GE(peer.arrivals_between(stall_begin, stall_end), 3u);
  EXPECT_EQ(events, std::vector<PeerEvent>{PeerEvent::up});
  const auto status = sessions.status();
  ASSERT_EQ(status["sessions"].size(), 1u);
  EXPECT_EQ(status["sessions"][0]["state"], "Up");

  bool done_on_main_thread = false;
  sessions.stop(core::StopBudget{Steady::now()}, [&] {
    done_on_main_thread = std::this_thread::get_id() == main_thread;
    io.stop();
  });
  io.run_for(5s);
  EXPECT_TRUE(done_on_main_thread);
}

}  // namespace
}  // namespace anycastd::bfd
