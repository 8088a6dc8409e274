// SPDX-License-Identifier: Apache-2.0
// Every check against a fake service on 127.0.0.1 (ephemeral ports), run on
// the same io_context as the check. No fixed sleeps: the loop runs until the
// result is in, with a deadline.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <functional>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "probe/check.hpp"
#include "probe/ntp_packet.hpp"

namespace anycastd::probe {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;

const auto kLoopback = asio::ip::make_address_v4("127.0.0.1");

// The listening side of a fake TCP server: accepts on a loopback port,
// counts what it accepted, hands each connection to `serve` and keeps it, to
// close them all at once (an idle timeout, a restart).
template <typename Connection>
class Listener {
 public:
  using Serve = std::function<void(const std::shared_ptr<Connection>&)>;

  Listener(asio::io_context& io, Serve serve)
      : acceptor_(io, tcp::endpoint(kLoopback, 0)), serve_(std::move(serve)) {
    accept();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int accepted() const { return accepted_; }
  void close_connections() {
    for (const auto& weak : open_) {
      if (auto c = weak.lock()) {
        boost::system::error_code ignored;
        c->socket.close(ignored);
      }
    }
    open_.clear();
  }
  // A dead server: no listener, no connections.
  void kill() {
    acceptor_.close();
    close_connections();
  }

 private:
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;
      ++accepted_;
      auto c = std::make_shared<Connection>(std::move(socket));
      open_.push_back(c);
      serve_(c);
      accept();
    });
  }

  tcp::acceptor acceptor_;
  Serve serve_;
  int accepted_ = 0;
  std::vector<std::weak_ptr<Connection>> open_;
};

// Answers each datagram with whatever `respond` returns (nothing, one or more datagrams).
class FakeUdpServer {
 public:
  using Respond = std::function<std::vector<Bytes>(std::span<const std::uint8_t>)>;

  FakeUdpServer(asio::io_context& io, Respond respond)
      : socket_(io, udp::endpoint(kLoopback, 0)), respond_(std::move(respond)) {
    receive();
  }
  std::uint16_t port() const { return socket_.local_endpoint().port(); }

  int requests = 0;
  std::vector<std::uint16_t> client_ports;

 private:
  void receive() {
    socket_.async_receive_from(asio::buffer(buffer_), peer_,
                               [this](boost::system::error_code ec, std::size_t size) {
                                 if (ec) return;
                                 ++requests;
                                 client_ports.push_back(peer_.port());
                                 for (const auto& reply : respond_(std::span(buffer_.data(), size)))
                                   socket_.send_to(asio::buffer(reply), peer_);
                                 receive();
                               });
  }

  udp::socket socket_;
  Respond respond_;
  udp::endpoint peer_;
  std::array<std::uint8_t, 4096> buffer_{};
};

// DNS over TCP (RFC 1035 §4.2.2): reads length-prefixed queries and writes
// back what `respond` returns, on the same connection until the client
// closes it; nothing to return closes the connection unanswered.
class FakeTcpDnsServer {
 public:
  using Respond = std::function<std::optional<Bytes>(std::span<const std::uint8_t>)>;

  FakeTcpDnsServer(asio::io_context& io, Respond respond)
      : respond_(std::move(respond)), listener_(io, [this](const auto& c) { read(c); }) {}
  std::uint16_t port() const { return listener_.port(); }
  int accepted() const { return listener_.accepted(); }
  // Closes every open connection, as a server does with idle ones.
  void close_connections() { listener_.close_connections(); }

 private:
  struct Connection {
    explicit Connection(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    std::array<std::uint8_t, 2> length{};
    Bytes message;
  };

  void read(const std::shared_ptr<Connection>& c) {
    asio::async_read(c->socket, asio::buffer(c->length),
                     [this, c](boost::system::error_code ec, std::size_t) {
                       if (ec) return;
                       c->message.resize(c->length[0] << 8 | c->length[1]);
                       asio::async_read(c->socket, asio::buffer(c->message),
                                        [this, c](boost::system::error_code ec, std::size_t) {
                                          if (!ec) answer(c);
                                        });
                     });
  }

  void answer(const std::shared_ptr<Connection>& c) {
    const auto reply = respond_(c->message);
    if (!reply) return c->socket.close();
    auto out = std::make_shared<Bytes>(Bytes{static_cast<std::uint8_t>(reply->size() >> 8),
                                             static_cast<std::uint8_t>(reply->size())});
    out->insert(out->end(), reply->begin(), reply->end());
    asio::async_write(c->socket, asio::buffer(*out),
                      [this, c, out](boost::system::error_code ec, std::size_t) {
                        if (!ec) read(c);
                      });
  }

