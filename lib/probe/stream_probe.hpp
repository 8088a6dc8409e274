// SPDX-License-Identifier: Apache-2.0
// A request/answer probe over TCP or TLS, shared by the http check and DNS
// over TCP and TLS (internal to lib/probe). With `reuse_connection` the
// connection stays open between probes (connection_reuse.hpp says when);
// otherwise, and whenever the kept one is unfit, each probe connects anew and
// over TLS resumes the last session.
//
//   start --kept and idle?--> exchange(c) on it
//         --else connect (+ TLS handshake)--> exchange(c)
//   exchange --exchange_failed()--> once more on a new connection, or the verdict
//            --exchange_done()----> cert_min_days over TLS, keep or close, the verdict
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "probe/connection_reuse.hpp"
#include "probe/probe.hpp"
#include "probe/tls.hpp"

namespace anycastd::probe {

struct StreamConnection {
  StreamConnection(boost::asio::io_context& io, TlsClient* tls);
  boost::asio::ip::tcp::socket& socket() { return secure ? secure->next_layer() : *plain; }
  // Calls f with the stream the exchange reads and writes.
  template <typename F>
  void visit(F&& f) {
    if (secure) {
      f(*secure);
    } else {
      f(*plain);
    }
  }

  std::optional<boost::asio::ip::tcp::socket> plain;
  std::optional<TlsStream> secure;
  std::chrono::steady_clock::time_point opened;
  bool reused = false;  // this probe's exchange runs on a connection an earlier one kept
};
using StreamConnectionPtr = std::shared_ptr<StreamConnection>;

// A non-blocking peek at an idle socket.
PeerState peek_peer(boost::asio::ip::tcp::socket& socket);

class StreamProbe : public Probe {
 protected:
  // `tls_config`: the check's config when it speaks TLS, else null.
  StreamProbe(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint target,
              const config::CheckConfig* tls_config, bool reuse);

  bool reuse() const { return reuse_; }
  // Sends this probe's request on `c` and reads the answer; ends with
  // exchange_failed() or exchange_done(). Handlers hold `c`, so a stream is
  // never destroyed under an operation in flight.
  virtual void exchange(const StreamConnectionPtr& c, Generation gen) = 0;
  // A send or receive error; `answer_started`: some of the answer was read.
  void exchange_failed(const StreamConnectionPtr& c, Generation gen, bool answer_started,
                       std::string detail);
  // The whole answer, judged. A pass over TLS is judged on cert_min_days
  // too; the detail then says whether the connection was reused or the TLS
  // session resumed.
  void exchange_done(const StreamConnectionPtr& c, Generation gen, AnswerVerdict v,
                     ExchangeEnd end);

 private:
  void start(Generation gen) override;
  void stop() override;
  void open(Generation gen);
  // Closes `c` (marking a TLS stream shut down, so its session stays resumable).
  void close(StreamConnection& c);

  boost::asio::ip::tcp::endpoint target_;
  std::optional<TlsClient> tls_;
  bool reuse_;
  StreamConnectionPtr in_flight_;  // the connection of the probe in flight
  StreamConnectionPtr kept_;       // idle between probes
};

}  // namespace anycastd::probe
