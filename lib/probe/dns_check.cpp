// SPDX-License-Identifier: Apache-2.0
// The dns check: one query to the service over UDP, TCP or TLS (RFC 7858),
// judged by a DnsJudge (evaluate_dns_answer(), and the SOA serial for
// soa_primary). With soa_primary, SoaCheck asks this node and the primary
// at once and compares the serials (SoaFreshness).
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <random>
#include <vector>

#include "probe/dns_message.hpp"
#include "probe/probe.hpp"
#include "probe/soa_freshness.hpp"
#include "probe/stream_probe.hpp"
#include "probe/udp_probe.hpp"

namespace anycastd::probe {
namespace {

using boost::asio::ip::tcp;

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

// Judges answers for one probe; for the SOA check it also keeps the serial
// of the last answer that passed.
class DnsJudge {
 public:
  DnsJudge(DnsExpectation expect, bool want_serial)
      : expect_(std::move(expect)), want_serial_(want_serial) {}

  AnswerVerdict operator()(std::span<const std::uint8_t> wire, const DnsQuery& query) {
    AnswerVerdict v = evaluate_dns_answer(wire, query, expect_);
    if (!want_serial_ || v.verdict != Verdict::pass) return v;
    serial_ = soa_serial(wire, query);
    if (!serial_) return {Verdict::fail, v.detail + ", no SOA record for the name"};
    return v;
  }
  std::optional<std::uint32_t> serial() const { return serial_; }

 private:
  DnsExpectation expect_;
  bool want_serial_;
  std::optional<std::uint32_t> serial_;
};
using JudgePtr = std::shared_ptr<DnsJudge>;

class DnsUdpProbe final : public UdpProbe {
 public:
  DnsUdpProbe(boost::asio::io_context& io, boost::asio::ip::udp::endpoint target, DnsQuery query,
              JudgePtr judge)
      : UdpProbe(io, target), query_(std::move(query)), judge_(std::move(judge)) {}

 private:
  std::span<const std::uint8_t> next_request() override {
    query_.set_id(next_id(query_.id()));
    return query_.wire();
  }
  AnswerVerdict evaluate(std::span<const std::uint8_t> answer) override {
    return (*judge_)(answer, query_);
  }

  DnsQuery query_;
  JudgePtr judge_;
};

// One exchange's buffers; handlers share them with the connection.
struct DnsExchange {
  std::array<std::uint8_t, 2> length{};
  std::vector<std::uint8_t> answer;
};
using DnsExchangePtr = std::shared_ptr<DnsExchange>;

// RFC 1035 §4.2.2 (and RFC 7858 §3.3 over TLS): each message is prefixed by
// its 16-bit length. One query at a time; with reuse_connection the
// connection carries the next run's query too (RFC 7858 §3.4), else it is
// closed when the answer is in and over TLS the next run resumes the session.
class DnsStreamProbe final : public StreamProbe {
 public:
  DnsStreamProbe(boost::asio::io_context& io, tcp::endpoint target, DnsQuery query, JudgePtr judge,
                 const config::CheckConfig& cfg)
      : StreamProbe(io, target, cfg.transport == config::DnsTransport::tls ? &cfg : nullptr,
                    cfg.reuse_connection),
        query_(std::move(query)),
        judge_(std::move(judge)) {}

 private:
  void exchange(const StreamConnectionPtr& c, Generation gen) override {
    query_.set_id(next_id(query_.id()));
    const auto wire = query_.wire();
    request_.assign(
        {static_cast<std::uint8_t>(wire.size() >> 8), static_cast<std::uint8_t>(wire.size())});
    request_.insert(request_.end(), wire.begin(), wire.end());
    auto x = std::make_shared<DnsExchange>();
    c->visit([&](auto& stream) { send(c, x, stream, gen); });
  }

  template <typename Stream>
  void send(const StreamConnectionPtr& c, const DnsExchangePtr& x, Stream& stream, Generation gen) {
    boost::asio::async_write(stream, boost::asio::buffer(request_),
                             [this, keep = shared_from_this(), c, x, &stream, gen](
                                 boost::system::error_code ec, std::size_t) {
                               if (!current(gen)) return;
                               if (ec) {
                                 return exchange_failed(c, gen, false, error_detail("send", ec));
                               }
                               receive_length(c, x, stream, gen);
                             });
  }

  template <typename Stream>
  void receive_length(const StreamConnectionPtr& c, const DnsExchangePtr& x, Stream& stream,
                      Generation gen) {
    boost::asio::async_read(
        stream, boost::asio::buffer(x->length),
        [this, keep = shared_from_this(), c, x, &stream, gen](boost::system::error_code ec,
                                                              std::size_t size) {
          if (!current(gen)) return;
          if (ec) return exchange_failed(c, gen, size > 0, receive_error(ec));
          x->answer.resize(static_cast<std::size_t>(x->length[0] << 8 | x->length[1]));
          receive_answer(c, x, stream, gen);
        });
  }

  template <typename Stream>
  void receive_answer(const StreamConnectionPtr& c, const DnsExchangePtr& x, Stream& stream,
                      Generation gen) {
    boost::asio::async_read(
        stream, boost::asio::buffer(x->answer),
        [this, keep = shared_from_this(), c, x, gen](boost::system::error_code ec, std::size_t) {
          if (!current(gen)) return;
          if (ec) return exchange_failed(c, gen, true, receive_error(ec));
          exchange_done(c, gen, (*judge_)(x->answer, query_), ExchangeEnd{});
        });
  }