  Respond respond_;
  Listener<Connection> listener_;
};

// The query turned into an answer: QR set, `rcode`, optionally TC.
Bytes dns_answer(std::span<const std::uint8_t> query, std::uint8_t rcode, bool tc = false) {
  Bytes answer(query.begin(), query.end());
  answer[2] |= 0x80;
  if (tc) answer[2] |= 0x02;
  answer[3] = static_cast<std::uint8_t>((answer[3] & 0xf0) | rcode);
  return answer;
}

Bytes ntp_answer(std::span<const std::uint8_t> request, void (*change)(NtpPacket&)) {
  const auto req = decode_ntp(request);
  NtpPacket p;
  p.version = 4;
  p.mode = kNtpModeServer;
  p.stratum = 2;
  p.precision = -20;
  p.reference_id = 0x7f000001;
  p.origin_time = req ? req->transmit_time : 0;
  p.receive_time = to_ntp_time(std::chrono::system_clock::now());
  p.transmit_time = p.receive_time;
  change(p);
  return encode(p);
}

// Appends one answer record for the question's name (a pointer to offset
// 12, RFC 1035 §4.1.4) to an answer made by dns_answer().
Bytes with_record(Bytes answer, std::uint16_t type, const Bytes& rdata) {
  answer[7] = static_cast<std::uint8_t>(answer[7] + 1);  // ANCOUNT, below 256 here
  const Bytes rr = {0xc0,
                    0x0c,
                    static_cast<std::uint8_t>(type >> 8),
                    static_cast<std::uint8_t>(type),
                    0x00,
                    0x01,
                    0x00,
                    0x00,
                    0x00,
                    0x3c,  // IN, TTL 60
                    static_cast<std::uint8_t>(rdata.size() >> 8),
                    static_cast<std::uint8_t>(rdata.size())};
  answer.insert(answer.end(), rr.begin(), rr.end());
  answer.insert(answer.end(), rdata.begin(), rdata.end());
  return answer;
}

// SOA RDATA (RFC 1035 §3.3.13) with root MNAME and RNAME and `serial`.
Bytes soa_rdata(std::uint32_t serial) {
  Bytes rdata = {0x00, 0x00};
  for (int shift = 24; shift >= 0; shift -= 8)
    rdata.push_back(static_cast<std::uint8_t>(serial >> shift));
  rdata.resize(rdata.size() + 16, 0x00);  // REFRESH RETRY EXPIRE MINIMUM
  return rdata;
}

// A minimal HTTP/1.1 server: reads a request head, records it and writes
// `response`, on the same connection until the client closes it (unless
// close_after_response). On the request number drop_on_request of a
// connection (1 is the first) it closes the connection unanswered.
class FakeHttpServer {
 public:
  FakeHttpServer(asio::io_context& io, std::string response)
      : response_(std::move(response)), listener_(io, [this](const auto& c) { read(c); }) {}
  std::uint16_t port() const { return listener_.port(); }
  int accepted() const { return listener_.accepted(); }
  void close_connections() { listener_.close_connections(); }
  // A dead server: no listener, no connections.
  void kill() { listener_.kill(); }

  std::string last_request;
  int requests = 0;
  bool close_after_response = false;
  int drop_on_request = 0;
  bool answer = true;  // false: read requests and never answer

 private:
  struct Connection {
    explicit Connection(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    std::string in;
    int requests = 0;
  };

  void read(const std::shared_ptr<Connection>& c) {
    asio::async_read_until(c->socket, asio::dynamic_buffer(c->in), "\r\n\r\n",
                           [this, c](boost::system::error_code ec, std::size_t size) {
                             if (ec) return;
                             ++requests;
                             last_request = c->in.substr(0, size);
                             c->in.erase(0, size);
                             if (++c->requests == drop_on_request) return c->socket.close();
                             if (!answer) return read(c);
                             asio::async_write(
                                 c->socket, asio::buffer(response_),
                                 [this, c](boost::system::error_code ec, std::size_t) {
                                   if (!ec && !close_after_response) read(c);
                                 });
                           });
  }

