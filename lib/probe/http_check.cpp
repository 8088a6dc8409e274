// SPDX-License-Identifier: Apache-2.0
// The http check: one HTTP/1.1 GET per run, parsed with Boost.Beast, judged
// by evaluate_http_response() and, over TLS, cert_min_days. With
// reuse_connection (the default) the connection persists between runs (RFC
// 9112 §9.3) as StreamProbe decides; otherwise every run sends `Connection:
// close` on a new connection (over TLS resuming the last session). Only the
// first 64 KiB of the body are read.
#include <algorithm>
#include <array>
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
#include "probe/stream_probe.hpp"

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
  if (!cfg.reuse_connection) request.set(http::field::connection, "close");
  std::ostringstream out;
  out << request;
  return out.str();
}

// One exchange's parser and buffers. Handlers share it with the connection.
struct HttpExchange {
  HttpExchange() {
    // The body goes into `body` (or `discard`) and stops there; its declared
    // length may be anything. (Not boost::none: Beast 1.74 compares a
    // Content-Length with the optional itself, and every length is above an
    // empty one.)
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  }

  boost::beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  std::string body;  // the first kHttpBodyLimit bytes, when expect_body needs them
  std::size_t body_size = 0;
  // Without expect_body, a kept connection still needs the body read to its
  // end: it passes through here.
  std::array<char, 4096> discard{};
  std::size_t given = 0;  // bytes the current read may fill
};
using HttpExchangePtr = std::shared_ptr<HttpExchange>;

class HttpProbe final : public StreamProbe {
 public:
  HttpProbe(boost::asio::io_context& io, const config::CheckConfig& cfg)
      : StreamProbe(io, tcp::endpoint(to_asio(cfg.target), cfg.port), cfg.tls ? &cfg : nullptr,
                    cfg.reuse_connection),
        request_(make_request(cfg)),
        expect_status_(cfg.expect_status),
        expect_body_(cfg.expect_body) {}

 private:
  void exchange(const StreamConnectionPtr& c, Generation gen) override {
    auto x = std::make_shared<HttpExchange>();
    c->visit([&](auto& stream) { send(c, x, stream, gen); });
  }

  template <typename Stream>
  void send(const StreamConnectionPtr& c, const HttpExchangePtr& x, Stream& stream,
            Generation gen) {
    boost::asio::async_write(
        stream, boost::asio::buffer(request_),
        [this, keep = shared_from_this(), c, x, &stream, gen](boost::system::error_code ec,
                                                              std::size_t) {
          if (!current(gen)) return;
          if (ec) return exchange_failed(c, gen, false, error_detail("send", ec));
          http::async_read_header(
              stream, x->buffer, x->parser,
              [this, keep, c, x, &stream, gen](boost::system::error_code ec, std::size_t) {
                if (!current(gen)) return;
                if (ec) return exchange_failed(c, gen, x->buffer.size() > 0, receive_error(ec));
                read_body(c, x, stream, gen);
              });
        });
  }

  // Reads into x->body until the response ends or kHttpBodyLimit bytes are
  // in. Without expect_body the status line is all that counts, and the rest
  // is read only to keep the connection.
  template <typename Stream>
  void read_body(const StreamConnectionPtr& c, const HttpExchangePtr& x, Stream& stream,
                 Generation gen) {
    if (x->parser.is_done() || x->body_size == kHttpBodyLimit ||
        (expect_body_.empty() && !reuse())) {
      return judge(c, *x, gen);
    }
    auto& body = x->parser.get().body();
    if (expect_body_.empty()) {
      body.data = x->discard.data();
      x->given = std::min(x->discard.size(), kHttpBodyLimit - x->body_size);
    } else {
      x->body.resize(kHttpBodyLimit);
      body.data = x->body.data() + x->body_size;
      x->given = kHttpBodyLimit - x->body_size;
    }
    body.size = x->given;
    http::async_read(stream, x->buffer, x->parser,
                     [this, keep = shared_from_this(), c, x, &stream, gen](
                         boost::system::error_code ec, std::size_t) {
                       if (!current(gen)) return;
                       x->body_size += x->given - x->parser.get().body().size;
                       // need_buffer: this read filled what it was given. A TLS peer that
                       // closes without close_notify ends a body read to the end of the
                       // connection.
                       if (ec == boost::asio::ssl::error::stream_truncated) {
                         return judge(c, *x, gen);
                       }
                       if (ec && ec != http::error::need_buffer) {
                         return exchange_failed(c, gen, true, receive_error(ec));
                       }
                       read_body(c, x, stream, gen);
                     });
  }

  void judge(const StreamConnectionPtr& c, const HttpExchange& x, Generation gen) {
    const std::string_view body(x.body.data(), expect_body_.empty() ? 0 : x.body_size);
    AnswerVerdict v =
        evaluate_http_response(x.parser.get().result_int(), body, expect_status_, expect_body_);
    // RFC 9112 §9.3: a connection persists unless "close" was signalled
    // (or HTTP/1.0 without keep-alive); a body not read to its end leaves
    // the stream out of step.
    const ExchangeEnd end{.server_keeps_open = x.parser.is_done() && x.parser.keep_alive(),
                          .leftover_bytes = x.buffer.size() > 0};
    exchange_done(c, gen, std::move(v), end);
  }

  static std::string receive_error(const boost::system::error_code& ec) {
    if (ec == http::error::end_of_stream || ec == boost::asio::error::eof) {
      return "connection closed before the response";
    }
    return error_detail("receive", ec);
  }

  std::string request_;
  std::vector<std::uint16_t> expect_status_;
  std::string expect_body_;
};

}  // namespace

std::shared_ptr<Probe> make_http_probe(boost::asio::io_context& io,
                                       const config::CheckConfig& cfg) {
  return std::make_shared<HttpProbe>(io, cfg);
}

}  // namespace anycastd::probe
