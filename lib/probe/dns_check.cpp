// The dns check: one query to the service over UDP or TCP, judged by
// evaluate_dns_answer().
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <random>
#include <vector>

#include "probe/dns_message.hpp"
#include "probe/probe.hpp"
#include "probe/udp_probe.hpp"

namespace anycastd::probe {
namespace {

// A random ID for each query (RFC 5452 §4.3), never the previous one, so a
// late answer to the last run is recognised as unrelated.
std::uint16_t next_id(std::uint16_t previous) {
  static std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<unsigned> dist(0, 0xffff);
  auto id = static_cast<std::uint16_t>(dist(rng));
  while (id == previous)
    id = static_cast<std::uint16_t>(dist(rng));
  return id;
}

class DnsUdpProbe final : public UdpProbe {
 public:
  DnsUdpProbe(boost::asio::io_context& io, boost::asio::ip::udp::endpoint target, DnsQuery query,
              std::uint8_t expect_rcode)
      : UdpProbe(io, target), query_(std::move(query)), expect_rcode_(expect_rcode) {}

 private:
  std::span<const std::uint8_t> next_request() override {
    query_.set_id(next_id(query_.id()));
    return query_.wire();
  }
  AnswerVerdict evaluate(std::span<const std::uint8_t> answer) const override {
    return evaluate_dns_answer(answer, query_, expect_rcode_);
  }

  DnsQuery query_;
  std::uint8_t expect_rcode_;
};

// RFC 1035 §4.2.2: over TCP each message is prefixed by its 16-bit length.
// One connection per run, closed when the answer is in.
class DnsTcpProbe final : public Probe {
 public:
  DnsTcpProbe(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint target, DnsQuery query,
              std::uint8_t expect_rcode)
      : Probe(io),
        target_(target),
        socket_(io),
        query_(std::move(query)),
        expect_rcode_(expect_rcode) {}

 private:
  void start(Generation gen) override {
    query_.set_id(next_id(query_.id()));
    const auto wire = query_.wire();
    request_.assign(
        {static_cast<std::uint8_t>(wire.size() >> 8), static_cast<std::uint8_t>(wire.size())});
    request_.insert(request_.end(), wire.begin(), wire.end());
    socket_.async_connect(target_,
                          [this, keep = shared_from_this(), gen](boost::system::error_code ec) {
                            if (!current(gen)) return;
                            if (ec) return finish(gen, false, error_detail("connect", ec));
                            send(gen);
                          });
  }

  void send(Generation gen) {
    boost::asio::async_write(
        socket_, boost::asio::buffer(request_),
        [this, keep = shared_from_this(), gen](boost::system::error_code ec, std::size_t) {
          if (!current(gen)) return;
          if (ec) return finish(gen, false, error_detail("send", ec));
          receive_length(gen);
        });
  }

  void receive_length(Generation gen) {
    boost::asio::async_read(
        socket_, boost::asio::buffer(length_),
        [this, keep = shared_from_this(), gen](boost::system::error_code ec, std::size_t) {
          if (!current(gen)) return;
          if (ec) return finish(gen, false, receive_error(ec));
          answer_.resize(static_cast<std::size_t>(length_[0] << 8 | length_[1]));
          receive_answer(gen);
        });
  }

  void receive_answer(Generation gen) {
    boost::asio::async_read(
        socket_, boost::asio::buffer(answer_),
        [this, keep = shared_from_this(), gen](boost::system::error_code ec, std::size_t) {
          if (!current(gen)) return;
          if (ec) return finish(gen, false, receive_error(ec));
          AnswerVerdict v = evaluate_dns_answer(answer_, query_, expect_rcode_);
          switch (v.verdict) {
            case Verdict::pass:
              return finish(gen, true, std::move(v.detail));
            case Verdict::fail:
              return finish(gen, false, std::move(v.detail));
            case Verdict::unrelated:
              // Our own connection carries nothing but our query.
              return finish(gen, false, "unexpected answer: " + v.detail);
          }
        });
  }

  static std::string receive_error(const boost::system::error_code& ec) {
    if (ec == boost::asio::error::eof) return "connection closed before the answer";
    return error_detail("receive", ec);
  }

  void stop() override {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  boost::asio::ip::tcp::endpoint target_;
  boost::asio::ip::tcp::socket socket_;
  DnsQuery query_;
  std::uint8_t expect_rcode_;
  std::vector<std::uint8_t> request_;
  std::array<std::uint8_t, 2> length_{};
  std::vector<std::uint8_t> answer_;
};

}  // namespace

std::shared_ptr<Probe> make_dns_probe(boost::asio::io_context& io, const config::CheckConfig& cfg) {
  auto query = DnsQuery::make(cfg.qname, cfg.qtype);
  if (!query) return std::make_shared<FailingProbe>(io, "invalid query name '" + cfg.qname + "'");
  const auto address = to_asio(cfg.target);
  switch (cfg.transport) {
    case config::DnsTransport::udp:
      return std::make_shared<DnsUdpProbe>(io, boost::asio::ip::udp::endpoint(address, cfg.port),
                                           std::move(*query), cfg.expect_rcode);
    case config::DnsTransport::tcp:
      return std::make_shared<DnsTcpProbe>(io, boost::asio::ip::tcp::endpoint(address, cfg.port),
                                           std::move(*query), cfg.expect_rcode);
  }
  return std::make_shared<FailingProbe>(io, "unknown DNS transport");
}

}  // namespace anycastd::probe