  std::string response_;
  Listener<Connection> listener_;
};

// A loopback TCP port with nothing listening on it.
std::uint16_t closed_port(asio::io_context& io) {
  tcp::acceptor probe(io, tcp::endpoint(kLoopback, 0));
  return probe.local_endpoint().port();
}

std::string temp_path(const std::string& name) {
  return testing::TempDir() + "/anycastd_probe_" + std::to_string(getpid()) + "_" + name;
}

pid_t read_pid(const std::string& path) {
  std::ifstream in(path);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

// True once `pid` is gone, or a zombie that is not ours to reap.
bool gone_or_orphan_zombie(pid_t pid) {
  if (::kill(pid, 0) != 0) return errno == ESRCH;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
}

class CheckTest : public testing::Test {
 protected:
  // Runs the loop until `condition` holds; false at the deadline.
  bool run_until(const std::function<bool()>& condition, std::chrono::milliseconds limit = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      if (io.stopped()) io.restart();
      // Nothing pending on the loop (e.g. waiting on another process): poll gently.
      if (io.run_one_for(std::min<std::chrono::steady_clock::duration>(deadline - now, 50ms)) ==
              0 &&
          io.stopped())
        std::this_thread::sleep_for(1ms);
    }
    return true;
  }

  // One probe of `check` to completion; asserts `done` runs exactly once.
  Result probe(Check& check, std::chrono::milliseconds timeout = 1s) {
    int calls = 0;
    std::optional<Result> result;
    check.run(timeout, [&](Result r) {
      ++calls;
      result = std::move(r);
    });
    EXPECT_TRUE(run_until([&] { return result.has_value(); }, timeout + 5s));
    io.restart();
    io.poll();
    EXPECT_EQ(calls, 1);
    return result.value_or(Result{false, {}, "no result"});
  }

  config::CheckConfig dns(std::uint16_t port, config::DnsTransport transport) const {
    config::CheckConfig cfg;
    cfg.type = config::CheckType::dns;
    cfg.target = *IpAddress::parse("127.0.0.1");
    cfg.port = port;
    cfg.qname = "test.home.";
    cfg.transport = transport;
    return cfg;
  }
  config::CheckConfig udp_dns(std::uint16_t port) const {
    return dns(port, config::DnsTransport::udp);
  }
  config::CheckConfig of_type(config::CheckType type, std::uint16_t port) const {
    config::CheckConfig cfg;
    cfg.type = type;
    cfg.target = *IpAddress::parse("127.0.0.1");
    cfg.port = port;
    return cfg;
  }
  config::CheckConfig exec(std::vector<std::string> command) const {
    config::CheckConfig cfg;
    cfg.type = config::CheckType::exec;
    cfg.command = std::move(command);
    return cfg;
  }

  asio::io_context io;
};

// ---- dns over UDP ----

TEST_F(CheckTest, DnsNoerrorPasses) {
  FakeUdpServer server(io, [](auto q) { return std::vector<Bytes>{dns_answer(q, 0)}; });
  auto check = make_check(io, udp_dns(server.port()));
  const Result r = probe(*check);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_TRUE(r.detail.starts_with("NOERROR in ")) << r.detail;
  EXPECT_TRUE(r.detail.ends_with("ms")) << r.detail;
  EXPECT_GT(r.latency.count(), 0);
  EXPECT_LT(r.latency, 1s);
}

TEST_F(CheckTest, DnsRcodeMismatchFails) {
  FakeUdpServer server(io, [](auto q) { return std::vector<Bytes>{dns_answer(q, 2)}; });
  auto check = make_check(io, udp_dns(server.port()));
  const Result r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "rcode SERVFAIL, expected NOERROR");
}

TEST_F(CheckTest, DnsExpectedRcodePasses) {
  FakeUdpServer server(io, [](auto q) { return std::vector<Bytes>{dns_answer(q, 3)}; });
  auto cfg = udp_dns(server.port());
  cfg.expect_rcode = 3;
  auto check = make_check(io, cfg);
  EXPECT_TRUE(probe(*check).ok);
}

TEST_F(CheckTest, DnsNoAnswerTimesOut) {
  FakeUdpServer server(io, [](auto) { return std::vector<Bytes>{}; });
  auto check = make_check(io, udp_dns(server.port()));
  const Result r = probe(*check, 200ms);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "timeout after 200ms");
  EXPECT_GE(r.latency, 200ms);
  EXPECT_EQ(server.requests, 1);
}

TEST_F(CheckTest, DnsGarbageFails) {
  FakeUdpServer server(io, [](auto) { return std::vector<Bytes>{Bytes{0xde, 0xad, 0xbe}}; });
  auto check = make_check(io, udp_dns(server.port()));
  const Result r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "malformed answer (3 bytes)");
}

TEST_F(CheckTest, DnsCutAnswerFails) {
  FakeUdpServer server(io, [](auto q) {
    Bytes a = dns_answer(q, 0);
    a.resize(16);  // header and half the question
    return std::vector<Bytes>{a};
  });
  auto check = make_check(io, udp_dns(server.port()));
  const Result r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.detail.starts_with("malformed answer (16 bytes): ")) << r.detail;
}

TEST_F(CheckTest, DnsTruncatedAnswerCounts) {
  FakeUdpServer server(io, [](auto q) { return std::vector<Bytes>{dns_answer(q, 0, true)}; });
  auto check = make_check(io, udp_dns(server.port()));
  const Result r = probe(*check);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_TRUE(r.detail.starts_with("NOERROR (TC=1) in ")) << r.detail;
}

TEST_F(CheckTest, DnsWrongIdIsIgnoredUntilTimeout) {
  FakeUdpServer server(io, [](auto q) {
    Bytes a = dns_answer(q, 0);
    a[1] ^= 0x01;
    return std::vector<Bytes>{a};
  });
  auto check = make_check(io, udp_dns(server.port()));
  const Result r = probe(*check, 200ms);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "timeout after 200ms (1 unrelated answer ignored)");
}

TEST_F(CheckTest, DnsWrongIdThenRightIdPasses) {
  FakeUdpServer server(io, [](auto q) {
    Bytes wrong = dns_answer(q, 2);
    wrong[0] ^= 0x80;
    return std::vector<Bytes>{wrong, dns_answer(q, 0)};
  });
  auto check = make_check(io, udp_dns(server.port()));
  const Result r = probe(*check);
  EXPECT_TRUE(r.ok) << r.detail;
}

TEST_F(CheckTest, DnsPortUnreachableFailsFast) {
  auto check = make_check(io, udp_dns(closed_port(io)));
  const Result r = probe(*check, 2s);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "receive: connection refused");
  EXPECT_LT(r.latency, 1s);
}

TEST_F(CheckTest, DnsSocketIsReusedAcrossRuns) {
  FakeUdpServer server(io, [](auto q) { return std::vector<Bytes>{dns_answer(q, 0)}; });
  auto check = make_check(io, udp_dns(server.port()));
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(probe(*check).ok);
  ASSERT_EQ(server.client_ports.size(), 3u);
  EXPECT_EQ(server.client_ports[0], server.client_ports[1]);
  EXPECT_EQ(server.client_ports[1], server.client_ports[2]);
}

