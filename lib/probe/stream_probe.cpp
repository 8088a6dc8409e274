// SPDX-License-Identifier: Apache-2.0
#include "probe/stream_probe.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace anycastd::probe {

using boost::asio::ip::tcp;

StreamConnection::StreamConnection(boost::asio::io_context& io, TlsClient* tls)
    : opened(std::chrono::steady_clock::now()) {
  if (tls != nullptr) {
    secure.emplace(io, tls->context());
    tls->prepare(*secure);
  } else {
    plain.emplace(io);
  }
}

PeerState peek_peer(tcp::socket& socket) {
  char byte = 0;
  const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return PeerState::unexpected_data;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return PeerState::idle;
  return PeerState::closed;  // 0: FIN; else ECONNRESET and the like
}

StreamProbe::StreamProbe(boost::asio::io_context& io, tcp::endpoint target,
                         const config::CheckConfig* tls_config, bool reuse)
    : Probe(io), target_(target), reuse_(reuse) {
  if (tls_config != nullptr) tls_.emplace(*tls_config);
}

void StreamProbe::start(Generation gen) {
  if (tls_ && !tls_->setup_error().empty()) return finish_later(gen, false, tls_->setup_error());
  if (auto c = std::move(kept_)) {
    if (may_reuse(peek_peer(c->socket()), std::chrono::steady_clock::now() - c->opened)) {
      c->reused = true;
      in_flight_ = c;
      return exchange(c, gen);
    }
    close(*c);
  }
  open(gen);
}

void StreamProbe::open(Generation gen) {
  auto c = std::make_shared<StreamConnection>(io_, tls_ ? &*tls_ : nullptr);
  in_flight_ = c;
  c->socket().async_connect(target_, [this, keep = shared_from_this(), c,
                                      gen](boost::system::error_code ec) {
    if (!current(gen)) return;
    if (ec) return finish(gen, false, error_detail("connect", ec));
    if (!c->secure) return exchange(c, gen);
    c->secure->async_handshake(boost::asio::ssl::stream_base::client,
                               [this, keep, c, gen](boost::system::error_code ec) {
                                 if (!current(gen)) return;
                                 if (ec) {
                                   return finish(gen, false, tls_->handshake_error(*c->secure, ec));
                                 }
                                 exchange(c, gen);
                               });
  });
}

void StreamProbe::exchange_failed(const StreamConnectionPtr& c, Generation gen, bool answer_started,
                                  std::string detail) {
  if (retry_on_new_connection(c->reused, answer_started)) {
    close(*c);
    return open(gen);
  }
  finish(gen, false, std::move(detail));
}

void StreamProbe::exchange_done(const StreamConnectionPtr& c, Generation gen, AnswerVerdict v,
                                ExchangeEnd end) {
  end.verdict = v.verdict;
  if (v.verdict == Verdict::pass && c->secure) {
    // On a kept connection this is the certificate of its handshake, judged
    // against today's date.
    AnswerVerdict cert = tls_->finish(*c->secure, std::chrono::system_clock::now());
    if (!cert.detail.empty()) v.detail += ", " + cert.detail;
    v.verdict = cert.verdict;
    end.certificate_failed = cert.verdict != Verdict::pass;
    if (!c->reused && tls_->resumed()) v.detail += ", TLS resumed";
  }
  if (v.verdict == Verdict::pass && c->reused) v.detail += ", connection reused";
  if (reuse_ && keep_after(end)) {
    kept_ = c;
    in_flight_.reset();  // stop() leaves it open
  }
  // Our own connection carries nothing but our request.
  if (v.verdict == Verdict::unrelated) v = {Verdict::fail, "unexpected answer: " + v.detail};
  finish(gen, v.verdict == Verdict::pass, std::move(v.detail));
}

void StreamProbe::stop() {
  if (!in_flight_) return;
  close(*in_flight_);
  in_flight_.reset();
}

void StreamProbe::close(StreamConnection& c) {
  if (c.secure) TlsClient::mark_shut_down(*c.secure);
  boost::system::error_code ignored;
  c.socket().close(ignored);
}

}  // namespace anycastd::probe
