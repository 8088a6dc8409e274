// SPDX-License-Identifier: Apache-2.0
#include "metrics/http_server.hpp"

#include <list>
#include <optional>
#include <stdexcept>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace anycastd::metrics {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using boost::asio::ip::tcp;

namespace {
class Session;
}

struct detail::HttpState {
  HttpState(boost::asio::io_context& io, std::string path, MetricsServer::Render render,
            Limits limits)
      : path(std::move(path)),
        render(std::move(render)),
        limits(limits),
        acceptor(io),
        retry_timer(io) {}

  std::size_t live_sessions() {
    sessions.remove_if([](const std::weak_ptr<Session>& s) { return s.expired(); });
    return sessions.size();
  }

  std::string path;
  MetricsServer::Render render;
  Limits limits;
  tcp::acceptor acceptor;
  boost::asio::steady_timer retry_timer;
  std::list<std::weak_ptr<Session>> sessions;
  bool stopped = false;
};

namespace {

using Response = http::response<http::string_body>;

// The content type of a scrape (exposition.hpp kContentType), repeated here so
// that the HTTP layer does not depend on the encoder.
constexpr const char* kScrapeType = "text/plain; version=0.0.4; charset=utf-8";

constexpr std::chrono::seconds kLinger{1};

Response error_response(http::status status, std::string text, unsigned version) {
  Response res{status, version};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.set(http::field::connection, "close");
  res.body() = std::move(text) + "\n";
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

// One client: read a request header, answer, repeat while it keeps the
// connection alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<detail::HttpState> server, tcp::socket socket)
      : server_(std::move(server)), stream_(std::move(socket)) {}

  void start() { read(); }

  void close() {
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_->limits.max_header));
    stream_.expires_after(server_->limits.request_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(const beast::error_code& ec) {
    if (server_->stopped) return;
    if (ec == http::error::end_of_stream || ec == boost::asio::error::eof ||
        ec == boost::asio::error::operation_aborted || ec == boost::asio::error::connection_reset) {
      return close();
    }
    if (ec == beast::error::timeout) {
      spdlog::debug("metrics: closing a client that sent no whole request in {}ms",
                    server_->limits.request_timeout.count());
      return close();
    }
    if (ec == http::error::header_limit) {
      return fail(http::status::request_header_fields_too_large,
                  "request header fields larger than " +
                      std::to_string(server_->limits.max_header) + " bytes");
    }
    if (ec) return fail(http::status::bad_request, "bad request: " + ec.message());
    const auto& req = parser_->get();
    // A scrape has no body; a request that announces one is refused rather
    // than read (RFC 9110 §15.5.14).
    if (!parser_->is_done()) {
      return fail(http::status::payload_too_large, "a metrics request carries no body");
    }
    const std::string_view target(req.target().data(), req.target().size());
    const auto path = target.substr(0, target.find('?'));
    if (path != server_->path) {
      return fail(http::status::not_found, "not found: metrics are at " + server_->path);
    }
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      Response res = error_response(http::status::method_not_allowed,
                                    "method not allowed: use GET or HEAD", req.version());
      res.set(http::field::allow, "GET, HEAD");
      return write(std::move(res));
    }
    Response res{http::status::ok, req.version()};
    res.set(http::field::content_type, kScrapeType);
    res.body() = server_->render();
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    if (req.method() == http::verb::head) res.body().clear();
    write(std::move(res));
  }

  void fail(http::status status, std::string text) {
    const unsigned version = parser_->is_header_done() ? parser_->get().version() : 11;
    write(error_response(status, std::move(text), version));
  }

  void write(Response res) {
    response_ = std::move(res);
    stream_.expires_after(server_->limits.write_timeout);
    http::async_write(stream_, response_,
                      [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                        if (self->server_->stopped) return;
                        if (ec) return self->close();
                        if (!self->response_.keep_alive()) return self->linger();
                        self->read();
                      });
  }

  // A lingering close: our side is done, and what the client still sends
  // (the rest of a refused request) is read and dropped for a moment, so
  // that the kernel does not answer it with a reset that could destroy the
  // response before the client reads it.
  void linger() {
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLinger);
    drain();
  }

  void drain() {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                              if (self->server_->stopped) return;
                              if (ec) return self->close();
                              self->drain();
                            });
  }

  std::shared_ptr<detail::HttpState> server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  Response response_;
};

void accept(const std::shared_ptr<detail::HttpState>& state) {
  state->acceptor.async_accept([state](const boost::system::error_code& ec, tcp::socket socket) {
    if (state->stopped) return;
    if (ec) {
      // Out of file descriptors, say: try again in a while, not at once.
      spdlog::warn("metrics: accept failed: {}; retrying in 1s", ec.message());
      state->retry_timer.expires_after(std::chrono::seconds(1));
      state->retry_timer.async_wait([state](const boost::system::error_code& wait_ec) {
        if (!wait_ec && !state->stopped) accept(state);
      });
      return;
    }
    if (state->live_sessions() >= state->limits.max_connections) {
      // One non-blocking write of a short refusal, then close: a flood of
      // connections costs nothing beyond the accept.
      static const std::string refusal =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nConnection: "
          "close\r\nContent-Length: 22\r\n\r\ntoo many connections\r\n";
      boost::system::error_code ignored;
      socket.non_blocking(true, ignored);
      socket.write_some(boost::asio::buffer(refusal), ignored);
      socket.close(ignored);
      spdlog::debug("metrics: refused a client: {} connections open",
                    state->limits.max_connections);
    } else {
      auto session = std::make_shared<Session>(state, std::move(socket));
      state->sessions.push_back(session);
      session->start();
    }
    accept(state);
  });
}

}  // namespace

MetricsServer::MetricsServer(boost::asio::io_context& io, const tcp::endpoint& listen,
                             std::string path, Render render, Limits limits)
    : state_(std::make_shared<detail::HttpState>(io, std::move(path), std::move(render), limits)) {
  auto& acceptor = state_->acceptor;
  boost::system::error_code ec;
  acceptor.open(listen.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(listen, ec);
  if (!ec) acceptor.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("metrics: cannot listen on " + listen.address().to_string() + ":" +
                             std::to_string(listen.port()) + ": " + ec.message() +
                             "; is another exporter on that port? Change [metrics] listen");
  }
  accept(state_);
}

MetricsServer::~MetricsServer() {
  state_->stopped = true;
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
  state_->retry_timer.cancel();
  for (const auto& weak : state_->sessions) {
    if (const auto session = weak.lock()) session->close();
  }
}

tcp::endpoint MetricsServer::local_endpoint() const {
  return state_->acceptor.local_endpoint();
}

void MetricsServer::set_path(std::string path) {
  state_->path = std::move(path);
}

std::size_t MetricsServer::client_count() const {
  return state_->live_sessions();
}

}  // namespace anycastd::metrics