TEST_F(CheckTest, LateAnswerToEarlierRunIsIgnored) {
  // The first run times out; its answer arrives during the second run.
  std::vector<Bytes> held;
  FakeUdpServer server(io, [&](auto q) {
    held.push_back(dns_answer(q, 0));
    if (held.size() == 1) return std::vector<Bytes>{};
    return std::vector<Bytes>{held[0], held[1]};
  });
  auto check = make_check(io, udp_dns(server.port()));
  EXPECT_EQ(probe(*check, 100ms).detail, "timeout after 100ms");
  const Result r = probe(*check);
  EXPECT_TRUE(r.ok) << r.detail;
}

TEST_F(CheckTest, CancelledProbeNeverReports) {
  FakeUdpServer server(io, [](auto q) { return std::vector<Bytes>{dns_answer(q, 0)}; });
  auto check = make_check(io, udp_dns(server.port()));
  int first = 0;
  check->run(1s, [&](Result) { ++first; });
  check->cancel();
  EXPECT_TRUE(run_until([&] { return server.requests == 1; }));
  const Result r = probe(*check);  // also answered the late reply of the first
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(first, 0);
}

TEST_F(CheckTest, RunWhileInFlightReplacesTheProbe) {
  FakeUdpServer server(io, [](auto q) { return std::vector<Bytes>{dns_answer(q, 0)}; });
  auto check = make_check(io, udp_dns(server.port()));
  int first = 0;
  check->run(1s, [&](Result) { ++first; });
  const Result r = probe(*check);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(first, 0);
}

TEST_F(CheckTest, DestroyedWithProbeInFlight) {
  FakeUdpServer server(io, [](auto q) { return std::vector<Bytes>{dns_answer(q, 0)}; });
  int calls = 0;
  auto check = make_check(io, udp_dns(server.port()));
  check->run(1s, [&](Result) { ++calls; });
  check.reset();
  EXPECT_TRUE(run_until([&] { return server.requests == 1; }));
  io.restart();
  io.poll();
  EXPECT_EQ(calls, 0);
}

TEST_F(CheckTest, CallbackMayStartTheNextRun) {
  FakeUdpServer server(io, [](auto q) { return std::vector<Bytes>{dns_answer(q, 0)}; });
  auto check = make_check(io, udp_dns(server.port()));
  int passes = 0;
  std::function<void(Result)> again = [&](Result r) {
    if (r.ok) ++passes;
    if (passes < 3) check->run(1s, again);
  };
  check->run(1s, again);
  EXPECT_TRUE(run_until([&] { return passes == 3; }));
}

TEST_F(CheckTest, InvalidQueryNameFailsEveryRun) {
  auto cfg = udp_dns(53);
  cfg.qname = "a..b.";
  auto check = make_check(io, cfg);
  const Result r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "invalid query name 'a..b.'");
}

// ---- dns over TCP ----

TEST_F(CheckTest, DnsOverTcpPasses) {
  FakeTcpDnsServer server(io, [](auto q) { return std::optional(dns_answer(q, 0)); });
  auto check = make_check(io, dns(server.port(), config::DnsTransport::tcp));
  const Result r = probe(*check);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_TRUE(r.detail.starts_with("NOERROR in ")) << r.detail;
  EXPECT_TRUE(probe(*check).ok);
}

TEST_F(CheckTest, DnsOverTcpRcodeMismatchFails) {
  FakeTcpDnsServer server(io, [](auto q) { return std::optional(dns_answer(q, 5)); });
  auto check = make_check(io, dns(server.port(), config::DnsTransport::tcp));
  EXPECT_EQ(probe(*check).detail, "rcode REFUSED, expected NOERROR");
}

TEST_F(CheckTest, DnsOverTcpWrongIdFails) {
  FakeTcpDnsServer server(io, [](auto q) {
    Bytes a = dns_answer(q, 0);
    a[0] ^= 0x01;
    return std::optional(a);
  });
  auto check = make_check(io, dns(server.port(), config::DnsTransport::tcp));
  const Result r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.detail.starts_with("unexpected answer: answer ID ")) << r.detail;
}

TEST_F(CheckTest, DnsOverTcpClosedWithoutAnswer) {
  FakeTcpDnsServer server(io, [](auto) { return std::optional<Bytes>(); });
  auto check = make_check(io, dns(server.port(), config::DnsTransport::tcp));
  EXPECT_EQ(probe(*check).detail, "connection closed before the answer");
}

TEST_F(CheckTest, DnsOverTcpKeepsTheConnection) {
  FakeTcpDnsServer server(io, [](auto q) { return std::optional(dns_answer(q, 0)); });
  auto check = make_check(io, dns(server.port(), config::DnsTransport::tcp));
  EXPECT_TRUE(probe(*check).ok);
  const Result r = probe(*check);
  EXPECT_TRUE(r.detail.starts_with("NOERROR, connection reused in ")) << r.detail;
  EXPECT_EQ(server.accepted(), 1);
  // The server closes it while idle (RFC 7858 §3.4): the next run connects anew.
  server.close_connections();
  EXPECT_TRUE(probe(*check).ok);
  EXPECT_EQ(server.accepted(), 2);
}