  static std::string receive_error(const boost::system::error_code& ec) {
    if (ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated) {
      return "connection closed before the answer";
    }
    return error_detail("receive", ec);
  }

  DnsQuery query_;
  JudgePtr judge_;
  std::vector<std::uint8_t> request_;
};

DnsExpectation expectation(const config::CheckConfig& cfg) {
  DnsExpectation expect;
  expect.rcode = cfg.expect_rcode;
  for (const auto& text : cfg.expect_answer) {
    // The parser accepted it, so it has a canonical form.
    if (auto canonical = canonical_rdata(cfg.qtype, text)) expect.answers.push_back(*canonical);
  }
  return expect;
}

std::shared_ptr<Probe> make_query_probe(boost::asio::io_context& io, const config::CheckConfig& cfg,
                                        DnsQuery query, JudgePtr judge) {
  const auto address = to_asio(cfg.target);
  switch (cfg.transport) {
    case config::DnsTransport::udp:
      return std::make_shared<DnsUdpProbe>(io, boost::asio::ip::udp::endpoint(address, cfg.port),
                                           std::move(query), std::move(judge));
    case config::DnsTransport::tcp:
    case config::DnsTransport::tls:
      return std::make_shared<DnsStreamProbe>(io, tcp::endpoint(address, cfg.port),
                                              std::move(query), std::move(judge), cfg);
  }
  return std::make_shared<FailingProbe>(io, "unknown DNS transport");
}

// soa_primary: this node's SOA query and the primary's (over UDP) run
// side by side with the service's timeout; when both are in, SoaFreshness
// compares the serials. A failed local query fails the check on its own.
class SoaCheck final : public Check {
 public:
  SoaCheck(boost::asio::io_context& io, const config::CheckConfig& cfg, DnsQuery local_query,
           DnsQuery primary_query)
      : local_judge_(std::make_shared<DnsJudge>(expectation(cfg), true)),
        primary_judge_(std::make_shared<DnsJudge>(DnsExpectation{}, true)),
        local_(make_query_probe(io, cfg, std::move(local_query), local_judge_)),
        primary_(std::make_shared<DnsUdpProbe>(
            io, boost::asio::ip::udp::endpoint(to_asio(*cfg.soa_primary), cfg.soa_primary_port),
            std::move(primary_query), primary_judge_)),
        freshness_(cfg.max_serial_lag, cfg.primary_grace, std::chrono::steady_clock::now()) {}
  ~SoaCheck() override { cancel(); }
  SoaCheck(const SoaCheck&) = delete;
  SoaCheck& operator=(const SoaCheck&) = delete;

  void run(std::chrono::milliseconds timeout, std::function<void(Result)> done) override {
    cancel();
    done_ = std::move(done);
    local_result_.reset();
    primary_result_.reset();
    local_->run(timeout, [this](Result r) {
      local_result_ = std::move(r);
      complete();
    });
    primary_->run(timeout, [this](Result r) {
      primary_result_ = std::move(r);
      complete();
    });
  }

  void cancel() override {
    done_ = nullptr;
    local_->cancel();
    primary_->cancel();
  }

 private:
  void complete() {
    if (!local_result_ || !primary_result_ || !done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    Result local = std::move(*local_result_);
    if (!local.ok) return done(std::move(local));
    const std::optional<std::uint32_t> primary =
        primary_result_->ok ? primary_judge_->serial() : std::nullopt;
    AnswerVerdict v = freshness_.judge(*local_judge_->serial(), primary, primary_result_->detail,
                                       std::chrono::steady_clock::now());
    const bool ok = v.verdict == Verdict::pass;
    if (ok) v.detail += " in " + format_latency(local.latency);
    done(Result{ok, local.latency, std::move(v.detail)});
  }

  JudgePtr local_judge_;
  JudgePtr primary_judge_;
  std::shared_ptr<Probe> local_;
  std::shared_ptr<Probe> primary_;
  SoaFreshness freshness_;
  std::function<void(Result)> done_;
  std::optional<Result> local_result_;
  std::optional<Result> primary_result_;
};

}  // namespace

std::shared_ptr<Probe> make_dns_probe(boost::asio::io_context& io, const config::CheckConfig& cfg) {
  auto query = DnsQuery::make(cfg.qname, cfg.qtype);
  if (!query) return std::make_shared<FailingProbe>(io, "invalid query name '" + cfg.qname + "'");
  return make_query_probe(io, cfg, std::move(*query),
                          std::make_shared<DnsJudge>(expectation(cfg), false));
}

std::unique_ptr<Check> make_soa_check(boost::asio::io_context& io, const config::CheckConfig& cfg) {
  auto local = DnsQuery::make(cfg.qname, cfg.qtype);
  auto primary = DnsQuery::make(cfg.qname, cfg.qtype);
  if (!local || !primary) return nullptr;
  return std::make_unique<SoaCheck>(io, cfg, std::move(*local), std::move(*primary));
}

}  // namespace anycastd::probe
