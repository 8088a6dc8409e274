// The http check: one HTTP/1.1 GET per run on a new connection (TCP, or TLS
// resuming the last session), parsed with Boost.Beast, judged by
// evaluate_http_response() and, over TLS, cert_min_days. `Connection:
// close`: a check that kept its connection open would not notice a server
// that stopped accepting new ones. Only the first 64 KiB of the body are
// read.
#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <limits>
#include <optional>
#include <sstream>

#include "probe/http_response.hpp"
#include "probe/probe.hpp"
#include "probe/tls.hpp"

namespace anycastd::probe {
namespace {

namespace http = boost::beast::http;
using boost::asio::ip::tcp;

// The request, serialised by Beast once: every run sends the same bytes.
std::string make_request(const config::CheckConfig& cfg) {
  http::request<http::empty_body> request{http::verb::get, cfg.path, 11};
  // RFC 9110 §7.2: Host is uri-host [":" port], an IPv6 literal in brackets.
  std::string host = cfg.host;
  if (host.empty()) {
    host = cfg.target.is_v4() ? cfg.target.to_string() : "[" + cfg.target.to_string() + "]";
  }
  if (cfg.port != (cfg.tls ? config::kHttpsPort : config::kHttpPort)) {
    host += ":" + std::to_string(cfg.port);
  }
  request.set(http::field::host, host);
  request.set(http::field::user_agent, "anycastd/" ANYCASTD_VERSION);
  request.set(http::field::connection, "close");
  std::ostringstream out;
  out << request;
  return out.str();
}

// One run's connection. Handlers share it, so a stream with operations in
// flight is never destroyed under them (an Asio SSL operation uses its
// stream until it completes, also after a cancel).
struct Connection {
  Connection(boost::asio::io_context& io, TlsClient* tls) {
    if (tls != nullptr) {
      secure.emplace(io, tls->context());
      tls->prepare(*secure);
    } else {
      plain.emplace(io);
    }
    // The body goes into `body` and stops there; its declared length may be
    // anything. (Not boost::none: Beast 1.74 compares a Content-Length with
    // the optional itself, and every length is above an empty one.)
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  }
  tcp::socket& socket() { return secure ? secure->next_layer() : *plain; }

  std::optional<tcp::socket> plain;
  std::optional<TlsStream> secure;
  boost::beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  std::string body;  // the first kHttpBodyLimit bytes, when expect_body needs them
  std::size_t body_size = 0;
};

class HttpProbe final : public Probe {
 public:
  HttpProbe(boost::asio::io_context& io, const config::CheckConfig& cfg)
      : Probe(io),
        target_(to_asio(cfg.target), cfg.port),
        request_(make_request(cfg)),
        expect_status_(cfg.expect_status),
        expect_body_(cfg.expect_body) {
    if (cfg.tls) tls_.emplace(cfg);
  }

 private:
  using ConnectionPtr = std::shared_ptr<Connection>;

  void start(Generation gen) override {
    if (tls_ && !tls_->setup_error().empty()) return finish_later(gen, false, tls_->setup_error());
    auto c = std::make_shared<Connection>(io_, tls_ ? &*tls_ : nullptr);
    connection_ = c;
    c->socket().async_connect(
        target_, [this, keep = shared_from_this(), c, gen](boost::system::error_code ec) {
          if (!current(gen)) return;
          if (ec) return finish(gen, false, error_detail("connect", ec));
          if (!c->secure) return send(c, *c->plain, gen);
          c->secure->async_handshake(boost::asio::ssl::stream_base::client,
                                     [this, keep, c, gen](boost::system::error_code ec) {
                                       if (!current(gen)) return;
                                       if (ec) {
                                         return finish(gen, false,
                                                       tls_->handshake_error(*c->secure, ec));
                                       }
                                       send(c, *c->secure, gen);
                                     });
        });
  }

  template <typename Stream>
  void send(const ConnectionPtr& c, Stream& stream, Generation gen) {
    boost::asio::async_write(
        stream, boost::asio::buffer(request_),
        [this, keep = shared_from_this(), c, &stream, gen](boost::system::error_code ec,
                                                           std::size_t) {
          if (!current(gen)) return;
          if (ec) return finish(gen, false, error_detail("send", ec));
          http::async_read_header(
              stream, c->buffer, c->parser,
              [this, keep, c, &stream, gen](boost::system::error_code ec, std::size_t) {
                if (!current(gen)) return;
                if (ec) return finish(gen, false, receive_error(ec));
                read_body(c, stream, gen);
              });
        });
  }

  // Reads into c->body until the response ends or kHttpBodyLimit bytes are
  // in; without expect_body the status line is all that counts.
  template <typename Stream>
  void read_body(const ConnectionPtr& c, Stream& stream, Generation gen) {
    if (expect_body_.empty() || c->parser.is_done() || c->body_size == kHttpBodyLimit) {
      return judge(*c, gen);
    }
    c->body.resize(kHttpBodyLimit);
    auto& body = c->parser.get().body();
    body.data = c->body.data() + c->body_size;
    body.size = kHttpBodyLimit - c->body_size;
    http::async_read(stream, c->buffer, c->parser,
                     [this, keep = shared_from_this(), c, &stream, gen](
                         boost::system::error_code ec, std::size_t) {
                       if (!current(gen)) return;
                       c->body_size = kHttpBodyLimit - c->parser.get().body().size;
                       // need_buffer: this read filled what it was given. A TLS peer that
                       // closes without close_notify ends a body read to the end of the
                       // connection.
                       if (ec == boost::asio::ssl::error::stream_truncated) return judge(*c, gen);
                       if (ec && ec != http::error::need_buffer)
                         return finish(gen, false, receive_error(ec));
                       read_body(c, stream, gen);
                     });
  }

  void judge(Connection& c, Generation gen) {
    const std::string_view body(c.body.data(), c.body_size);
    AnswerVerdict v =
        evaluate_http_response(c.parser.get().result_int(), body, expect_status_, expect_body_);
    if (v.verdict == Verdict::pass && c.secure) {
      AnswerVerdict cert = tls_->finish(*c.secure, std::chrono::system_clock::now());
      if (!cert.detail.empty()) v.detail += ", " + cert.detail;
      v.verdict = cert.verdict;
      if (tls_->resumed()) v.detail += ", TLS resumed";
    }
    finish(gen, v.verdict == Verdict::pass, std::move(v.detail));
  }

  static std::string receive_error(const boost::system::error_code& ec) {
    if (ec == http::error::end_of_stream || ec == boost::asio::error::eof) {
      return "connection closed before the response";
    }
    return error_detail("receive", ec);
  }

  void stop() override {
    if (!connection_) return;
    boost::system::error_code ignored;
    connection_->socket().close(ignored);
    connection_.reset();
  }

  tcp::endpoint target_;
  std::string request_;
  std::vector<std::uint16_t> expect_status_;
  std::string expect_body_;
  std::optional<TlsClient> tls_;
  ConnectionPtr connection_;  // the run in flight
};

}  // namespace

std::shared_ptr<Probe> make_http_probe(boost::asio::io_context& io,
                                       const config::CheckConfig& cfg) {
  return std::make_shared<HttpProbe>(io, cfg);
}

}  // namespace anycastd::probe