TEST_F(CheckTest, DnsOverTcpWithoutReuseConnectsForEveryRun) {
  FakeTcpDnsServer server(io, [](auto q) { return std::optional(dns_answer(q, 0)); });
  auto cfg = dns(server.port(), config::DnsTransport::tcp);
  cfg.reuse_connection = false;
  auto check = make_check(io, cfg);
  EXPECT_TRUE(probe(*check).ok);
  EXPECT_TRUE(probe(*check).ok);
  EXPECT_EQ(server.accepted(), 2);
}

TEST_F(CheckTest, DnsOverTcpKeptConnectionClosedUnderTheQueryRetries) {
  int queries = 0;
  FakeTcpDnsServer server(io, [&](auto q) {
    // The second query, the first on the kept connection, goes unanswered.
    return ++queries == 2 ? std::optional<Bytes>() : std::optional(dns_answer(q, 0));
  });
  auto check = make_check(io, dns(server.port(), config::DnsTransport::tcp));
  EXPECT_TRUE(probe(*check).ok);
  const Result r = probe(*check);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(queries, 3);
  EXPECT_EQ(server.accepted(), 2);
}

TEST_F(CheckTest, DnsOverTcpRefused) {
  auto check = make_check(io, dns(closed_port(io), config::DnsTransport::tcp));
  EXPECT_EQ(probe(*check).detail, "connect: connection refused");
}

// ---- ntp ----

TEST_F(CheckTest, NtpGoodAnswerPasses) {
  FakeUdpServer server(io,
                       [](auto q) { return std::vector<Bytes>{ntp_answer(q, [](NtpPacket&) {})}; });
  auto check = make_check(io, of_type(config::CheckType::ntp, server.port()));
  const Result r = probe(*check);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_TRUE(r.detail.starts_with("stratum 2, offset ")) << r.detail;
}

TEST_F(CheckTest, NtpRequestIsAClientPacket) {
  std::optional<NtpPacket> seen;
  FakeUdpServer server(io, [&](auto q) {
    seen = decode_ntp(q);
    EXPECT_EQ(q.size(), kNtpHeaderSize);
    return std::vector<Bytes>{ntp_answer(q, [](NtpPacket&) {})};
  });
  auto check = make_check(io, of_type(config::CheckType::ntp, server.port()));
  probe(*check);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->leap, 0);
  EXPECT_EQ(seen->version, 4);
  EXPECT_EQ(seen->mode, kNtpModeClient);
  EXPECT_NE(seen->transmit_time, 0u);
}

TEST_F(CheckTest, NtpUnsynchronisedFails) {
  FakeUdpServer server(io, [](auto q) {
    return std::vector<Bytes>{ntp_answer(q, [](NtpPacket& p) { p.leap = 3; })};
  });
  auto check = make_check(io, of_type(config::CheckType::ntp, server.port()));
  EXPECT_EQ(probe(*check).detail, "LI=3 (unsynchronised)");
}

TEST_F(CheckTest, NtpStratumAboveMaximumFails) {
  FakeUdpServer server(io, [](auto q) {
    return std::vector<Bytes>{ntp_answer(q, [](NtpPacket& p) { p.stratum = 16; })};
  });
  auto cfg = of_type(config::CheckType::ntp, server.port());
  cfg.max_stratum = 15;
  auto check = make_check(io, cfg);
  EXPECT_EQ(probe(*check).detail, "stratum 16 > max_stratum 15");
}

TEST_F(CheckTest, NtpKissOfDeathFails) {
  FakeUdpServer server(io, [](auto q) {
    return std::vector<Bytes>{ntp_answer(q, [](NtpPacket& p) {
      p.stratum = 0;
      p.reference_id = 0x44454e59;  // "DENY"
    })};
  });
  auto check = make_check(io, of_type(config::CheckType::ntp, server.port()));
  EXPECT_EQ(probe(*check).detail, "stratum 0 (kiss-o'-death DENY)");
}

TEST_F(CheckTest, NtpShortPacketFails) {
  FakeUdpServer server(io, [](auto) { return std::vector<Bytes>{Bytes(20, 0x24)}; });
  auto check = make_check(io, of_type(config::CheckType::ntp, server.port()));
  EXPECT_EQ(probe(*check).detail, "short packet (20 bytes, need 48)");
}

TEST_F(CheckTest, NtpNoAnswerTimesOut) {
  FakeUdpServer server(io, [](auto) { return std::vector<Bytes>{}; });
  auto check = make_check(io, of_type(config::CheckType::ntp, server.port()));
  EXPECT_EQ(probe(*check, 200ms).detail, "timeout after 200ms");
}

// ---- tcp ----

TEST_F(CheckTest, TcpConnectPasses) {
  tcp::acceptor listener(io, tcp::endpoint(kLoopback, 0));
  auto check = make_check(io, of_type(config::CheckType::tcp, listener.local_endpoint().port()));
  const Result r = probe(*check);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_TRUE(r.detail.starts_with("connected in ")) << r.detail;
  EXPECT_TRUE(probe(*check).ok);
}

TEST_F(CheckTest, TcpConnectRefused) {
  auto check = make_check(io, of_type(config::CheckType::tcp, closed_port(io)));
  const Result r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "connect: connection refused");
}

// ---- exec ----

TEST_F(CheckTest, ExecTruePasses) {
  auto check = make_check(io, exec({"/bin/true"}));
  const Result r = probe(*check);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_TRUE(r.detail.starts_with("exit status 0 in ")) << r.detail;
}

TEST_F(CheckTest, ExecFalseFails) {
  auto check = make_check(io, exec({"/bin/false"}));
  const Result r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "exit status 1");
}

TEST_F(CheckTest, ExecPassesArguments) {
  auto check = make_check(io, exec({"/bin/sh", "-c", "exit $0", "3"}));
  EXPECT_EQ(probe(*check).detail, "exit status 3");
}

TEST_F(CheckTest, ExecMissingBinaryFails) {
  auto check = make_check(io, exec({"/nonexistent/check-dns", "--strict"}));
  const Result r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "cannot run /nonexistent/check-dns: No such file or directory");
}

TEST_F(CheckTest, ExecSignalIsReported) {
  auto check = make_check(io, exec({"/bin/sh", "-c", "kill -TERM $$"}));
  EXPECT_EQ(probe(*check).detail, "killed by SIGTERM");
}

TEST_F(CheckTest, ExecTimeoutKillsAndReaps) {
  const std::string pid_file = temp_path("timeout.pid");
  auto check = make_check(io, exec({"/bin/sh", "-c", "echo $$ > " + pid_file + "; exec sleep 5"}));
  const Result r = probe(*check, 200ms);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "timeout after 200ms, process group killed");
  EXPECT_LT(r.latency, 1s);
  const pid_t pid = read_pid(pid_file);
  ASSERT_GT(pid, 0);
  // kill(pid, 0) still succeeds on a zombie; ESRCH means it was reaped.
  EXPECT_TRUE(run_until([&] { return ::kill(pid, 0) != 0 && errno == ESRCH; }));
  ::unlink(pid_file.c_str());
}

TEST_F(CheckTest, ExecTimeoutKillsTheWholeGroup) {
  const std::string pid_file = temp_path("group.pid");
  auto check =
      make_check(io, exec({"/bin/sh", "-c", "sleep 5 & echo $! > " + pid_file + "; wait"}));
  EXPECT_FALSE(probe(*check, 200ms).ok);
  const pid_t grandchild = read_pid(pid_file);
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(run_until([&] { return gone_or_orphan_zombie(grandchild); }));
  ::unlink(pid_file.c_str());
}

TEST_F(CheckTest, ExecDestroyedWhileRunningReaps) {
  const std::string pid_file = temp_path("destroy.pid");
  auto check = make_check(io, exec({"/bin/sh", "-c", "echo $$ > " + pid_file + "; exec sleep 5"}));
  int calls = 0;
  check->run(5s, [&](Result) { ++calls; });
  EXPECT_TRUE(run_until([&] { return read_pid(pid_file) > 0; }));
  const pid_t pid = read_pid(pid_file);
  check.reset();
  EXPECT_TRUE(run_until([&] { return ::kill(pid, 0) != 0 && errno == ESRCH; }));
  EXPECT_EQ(calls, 0);
  ::unlink(pid_file.c_str());
}

TEST_F(CheckTest, ExecInheritsNoDescriptors) {
  const int fd = ::open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(fd, 0);
  const int high = ::fcntl(fd, F_DUPFD, 100);
  ::close(fd);
  auto check =
      make_check(io, exec({"/bin/sh", "-c", "test ! -e /proc/self/fd/" + std::to_string(high)}));
  const Result r = probe(*check);
  EXPECT_TRUE(r.ok) << r.detail;
  ::close(high);
}

// ---- dns: expect_answer and soa_primary ----

TEST_F(CheckTest, DnsExpectAnswerMatchesTheRecords) {
  FakeUdpServer server(io, [](auto q) {
    return std::vector<Bytes>{with_record(dns_answer(q, 0), 1, {198, 18, 100, 1})};
  });
  auto cfg = udp_dns(server.port());
  cfg.expect_answer = {"198.18.100.1"};
  auto check = make_check(io, cfg);
  Result r = probe(*check);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_TRUE(r.detail.starts_with("NOERROR, 1 expected answer in ")) << r.detail;
  cfg.expect_answer = {"198.18.100.2"};
  check = make_check(io, cfg);
  r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "NOERROR, 198.18.100.2 not in the answer (got 198.18.100.1)");
}

struct SoaServers {
  SoaServers(asio::io_context& io)
      : local(io, [this](auto q) { return answer(q, local_serial); }),
        primary(io, [this](auto q) { return answer(q, primary_serial); }) {}
  std::vector<Bytes> answer(std::span<const std::uint8_t> q, std::optional<std::uint32_t> serial) {
    if (!serial) return {};
    return {with_record(dns_answer(q, 0), 6, soa_rdata(*serial))};
  }
  std::optional<std::uint32_t> local_serial = 7;
  std::optional<std::uint32_t> primary_serial = 7;
  FakeUdpServer local;
  FakeUdpServer primary;
};

config::CheckConfig soa_check(std::uint16_t local_port, std::uint16_t primary_port) {
  config::CheckConfig cfg;
  cfg.type = config::CheckType::dns;
  cfg.target = *IpAddress::parse("127.0.0.1");
  cfg.port = local_port;
  cfg.qname = "home.";
  cfg.qtype_name = "SOA";
  cfg.qtype = 6;
  cfg.soa_primary = *IpAddress::parse("127.0.0.1");
  cfg.soa_primary_port = primary_port;
  return cfg;
}

TEST_F(CheckTest, SoaSerialIsComparedWithThePrimary) {
  SoaServers servers(io);
  auto cfg = soa_check(servers.local.port(), servers.primary.port());
  cfg.primary_grace = 0ms;
  auto check = make_check(io, cfg);
  Result r = probe(*check);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_TRUE(r.detail.starts_with("serial 7, primary 7 in ")) << r.detail;
  EXPECT_EQ(servers.primary.requests, 1);

  servers.primary_serial = 8;  // the primary's zone moved on, transfers did not follow
  r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "serial 7 is 1 behind the primary's 8 (max_serial_lag 0)");

  servers.primary_serial.reset();  // silent primary, no grace: fails
  r = probe(*check, 200ms);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.detail.find("primary unreachable for") != std::string::npos) << r.detail;
}

TEST_F(CheckTest, SoaCheckFailsOnTheLocalAnswerFirst) {
  SoaServers servers(io);
  servers.local_serial.reset();
  auto check = make_check(io, soa_check(servers.local.port(), servers.primary.port()));
  const Result r = probe(*check, 200ms);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "timeout after 200ms");
}

TEST_F(CheckTest, SoaWithinThePrimaryGracePasses) {
  SoaServers servers(io);
  servers.primary_serial.reset();
  auto check = make_check(io, soa_check(servers.local.port(), servers.primary.port()));
  const Result r = probe(*check, 200ms);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_TRUE(
      r.detail.starts_with("serial 7, primary unreachable for 0s (timeout after 200ms), "
                           "no primary serial yet in "))
      << r.detail;
}

// ---- ntp: max_offset ----

TEST_F(CheckTest, NtpOffsetBeyondMaxOffsetFails) {
  FakeUdpServer server(io, [](auto q) {
    return std::vector<Bytes>{ntp_answer(q, [](NtpPacket& p) {
      p.receive_time += std::uint64_t{2} << 32;  // a clock 2 s ahead of ours
      p.transmit_time = p.receive_time;
    })};
  });
  auto cfg = of_type(config::CheckType::ntp, server.port());
  cfg.max_offset = 100ms;
  auto check = make_check(io, cfg);
  const Result r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.detail.starts_with("stratum 2, offset +2.0")) << r.detail;
  EXPECT_TRUE(r.detail.ends_with("offset beyond max_offset 100.0ms")) << r.detail;
}

// ---- file ----

TEST_F(CheckTest, FileCheckFailsWhileTheFileExists) {
  config::CheckConfig cfg;
  cfg.type = config::CheckType::file;
  cfg.path = temp_path("maintenance");
  std::remove(cfg.path.c_str());
  auto check = make_check(io, cfg);
  Result r = probe(*check);
  EXPECT_TRUE(r.ok);
  EXPECT_TRUE(r.detail.starts_with("no maintenance file in ")) << r.detail;
  std::ofstream(cfg.path).put('\n');
  r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "maintenance file " + cfg.path + " exists");
  std::remove(cfg.path.c_str());
  EXPECT_TRUE(probe(*check).ok);
}

// ---- http ----

const std::string kHttpOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

config::CheckConfig http_check(std::uint16_t port) {
  config::CheckConfig cfg;
  cfg.type = config::CheckType::http;
  cfg.target = *IpAddress::parse("127.0.0.1");
  cfg.port = port;
  cfg.path = "/health";
  return cfg;
}

TEST_F(CheckTest, HttpOkPassesAndKeepsTheConnection) {
  FakeHttpServer server(io, kHttpOk);
  auto check = make_check(io, http_check(server.port()));
  Result r = probe(*check);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_TRUE(r.detail.starts_with("HTTP 200 in ")) << r.detail;
  EXPECT_TRUE(server.last_request.starts_with("GET /health HTTP/1.1\r\n")) << server.last_request;
  EXPECT_NE(server.last_request.find("Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"),
            std::string::npos)
      << server.last_request;
  EXPECT_EQ(server.last_request.find("Connection:"), std::string::npos) << server.last_request;
  for (int i = 0; i < 2; ++i) {
    r = probe(*check);
    EXPECT_TRUE(r.ok) << r.detail;
    EXPECT_TRUE(r.detail.starts_with("HTTP 200, connection reused in ")) << r.detail;
  }
  EXPECT_EQ(server.accepted(), 1);
  EXPECT_EQ(server.requests, 3);
}

TEST_F(CheckTest, HttpWithoutReuseConnectsForEveryRun) {
  FakeHttpServer server(io, kHttpOk);
  auto cfg = http_check(server.port());
  cfg.reuse_connection = false;
  auto check = make_check(io, cfg);
  EXPECT_TRUE(probe(*check).ok);
  const Result r = probe(*check);
  EXPECT_EQ(r.detail.find("reused"), std::string::npos) << r.detail;
  EXPECT_EQ(server.accepted(), 2);
  EXPECT_NE(server.last_request.find("Connection: close\r\n"), std::string::npos);
}

TEST_F(CheckTest, HttpConnectionCloseFromTheServerIsHonoured) {
  FakeHttpServer server(io, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
  auto check = make_check(io, http_check(server.port()));
  EXPECT_TRUE(probe(*check).ok);
  EXPECT_TRUE(probe(*check).ok);
  EXPECT_EQ(server.accepted(), 2);
}

TEST_F(CheckTest, HttpBodyIsReadToItsEndToKeepTheConnection) {
  FakeHttpServer server(
      io, "HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n" + std::string(10000, 'x'));
  auto check = make_check(io, http_check(server.port()));
  EXPECT_TRUE(probe(*check).ok);
  const Result r = probe(*check);
  EXPECT_TRUE(r.detail.starts_with("HTTP 200, connection reused in ")) << r.detail;
  EXPECT_EQ(server.accepted(), 1);
}

TEST_F(CheckTest, HttpReconnectsWhenTheServerClosedTheIdleConnection) {
  FakeHttpServer server(io, kHttpOk);
  auto check = make_check(io, http_check(server.port()));
  EXPECT_TRUE(probe(*check).ok);
  server.close_connections();
  const Result r = probe(*check);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.detail.find("reused"), std::string::npos) << r.detail;
  EXPECT_EQ(server.accepted(), 2);
}

TEST_F(CheckTest, HttpKeptConnectionClosedUnderTheRequestRetriesOnANewOne) {
  // The server closes the idle connection just as the request goes out:
  // the peek saw it open, the answer is an end of stream.
  FakeHttpServer server(io, kHttpOk);
  server.drop_on_request = 2;
  auto check = make_check(io, http_check(server.port()));
  EXPECT_TRUE(probe(*check).ok);
  const Result r = probe(*check);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(server.accepted(), 2);
  EXPECT_EQ(server.requests, 3);
}

TEST_F(CheckTest, HttpDeadServerFailsAlthoughTheConnectionWasKept) {
  FakeHttpServer server(io, kHttpOk);
  auto check = make_check(io, http_check(server.port()));
  EXPECT_TRUE(probe(*check).ok);
  server.kill();
  const Result r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "connect: connection refused");
}

TEST_F(CheckTest, HttpHungServerTimesOutOnTheKeptConnection) {
  FakeHttpServer server(io, kHttpOk);
  auto check = make_check(io, http_check(server.port()));
  EXPECT_TRUE(probe(*check).ok);
  server.answer = false;
  const Result r = probe(*check, 200ms);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "timeout after 200ms");
  // The timed-out connection is not kept: the next run connects anew.
  server.answer = true;
  EXPECT_TRUE(probe(*check).ok);
  EXPECT_EQ(server.accepted(), 2);
}

TEST_F(CheckTest, HttpFailingStatusKeepsTheConnection) {
  FakeHttpServer server(io, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
  auto check = make_check(io, http_check(server.port()));
  EXPECT_EQ(probe(*check).detail, "HTTP 503, expected 200");
  EXPECT_EQ(probe(*check).detail, "HTTP 503, expected 200");
  EXPECT_EQ(server.accepted(), 1);
}

TEST_F(CheckTest, HttpUnexpectedStatusFails) {
  FakeHttpServer server(io, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
  auto cfg = http_check(server.port());
  cfg.host = "www.test.home";
  auto check = make_check(io, cfg);
  const Result r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "HTTP 503, expected 200");
  EXPECT_NE(server.last_request.find("Host: www.test.home:"), std::string::npos);
}

TEST_F(CheckTest, HttpBodyIsSearchedAlsoWhenChunked) {
  FakeHttpServer server(io,
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "7\r\nstatus:\r\n3\r\n ok\r\n0\r\n\r\n");
  auto cfg = http_check(server.port());
  cfg.expect_body = "status: ok";
  auto check = make_check(io, cfg);
  Result r = probe(*check);
  EXPECT_TRUE(r.ok) << r.detail;
  cfg.expect_body = "status: degraded";
  check = make_check(io, cfg);
  r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "HTTP 200, body (10 bytes) lacks \"status: degraded\"");
}

TEST_F(CheckTest, HttpLongBodyIsReadOnlyTo64KiB) {
  // A body announced as 1 MiB: the check reads 64 KiB and stops.
  std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n";
  response += std::string(70 * 1024, 'x');
  FakeHttpServer server(io, response);
  auto cfg = http_check(server.port());
  cfg.expect_body = "y";
  auto check = make_check(io, cfg);
  const Result r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "HTTP 200, body (65536 bytes) lacks \"y\"");
}

TEST_F(CheckTest, HttpConnectionClosedWithoutResponse) {
  tcp::acceptor listener(io, tcp::endpoint(kLoopback, 0));
  listener.async_accept([](boost::system::error_code, tcp::socket) {});  // closes at once
  auto check = make_check(io, http_check(listener.local_endpoint().port()));
  const Result r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "connection closed before the response");
}

TEST_F(CheckTest, HttpRefused) {
  auto check = make_check(io, http_check(closed_port(io)));
  const Result r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "connect: connection refused");
}

TEST_F(CheckTest, HttpsWithAnUnreadableCaFileFailsEveryRun) {
  auto cfg = http_check(closed_port(io));
  cfg.tls = true;
  cfg.ca_file = temp_path("no-such-ca.pem");
  auto check = make_check(io, cfg);
  const Result r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.detail.starts_with("ca_file " + cfg.ca_file + ": ")) << r.detail;
}

}  // namespace
}  // namespace anycastd::probe
